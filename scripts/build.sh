#!/usr/bin/env bash
# Configures and builds avdream (Release) into build/. With ccache installed, compilations are
# cached (paths relative to the checkout's folder, so another checkout of the same code, such
# as the fresh-clone setup test's, reuses them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}"
cmake --build "$root/build" -j"$(nproc)"
