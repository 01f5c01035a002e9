package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"conformance/internal/contract"
	"conformance/internal/expectations"
)

const shotWidth, shotHeight = 1280, 900

// measure is injected into a copy of the page (the page itself has no
// script) to read its layout as Chromium lays it out at 1280 x 900.
const measure = `<script>
window.addEventListener('load', () => {
  const rect = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const out = {
    scrollWidth: document.documentElement.scrollWidth,
    headers: [...document.querySelectorAll('th[data-sdk]')].map(e => ({sdk: e.dataset.sdk, rect: rect(e)})),
    rows: [...document.querySelectorAll('tr[data-rule]')].map(e => ({rule: e.dataset.rule, rect: rect(e),
      cells: [...e.querySelectorAll('td.cell')].map(c => ({state: c.dataset.state, text: c.innerText, rect: rect(c)}))})),
  };
  const pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`

type box struct{ Left, Right, Top, Bottom float64 }

type layout struct {
	ScrollWidth float64 `json:"scrollWidth"`
	Headers     []struct {
		SDK  string `json:"sdk"`
		Rect box    `json:"rect"`
	} `json:"headers"`
	Rows []struct {
		Rule  string `json:"rule"`
		Rect  box    `json:"rect"`
		Cells []struct {
			State string `json:"state"`
			Text  string `json:"text"`
			Rect  box    `json:"rect"`
		} `json:"cells"`
	} `json:"rows"`
}

// TestScreenshotShowsTheMatrix renders the page in headless Chromium at
// 1280 x 900, as a person would first see it, after runs of node, go and
// java with their BT-8 known failures and a dotnet that could not run:
// the whole matrix is on the first screen, with no horizontal scroll,
// every SDK's column, the known failures in their cells, and dotnet's
// "not run here". .ci/run installs Debian's chromium for it.
func TestScreenshotShowsTheMatrix(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium): cannot take the screenshot")
	}
	in := fixture()
	for i, r := range in.Runs {
		if r.Label == "go" { // a known failure here, as go's BT-8 is
			in.Runs[i].Verdict = expectations.Verdict{ExpectedFailures: []expectations.Judged{knownFailure("disconnected session", "go keeps the session", "@BT-8")}}
		}
	}
	// make test runs each SDK on four configurations: so does node here.
	for _, cfg := range [][2]string{{"fake", "stdio"}, {"real", "tcp"}} {
		r := in.Runs[3] // node, fake runtime, tcp
		require.Equal(t, "node", r.Label)
		r.Label, r.Runtime, r.Transport = "node."+cfg[0]+"."+cfg[1], cfg[0], cfg[1]
		in.Runs = append(in.Runs, r)
	}
	// Two tentative rules with their why, as features/tentative/ states
	// them, unless the features already have them.
	rules := repoRules(t)
	if !rules[len(rules)-1].Tentative {
		n := len(rules)
		for i := 1; i <= 2; i++ {
			rules = append(rules, contract.Rule{ID: fmt.Sprintf("BT-%d", n+i), Number: n + i, Title: "A proposed rule with a title as long as the stated ones",
				Text: "A proposal.", Tentative: true, Why: "two SDKs disagree here and upstream fixed one of them in a later release, so the suite proposes the fixed behaviour"})
		}
	}
	// A soak that found node's BT-8 scenario flaky on its tcp run: the
	// soak's line and the badge must not push the matrix off the screen.
	in.Soaks = []LoadedSoak{{Path: "results/soak.json", Report: soakOf(t, 1, map[string][]expectations.Verdict{
		"node": failingOnce("disconnected session", "the session was gone"), "go": steady("disconnected session")})}}
	p := Build(rules, in, "abc123", "2026-12-01 10:00 UTC")
	assert.Equal(t, []string{"node", "node.fake.stdio", "node.real.tcp", "node.real-runtime.stdio"}, p.Columns[0].Runs,
		"configurations in the marks' order: fake before real, tcp before stdio")
	var b bytes.Buffer
	require.NoError(t, p.HTML(&b))
	dir := t.TempDir()
	page := filepath.Join(dir, "dashboard.html")
	require.NoError(t, os.WriteFile(page, b.Bytes(), 0o644))
	measured := filepath.Join(dir, "measured.html")
	require.NoError(t, os.WriteFile(measured, []byte(strings.Replace(b.String(), "</body>", measure+"</body>", 1)), 0o644))

	shot := filepath.Join(dir, "dashboard.png")
	chromium(t, browser, dir, "--screenshot="+shot, "file://"+page)
	if dst := os.Getenv("DASHBOARD_SCREENSHOT"); dst != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(dst, data, 0o644) // to look at it: DASHBOARD_SCREENSHOT=/tmp/d.png go test -run Screenshot ./internal/dashboard
	}
	dom := chromium(t, browser, dir, "--dump-dom", "file://"+measured)
	m := regexp.MustCompile(`(?s)<pre id="layout">(.*?)</pre>`).FindStringSubmatch(dom)
	require.NotNil(t, m, "the layout script wrote nothing: %.500s", dom)
	var l layout
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &l))

	assert.LessOrEqual(t, l.ScrollWidth, float64(shotWidth), "the page scrolls sideways at 1280 px")
	var sdks []string
	for _, h := range l.Headers {
		sdks = append(sdks, h.SDK)
		assert.True(t, on(h.Rect), "%s's column header is off the first screen: %+v", h.SDK, h.Rect)
	}
	assert.Equal(t, []string{"node", "node", "python", "go", "dotnet", "rust", "java"}, sdks, "a column per SDK, in order")
	require.Len(t, l.Rows, len(p.Rules))
	for _, row := range l.Rows {
		assert.True(t, on(row.Rect), "rule %s is off the first screen: %+v", row.Rule, row.Rect)
		require.Len(t, row.Cells, len(p.Columns), row.Rule)
	}
	bt8 := l.Rows[7]
	require.Equal(t, "BT-8", bt8.Rule)
	for col, sdk := range map[int]string{0: "node", 3: "go", 6: "java"} {
		assert.Equal(t, FailsExpected, bt8.Cells[col].State, sdk)
		assert.Contains(t, bt8.Cells[col].Text, "known failure", "%s's BT-8 cell", sdk)
	}
	assert.Contains(t, bt8.Cells[4].Text, "not run here", "dotnet's BT-8 cell")
	for _, row := range l.Rows {
		for col, cell := range row.Cells {
			assert.Equal(t, row.Rule == "BT-8" && col == 0, strings.Contains(cell.Text, "flaky"), "%s column %d: the flaky badge", row.Rule, col)
		}
	}

	// The picture itself: the known failures' and passes' colours are on
	// screen, so a page that lays out but renders blank or unstyled fails.
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, shotWidth, shotHeight), img.Bounds())
	knownFailure := pixelsIn(img, 0xff, 0xf8, 0xc5, bt8.Cells[0].Rect)
	assert.Greater(t, knownFailure, int((bt8.Cells[0].Rect.Right-bt8.Cells[0].Rect.Left)*(bt8.Cells[0].Rect.Bottom-bt8.Cells[0].Rect.Top)/3),
		"node's BT-8 cell is not drawn in the known-failure colour")
	assert.Greater(t, pixelsIn(img, 0xda, 0xfb, 0xe1, box{0, shotWidth, 0, shotHeight}), 5000, "no cell drawn in the passing colour")
	assert.Greater(t, pixelsIn(img, 0x82, 0x50, 0xdf, bt8.Cells[0].Rect), 100, "node's BT-8 cell has no flaky badge drawn")
	assert.Zero(t, pixelsIn(img, 0x82, 0x50, 0xdf, bt8.Cells[3].Rect), "go's BT-8 cell, steady in the soak, has a flaky badge drawn")
}

func on(r box) bool {
	return r.Left >= 0 && r.Top >= 0 && r.Right <= shotWidth && r.Bottom <= shotHeight && r.Right > r.Left
}

func pixelsIn(img image.Image, r8, g8, b8 uint8, in box) int {
	n := 0
	for y := int(in.Top); y < int(in.Bottom) && y < shotHeight; y++ {
		for x := int(in.Left); x < int(in.Right) && x < shotWidth; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == r8 && uint8(g>>8) == g8 && uint8(b>>8) == b8 {
				n++
			}
		}
	}
	return n
}

// chromium runs headless Chromium on a page, off the network and away
// from the user's profile, and returns its standard output.
func chromium(t *testing.T, browser, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1280,900", "--hide-scrollbars"}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium %v (waited at most 90 s): %s", args, stderr.String())
	return stdout.String()
}
