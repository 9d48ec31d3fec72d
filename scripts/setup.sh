#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a dream: install the packages, build, make the
# default models available, then dream the default sample photo and the first 3 s of the
# default sample clip into out/.   Usage: scripts/setup.sh [photo] [clip]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/get-models.sh"
photo=${1:-$("$root/samples/default.sh" photo)}
clip=${2:-$("$root/samples/default.sh" video)}
mkdir -p "$root/out"
"$root/build/avdream" "$photo" -o "$root/out/$(basename "${photo%.*}")_dream.png"
"$root/build/avdream" "$clip" -o "$root/out/$(basename "${clip%.*}")_dream.mp4" --duration 3 \
  --preview "$root/out/$(basename "${clip%.*}")_sheet.png"
echo "see out/: the dreamed photo, the dreamed clip and its contact sheet"
