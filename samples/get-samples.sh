#!/usr/bin/env bash
# Fetches real sample media from Debian 12's packages into samples/debian/, for machines without
# this project's shared folder: a photo (darknet), a clip with sound (opencv-doc) and a dog's bark
# (tuxpaint-stamps-default). Only the three files are unpacked from the downloaded packages
# (`apt-get download`, no install, no root): about 260 MB of packages are downloaded once and
# removed again. samples/debian/SOURCES.md records package, version, path and license.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/samples/debian"
# package | path in the package | file name here | license as the package's copyright gives it
samples=(
  "darknet|/usr/share/darknet/data/dog.jpg|dog.jpg|GPL-3.0+ or MIT or WTFPL (Debian darknet copyright, Files: *); photographer not documented upstream"
  "opencv-doc|/usr/share/doc/opencv-doc/examples/data/Megamind.avi|Megamind.avi|Apache-2.0 AND BSD-3-Clause as shipped by Debian opencv-doc (Files: *); a film excerpt: use for testing only"
  "tuxpaint-stamps-default|/usr/share/tuxpaint/stamps/animals/mammals/dogs/dog.ogg|dog_bark.ogg|GPL-2 (Debian tuxpaint-stamps-default copyright, Files: *)"
)
missing=()
for s in "${samples[@]}"; do
  IFS='|' read -r _ _ name _ <<<"$s"
  [ -s "$dest/$name" ] || missing+=("$s")
done
if [ ${#missing[@]} -eq 0 ]; then echo "samples: all in $dest"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || {
  echo "samples: the package lists are empty; run 'sudo apt-get update' first" >&2; exit 1; }
for s in "${missing[@]}"; do
  IFS='|' read -r package path name license <<<"$s"
  version=$(apt-cache policy "$package" | awk '/Candidate:/ {print $2}')
  echo "samples: $name from Debian's $package $version (downloading the package)"
  (cd "$work" && apt-get download -q "$package" >/dev/null) ||
    { echo "samples: could not download the Debian package $package (no network?)" >&2; exit 1; }
  dpkg-deb --fsys-tarfile "$work/${package}_"*.deb | tar -x -C "$work" ".$path"
  mv "$work$path" "$dest/.$name.partial" && mv "$dest/.$name.partial" "$dest/$name"
  rm -f "$work/${package}_"*.deb
  printf -- '- `%s`: Debian 12 package %s %s, `%s`; sha256 %s; license: %s\n' "$name" "$package" "$version" \
    "$path" "$(sha256sum "$dest/$name" | cut -c1-64)" "$license" >>"$dest/SOURCES.md"
done
echo "samples: in $dest (sources and licenses in $dest/SOURCES.md)"
