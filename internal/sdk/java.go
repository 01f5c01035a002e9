package sdk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"conformance/internal/driver"
)

const (
	javaSDKGroup    = "com.github"
	javaSDKArtifact = "copilot-sdk-java"
	// javaFirstCallbackRelease is the first release with a bearer-token
	// callback (getBearerToken, generation 1): the java/v1.0.4 tag of
	// github/copilot-sdk; java/v1.0.0 and v1.0.1 have none.
	javaFirstCallbackRelease = "1.0.4"
	// The one Maven plugin the driver's own build runs, pinned so that no
	// build asks the registry which version is newest.
	javaDependencyPlugin = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
)

func init() {
	register(SDK{
		Name:      "java",
		Toolchain: "Java toolchain (JDK 17+ and Maven)",
		Programs:  []string{"java", "javac", "mvn"},
		prepare:   prepareJava,
		// A packed checkout, e.g. the java/ folder at a release tag.
		unpackArchives:  true,
		declaredVersion: javaDeclaredVersion,
		Column:          5,
		// Maven Central here serves one unrelated version of the SDK: the
		// upstream release tags stand in for its version list, and release
		// source archives for its packages.
		Registry:          Registry{Kind: RegistryMaven, Package: "com.github:copilot-sdk-java"},
		TagPrefix:         "java/",
		ReleaseTags:       []string{"1.0.0", "1.0.1", "1.0.4", "1.0.5", "1.0.6", "1.0.7", "1.0.8", "1.0.9", "1.0.11"},
		ReleaseTagPattern: "java/v*",
		PinnedSource:      javaPinnedSource,
	})
}

// javaDriverSource is the driver's one source file, relative to drivers/java.
var javaDriverSource = filepath.Join("src", "main", "java", "conformance", "Driver.java")

// UnavailablePackageError says that the package registry this machine
// reaches does not serve the SDK package a build needs, e.g. the Java SDK's
// Maven artifact at the pinned version. Like a missing toolchain, it means
// this machine cannot run the driver (SDK=all skips it), not that the
// driver, the SDK or the suite is broken.
type UnavailablePackageError struct {
	SDK      string // the suite's name for the SDK
	Package  string // the package at the version asked for, e.g. com.github:copilot-sdk-java:1.0.11
	Registry string // which registry, e.g. "the Maven registry this machine reaches"
	Served   string // what the registry serves instead, if known, e.g. "it serves only 0.3.0-java.2, ..."
	Remedy   string // what to do instead
}

func (e *UnavailablePackageError) Error() string {
	msg := fmt.Sprintf("%s is not served by %s", e.Package, e.Registry)
	if e.Served != "" {
		msg += " (" + e.Served + ")"
	}
	if e.Remedy != "" {
		msg += "; " + e.Remedy
	}
	return msg
}

func (e *UnavailablePackageError) Is(target error) bool { return target == ErrNotRunnableHere }

// prepareJava builds the driver: the classpath of the SDK and its
// dependencies, and Driver.java compiled against it with javac. The
// classpath comes from Maven, with a repository of the suite's own under
// the ignored cache (.cache/drivers/java-m2):
//
//   - the pinned SDK, or SDK_VERSION: the dependency plugin's
//     build-classpath on drivers/java/pom.xml (the version as a property).
//     No compiler, jar or assembly plugin: javac on one file takes a second,
//     and running from the repository's jars needs no fat jar.
//   - SDK_SOURCE: the SDK is built from a copy of the checkout by its own
//     pom, but with only the goals that make its jar (its generated-source
//     root, resources, compiler, jar), so none of its checks (checkstyle,
//     enforcer's JDK 25 rule, jacoco, spotless), tests or npm test harness
//     run, and nothing but Maven Central is needed. The jar is used where
//     it is built rather than installed: an installed copy would stand in
//     the repository under the release's coordinates, and the 1.0.11
//     layout's pom would need its unpublished parent installed too.
//
// Each build is kept in its own folder (.cache/drivers/java, java@<v>,
// java-source) in stages, the classpath, the compiled driver and its
// class-data archive (javaArchive), each with a stamp of what it was made
// from and reused while that is unchanged: a warm start runs neither
// Maven nor javac (about 15 ms, most of it hashing an SDK checkout), and
// an edit of Driver.java reruns javac only.
func prepareJava(ctx context.Context, o Options) (driver.Command, error) {
	src := o.driverDir("java")
	repo := o.cacheDir("java-m2")
	version, err := javaPinnedVersion(filepath.Join(src, "pom.xml"))
	if err != nil {
		return driver.Command{}, err
	}
	dir := o.cacheDir("java")
	var source *javaSDKSource
	switch {
	case o.Version != "":
		version, dir = o.Version, o.cacheDir("java@"+o.Version)
	case o.Source != "":
		if source, err = findJavaSDKSource(o.Source); err != nil {
			return driver.Command{}, err
		}
		dir = o.cacheDir(o.sourceCacheName("java"))
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return driver.Command{}, err
	}

	// Stage 1, the classpath: rebuilt when the SDK (or the pom it is
	// resolved with) changed.
	sdkStamp, err := javaSDKStamp(src, version, source)
	if err != nil {
		return driver.Command{}, err
	}
	classpathFile := filepath.Join(dir, "classpath")
	classpath, ok := javaFreshClasspath(classpathFile, sdkStamp)
	if !ok {
		err := rebuild(classpathFile+".from", sdkStamp, func() error {
			if source == nil {
				classpath, err = javaRegistryClasspath(ctx, o, src, repo, version, dir)
			} else {
				classpath, err = javaSourceClasspath(ctx, o, source, repo, dir)
			}
			if err != nil {
				return err
			}
			return os.WriteFile(classpathFile, []byte(classpath+"\n"), 0o644)
		})
		if err != nil {
			return driver.Command{}, err
		}
	}

	// Stage 2, the driver: recompiled when its source, the classpath or
	// the JDK changed.
	classes := filepath.Join(dir, "classes")
	driverStamp, err := javaDriverStamp(src, classpath)
	if err != nil {
		return driver.Command{}, err
	}
	if !stamped(classes+".from", driverStamp) || !exists(filepath.Join(classes, "conformance", "Driver.class")) {
		err := rebuild(classes+".from", driverStamp, func() error {
			if err := os.RemoveAll(classes); err != nil {
				return err
			}
			return run(ctx, o, dir, nil, "javac", "--release", "17", "-encoding", "UTF-8", "-d", classes,
				"-cp", classpath, filepath.Join(src, javaDriverSource))
		})
		if err != nil {
			return driver.Command{}, err
		}
	}
	// Stage 3, the driver in a jar and a class-data archive of its start
	// (AppCDS): remade with the classes. Without them (a JDK that cannot
	// make one) the driver runs from its classes, as it did before.
	jar, archive := filepath.Join(dir, "driver.jar"), filepath.Join(dir, "driver.jsa")
	archiveStamp := append(append([]byte(nil), driverStamp...), javaArchiveRecipe...)
	archived := stamped(archive+".from", archiveStamp) && exists(jar) && exists(archive)
	if !archived {
		err := rebuild(archive+".from", archiveStamp, func() error {
			return javaArchive(ctx, o, dir, classes, classpath, jar, archive)
		})
		if err != nil {
			fmt.Fprintf(o.Log, "java: no class-data archive of the driver (it runs without one): %v\n", err)
		}
		archived = err == nil
	}
	args := append([]string(nil), javaDriverFlags...)
	cp := classes + string(os.PathListSeparator) + classpath
	if archived {
		cp = jar + string(os.PathListSeparator) + classpath
		args = append(args, javaArchiveFlags(archive)...)
	}
	args = append(args, "-cp", cp, "conformance.Driver")
	return driver.Command{Path: "java", Args: args, Dir: dir}, nil
}

// javaArchiveFlags run a driver with the class-data archive made by
// javaArchive. A JVM that cannot use it (a jar of the classpath changed
// since: a mutant's rebuilt SDK) runs without it (-Xshare:auto) and says
// so on stderr: the JVM's log goes to stdout by default, which is the
// driver's protocol stream.
func javaArchiveFlags(archive string) []string {
	return append([]string{"-XX:SharedArchiveFile=" + archive, "-Xshare:auto"}, javaLogToStderr...)
}

// javaLogToStderr sends the JVM's own log (warnings and errors) to stderr
// rather than its default, stdout: the driver's protocol stream.
var javaLogToStderr = []string{"-Xlog:disable", "-Xlog:all=warning:stderr"}

// javaArchiveRecipe names how javaArchive makes an archive, in its stamp:
// a change of the recipe remakes the archives made the old way.
const javaArchiveRecipe = "\narchive: every class of the classpath loaded, then a turn (javaTrain)"

// javaArchive puts the compiled driver in a jar (a class-data archive
// takes jars only) and archives the classes of a driver that loaded every
// class of its classpath and then ran a turn against the fake runtime
// (-XX:ArchiveClassesAtExit, JDK 13 on; the driver's --load-every-class;
// javaTrain), or, if that run fails, only answered hello. A driver lives
// for one scenario, so loading its classes is a large part of its CPU time: an
// archive of a hello's classes halved a hello's (0.38 to 0.19 s of user
// time, Java 17, measured by hand on 2026-12-06), and one of every class
// also spares what a scenario loads after its hello (the SDK's client,
// its sessions, Jackson's serializers); a java build starts hundreds of
// drivers. The archive is valid for the jar it was made with (its path,
// size and time), so the jar is put in its place first; a driver that
// starts in between finds the old archive not valid for the new jar and
// runs without it. Both are written beside their place and renamed into
// it.
func javaArchive(ctx context.Context, o Options, dir, classes, classpath, jar, archive string) error {
	tmpJar, tmpArchive := jar+".new", archive+".new"
	defer os.Remove(tmpJar)
	defer os.Remove(tmpArchive)
	_ = os.Remove(tmpArchive)
	if err := run(ctx, o, dir, nil, "jar", "--create", "--file", tmpJar, "-C", classes, "."); err != nil {
		return err
	}
	if err := os.Rename(tmpJar, jar); err != nil {
		return err
	}
	args := append(append(append([]string(nil), javaDriverFlags...), javaLogToStderr...),
		"-XX:ArchiveClassesAtExit="+tmpArchive, "-cp", jar+string(os.PathListSeparator)+classpath, "conformance.Driver", "--load-every-class")
	trainErr := javaTrain(ctx, driver.Command{Path: "java", Args: args, Dir: dir})
	if trainErr == nil {
		if exists(tmpArchive) {
			return os.Rename(tmpArchive, archive)
		}
		trainErr = errors.New("the JVM wrote no archive")
	}
	// The plain way: the classes only, and a hello.
	fmt.Fprintf(o.Log, "java: the class-data archive is made without a turn (the training run failed: %v)\n", trainErr)
	_ = os.Remove(tmpArchive)
	cmd := exec.CommandContext(ctx, "java", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(`{"id": 1, "cmd": "hello"}` + "\n")
	cmd.Stderr = o.Log
	cmd.WaitDelay = 10 * time.Second
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), `"ok":true`) {
		return fmt.Errorf("the driver's hello while archiving: %v: %s", err, out)
	}
	if !exists(tmpArchive) {
		return errors.New("the JVM wrote no archive")
	}
	return os.Rename(tmpArchive, archive)
}

// javaDriverFlags are the JVM options of every driver process. A driver
// lives for one scenario (a second or two): the optimising compiler (C2)
// and the parallel collector's threads never pay back what they burn in
// that time, and on a two-core machine running several builds at once that
// CPU is taken from the other builds' scenarios. C1 alone and the serial
// collector cut a java cell's CPU time by about a third (measured with
// make conformance SDK=java SDK_SOURCE=<archive>, user time); the SDK's
// behaviour on the wire is the same.
var javaDriverFlags = []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"}

// javaFreshClasspath returns the classpath built earlier from stamp, if
// every jar of it is still there.
func javaFreshClasspath(classpathFile string, stamp []byte) (string, bool) {
	if !stamped(classpathFile+".from", stamp) {
		return "", false
	}
	b, err := os.ReadFile(classpathFile)
	if err != nil {
		return "", false
	}
	classpath := strings.TrimSpace(string(b))
	for _, entry := range filepath.SplitList(classpath) {
		if !exists(entry) {
			return "", false
		}
	}
	return classpath, classpath != ""
}

// javaSDKStamp says what a classpath is made from: a release (resolved
// with the driver's pom), or the digest of an SDK checkout's files that the
// build copies.
func javaSDKStamp(src, version string, source *javaSDKSource) ([]byte, error) {
	if source != nil {
		digest, err := source.digest()
		if err != nil {
			return nil, err
		}
		return []byte(fmt.Sprintf("sdk-source %s %s\n", filepath.ToSlash(source.Module), digest)), nil
	}
	pom, err := os.ReadFile(filepath.Join(src, "pom.xml"))
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("sdk %s:%s:%s\npom.xml %x\n", javaSDKGroup, javaSDKArtifact, version, sha256.Sum256(pom))), nil
}

// javaDriverStamp says what the compiled driver is made from: its source,
// the classpath, and the JDK on PATH.
func javaDriverStamp(src, classpath string) ([]byte, error) {
	source, err := os.ReadFile(filepath.Join(src, javaDriverSource))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %x\nclasspath %s\n", filepath.ToSlash(javaDriverSource), sha256.Sum256(source), classpath)
	for _, program := range []string{"java", "javac"} {
		path, _ := exec.LookPath(program)
		if resolved, err := filepath.EvalSymlinks(path); err == nil {
			path = resolved
		}
		fmt.Fprintf(&b, "%s %s\n", program, path)
	}
	return []byte(b.String()), nil
}

// mavenArgs are the options of every Maven run: batch mode, errors only,
// the suite's own repository, and -U so that a release the registry lacked
// earlier is asked for again rather than taken from Maven's cached failure.
func mavenArgs(repo string) []string {
	return []string{"-B", "-q", "-U", "-Dmaven.repo.local=" + repo}
}

// javaRegistryClasspath resolves the SDK release and its dependencies from
// the registry and returns their classpath.
func javaRegistryClasspath(ctx context.Context, o Options, src, repo, version, dir string) (string, error) {
	out := filepath.Join(dir, "classpath.maven")
	args := append(mavenArgs(repo), "-f", filepath.Join(src, "pom.xml"), "-Dcopilot.sdk.version="+version,
		javaDependencyPlugin+":build-classpath", "-DincludeScope=runtime", "-Dmdep.outputFile="+out)
	if log, err := mvn(ctx, o, dir, args...); err != nil {
		if missing, ok := javaMissingSDK(log); ok {
			return "", javaUnavailable(ctx, o, repo, missing)
		}
		return "", err
	}
	return readClasspath(out)
}

// javaSourceClasspath builds the SDK jar from a copy of the checkout and
// returns the classpath of the jar and its runtime dependencies.
func javaSourceClasspath(ctx context.Context, o Options, s *javaSDKSource, repo, dir string) (string, error) {
	copyRoot := filepath.Join(dir, "sdk")
	// A fresh copy each time the checkout changed: no class of a removed
	// source file survives, and the checkout itself gets no target/.
	if err := os.RemoveAll(copyRoot); err != nil {
		return "", err
	}
	if err := s.copyTo(copyRoot); err != nil {
		return "", err
	}
	module := filepath.Join(copyRoot, s.Module)
	pom, err := os.ReadFile(filepath.Join(module, "pom.xml"))
	if err != nil {
		return "", err
	}
	var goals []string
	// The generated RPC and event types are a second source root, which the
	// pom adds in an execution of build-helper (java/v1.0.4 on).
	if bytes.Contains(pom, []byte("<id>add-generated-source</id>")) {
		goals = append(goals, "build-helper:add-source@add-generated-source")
	}
	out := filepath.Join(dir, "classpath.maven")
	goals = append(goals, "resources:resources", "compiler:compile", "jar:jar",
		javaDependencyPlugin+":build-classpath", "-DincludeScope=runtime", "-Dmdep.outputFile="+out)
	if _, err := mvn(ctx, o, module, append(append(mavenArgs(repo), "-f", filepath.Join(module, "pom.xml")), goals...)...); err != nil {
		return "", err
	}
	jars, _ := filepath.Glob(filepath.Join(module, "target", javaSDKArtifact+"-*.jar"))
	if len(jars) != 1 {
		return "", fmt.Errorf("building %s from %s made %d jars in target/, want 1: %v", javaSDKArtifact, s.Module, len(jars), jars)
	}
	deps, err := readClasspath(out)
	if err != nil {
		return "", err
	}
	if deps == "" {
		return jars[0], nil
	}
	return jars[0] + string(os.PathListSeparator) + deps, nil
}

func readClasspath(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("maven wrote no classpath: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// mvn runs Maven like run does, and also returns its output, for the
// caller to read a failure from.
func mvn(ctx context.Context, o Options, dir string, args ...string) (string, error) {
	var out bytes.Buffer
	err := run(ctx, Options{Root: o.Root, Log: io.MultiWriter(o.Log, &out)}, dir, nil, "mvn", args...)
	return out.String(), err
}

// javaMissingSDKPattern matches Maven's words for an SDK artifact the
// registry does not have: found missing now, found missing earlier (the
// cached failure, in both Maven's older and newer wording), or refused.
var javaMissingSDKPattern = regexp.MustCompile(`(?:Could not find artifact |Failure to find |Could not transfer artifact )` +
	regexp.QuoteMeta(javaSDKGroup+":"+javaSDKArtifact) + `:(?:jar|pom):(\S+)` +
	`|` + regexp.QuoteMeta(javaSDKGroup+":"+javaSDKArtifact) + `:(?:jar|pom):(\S+) was not found in`)

// javaRefused tells a refusal (the artifact is not there) from a transfer
// that failed for another reason (no network), which is no verdict on what
// the registry serves.
var javaRefused = regexp.MustCompile(`status code: (?:401|403|404|410)|Could not find artifact|Failure to find|was not found in`)

// javaMissingSDK reads Maven's output for the one failure that means the
// registry does not serve the SDK release asked for, and returns that
// version.
func javaMissingSDK(log string) (string, bool) {
	for _, line := range strings.Split(log, "\n") {
		m := javaMissingSDKPattern.FindStringSubmatch(line)
		if m == nil || !javaRefused.MatchString(line) {
			continue
		}
		if m[1] != "" {
			return m[1], true
		}
		return m[2], true
	}
	return "", false
}

// javaUnavailable makes the error for an SDK release the registry does not
// serve, saying which releases it does serve when Maven can tell.
func javaUnavailable(ctx context.Context, o Options, repo, version string) error {
	e := &UnavailablePackageError{
		SDK:      "java",
		Package:  fmt.Sprintf("%s:%s:%s", javaSDKGroup, javaSDKArtifact, version),
		Registry: "the Maven registry this machine reaches",
	}
	e.Served, e.Remedy = javaUnavailableAdvice(javaServedVersions(ctx, o, repo))
	return e
}

// javaUnavailableAdvice says what the registry serves instead (when known)
// and what to do.
func javaUnavailableAdvice(served []string) (what, remedy string) {
	remedy = "point SDK_SOURCE at a checkout of the SDK's java/ folder"
	var withCallback []string
	for _, v := range served {
		if compareReleases(v, javaFirstCallbackRelease) >= 0 {
			withCallback = append(withCallback, v)
		}
	}
	switch {
	case len(served) == 0:
		return "", remedy
	case len(withCallback) == 0 && len(served) == 1:
		return "it serves only " + served[0] + ", which has no bearer-token callback", remedy
	case len(withCallback) == 0:
		return "it serves only " + strings.Join(served, ", ") + ", which have no bearer-token callback", remedy
	}
	return "it serves " + strings.Join(served, ", "),
		"set SDK_VERSION to one of " + strings.Join(withCallback, ", ") + ", or " + remedy
}

// javaServedVersions asks Maven which SDK releases the registry lists: a
// throwaway project depending on the pom of any version, which makes Maven
// fetch the artifact's version list (and one small pom), then read from the
// repository. Best effort: nil if that fails.
func javaServedVersions(ctx context.Context, o Options, repo string) []string {
	dir := o.cacheDir("java-versions")
	pom := fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>conformance</groupId><artifactId>java-sdk-versions</artifactId><version>0</version>
  <dependencies><dependency>
    <groupId>%s</groupId><artifactId>%s</artifactId><version>[0,)</version><type>pom</type>
    <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
  </dependency></dependencies>
</project>
`, javaSDKGroup, javaSDKArtifact)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, "pom.xml"), []byte(pom), 0o644); err != nil {
		return nil
	}
	// Quiet: what this finds goes into the error, not the log.
	quiet := Options{Root: o.Root, Log: io.Discard}
	_, _ = mvn(ctx, quiet, dir, append(mavenArgs(repo), javaDependencyPlugin+":resolve")...)
	metadata, _ := filepath.Glob(filepath.Join(repo, filepath.FromSlash(strings.ReplaceAll(javaSDKGroup, ".", "/")), javaSDKArtifact, "maven-metadata-*.xml"))
	seen := map[string]bool{}
	var versions []string
	for _, file := range metadata {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, v := range mavenMetadataVersions(b) {
			if !seen[v] {
				seen[v] = true
				versions = append(versions, v)
			}
		}
	}
	sort.Slice(versions, func(i, j int) bool { return compareReleases(versions[i], versions[j]) < 0 })
	return versions
}

// mavenMetadataVersions lists the versions of a maven-metadata.xml.
func mavenMetadataVersions(b []byte) []string {
	var m struct {
		Versions []string `xml:"versioning>versions>version"`
	}
	if xml.Unmarshal(b, &m) != nil {
		return nil
	}
	return m.Versions
}

// compareReleases orders versions by their leading numbers (1.0.4 <
// 1.0.11; 0.3.0-java.2 < 1.0.0), which is all this file needs of Maven's
// version order.
func compareReleases(a, b string) int {
	na, nb := leadingNumbers(a), leadingNumbers(b)
	for i := 0; i < len(na) || i < len(nb); i++ {
		var x, y int
		if i < len(na) {
			x = na[i]
		}
		if i < len(nb) {
			y = nb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(a, b)
}

func leadingNumbers(v string) []int {
	var nums []int
	for _, part := range strings.Split(v, ".") {
		digits := part
		if i := strings.IndexFunc(part, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
			digits = part[:i]
		}
		n, err := strconv.Atoi(digits)
		if err != nil {
			break
		}
		nums = append(nums, n)
		if len(digits) < len(part) {
			break
		}
	}
	return nums
}

// javaPinnedVersion reads the SDK release the driver's pom pins.
func javaPinnedVersion(pom string) (string, error) {
	b, err := os.ReadFile(pom)
	if err != nil {
		return "", err
	}
	var p struct {
		Version string `xml:"properties>copilot.sdk.version"`
	}
	if err := xml.Unmarshal(b, &p); err != nil || p.Version == "" {
		return "", fmt.Errorf("%s: no copilot.sdk.version property (%v)", pom, err)
	}
	return strings.TrimSpace(p.Version), nil
}

// javaSDKSource is an SDK checkout for SDK_SOURCE: Root holds the SDK's pom
// and, in the java/sdk layout (java/v1.0.11 on), its parent pom; Module is
// the SDK module's folder relative to Root ("" in the java/v1.0.4 layout,
// where java/pom.xml is the SDK's own, "sdk" in the later one).
type javaSDKSource struct {
	Root, Module string
}

// javaPom is what this file reads of a pom.
type javaPom struct {
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Parent     *struct {
		ArtifactID   string  `xml:"artifactId"`
		Version      string  `xml:"version"`
		RelativePath *string `xml:"relativePath"` // nil: Maven's default, ../pom.xml
	} `xml:"parent"`
}

func readJavaPom(path string) (*javaPom, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p javaPom
	if err := xml.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// findJavaSDKSource finds the SDK module for SDK_SOURCE: the folder whose
// pom is the copilot-sdk-java project itself, given as a checkout of the
// monorepo (java/pom.xml in the v1.0.4 layout, java/sdk/pom.xml later), its
// java/ folder, or java/sdk/. Its parent pom, if the module has one on
// disk, comes along.
func findJavaSDKSource(source string) (*javaSDKSource, error) {
	for _, dir := range []string{source, filepath.Join(source, "sdk"), filepath.Join(source, "java"), filepath.Join(source, "java", "sdk")} {
		p, err := readJavaPom(filepath.Join(dir, "pom.xml"))
		if err != nil || p.ArtifactID != javaSDKArtifact {
			continue
		}
		root := dir
		if p.Parent != nil {
			rel := "../pom.xml"
			if p.Parent.RelativePath != nil {
				rel = strings.TrimSpace(*p.Parent.RelativePath)
			}
			parentPom := filepath.Join(dir, filepath.FromSlash(rel))
			if fi, err := os.Stat(parentPom); err == nil && fi.IsDir() {
				parentPom = filepath.Join(parentPom, "pom.xml")
			}
			if pp, err := readJavaPom(parentPom); err == nil && pp.ArtifactID == p.Parent.ArtifactID {
				root = filepath.Dir(parentPom)
			}
		}
		module, err := filepath.Rel(root, dir)
		if err != nil || strings.HasPrefix(module, "..") {
			return nil, fmt.Errorf("SDK_SOURCE %s: the parent pom of %s is not above it", source, dir)
		}
		if module == "." {
			module = ""
		}
		return &javaSDKSource{Root: root, Module: module}, nil
	}
	return nil, fmt.Errorf("SDK_SOURCE %s: no pom.xml of %s:%s there, nor in sdk/, java/ or java/sdk/ "+
		"(point it at a checkout of github/copilot-sdk, its java/ folder, or java/sdk/)", source, javaSDKGroup, javaSDKArtifact)
}

// files lists what a build of the SDK needs of the checkout, relative to
// Root: the parent pom (if any), the module's pom, and its main and
// generated sources and resources. Tests, docs and other modules stay out.
func (s *javaSDKSource) files() ([]string, error) {
	var files []string
	if s.Module != "" {
		files = append(files, "pom.xml")
	}
	files = append(files, filepath.Join(s.Module, "pom.xml"))
	for _, tree := range []string{"main", "generated"} {
		top := filepath.Join(s.Root, s.Module, "src", tree)
		if !exists(top) {
			continue
		}
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			rel, err := filepath.Rel(s.Root, path)
			files = append(files, rel)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	return files, nil
}

// digest is a hash of the names and contents of files().
func (s *javaSDKSource) digest() (string, error) {
	files, err := s.files()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(s.Root, rel))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (s *javaSDKSource) copyTo(dst string) error {
	files, err := s.files()
	if err != nil {
		return err
	}
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(s.Root, rel))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, rel), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// javaDeclaredVersion reads the SDK module's version from its pom (or its
// parent's, which it inherits when it states none).
func javaDeclaredVersion(source string) (version, from string) {
	s, err := findJavaSDKSource(source)
	if err != nil {
		return "", ""
	}
	p, err := readJavaPom(filepath.Join(s.Root, s.Module, "pom.xml"))
	if err != nil {
		return "", ""
	}
	if v := strings.TrimSpace(p.Version); v != "" {
		return v, "pom.xml"
	}
	if p.Parent != nil {
		return strings.TrimSpace(p.Parent.Version), "pom.xml (its parent's version)"
	}
	return "", ""
}
