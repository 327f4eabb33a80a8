#!/bin/sh
# interop.sh installs the third-party WAMP clients the router's interop tests run
# (router/interop_test.go): Debian bookworm python3-autobahn (22.7.1) with Twisted, msgpack
# and cbor2, and npm autobahn@22.11.1 with its serializer modules, pinned by
# router/testdata/interop/package-lock.json, into router/testdata/interop/node_modules.
# Idempotent: it installs only what is missing.
# Note: the tests run Debian's python as /usr/bin/python3, not a pyenv python3 that may come
# first on PATH.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/router/testdata/interop"

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive

missing=""
pkg() { # pkg PACKAGE: install it unless dpkg says it is installed
	if ! dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $1"
	fi
}
pkg python3-autobahn
pkg python3-twisted
pkg python3-msgpack
pkg python3-cbor2
if ! command -v node >/dev/null 2>&1; then
	pkg nodejs
fi
if ! command -v npm >/dev/null 2>&1; then
	pkg npm
fi

if [ -n "$missing" ]; then
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm ci installs exactly what package-lock.json pins; skip it when autobahn is already there
# in the pinned version.
want=$(node -p "require('$dir/package.json').dependencies.autobahn")
have=$(node -p "try { require('$dir/node_modules/autobahn/package.json').version } catch (e) { '' }")
if [ "$have" != "$want" ]; then
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
