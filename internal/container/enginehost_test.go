package container

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Which engine the configuration names, and whether it is on this machine,
// decided without connecting to it (the remote addresses here are never
// dialled).
func TestConfiguredEngineAndWhetherItIsLocal(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		properties string
		wantHost   string
		wantFrom   string
		local      bool
	}{
		{name: "nothing set: this machine's default socket", local: true},
		{name: "a unix socket", env: map[string]string{"DOCKER_HOST": "unix:///tmp/x/docker.sock"}, wantHost: "unix:///tmp/x/docker.sock", wantFrom: "DOCKER_HOST", local: true},
		{name: "tcp on the loopback", env: map[string]string{"DOCKER_HOST": "tcp://127.0.0.1:2375"}, wantHost: "tcp://127.0.0.1:2375", wantFrom: "DOCKER_HOST", local: true},
		{name: "tcp on localhost", env: map[string]string{"DOCKER_HOST": "tcp://localhost:2376"}, wantHost: "tcp://localhost:2376", wantFrom: "DOCKER_HOST", local: true},
		{name: "tcp on ::1", env: map[string]string{"DOCKER_HOST": "tcp://[::1]:2376"}, wantHost: "tcp://[::1]:2376", wantFrom: "DOCKER_HOST", local: true},
		{name: "tcp elsewhere", env: map[string]string{"DOCKER_HOST": "tcp://10.0.0.5:2376"}, wantHost: "tcp://10.0.0.5:2376", wantFrom: "DOCKER_HOST"},
		{name: "tcp by name", env: map[string]string{"DOCKER_HOST": "tcp://build-engine.example:2376"}, wantHost: "tcp://build-engine.example:2376", wantFrom: "DOCKER_HOST"},
		{name: "ssh elsewhere", env: map[string]string{"DOCKER_HOST": "ssh://ci@10.0.0.5"}, wantHost: "ssh://ci@10.0.0.5", wantFrom: "DOCKER_HOST"},
		{name: "tc.host wins over DOCKER_HOST", env: map[string]string{"DOCKER_HOST": "unix:///var/run/docker.sock"}, properties: "tc.host=tcp://10.0.0.7:2375\n", wantHost: "tcp://10.0.0.7:2375", wantFrom: "tc.host in ~/.testcontainers.properties"},
		{name: "docker.host in the properties", properties: "# comment\ndocker.host = tcp://10.0.0.8:2375\n", wantHost: "tcp://10.0.0.8:2375", wantFrom: "docker.host in ~/.testcontainers.properties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("HOME", home)
			t.Setenv("DOCKER_CONFIG", filepath.Join(home, ".docker"))
			t.Setenv("DOCKER_CONTEXT", "")
			t.Setenv("DOCKER_HOST", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.properties != "" {
				if err := os.WriteFile(filepath.Join(home, ".testcontainers.properties"), []byte(tt.properties), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			e := ConfiguredEngine(context.Background())
			if e.Host != tt.wantHost || e.From != tt.wantFrom {
				t.Fatalf("engine %+v, want host %q from %q", e, tt.wantHost, tt.wantFrom)
			}
			if e.Local() != tt.local {
				t.Fatalf("%s: Local() = %v, want %v", e.Host, e.Local(), tt.local)
			}
			err := CheckLocalEngine(context.Background())
			var remote *ErrRemoteEngine
			if tt.local {
				if err != nil {
					t.Fatalf("CheckLocalEngine: %v", err)
				}
				return
			}
			if !errors.As(err, &remote) {
				t.Fatalf("CheckLocalEngine: %v, want *ErrRemoteEngine", err)
			}
			// The message names the engine, where it was set, and what
			// networking is needed.
			for _, want := range []string{tt.wantHost, tt.wantFrom, "not on this machine", "host networking", "127.0.0.1"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
