package dashboard

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScreenshotShowsTheMatrix renders the page in headless Chromium, as a
// person would see it, and checks the picture: the cell colours of the
// matrix must be on screen, so a page that renders blank, unstyled or
// broken fails. .ci/run installs Debian's chromium for it.
func TestScreenshotShowsTheMatrix(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium): cannot take the screenshot")
	}
	dir := t.TempDir()
	var b bytes.Buffer
	require.NoError(t, Build(repoRules(t), fixtureRuns(), nil, "abc123", time.Now()).HTML(&b))
	page := filepath.Join(dir, "dashboard.html")
	require.NoError(t, os.WriteFile(page, b.Bytes(), 0o644))
	shot := filepath.Join(dir, "dashboard.png")

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// The flags keep Chromium off the network (this machine has none) and
	// away from the user's profile.
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1400,1000", "--hide-scrollbars",
		"--screenshot="+shot, "file://"+page)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "chromium: %s", out)
	if dst := os.Getenv("DASHBOARD_SCREENSHOT"); dst != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(dst, data, 0o644) // to look at it: DASHBOARD_SCREENSHOT=/tmp/d.png go test ...
	}

	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 1400, 1000), img.Bounds())
	counts := map[string]int{}
	colours := map[string]color.RGBA{
		"passed": {0xda, 0xfb, 0xe1, 0xff}, "expected": {0xff, 0xf8, 0xc5, 0xff},
		"unexpected": {0xff, 0xce, 0xcb, 0xff}, "observed": {0xdd, 0xf4, 0xff, 0xff}, "rule row": {0xee, 0xf1, 0xf4, 0xff},
	}
	for y := 0; y < 1000; y++ {
		for x := 0; x < 1400; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for name, c := range colours {
				if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
					counts[name]++
				}
			}
		}
	}
	for name := range colours {
		assert.Greater(t, counts[name], 500, "too few %s pixels: the matrix did not render as designed (%v)", name, counts)
	}
}
