package container

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Engine says where the Docker engine that testcontainers-go will use is,
// as far as the configuration says, without connecting to it.
type Engine struct {
	// Host is the engine's address, e.g. unix:///var/run/docker.sock or
	// tcp://10.0.0.5:2376 ("" when nothing is configured: the default
	// socket of this machine).
	Host string
	// From says where Host was found, for messages.
	From string
}

// ConfiguredEngine finds the engine from what testcontainers-go reads, in
// its order: tc.host in ~/.testcontainers.properties, DOCKER_HOST, the
// current docker context (DOCKER_CONTEXT, or ~/.docker/config.json's
// currentContext), docker.host in the properties file. It never connects:
// the point is to know whether the engine is on this machine before
// anything is sent to it.
func ConfiguredEngine(ctx context.Context) Engine {
	props := testcontainersProperties()
	if h := props["tc.host"]; h != "" {
		return Engine{h, "tc.host in ~/.testcontainers.properties"}
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return Engine{h, "DOCKER_HOST"}
	}
	if name, from := dockerContext(); name != "" && name != "default" {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "docker", "context", "inspect", "--format", "{{.Endpoints.docker.Host}}", name).Output()
		if h := strings.TrimSpace(string(out)); err == nil && h != "" {
			return Engine{h, "docker context " + name + " (" + from + ")"}
		}
	}
	if h := props["docker.host"]; h != "" {
		return Engine{h, "docker.host in ~/.testcontainers.properties"}
	}
	return Engine{}
}

// Local reports whether the engine runs on this machine: a unix socket (or
// Windows named pipe), or a TCP or SSH address on the loopback.
func (e Engine) Local() bool {
	if e.Host == "" {
		return true
	}
	u, err := url.Parse(e.Host)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "unix", "npipe":
		return true
	case "tcp", "http", "https", "ssh":
		host := u.Hostname()
		if host == "localhost" {
			return true
		}
		ip := net.ParseIP(host)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

// ErrRemoteEngine says why the container runner refuses an engine on
// another machine.
type ErrRemoteEngine struct{ Engine Engine }

func (e *ErrRemoteEngine) Error() string {
	return fmt.Sprintf("the Docker engine is %s (from %s), which is not on this machine. "+
		"Drivers run with host networking to reach the suite's runtime and model endpoint, "+
		"which listen on this machine's loopback (127.0.0.1), and the stdio shim is copied in "+
		"for the same loopback: that works only with the engine on the machine the suite runs on "+
		"(its unix socket, or a TCP or SSH address on 127.0.0.1). "+
		"An engine elsewhere would need the runtime and model endpoint listening on an address "+
		"its containers can reach, which the suite does not do. "+
		"Run the suite on the engine's machine, or use a local engine (unset DOCKER_HOST; docker/engine.sh starts one)",
		e.Engine.Host, e.Engine.From)
}

// CheckLocalEngine returns *ErrRemoteEngine when the configured engine is
// not on this machine; it connects to nothing.
func CheckLocalEngine(ctx context.Context) error {
	if e := ConfiguredEngine(ctx); !e.Local() {
		return &ErrRemoteEngine{e}
	}
	return nil
}

// testcontainersProperties reads ~/.testcontainers.properties (key=value
// lines), as testcontainers-go does; a missing file is no properties.
func testcontainersProperties() map[string]string {
	props := map[string]string{}
	home, err := os.UserHomeDir()
	if err != nil {
		return props
	}
	f, err := os.Open(filepath.Join(home, ".testcontainers.properties"))
	if err != nil {
		return props
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return props
}

// dockerContext is the docker CLI's current context and where it is set.
func dockerContext() (name, from string) {
	if c := os.Getenv("DOCKER_CONTEXT"); c != "" {
		return c, "DOCKER_CONTEXT"
	}
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", ""
		}
		dir = filepath.Join(home, ".docker")
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return "", ""
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if json.Unmarshal(b, &cfg) != nil {
		return "", ""
	}
	return cfg.CurrentContext, filepath.Join(dir, "config.json")
}
