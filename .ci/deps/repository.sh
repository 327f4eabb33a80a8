#!/usr/bin/env bash
# Dependencies of package repository: github.com/mattn/go-sqlite3 is cgo,
# so the tests need a C compiler and libc headers. The disk-full test mounts
# a tmpfs and skips itself where that is not permitted.
set -euo pipefail

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -e /usr/include/stdio.h ] || need+=(libc6-dev)
if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${need[@]}"
