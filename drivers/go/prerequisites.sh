# shellcheck shell=bash
# The toolchain the go driver needs, for scripts/prerequisites.sh (which
# sources this file and calls check_sdk; need and version_ge are its).
check_sdk() {
  : # the Go toolchain the suite itself needs (check_go) builds the driver too
}
