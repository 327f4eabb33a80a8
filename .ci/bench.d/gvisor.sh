#!/usr/bin/env bash
# gvisor driver vs process driver vs a bare JVM, in one run (unikernel-runtime/gvisor/bench_test.go):
# cold start (fresh instance → first answer), warm no-op invoke p50/p99, NQueens(13) timed inside
# the JVM, working set of a warm instance; each as a ratio. Goals: warm gvisor/process ≤ 1.5,
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
