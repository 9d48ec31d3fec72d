#!/usr/bin/env bash
# Prints the default sample for a kind ("photo" or "video"): from ../shared/samples beside the
# checkout (or $AVDREAM_SHARED/samples).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-photo}" in
  photo) f="${AVDREAM_SHARED:-$root/../shared}/samples/images/dog.jpg" ;;
  video) f="${AVDREAM_SHARED:-$root/../shared}/samples/video/mov_bbb.mp4" ;;
  *) echo "usage: samples/default.sh [photo|video]" >&2; exit 2 ;;
esac
if [ -f "$f" ]; then echo "$f"; exit 0; fi
echo "no sample at $f: pass your own to scripts/setup.sh (scripts/setup.sh my.jpg clip.mp4)" >&2
exit 1
