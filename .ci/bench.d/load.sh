#!/usr/bin/env bash
# load: a real mamoc-server under load from plain nexus clients (WebSocket + CBOR on 127.0.0.1):
# an edge user's no-op RPC vs a trivial MAMoC task (FQCN, [null,[41]]) at 1, 10, 50 and 200
# sessions (p50/p99, calls/s, errors, ratios in the same run), and warm NQueens(13) vs a warmed
# plain JVM and vs MAMoC's way (a fresh java per call). Both paths are warmed first with 50
# sessions (every instance booted, JITs warm). Bounded: 40 s per phase at most.
# MAMOC_BENCH_BASELINE=<git ref> also builds that revision's server and measures it first.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/mamoc-load" ./server/cmd/mamoc-load
go build -o "$tmp/mamoc-server" ./server/cmd/mamoc-server
servers="this=$tmp/mamoc-server"
if [ -n "${MAMOC_BENCH_BASELINE:-}" ]; then
	mkdir "$tmp/base"
	git archive "$MAMOC_BENCH_BASELINE" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go build -o "$tmp/mamoc-server-base" ./server/cmd/mamoc-server)
	servers="$MAMOC_BENCH_BASELINE=$tmp/mamoc-server-base,$servers"
fi
# 100,000 calls a phase (split over its sessions): long enough for a steady state at 50 and 200
# sessions, where a phase of a few thousand calls mostly measures its first seconds.
"$tmp/mamoc-load" -server "$servers" -calls 100000
