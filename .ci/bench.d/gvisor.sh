#!/usr/bin/env bash
# gvisor driver vs process driver vs a bare JVM, in one run (unikernel-runtime/gvisor/bench_test.go):
# cold start (fresh instance → first answer), warm no-op invoke p50/p99, NQueens(13) timed inside
# the JVM, working set of a warm instance; each as a ratio; then the same call at the client. Goals: warm gvisor/process ≤ 1.5,
# NQueens plain/gvisor ≥ 0.95. Needs root and runsc (.ci/deps/gvisor.sh); skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
pkg=./unikernel-runtime/gvisor/
{
  go test -run '^$' -bench 'ColdStart' -benchtime 5x -count=1 "$pkg"
  go test -run '^$' -bench 'WarmInvoke' -benchtime 500x -count=1 "$pkg"
  go test -run '^$' -bench 'NQueens' -benchtime 5x -count=1 "$pkg"
  go test -run '^$' -bench 'WarmMemory' -benchtime 1x -count=1 "$pkg"
} | grep -E '^(Benchmark|ok|FAIL|--- SKIP|\s+bench_test)'
# The same comparison at the phone: a real mamoc-server per driver, a trivial MAMoC task over
# WebSocket + CBOR (p50/p99, calls/s at 1, 10 and 50 sessions) and warm NQueens(13).
if [ "$(id -u)" = 0 ] && command -v runsc >/dev/null; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	go build -o "$tmp/mamoc-load" ./server/cmd/mamoc-load
	go build -o "$tmp/mamoc-server" ./server/cmd/mamoc-server
	"$tmp/mamoc-load" -server "this=$tmp/mamoc-server" -drivers process,gvisor -sessions 1,10,50 -calls 20000 -nqueens-reps 5 |
		sed -n '/driver gvisor vs process/,$p'
fi
