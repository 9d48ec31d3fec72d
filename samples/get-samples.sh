#!/usr/bin/env bash
# Fetches real sample media from Debian 12's packages into samples/debian/, for machines without
# this project's shared folder: a photo (darknet), a clip with sound (opencv-doc) and a dog's bark
# (tuxpaint-stamps-default). Only the three files are unpacked from the downloaded packages
# (`apt-get download`, no install, no root): about 260 MB of packages are downloaded once and
# removed again (scripts/fetch-files.sh). samples/debian/SOURCES.md records package, version, path and license.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/samples/debian"
# package | path in the package | file name here | license as the package's copyright gives it
samples=(
  "darknet|/usr/share/darknet/data/dog.jpg|dog.jpg|GPL-3.0+ or MIT or WTFPL (Debian darknet copyright, Files: *); photographer not documented upstream"
  "opencv-doc|/usr/share/doc/opencv-doc/examples/data/Megamind.avi|Megamind.avi|Apache-2.0 AND BSD-3-Clause as shipped by Debian opencv-doc (Files: *); a film excerpt: use for testing only"
  "tuxpaint-stamps-default|/usr/share/tuxpaint/stamps/animals/mammals/dogs/dog.ogg|dog_bark.ogg|GPL-2 (Debian tuxpaint-stamps-default copyright, Files: *)"
)
. "$root/scripts/fetch-files.sh"
debian_files "$dest" "${samples[@]}" || { echo "samples: not fetched" >&2; exit 1; }
echo "samples: in $dest (sources and licenses in $dest/SOURCES.md)"
