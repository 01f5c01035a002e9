#!/usr/bin/env bash
# docker/clean.sh [--all]: remove what the suite's container runs leave in
# the engine: its containers (label conformance.suite=bearer-token), the
# images of their build stages (dangling: the legacy builder keeps each
# stage's steps as untagged images, its layer cache) and the builder's
# cache. Its driver images (same label, tagged with the digest of their
# inputs: internal/container) are a cache like .cache/: a later run with
# the same inputs reuses one instead of building it again, so they stay,
# but for those unused for a week. --all removes every driver image too
# (make docker-clean-all). Base images (docker/base-images.sh) and the
# engine stay. Does nothing when no engine answers.
#
# Dangling images and the builder cache are the engine's, not only the
# suite's: on a machine whose engine builds other things too, this also
# drops their layer cache (never a tagged image).
set -euo pipefail
label=conformance.suite=bearer-token
say() { echo "clean.sh: $*" >&2; }

if ! timeout 10 docker info >/dev/null 2>&1; then
	say "no engine answers: nothing to clean"
	exit 0
fi
n=$(docker ps -aq --filter "label=$label" | xargs -r docker rm -f | wc -l)
if [ "${1:-}" = --all ]; then
	i=$(docker images -q --filter "label=$label" | sort -u | xargs -r docker rmi -f | grep -c '^Deleted' || true)
else
	# Driver images no container uses and built over a week ago: inputs
	# that have changed since, most likely.
	i=$(docker image prune -af --filter "label=$label" --filter until=168h | grep -c '^deleted' || true)
fi
d=$(docker image prune -f --filter dangling=true | grep -c '^deleted' || true)
docker builder prune -af >/dev/null 2>&1 || true
say "removed $n container(s), $i image layer(s) of driver images ($( [ "${1:-}" = --all ] && echo all || echo 'older than a week')), $d dangling image layer(s), and the builder cache"
