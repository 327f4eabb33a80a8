#!/usr/bin/env bash
# decision: latency of one decision at 3, 10 and 100 sites (p50-ns and p99-ns per decision; goal
# p50 ≤ 20 µs at 10 sites) and the trace-driven policy comparison of decision/README.md.
set -euo pipefail
go test -run '^$' -bench . -benchtime 20000x ./decision/
go run ./decision/cmd/decisionsim
