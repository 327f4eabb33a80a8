#!/usr/bin/env bash
# Installs gVisor's runsc for the gvisor unikernel driver (unikernel-runtime/gvisor): Debian's
# `runsc` package (bookworm: 0.0~20221219, platforms ptrace and kvm). Idempotent: it installs only
# when runsc is missing. Without root it says what to run instead.
set -euo pipefail
if command -v runsc >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "gvisor.sh: runsc is missing; as root run: apt-get update && apt-get install -y runsc" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends runsc
runsc --version
