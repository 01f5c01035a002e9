package findings

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFindingsDocumentIsCurrent fails while docs/findings.md is not what
// make findings would write from expectations/ and features/.
func TestFindingsDocumentIsCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	want, err := Render(root)
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(root, "docs", "findings.md"))
	require.NoError(t, err, "make findings writes it")
	assert.Equal(t, want, string(got), "docs/findings.md is stale: run make findings")
}

func TestEveryKnownFailureIsRendered(t *testing.T) {
	doc, err := Render(filepath.Join("..", ".."))
	require.NoError(t, err)
	// Rust 1.0.4's slow-callback and hung-disconnect failures (BT-16,
	// BT-12), which a hand-written table once left out.
	assert.Contains(t, doc, "| BT-16 (tentative) | While one provider's callback takes 3 seconds")
	assert.Contains(t, doc, "| BT-12 | A callback that never returns, and its session disconnected meanwhile | >=1.0.4 <1.0.8 |")
	assert.NotContains(t, doc, "| ? |", "every known failure's scenario is in the features")
}
