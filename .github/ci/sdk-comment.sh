#!/usr/bin/env bash
# Writes the pull-request comment of .github/workflows/sdk-conformance.yml
# to results/pr-comment.md and the job summary: the build's runs, what did
# not run and why, the improvements with their expectations diff, and the
# build beside the other SDKs' latest results when COMPARE_PARITY names a
# parity.json of the suite's scheduled run (a path in the workspace, or an
# http(s) URL to download); without it the comment says it has nothing to
# compare with. Run in the suite's checkout, after make conformance.
set -euo pipefail
: "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set}"
mkdir -p results
compare=()
case "${COMPARE_PARITY:-}" in
  "") ;;
  http://*|https://*)
    curl --fail --silent --show-error --location --max-time 60 --output results/compare-parity.json "$COMPARE_PARITY"
    compare=(-compare results/compare-parity.json) ;;
  /*) compare=(-compare "$COMPARE_PARITY") ;;
  *) compare=(-compare "${GITHUB_WORKSPACE:?}/$COMPARE_PARITY") ;;
esac
go run ./internal/cmd/reports comment "${compare[@]}" results > results/pr-comment.md
cat results/pr-comment.md >> "$GITHUB_STEP_SUMMARY"
