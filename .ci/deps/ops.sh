#!/bin/sh
# ops.sh installs what the operations tests need: Debian's chromium, which renders the admin
# page headless (server/admin_chromium_test.go) and takes the screenshot in docs/.
# Idempotent: it installs only what is missing.
set -eu
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
