#!/usr/bin/env bash
# Prints the newest published version of an SDK's package, asked of its
# registry with that ecosystem's own client (the scheduled conformance
# run uses it; see cell-env.sh). Which registry and package an SDK has is
# its entry's Registry in internal/sdk, read here through
# internal/cmd/plan; this script knows only how each kind of registry is
# asked.
set -euo pipefail
sdk="${1:?usage: newest-version.sh <sdk>}"
cd "$(dirname "$0")/../.."
read -r kind package < <(go run ./internal/cmd/plan registry "$sdk")
case "$kind" in
  npm)
    npm view "$package" version ;;
  pypi)
    python3 -m pip index versions "$package" 2>/dev/null | sed -n "s/^$package (\(.*\))\$/\1/p" ;;
  goproxy)
    # Outside the suite's module, so that its go.mod plays no part.
    (cd "$(mktemp -d)" && GOFLAGS='' go list -m -f '{{.Version}}' "$package@latest") ;;
  crates)
    cargo search "$package" --limit 1 | sed -n "s/^$package = \"\([^\"]*\)\".*/\1/p" ;;
  maven)
    # Maven resolves RELEASE to the newest release and leaves it in the
    # local repository, whose folder names are the versions.
    mvn -q dependency:get -Dartifact="$package:RELEASE" -Dtransitive=false >&2
    find "$HOME/.m2/repository/$(echo "${package%%:*}" | tr . /)/${package##*:}" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' -printf '%f\n' \
      | sort -V | tail -1 ;;
  nuget)
    dotnet package search "$package" --exact-match --format json \
      | jq -r '[.searchResult[].packages[].version] | last' ;;
  *)
    echo "newest-version.sh: no way to ask a $kind registry" >&2; exit 2 ;;
esac
