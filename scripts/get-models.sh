#!/usr/bin/env bash
# Makes the default models available in models/ (where avdream looks after $AVDREAM_MODEL_PATH):
# ImageNet MobileNetV2 (the default), iNaturalist birds and insects MobileNetV2, and YAMNet.
#   - already on the search path: nothing to do;
#   - this project's shared folder beside the checkout (../shared/models): its .pt files are linked;
#   - otherwise each model is converted from its public TFLite original (models/convert_tflite.py),
#     taken from ../shared/models/tflite, else models/upstream/, else downloaded there from its
#     pinned upstream location (about 15 MB in all, Apache-2.0) and checked against its sha256.
#     AVDREAM_MODEL_MIRROR=URL fetches URL/FILE instead (a local mirror or a proxy).
# See models/README.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec /usr/bin/python3 "$root/models/get_models.py" --shared "${AVDREAM_SHARED:-$root/../shared}" "$@"
