package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

const (
	javaParentPom = `<project><modelVersion>4.0.0</modelVersion><groupId>com.github</groupId>
  <artifactId>copilot-sdk-java-parent</artifactId><version>1.0.11</version><packaging>pom</packaging></project>`
	javaModulePom = `<project><modelVersion>4.0.0</modelVersion>
  <parent><groupId>com.github</groupId><artifactId>copilot-sdk-java-parent</artifactId><version>1.0.11</version>
    <relativePath>../pom.xml</relativePath></parent>
  <artifactId>copilot-sdk-java</artifactId>
  <dependencies><dependency><groupId>x</groupId><artifactId>copilot-sdk-java-runtime</artifactId></dependency></dependencies></project>`
	javaFlatPom = `<project><modelVersion>4.0.0</modelVersion><groupId>com.github</groupId>
  <artifactId>copilot-sdk-java</artifactId><version>1.0.4</version></project>`
)

// SDK_SOURCE for Java is a checkout of the monorepo, its java/ folder, or
// java/sdk/, in both layouts: java/pom.xml is the SDK's own up to 1.0.10,
// and a parent of java/sdk/pom.xml from 1.0.11 on. The parent comes along
// when it is on disk; a folder without the SDK's pom is refused by name.
func TestFindJavaSDKSource(t *testing.T) {
	dir := t.TempDir()
	modern := filepath.Join(dir, "copilot-sdk-1.0.11")
	writeFile(t, filepath.Join(modern, "java", "pom.xml"), javaParentPom)
	writeFile(t, filepath.Join(modern, "java", "sdk", "pom.xml"), javaModulePom)
	old := filepath.Join(dir, "copilot-sdk-1.0.4")
	writeFile(t, filepath.Join(old, "java", "pom.xml"), javaFlatPom)
	lone := filepath.Join(dir, "sdk-without-parent")
	writeFile(t, filepath.Join(lone, "pom.xml"), javaModulePom)
	other := filepath.Join(dir, "other")
	writeFile(t, filepath.Join(other, "java", "pom.xml"), strings.ReplaceAll(javaFlatPom, "copilot-sdk-java<", "copilot-sdk-java-runtime<"))

	for _, c := range []struct{ source, root, module string }{
		{modern, filepath.Join(modern, "java"), "sdk"},
		{filepath.Join(modern, "java"), filepath.Join(modern, "java"), "sdk"},
		{filepath.Join(modern, "java", "sdk"), filepath.Join(modern, "java"), "sdk"},
		{old, filepath.Join(old, "java"), ""},
		{filepath.Join(old, "java"), filepath.Join(old, "java"), ""},
		{lone, lone, ""},
	} {
		got, err := findJavaSDKSource(c.source)
		require.NoError(t, err, c.source)
		assert.Equal(t, javaSDKSource{Root: c.root, Module: c.module}, *got, c.source)
	}
	for _, bad := range []string{other, dir} {
		_, err := findJavaSDKSource(bad)
		assert.ErrorContains(t, err, "no pom.xml of com.github:copilot-sdk-java there, nor in sdk/, java/ or java/sdk/", bad)
	}
}

// What a source build copies is the poms and the main and generated
// sources; tests and other modules stay out, and a changed source file
// changes the digest the build is reused by.
func TestJavaSDKSourceFilesAndDigest(t *testing.T) {
	java := filepath.Join(t.TempDir(), "java")
	for path, text := range map[string]string{
		"pom.xml":     javaParentPom,
		"sdk/pom.xml": javaModulePom,
		"sdk/src/main/java/com/github/copilot/CopilotClient.java":          "class CopilotClient {}",
		"sdk/src/main/resources/copilot-runtime.properties":                "version=${project.version}",
		"sdk/src/generated/java/com/github/copilot/generated/Event.java":   "class Event {}",
		"sdk/src/test/java/com/github/copilot/CopilotClientTest.java":      "class T {}",
		"sdk/target/classes/com/github/copilot/CopilotClient.class":        "stale",
		"copilot-native/pom.xml":                                           "<project/>",
		"copilot-native/src/main/java/com/github/copilot/native/X.java":    "class X {}",
		"sdk/src/generated/java/com/github/copilot/generated/rpc/Rpc.java": "class Rpc {}",
	} {
		writeFile(t, filepath.Join(java, filepath.FromSlash(path)), text)
	}
	s, err := findJavaSDKSource(java)
	require.NoError(t, err)
	files, err := s.files()
	require.NoError(t, err)
	var slashed []string
	for _, f := range files {
		slashed = append(slashed, filepath.ToSlash(f))
	}
	assert.Equal(t, []string{
		"pom.xml",
		"sdk/pom.xml",
		"sdk/src/generated/java/com/github/copilot/generated/Event.java",
		"sdk/src/generated/java/com/github/copilot/generated/rpc/Rpc.java",
		"sdk/src/main/java/com/github/copilot/CopilotClient.java",
		"sdk/src/main/resources/copilot-runtime.properties",
	}, slashed)

	before, err := s.digest()
	require.NoError(t, err)
	dst := t.TempDir()
	require.NoError(t, s.copyTo(dst))
	b, err := os.ReadFile(filepath.Join(dst, "sdk", "src", "main", "java", "com", "github", "copilot", "CopilotClient.java"))
	require.NoError(t, err)
	assert.Equal(t, "class CopilotClient {}", string(b))
	assert.NoFileExists(t, filepath.Join(dst, "sdk", "src", "test", "java", "com", "github", "copilot", "CopilotClientTest.java"))

	writeFile(t, filepath.Join(java, "sdk", "src", "test", "java", "com", "github", "copilot", "CopilotClientTest.java"), "class T2 {}")
	unchanged, err := s.digest()
	require.NoError(t, err)
	assert.Equal(t, before, unchanged, "a test file is not an input of the build")
	writeFile(t, filepath.Join(java, "sdk", "src", "main", "java", "com", "github", "copilot", "CopilotClient.java"), "class CopilotClient { }")
	changed, err := s.digest()
	require.NoError(t, err)
	assert.NotEqual(t, before, changed)
}

// Maven's words for a release the registry does not have, as Maven 3.8
// prints them (found missing now, and the cached failure on the next run),
// older Maven's cached failure and a refused transfer, are read as "not
// served"; a transfer that failed for want of a network, or another
// artifact missing, are not.
func TestJavaMissingSDK(t *testing.T) {
	served := []string{
		"[ERROR] Failed to execute goal on project conformance-driver-java: Could not resolve dependencies for project " +
			"conformance:conformance-driver-java:jar:0: Could not find artifact com.github:copilot-sdk-java:jar:1.0.11 in central " +
			"(https://repo.maven.apache.org/maven2) -> [Help 1]",
		"[ERROR] Failed to execute goal on project conformance-driver-java: Could not resolve dependencies for project " +
			"conformance:conformance-driver-java:jar:0: com.github:copilot-sdk-java:jar:1.0.11 was not found in " +
			"https://repo.maven.apache.org/maven2 during a previous attempt. This failure was cached in the local repository " +
			"and resolution is not reattempted until the update interval of central has elapsed or updates are forced -> [Help 1]",
		"[ERROR] Failed to execute goal on project x: Could not resolve dependencies for project x:x:jar:0: Failure to find " +
			"com.github:copilot-sdk-java:jar:1.0.11 in https://repo.maven.apache.org/maven2 was cached in the local repository",
		"[ERROR] Failed to execute goal on project x: Could not resolve dependencies for project x:x:jar:0: Failed to collect " +
			"dependencies at com.github:copilot-sdk-java:jar:1.0.11: Failed to read artifact descriptor for " +
			"com.github:copilot-sdk-java:jar:1.0.11: Could not transfer artifact com.github:copilot-sdk-java:pom:1.0.11 " +
			"from/to central (https://repo.maven.apache.org/maven2): status code: 403, reason phrase: Forbidden (403)",
	}
	for _, log := range served {
		v, ok := javaMissingSDK("[0m[0m" + log + "\n[ERROR] \n[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.\n")
		assert.True(t, ok, log)
		assert.Equal(t, "1.0.11", v, log)
	}
	for _, log := range []string{
		"[ERROR] Failed to execute goal on project x: Could not resolve dependencies for project x:x:jar:0: Failed to collect " +
			"dependencies at com.github:copilot-sdk-java:jar:1.0.11: Failed to read artifact descriptor for " +
			"com.github:copilot-sdk-java:jar:1.0.11: Could not transfer artifact com.github:copilot-sdk-java:pom:1.0.11 " +
			"from/to central (https://repo.maven.apache.org/maven2): Connect to repo.maven.apache.org:443 failed: Connection refused",
		"[ERROR] Failed to execute goal on project x: Could not resolve dependencies for project x:x:jar:0: Could not find " +
			"artifact com.fasterxml.jackson.core:jackson-databind:jar:2.99.0 in central (https://repo.maven.apache.org/maven2)",
		"[ERROR] Failed to execute goal on project x: Could not find artifact com.github:copilot-sdk-java-parent:pom:1.0.11",
		"[ERROR] COMPILATION ERROR : Driver.java:[1,1] cannot find symbol",
	} {
		_, ok := javaMissingSDK(log)
		assert.False(t, ok, log)
	}
}

// The error for a release the registry lacks names the package, what the
// registry serves instead, and what to do; SDK=all skips on it.
func TestJavaUnavailableAdvice(t *testing.T) {
	e := &UnavailablePackageError{SDK: "java", Package: "com.github:copilot-sdk-java:1.0.11",
		Registry: "the Maven registry this machine reaches"}
	e.Served, e.Remedy = javaUnavailableAdvice([]string{"0.3.0-java.2"})
	assert.Equal(t, "com.github:copilot-sdk-java:1.0.11 is not served by the Maven registry this machine reaches "+
		"(it serves only 0.3.0-java.2, which has no bearer-token callback); point SDK_SOURCE at a checkout of the SDK's java/ folder",
		e.Error())
	assert.ErrorIs(t, e, ErrNotRunnableHere)

	served, remedy := javaUnavailableAdvice([]string{"1.0.1", "1.0.4", "1.0.5"})
	assert.Equal(t, "it serves 1.0.1, 1.0.4, 1.0.5", served)
	assert.Equal(t, "set SDK_VERSION to one of 1.0.4, 1.0.5, or point SDK_SOURCE at a checkout of the SDK's java/ folder", remedy)
	served, remedy = javaUnavailableAdvice(nil)
	assert.Empty(t, served)
	assert.Equal(t, "point SDK_SOURCE at a checkout of the SDK's java/ folder", remedy)
	e.Served, e.Remedy = "", ""
	assert.Equal(t, "com.github:copilot-sdk-java:1.0.11 is not served by the Maven registry this machine reaches", e.Error())
}

func TestMavenMetadataAndReleaseOrder(t *testing.T) {
	metadata := `<?xml version="1.0" encoding="UTF-8"?>
<metadata><groupId>com.github</groupId><artifactId>copilot-sdk-java</artifactId>
  <versioning><latest>1.0.11</latest><release>1.0.11</release>
    <versions><version>0.3.0-java.2</version><version>1.0.4</version><version>1.0.11</version></versions>
  </versioning></metadata>`
	assert.Equal(t, []string{"0.3.0-java.2", "1.0.4", "1.0.11"}, mavenMetadataVersions([]byte(metadata)))
	assert.Nil(t, mavenMetadataVersions([]byte("not xml")))

	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0.4", "1.0.11", -1}, {"1.0.11", "1.0.4", 1}, {"0.3.0-java.2", "1.0.4", -1},
		{"1.0.4", "1.0.4", 0}, {"1.0.12-preview.0", "1.0.11", 1}, {"1.0", "1.0.1", -1},
	} {
		assert.Equal(t, c.want, compareReleases(c.a, c.b), "%s vs %s", c.a, c.b)
	}
}

func TestJavaPinnedVersionIsReadFromTheDriversPom(t *testing.T) {
	v, err := javaPinnedVersion(filepath.Join("..", "..", "drivers", "java", "pom.xml"))
	require.NoError(t, err)
	assert.Regexp(t, `^\d+\.\d+\.\d+`, v)
	pom := filepath.Join(t.TempDir(), "pom.xml")
	writeFile(t, pom, "<project><properties><other>1</other></properties></project>")
	_, err = javaPinnedVersion(pom)
	assert.ErrorContains(t, err, "no copilot.sdk.version property")
}

// javaRoot is a suite checkout with only the Java driver in it.
func javaRoot(t *testing.T) string {
	root := t.TempDir()
	src := filepath.Join("..", "..", "drivers", "java")
	for _, name := range []string{"pom.xml", javaDriverSource} {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		writeFile(t, filepath.Join(root, "drivers", "java", name), string(b))
	}
	return root
}

func needJavaToolchain(t *testing.T, programs ...string) {
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("no %s on PATH", p)
		}
	}
}

// A registry without the pinned release ends the preparation with one
// plain UnavailablePackageError (not Maven's log), naming what the
// registry serves, read from the version list Maven fetched. Maven here is
// a stand-in script that answers as Maven 3.8 does.
func TestJavaPrepareSaysWhenTheRegistryLacksTheRelease(t *testing.T) {
	needJavaToolchain(t, "java", "javac", "sh")
	bin := t.TempDir()
	writeFile(t, filepath.Join(bin, "mvn"), `#!/bin/sh
for a in "$@"; do
  case "$a" in
    -Dmaven.repo.local=*) repo="${a#-Dmaven.repo.local=}" ;;
    *:resolve) resolve=1 ;;
  esac
done
if [ -n "$resolve" ]; then
  mkdir -p "$repo/com/github/copilot-sdk-java"
  echo '<metadata><versioning><versions><version>0.3.0-java.2</version></versions></versioning></metadata>' \
    > "$repo/com/github/copilot-sdk-java/maven-metadata-central.xml"
  exit 0
fi
echo '[ERROR] Failed to execute goal on project conformance-driver-java: Could not resolve dependencies for project conformance:conformance-driver-java:jar:0: Could not find artifact com.github:copilot-sdk-java:jar:1.0.11 in central (https://repo.maven.apache.org/maven2) -> [Help 1]'
exit 1
`)
	require.NoError(t, os.Chmod(filepath.Join(bin, "mvn"), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	java, err := Lookup("java")
	require.NoError(t, err)
	_, err = java.Prepare(context.Background(), Options{Root: javaRoot(t), Version: "1.0.11"})
	var unavailable *UnavailablePackageError
	require.True(t, errors.As(err, &unavailable), "%v", err)
	assert.ErrorIs(t, err, ErrNotRunnableHere)
	assert.Equal(t, "java: preparing the driver: com.github:copilot-sdk-java:1.0.11 is not served by the Maven registry "+
		"this machine reaches (it serves only 0.3.0-java.2, which has no bearer-token callback); point SDK_SOURCE at a "+
		"checkout of the SDK's java/ folder", err.Error())
}

// With JAVA_SDK_SOURCE pointing at a checkout of the SDK (the monorepo, its
// java/ or java/sdk/), the driver is built against it in a fresh checkout
// of the suite, answers hello with the checkout's version and generation,
// and a second preparation reuses the build. Opt-in: it needs Maven
// Central and takes a minute cold.
func TestJavaPrepareFromSource(t *testing.T) {
	source := os.Getenv("JAVA_SDK_SOURCE")
	if source == "" {
		t.Skip("set JAVA_SDK_SOURCE to a checkout of github/copilot-sdk's java/ folder to build the driver against it")
	}
	needJavaToolchain(t, "java", "javac", "mvn")
	java, err := Lookup("java")
	require.NoError(t, err)
	root := javaRoot(t)
	if repo := os.Getenv("JAVA_TEST_MAVEN_REPO"); repo != "" {
		// A warm repository, so that only the build is timed.
		require.NoError(t, os.MkdirAll(filepath.Join(root, ".cache", "drivers"), 0o755))
		require.NoError(t, os.Symlink(repo, filepath.Join(root, ".cache", "drivers", "java-m2")))
	}
	var log bytes.Buffer
	start := time.Now()
	cmd, err := java.Prepare(context.Background(), Options{Root: root, Source: source, Log: &log})
	require.NoError(t, err, log.String())
	t.Logf("cold preparation: %s", time.Since(start))
	start = time.Now()
	again, err := java.Prepare(context.Background(), Options{Root: root, Source: source, Log: &log})
	require.NoError(t, err)
	t.Logf("warm preparation: %s", time.Since(start))
	assert.Equal(t, cmd, again)

	c := exec.Command(cmd.Path, cmd.Args...)
	c.Dir = cmd.Dir
	c.Stdin = strings.NewReader(`{"id":1,"cmd":"hello"}` + "\n")
	out, err := c.Output()
	require.NoError(t, err)
	var answer struct {
		OK     bool `json:"ok"`
		Result struct {
			SDK        string `json:"sdk"`
			SDKVersion string `json:"sdkVersion"`
			Generation int    `json:"generation"`
		} `json:"result"`
	}
	require.NoError(t, json.Unmarshal(out, &answer), string(out))
	assert.True(t, answer.OK)
	assert.Equal(t, "java", answer.Result.SDK)
	assert.NotEmpty(t, answer.Result.SDKVersion)
	assert.Contains(t, []int{1, 2}, answer.Result.Generation)
	t.Logf("hello: %s", out)
}
