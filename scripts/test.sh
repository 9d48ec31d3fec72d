#!/usr/bin/env bash
# One command to build and run the whole test suite (CTest + GoogleTest). .ci/run calls this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
# The install tests package what models/ holds: link or convert the default models first.
"$root/scripts/get-models.sh"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 900
