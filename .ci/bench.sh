#!/usr/bin/env bash
# Runs every benchmark of the project and prints its figures. Each part measures its baseline
# in the same run, so the ratios are meaningful on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."
for dep in .ci/deps/*.sh; do bash "$dep" >/dev/null; done
run() { echo; echo "== $1"; shift; "$@"; }
run "router: no-op RPC round trip, ws+cbor through mamoc-server vs nexus in-process" \
	go test -run '^$' -bench NoopRPC -benchtime 5000x ./server/
run "offload: first (compiling) and warm calls through mamoc-server vs MAMoC's javac + java-per-call, p50/p99 ms" \
	go test -run '^$' -bench Offload -benchtime 10x ./server/
for extra in .ci/bench.d/*.sh; do
	[ -e "$extra" ] || continue
	run "$(basename "$extra" .sh)" bash "$extra"
done
