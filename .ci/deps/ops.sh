#!/bin/sh
# ops.sh installs what the operations tests need: Debian's chromium, which renders the admin
# page headless (server/admin_chromium_test.go) and takes the screenshot in docs/.
# Idempotent: it installs only what is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
apt_install chromium fonts-dejavu-core
