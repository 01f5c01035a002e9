#!/usr/bin/env bash
# Builds the SDK in the caller's checkout before the suite runs it
# (.github/workflows/sdk-conformance.yml, input `build`): BUILD is a
# command run with bash at the checkout's root; empty: nothing to build.
# A build that fails is recorded by the next steps: make conformance then
# fails to install the SDK, and its error verdict names the cause.
set -euo pipefail
if [ -z "${BUILD:-}" ]; then
  echo "sdk-build: no build command (input build): the SDK is used as checked out"
  exit 0
fi
bash -euo pipefail -c "$BUILD"
