package sdk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"conformance/internal/driver"
)

func init() {
	register(SDK{
		Name:        "dotnet",
		Toolchain:   ".NET SDK",
		Programs:    []string{"dotnet"},
		prepare:     prepareDotnet,
		DisplayName: ".NET",
		Column:      3,
		// NuGet is not reachable here: the upstream release tags (the v*
		// tags the NuGet package follows) stand in for its version list.
		Registry:          Registry{Kind: RegistryNuGet, Package: "GitHub.Copilot.SDK"},
		TagPrefix:         "dotnet/",
		ReleaseTags:       []string{"1.0.0", "1.0.1", "1.0.2", "1.0.4", "1.0.5", "1.0.6", "1.0.7", "1.0.8", "1.0.9", "1.0.11"},
		ReleaseTagPattern: "v*",
		Exempt: map[string]string{
			"mutants": "no .NET toolchain or NuGet here to build a broken copy of the SDK against (docker/dotnet.Dockerfile)",
		},
	})
}

var dotnetDriverFiles = []string{"Driver.csproj", "Program.cs"}

// dotnetEnv keeps the .NET CLI from phoning home: the build talks to NuGet
// and nothing else.
var dotnetEnv = []string{"DOTNET_CLI_TELEMETRY_OPTOUT=1", "DOTNET_NOLOGO=1", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1"}

// prepareDotnet copies the driver's project into the ignored cache and
// builds it there, so no bin/ or obj/ lands in the checkout: the pinned
// package, another published version (the MSBuild property
// CopilotSdkVersion), or a local SDK project (CopilotSdkProject, a
// ProjectReference in place of the package).
func prepareDotnet(ctx context.Context, o Options) (driver.Command, error) {
	dir := o.cacheDir("dotnet")
	args := []string{"build", "-c", "Release", "--nologo"}
	switch {
	case o.Version != "":
		dir = o.cacheDir("dotnet@" + o.Version)
		args = append(args, "-p:CopilotSdkVersion="+o.Version)
	case o.Source != "":
		proj, err := dotnetSDKProject(o.Source)
		if err != nil {
			return driver.Command{}, err
		}
		dir = o.cacheDir("dotnet-source")
		// A global property, so it reaches the SDK's own project too (it
		// imports the same CLI-download targets).
		args = append(args, "-p:CopilotSdkProject="+proj, "-p:CopilotSkipCliDownload=true")
	}
	src, out := filepath.Join(dir, "src"), filepath.Join(dir, "bin")
	if err := copyFiles(o.driverDir("dotnet"), src, dotnetDriverFiles...); err != nil {
		return driver.Command{}, err
	}
	if err := run(ctx, o, src, dotnetEnv, "dotnet", append(args, "-o", out)...); err != nil {
		return driver.Command{}, err
	}
	return driver.Command{Path: "dotnet", Args: []string{filepath.Join(out, "Driver.dll")}, Dir: out, Env: dotnetEnv}, nil
}

// dotnetSDKProject finds the SDK's project for SDK_SOURCE: the .csproj
// itself, or a directory holding it (a copilot-sdk checkout, its dotnet/,
// or its dotnet/src/).
func dotnetSDKProject(source string) (string, error) {
	if strings.HasSuffix(source, ".csproj") {
		return source, nil
	}
	const name = "GitHub.Copilot.SDK.csproj"
	for _, rel := range []string{name, filepath.Join("src", name), filepath.Join("dotnet", "src", name)} {
		p := filepath.Join(source, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("SDK_SOURCE %s: no %s there, nor in src/ or dotnet/src/", source, name)
}
