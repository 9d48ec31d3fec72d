#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a dream: install the packages, build, make the
# default models available and dream the default sample photo into out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/get-models.sh"
sample=${1:-$("$root/samples/default.sh")}
mkdir -p "$root/out"
out="$root/out/$(basename "${sample%.*}")_dream.png"
"$root/build/avdream" "$sample" -o "$out"
echo "open $out to see the dream"
