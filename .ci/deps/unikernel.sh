#!/usr/bin/env bash
# Installs what the unikernel runtime and its process driver need: a JDK with jlink and javac
# (to build the base image), bubblewrap (the sandbox) and prlimit (util-linux). Idempotent.
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
{ command -v javac >/dev/null 2>&1 && command -v jlink >/dev/null 2>&1; } || need+=(openjdk-17-jdk-headless)
command -v prlimit >/dev/null 2>&1 || need+=(util-linux)
command -v ldd >/dev/null 2>&1 || need+=(libc-bin)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi
