#!/bin/sh
# server.sh installs everything mamoc-server uses at run time, idempotently (only what is
# missing): the sandbox's packages (unikernel.sh: bubblewrap, a JDK 17 with jlink, prlimit)
# and the APK linking tool enjarify with the Debian python it runs on. The README's run
# command is `bash .ci/deps/server.sh && go run ./server/cmd/mamoc-server`.
# Without enjarify the server still starts: /readyz?verbose and the start log say the
# capability is missing, and APK jobs fail naming the package.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/apt.sh"
bash "$here/unikernel.sh"

missing=""
command -v enjarify >/dev/null 2>&1 || missing="$missing enjarify"
[ -x /usr/bin/python3 ] || missing="$missing python3"
# shellcheck disable=SC2086
apt_install $missing
