# shellcheck shell=bash
# The toolchain the dotnet driver needs, for scripts/prerequisites.sh (which
# sources this file and calls check_sdk; need and version_ge are its).
check_sdk() {
  command -v dotnet >/dev/null || need ".NET SDK 8" "https://dotnet.microsoft.com/download"
}
