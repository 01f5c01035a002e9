#!/usr/bin/env bash
# docker/clean.sh: remove what the suite's container runs leave in the
# engine: its containers (label conformance.suite=bearer-token), its driver
# images (same label), the images of their build stages (dangling once the
# driver images are gone: the legacy builder keeps each stage's steps as
# untagged images, its layer cache) and the builder's cache. Base images
# (docker/base-images.sh) and the engine stay. Does nothing when no engine
# answers.
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
i=$(docker images -q --filter "label=$label" | sort -u | xargs -r docker rmi -f | grep -c '^Deleted' || true)
d=$(docker image prune -f --filter dangling=true | grep -c '^deleted' || true)
docker builder prune -af >/dev/null 2>&1 || true
say "removed $n container(s), $i image layer(s) of driver images, $d dangling image layer(s), and the builder cache"
