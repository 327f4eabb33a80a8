#!/usr/bin/env bash
# kernels.sh assembles testdata/kernels.apk (a classes.dex without a manifest) from the smali
# sources in testdata/smali: compute kernels (static, instance, an object result), host effects
# (exec, file, network, System.exit) and a bundled-library helper. Needs smali (libsmali-java).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
smali a --api 26 -o "$tmp/classes.dex" testdata/smali
(cd "$tmp" && TZ=UTC touch -t 202601010000 classes.dex && zip -q -X -D kernels.apk classes.dex)
cp "$tmp/kernels.apk" testdata/kernels.apk
