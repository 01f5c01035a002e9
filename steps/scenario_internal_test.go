package steps

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
)

// step wraps step functions of every shape godog accepts, not only those
// that return an error.
func TestStepWrapsEveryStepShape(t *testing.T) {
	tests := []struct {
		name     string
		fn       any
		wantCode int
	}{
		{"no result", func() {}, 0},
		{"a context only", func(ctx context.Context) context.Context { return ctx }, 0},
		{"an error, nil", func() error { return nil }, 0},
		{"a context and an error, nil", func(ctx context.Context) (context.Context, error) { return ctx, nil }, 0},
		{"an error", func() error { return errors.New("broken") }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := godog.TestSuite{
				ScenarioInitializer: func(ctx *godog.ScenarioContext) {
					newScenario(&Env{}).step(ctx, `^a step$`, tt.fn)
				},
				Options: &godog.Options{
					Format: "progress", Output: io.Discard, Strict: true,
					FeatureContents: []godog.Feature{{Name: "shape.feature", Contents: []byte("Feature: f\n  Scenario: s\n    Given a step\n")}},
				},
			}.Run()
			assert.Equal(t, tt.wantCode, code)
		})
	}
}
