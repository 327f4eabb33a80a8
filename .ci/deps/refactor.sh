#!/bin/sh
# refactor.sh installs the Debian tools the refactor package's tests and benchmarks use:
# enjarify (DEX → jar, linking), androguard (verdict agreement and benchmark baseline),
# dexdump/dexlist (oracle), libsmali-java (test DEX assembly) and a JDK (javac/java for the
# linking test). Idempotent: it installs only what is missing.
# Note: Debian's androguard and enjarify must run with /usr/bin/python3 (PYTHON=/usr/bin/python3),
# not a pyenv python3 that may come first on PATH.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"

missing=""
need() { # need PACKAGE COMMAND
	if ! command -v "$2" >/dev/null 2>&1; then missing="$missing $1"; fi
}
need enjarify enjarify
need androguard androguard
need dexdump dexdump
need libsmali-java smali
need openjdk-17-jdk-headless javac

# shellcheck disable=SC2086
apt_install $missing
