#!/usr/bin/env bash
# Makes the default models available in models/ (where avdream looks after $AVDREAM_MODEL_PATH).
# With the shared folder beside the checkout (../shared/models), its .pt files are linked.
# Otherwise, see models/README.md: models/export_torchvision.py exports GoogLeNet, Inception-v3
# and VGG16 from torchvision (needs the internet once for the weights).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${AVDREAM_SHARED:-$root/../shared}/models
if [ -d "$shared" ]; then
  for f in "$shared"/*.pt; do ln -sf "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$root/models/"; done
  echo "models: linked $(ls "$shared"/*.pt | wc -l) files from $shared into models/"
elif ls "$root"/models/*.pt >/dev/null 2>&1; then
  echo "models: using the files already in models/"
else
  echo "models: $shared not found; exporting torchvision's GoogLeNet (downloads its weights)" >&2
  /usr/bin/python3 "$root/models/export_torchvision.py" googlenet -o "$root/models"
fi
