#!/usr/bin/env bash
# refactor: APK analysis vs androguard in the same run, upload → first RPC, verdict agreement.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash refactor/scripts/bench.sh
