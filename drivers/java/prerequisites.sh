# shellcheck shell=bash
# The toolchain the java driver needs, for scripts/prerequisites.sh (which
# sources this file and calls check_sdk; need and version_ge are its).
check_sdk() {
  if ! command -v javac >/dev/null || ! command -v java >/dev/null; then
    need "JDK 17 or later" "apt-get install openjdk-17-jdk-headless" openjdk-17-jdk-headless
  fi
  if ! command -v mvn >/dev/null; then
    need "Maven" "apt-get install maven" maven
  fi
}
