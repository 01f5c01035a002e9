# shellcheck shell=bash
# The toolchain the rust driver needs, for scripts/prerequisites.sh (which
# sources this file and calls check_sdk; need and version_ge are its).
check_sdk() {
  if ! command -v cargo >/dev/null; then
    need "Rust (cargo >= 1.94)" "https://rustup.rs/ (installs into ~/.cargo/bin; the Makefile also looks there)"
  elif ! version_ge "$(cargo --version | awk '{print $2}')" 1.94; then
    need "cargo >= 1.94 (found $(cargo --version))" "rustup update stable"
  fi
}
