# shellcheck shell=bash
# The toolchain the node driver needs, for scripts/prerequisites.sh (which
# sources this file and calls check_sdk; need and version_ge are its).
check_sdk() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    need "Node.js >= 20.19 with npm" "https://nodejs.org/ or Debian's nodejs and npm packages where they are new enough"
  elif ! version_ge "$(node --version | sed 's/^v//')" 20.19; then
    need "Node.js >= 20.19 (found $(node --version))" "https://nodejs.org/"
  fi
}
