#!/usr/bin/env bash
# transform.sh installs what transform's tests need: gcc for cgo (tree-sitter)
# and a JDK (javac and java) for the end-to-end test that compiles and runs the
# transformed examples. Idempotent: it installs only what is missing.
set -euo pipefail
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
if [ ${#need[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
