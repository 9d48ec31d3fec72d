#!/usr/bin/env bash
# The README's first command on a checkout with no shared folder beside it: clones the
# repository (its committed HEAD) into OUT/avdream, serves the models' TFLite originals from a
# local HTTP server on 127.0.0.1 as AVDREAM_MODEL_MIRROR, and runs scripts/setup.sh there.
# The models are then converted from the downloads and the samples come from Debian's packages.
#   Usage: fresh_setup.sh SOURCE_CHECKOUT TFLITE_DIR OUT
# Prints the setup's output; exits with the setup's status (124 when a step ran out of time).
set -euo pipefail
src=$1 tflite=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
git clone -q "$src" "$out/avdream"
[ ! -e "$out/shared" ] || { echo "fresh_setup: $out/shared exists" >&2; exit 1; }

python3 -u -m http.server --bind 127.0.0.1 --directory "$tflite" 0 >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$out/server.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "fresh_setup: the mirror did not start" >&2; exit 1; }

cd "$out/avdream"
export AVDREAM_MODEL_MIRROR="http://127.0.0.1:$port" AVDREAM_MODEL_PATH=""
unset AVDREAM_SHARED
start=$(date +%s)
timeout 1800 scripts/setup.sh
echo "fresh_setup: setup took $(( $(date +%s) - start )) s"
