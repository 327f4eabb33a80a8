#!/usr/bin/env bash
# Base build dependencies: gcc for cgo (go-sqlite3, tree-sitter) and a JDK 17 (javac, jlink).
set -euo pipefail
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v jlink >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
