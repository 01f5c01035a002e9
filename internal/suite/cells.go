package suite

import "conformance/internal/build"

// Configs turns the cells of a build list (build.Expand) into run
// configurations: base with each cell's build, runtime, transport and
// runner, and, for a build from a source, the source's version
// (WithSourceVersion; a source that cannot be read fails in Run, saying
// why).
func Configs(base Config, cells []build.Cell) []Config {
	var out []Config
	for _, c := range cells {
		cfg := base
		cfg.SDK, cfg.Version, cfg.Source = c.SDK, c.Version, c.Source
		cfg.Runtime, cfg.Transport, cfg.Runner = c.Runtime, c.Transport, c.Runner
		if withVersion, err := cfg.WithSourceVersion(); err == nil {
			cfg = withVersion
		}
		out = append(out, cfg)
	}
	return out
}
