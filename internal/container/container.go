// Package container runs drivers in containers (RUNNER=container): it builds
// a driver's image from its Dockerfile in docker/ (cached by a hash of the
// build inputs) and runs it with host networking and its stdin and stdout
// attached, so the suite speaks drivers/PROTOCOL.md with it as with a local
// child process, and the driver reaches the suite's loopback runtime.
//
// Images are built with testcontainers-go (DockerProvider.BuildImage, on the
// engine testcontainers finds: DOCKER_HOST, its properties file, the docker
// context, or the default socket). Containers are created, attached and
// started with that provider's Docker client directly, not with
// testcontainers.GenericContainer, because:
//   - a ContainerRequest has no stdin; the attach must happen after create
//     and before start (or the first output can be lost), which
//     GenericContainer only allows through lifecycle hooks;
//   - GenericContainer insists on a default network: with no "bridge"
//     network (dockerd --bridge=none, as on these machines) it creates a
//     bridge network "reaper_default", which a host-network driver neither
//     needs nor may join;
//   - Ryuk (its reaper) needs an image pull, which fails where no registry
//     answers. Every container here carries the label LabelKey=LabelValue
//     instead, Terminate removes it, and RemoveAll removes every such
//     container of its run (RunID: at the end of a run and on interrupt);
//     docker/clean.sh removes those of every run.
package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Every container and image this package makes carries this label.
const (
	LabelKey   = "conformance.suite"
	LabelValue = "bearer-token"
)

// RunLabelKey labels each container with the run (this process) that
// started it, RunID: runs side by side on one engine (make test's
// container builds, its container tests) each remove only their own.
const RunLabelKey = LabelKey + ".run"

// RunID names this process's run in RunLabelKey.
var RunID = fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())

// labelFilter selects what this package made.
func labelFilter() client.Filters {
	return make(client.Filters).Add("label", LabelKey+"="+LabelValue)
}

var (
	providerMu sync.Mutex
	provider   *testcontainers.DockerProvider
)

// dockerProvider returns the testcontainers provider, made once.
func dockerProvider() (*testcontainers.DockerProvider, error) {
	providerMu.Lock()
	defer providerMu.Unlock()
	if provider != nil {
		return provider, nil
	}
	// Ryuk needs an image pull, which fails where no registry answers. This
	// package starts no container through testcontainers (so no reaper would
	// start anyway); the setting is for anything else in the process that
	// might. A user's own setting wins.
	if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return nil, fmt.Errorf("no Docker engine (docker/engine.sh starts one): %w", err)
	}
	provider = p
	return p, nil
}

// apiClient is the Docker client of the testcontainers provider.
func apiClient() (client.APIClient, error) {
	p, err := dockerProvider()
	if err != nil {
		return nil, err
	}
	return p.Client(), nil
}

// ErrNoDocker says that the docker command is not installed at all (as
// opposed to installed with no engine answering, which EnsureEngine fixes).
var ErrNoDocker = errors.New("docker is not installed (Debian: apt-get install docker.io)")

// EnsureEngine makes sure a Docker engine answers, by running
// docker/engine.sh of the checkout at root: it starts dockerd (as these
// machines need it) when none answers, and waits for it, bounded. It
// returns ErrNoDocker when docker is not installed.
func EnsureEngine(ctx context.Context, root string) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return ErrNoDocker
	}
	script := filepath.Join(root, "docker", "engine.sh")
	out, err := exec.CommandContext(ctx, "bash", script).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", script, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// RemoveAll removes every container this run started (the suite's label
// and RunLabelKey=RunID), running or not, and returns how many it removed.
// Call it at the end of a run and on interrupt. A run side by side keeps
// its own; a crashed run's containers are docker-clean's (docker/clean.sh
// removes every container of the suite).
func RemoveAll(ctx context.Context) (int, error) {
	cli, err := apiClient()
	if err != nil {
		return 0, err
	}
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: labelFilter().Add("label", RunLabelKey+"="+RunID)})
	if err != nil {
		return 0, fmt.Errorf("listing the suite's containers: %w", err)
	}
	var errs []error
	n := 0
	for _, c := range list.Items {
		if err := removeContainer(ctx, cli, c.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// removeContainer kills and removes a container; one already gone is fine.
func removeContainer(ctx context.Context, cli client.APIClient, id string) error {
	_, err := cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !isNotFound(err) && !strings.Contains(err.Error(), "is already in progress") {
		return fmt.Errorf("removing container %s: %w", shortID(id), err)
	}
	return nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
