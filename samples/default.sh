#!/usr/bin/env bash
# Prints the path of the default sample photo: dog.jpg from ../shared/samples beside the checkout
# (or $AVDREAM_SHARED/samples).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
f="${AVDREAM_SHARED:-$root/../shared}/samples/images/dog.jpg"
if [ -f "$f" ]; then echo "$f"; exit 0; fi
echo "no sample photo at $f: pass a photo to scripts/setup.sh (scripts/setup.sh my.jpg)" >&2
exit 1
