#!/usr/bin/env bash
# unikernel runtime: cold start vs bare java Hello (ratio), warm no-op invoke p50/p99,
# NQueens(13) in the sandbox vs a plain JVM (ratio), memory per warm instance.
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -run '^$' -bench . -benchtime 15x -count=1 ./unikernel-runtime/process/ | grep -E '^(Benchmark|ok|FAIL)'
