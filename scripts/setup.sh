#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a dream: install the packages (and, without this
# project's shared folder, sample media from Debian's packages), build, make the default models
# available, then dream the default photo, the first 3 s of the default clip (its soundtrack
# too, when it has one) and the default sound into out/.
#   Usage: scripts/setup.sh [photo] [clip] [sound]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
"$root/scripts/get-models.sh"
photo=${1:-$("$root/samples/default.sh" photo)}
clip=${2:-$("$root/samples/default.sh" video)}
sound=${3:-$("$root/samples/default.sh" sound)}
name() { basename "${1%.*}"; }
mkdir -p "$root/out"
"$root/build/avdream" "$photo" -o "$root/out/$(name "$photo")_dream.png"
if ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$clip" | grep -q .; then
  echo "setup: $(basename "$clip") has sound: its soundtrack is dreamed too"
else
  echo "setup: $(basename "$clip") has no sound: only its frames are dreamed"
fi
"$root/build/avdream" "$clip" -o "$root/out/$(name "$clip")_dream.mp4" --duration 3 \
  --preview "$root/out/$(name "$clip")_sheet.png"
"$root/build/avdream" --spectro "$sound" -o "$root/out/$(name "$sound")_dream.wav"
echo "see out/: the dreamed photo, clip (with its contact sheet) and sound (with its spectrograms)"
