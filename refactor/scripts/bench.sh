#!/usr/bin/env bash
# refactor: analysis time per corpus APK beside androguard's AnalyzeAPK of the same APKs in the
# same run (goal ≥ 10× faster), upload → first registered RPC (closure linking vs the whole APK, same run), and verdict
# agreement with androguard on which classes touch device-bound APIs (tables as in README.md).
# Needs .ci/deps/refactor.sh (androguard, enjarify) and the APK corpus (MAMOC_APK_CORPUS; see
# internal/apktest).
set -euo pipefail
cd "$(dirname "$0")/../.."
MAMOC_COMPARE=1 go test -count=1 -run TestAndroguardComparison -v ./refactor/ | grep -E '^ +\||mamoc-only by|^(--- |ok|FAIL)'
# upload → first RPC: the whole APK through enjarify (before) vs the procedures' closure (now).
MAMOC_COMPARE=1 go test -count=1 -run TestUploadToFirstRPC -v ./refactor/ | grep -E '^ +\||upload →|^(--- |ok|FAIL)'
go test -count=1 -run '^$' -bench BenchmarkAnalyze -benchtime 10x ./refactor/
