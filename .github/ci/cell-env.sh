#!/usr/bin/env bash
# Sets SDK (the build, as internal/build spells it) for one cell of the
# conformance matrix (.github/workflows/conformance.yml), as KEY=value lines appended
# to $GITHUB_ENV, which the cell's next steps (make conformance) read.
#
# In:  BUILD_SDK      the SDK (node, python, go, rust, java, dotnet)
#      BUILD_VERSION  a published version to run instead of the pinned one
#      SOURCE_REF     a release tag of github/copilot-sdk to build the SDK from
#      SOURCE_DIR     the SDK's folder in that source (e.g. java)
#      EVENT          the workflow's event: on "schedule", a build with
#                     neither version nor source runs the newest published
#                     version instead of the pinned one
#      SDK_SOURCE_ARCHIVES  optional: a folder of release archives named
#                     copilot-sdk-<sdk>-<version>.tar.gz, used instead of
#                     downloading the tag (make ci-matrix sets it: the
#                     machines that rehearse the matrix reach no source host)
set -euo pipefail
: "${BUILD_SDK:?BUILD_SDK is not set}" "${GITHUB_ENV:?GITHUB_ENV is not set}"
version="${BUILD_VERSION:-}"
source=""

if [ -n "${SOURCE_REF:-}" ]; then
  # java/v1.0.4 -> copilot-sdk-java-1.0.4
  name="copilot-sdk-${SOURCE_REF%%/*}-${SOURCE_REF##*/v}"
  dir="$PWD/.cache/sdk-sources/$name"
  if [ ! -d "$dir" ]; then
    tmp="$dir.partial"
    rm -rf "$tmp" && mkdir -p "$tmp"
    if [ -n "${SDK_SOURCE_ARCHIVES:-}" ]; then
      archive="$SDK_SOURCE_ARCHIVES/$name.tar.gz"
      [ -f "$archive" ] || { echo "cell-env: no $archive for $SOURCE_REF" >&2; exit 1; }
      tar -xzf "$archive" -C "$tmp" --strip-components=1
    else
      curl -fsSL --retry 3 "https://github.com/github/copilot-sdk/archive/refs/tags/$SOURCE_REF.tar.gz" \
        | tar -xz -C "$tmp" --strip-components=1
    fi
    mv "$tmp" "$dir"
  fi
  source="$dir/${SOURCE_DIR:-}"
  [ -d "$source" ] || { echo "cell-env: $SOURCE_REF has no folder ${SOURCE_DIR:-} ($source)" >&2; exit 1; }
elif [ -z "$version" ] && [ "${EVENT:-}" = schedule ]; then
  version="$(bash "$(dirname "$0")/newest-version.sh" "$BUILD_SDK")"
  [ -n "$version" ] || { echo "cell-env: no newest version found for $BUILD_SDK" >&2; exit 1; }
fi

# The build in the one spelling every command takes (internal/build):
# <sdk>, <sdk>@<version> or <sdk>+<source>; SDK_VERSION and SDK_SOURCE are
# emptied so that nothing from outside changes it.
build="$BUILD_SDK"
if [ -n "$source" ]; then
  build="$BUILD_SDK+$source"
elif [ -n "$version" ]; then
  build="$BUILD_SDK@$version"
fi
{
  echo "SDK=$build"
  echo "SDK_VERSION="
  echo "SDK_SOURCE="
} >> "$GITHUB_ENV"
echo "cell: SDK=$build"
