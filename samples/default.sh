#!/usr/bin/env bash
# Prints the default sample for a kind ("photo", "video" or "sound"): from ../shared/samples
# beside the checkout (or $AVDREAM_SHARED/samples) when there is one, else from samples/debian/
# (real media from Debian's packages, fetched by samples/get-samples.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared="${AVDREAM_SHARED:-$root/../shared}/samples"
debian="$root/samples/debian"
case "${1:-photo}" in
  photo) candidates=("$shared/images/dog.jpg" "$debian/dog.jpg") ;;
  video) candidates=("$shared/video/mov_bbb.mp4" "$debian/Megamind.avi") ;;
  sound) candidates=("$shared/audio/dog/sounds_dog_bark.flac" "$debian/dog_bark.ogg") ;;
  *) echo "usage: samples/default.sh [photo|video|sound]" >&2; exit 2 ;;
esac
for f in "${candidates[@]}"; do
  if [ -f "$f" ]; then echo "$f"; exit 0; fi
done
echo "no ${1:-photo} sample (looked for ${candidates[*]}): run samples/get-samples.sh, or pass your own" \
  "to scripts/setup.sh (scripts/setup.sh my.jpg clip.mp4 sound.wav)" >&2
exit 1
