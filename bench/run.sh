#!/usr/bin/env bash
# Runs every benchmark (builds first). Usage: bench/run.sh [--threads N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target dream_bench >/dev/null
"$root/build/bench/dream_bench" "$@"
