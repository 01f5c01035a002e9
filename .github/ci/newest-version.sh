#!/usr/bin/env bash
# Prints the newest published version of an SDK's package, asked of its
# registry with that ecosystem's own client (the scheduled conformance
# run uses it; see cell-env.sh).
set -euo pipefail
sdk="${1:?usage: newest-version.sh node|python|go|rust|java|dotnet}"
case "$sdk" in
  node)
    npm view @github/copilot-sdk version ;;
  python)
    python3 -m pip index versions github-copilot-sdk 2>/dev/null | sed -n 's/^github-copilot-sdk (\(.*\))$/\1/p' ;;
  go)
    # Outside the suite's module, so that its go.mod plays no part.
    (cd "$(mktemp -d)" && GOFLAGS='' go list -m -f '{{.Version}}' github.com/github/copilot-sdk/go@latest) ;;
  rust)
    cargo search github-copilot-sdk --limit 1 | sed -n 's/^github-copilot-sdk = "\([^"]*\)".*/\1/p' ;;
  java)
    # Maven resolves RELEASE to the newest release and leaves it in the
    # local repository, whose folder names are the versions.
    mvn -q dependency:get -Dartifact=com.github:copilot-sdk-java:RELEASE -Dtransitive=false >&2
    find "$HOME/.m2/repository/com/github/copilot-sdk-java" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' -printf '%f\n' \
      | sort -V | tail -1 ;;
  dotnet)
    dotnet package search GitHub.Copilot.SDK --exact-match --format json \
      | jq -r '[.searchResult[].packages[].version] | last' ;;
  *)
    echo "newest-version.sh: unknown SDK $sdk" >&2; exit 2 ;;
esac
