#!/usr/bin/env bash
# Names the build of the caller's SDK (.github/workflows/sdk-conformance.yml)
# and sets SDK_SOURCE_VERSION in $GITHUB_ENV, so that the expectations'
# version ranges judge it as what it is:
#   - the input sdk-version (STATED), when given;
#   - else the newest release tag the checkout descends from, marked as a
#     later build: 1.0.27+pr.123 for pull request 123, 1.0.27+g<commit>
#     without one (go run ./internal/cmd/reports sdk-version). At a release
#     tag it is that release.
# A checkout without tags (actions/checkout's default depth 1) leaves the
# version to the suite's own detection (the package's declared version),
# with a warning: fetch the tags (fetch-depth: 0) or give sdk-version.
#
# In:  SDK, SDK_SOURCE (the SDK's folder in the checkout), STATED, PR
# Run in the suite's checkout.
set -euo pipefail
: "${SDK:?SDK is not set}" "${SDK_SOURCE:?SDK_SOURCE is not set}" "${GITHUB_ENV:?GITHUB_ENV is not set}"
if [ -n "${STATED:-}" ]; then
  version="$STATED"
  echo "sdk-version: $SDK $version (the input sdk-version)"
elif version=$(go run ./internal/cmd/reports sdk-version -sdk "$SDK" -pr "${PR:-}" "$SDK_SOURCE"); then
  :
else
  echo "::warning title=sdk-version::the SDK checkout has no release tag to name this build after: fetch the tags (actions/checkout fetch-depth: 0) or give the input sdk-version; version-limited expectations are judged by the version the package declares"
  exit 0
fi
echo "SDK_SOURCE_VERSION=$version" >> "$GITHUB_ENV"
