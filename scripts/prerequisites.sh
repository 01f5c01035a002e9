#!/usr/bin/env bash
# Checks what the suite needs for the given parts, before anything runs:
#
#   scripts/prerequisites.sh go node python rust java dashboard container reports workflows
#
# An SDK's part is checked by drivers/<sdk>/prerequisites.sh.
#
# What is missing and Debian packages provide is installed with apt-get
# when this runs as root on Debian (a fresh CI machine); everything else
# missing (or all of it, when installing is not possible) is named in one
# message, with how to get it, and the script fails without installing
# anything.
set -euo pipefail
cd "$(dirname "$0")/.."

# version_ge A B: whether version A >= B (dotted numbers).
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

missing=()  # "what: how to get it", one per missing piece
packages=() # the Debian packages that provide what is missing, if any
need() {    # need <what> <how> [debian package]
  missing+=("$1: $2")
  if [ $# -ge 3 ]; then packages+=("$3"); else packages+=("-"); fi
}

go_wanted=$(awk '$1 == "go" { print $2; exit }' go.mod)
check_go() {
  if ! command -v go >/dev/null; then
    need "Go >= $go_wanted" "https://go.dev/dl/ (unpacked into /usr/local/go; the Makefile also looks there)"
  elif ! version_ge "$(go env GOVERSION | sed 's/^go//')" "$go_wanted"; then
    need "Go >= $go_wanted (found $(go env GOVERSION))" "https://go.dev/dl/"
  fi
}
check_dashboard() { # the dashboard's screenshot test
  if ! command -v chromium >/dev/null; then
    need "Chromium" "apt-get install chromium" chromium
  fi
}
check_reports() { # make check-reports: each junit.xml against the JUnit XSD
  if ! command -v xmllint >/dev/null; then
    need "xmllint" "apt-get install libxml2-utils" libxml2-utils
  fi
}
check_workflows() { # make lint-workflows: actionlint checks the workflows' scripts with shellcheck
  if ! command -v shellcheck >/dev/null; then
    need "shellcheck" "apt-get install shellcheck" shellcheck
  fi
}
check_container() { # RUNNER=container: an engine started by docker/engine.sh
  if ! command -v dockerd >/dev/null; then
    need "Docker engine (dockerd)" "apt-get install docker.io" docker.io
  fi
  if ! command -v debootstrap >/dev/null; then
    need "debootstrap (base images where no image registry answers)" "apt-get install debootstrap" debootstrap
  fi
}

check_go
for part in "$@"; do
  if [ -f "drivers/$part/prerequisites.sh" ]; then
    # An SDK's toolchain: its driver folder says what it needs.
    # shellcheck source=/dev/null
    source "drivers/$part/prerequisites.sh"
    check_sdk
  else
    case "$part" in
    dashboard | container | reports | workflows) "check_$part" ;;
    *) echo "prerequisites.sh: unknown part $part" >&2; exit 2 ;;
    esac
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Installable here only if every missing piece has a Debian package and
# this is root on a system with apt-get.
installable=yes
for p in "${packages[@]}"; do [ "$p" = - ] && installable=no; done
if [ "$installable" = yes ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  mapfile -t unique < <(printf '%s\n' "${packages[@]}" | sort -u)
  echo "installing from Debian: ${unique[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${unique[@]}" >/dev/null
  exit 0
fi

{
  echo "This machine lacks what the suite needs:"
  printf '  - %s\n' "${missing[@]}"
  if [ "$installable" = yes ]; then
    echo "Run as root on Debian (or with sudo) and make installs them: apt-get install $(printf '%s\n' "${packages[@]}" | sort -u | tr '\n' ' ')"
  fi
} >&2
exit 1
