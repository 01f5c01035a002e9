#!/usr/bin/env bash
# docker/leftovers.sh: fail, listing them, if the suite's container runs
# left anything in the engine: a container carrying the label
# conformance.suite=bearer-token, a dangling image (a build stage's layer
# cache), a dangling volume, or builder cache. The suite's tagged driver
# images are not leftovers but a cache keyed by their inputs, reused by the
# next run (docker/clean.sh). make test runs it after docker/clean.sh.
# Exit 0 when nothing is left (or no engine answers).
set -euo pipefail
label=conformance.suite=bearer-token
if ! timeout 10 docker info >/dev/null 2>&1; then
	echo "leftovers.sh: no engine answers: nothing left in one" >&2
	exit 0
fi
left=0
check() { # WHAT COMMAND...
	local what=$1 out
	shift
	out=$("$@")
	if [ -n "$out" ]; then
		echo "leftovers.sh: $what left behind:" >&2
		echo "$out" >&2
		left=1
	fi
}
check "containers of the suite" docker ps -a --filter "label=$label" --format '{{.ID}} {{.Image}} {{.Status}}'
check "dangling images (build cache)" docker images --filter dangling=true --format '{{.ID}} {{.CreatedSince}}'
check "dangling volumes" docker volume ls --filter dangling=true --format '{{.Name}}'
cache=$(docker system df --format '{{.Type}} {{.TotalCount}}' | awk '$1 == "Build" {print $3}')
if [ -n "$cache" ] && [ "$cache" != 0 ]; then
	echo "leftovers.sh: builder cache left behind: $cache entries" >&2
	left=1
fi
[ "$left" = 0 ] && echo "leftovers.sh: no container, dangling image, build cache or volume of the suite left in the engine (driver images kept: $(docker images -q --filter "label=$label" | wc -l))" >&2
exit "$left"
