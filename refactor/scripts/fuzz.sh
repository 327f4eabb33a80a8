#!/usr/bin/env bash
# Bounded fuzz run of the DEX and manifest stages (CI: FUZZTIME=30s). The seed corpus (the
# testdata APKs' classes.dex and AndroidManifest.xml) also runs in every plain `go test`.
# -fuzzminimizetime keeps the minimisation of large DEX inputs from eating the budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
t="${FUZZTIME:-30s}"
go test -run '^$' -fuzz '^FuzzDEX$' -fuzztime "$t" -fuzzminimizetime 2s ./refactor/
go test -run '^$' -fuzz '^FuzzManifest$' -fuzztime "$t" -fuzzminimizetime 2s ./refactor/
