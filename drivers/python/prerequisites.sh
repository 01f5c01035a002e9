# shellcheck shell=bash
# The toolchain the python driver needs, for scripts/prerequisites.sh (which
# sources this file and calls check_sdk; need and version_ge are its).
check_sdk() {
  if ! command -v python3 >/dev/null; then
    need "Python >= 3.11 with venv" "apt-get install python3 python3-venv (Debian 12 has 3.11)" python3-venv
  elif ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    need "Python >= 3.11 (found $(python3 --version 2>&1))" "https://www.python.org/ or pyenv"
  elif ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    need "Python's venv with pip" "apt-get install python3-venv" python3-venv
  fi
}
