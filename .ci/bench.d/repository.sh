#!/usr/bin/env bash
# repository: execution inserts/s (single vs batched, x-single = speed-up
# over single inserts in the same run) and blob write/read MB/s (x-raw =
# ratio to plain file write+fsync / os.ReadFile in the same run).
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -run '^$' -bench 'InsertExecution|Blob' -benchtime 1s ./repository/
