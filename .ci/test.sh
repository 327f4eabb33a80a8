#!/usr/bin/env bash
# The project's test command (the README's): installs what the tests need, idempotently, then
# runs vet and every test with the race detector. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
for dep in .ci/deps/*.sh; do
	[ -e "$dep" ] || continue
	echo "== deps: $dep"
	bash "$dep"
done
echo "== go vet"
go vet ./...
echo "== go test"
go test -race -count=1 -timeout 40m "$@" ./...
echo "== fuzz (bounded): refactor's DEX and manifest stages"
go test -run '^$' -fuzz '^FuzzDEX$' -fuzztime 20s -fuzzminimizetime 2s ./refactor
go test -run '^$' -fuzz '^FuzzManifest$' -fuzztime 20s -fuzzminimizetime 2s ./refactor
echo "== fuzz (bounded): the router's inbound message guard"
go test -run '^$' -fuzz '^FuzzGuard$' -fuzztime 15s -fuzzminimizetime 2s ./router
echo "== fuzz (bounded): mamoc.* argument decoding and normalisation"
go test -run '^$' -fuzz '^FuzzParseRunRequest$' -fuzztime 10s -fuzzminimizetime 2s ./server/api
go test -run '^$' -fuzz '^FuzzNormalizeArg$' -fuzztime 10s -fuzzminimizetime 2s ./server/catalog
