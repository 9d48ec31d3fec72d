#!/usr/bin/env bash
# Builds the Debian package: the default models made available in models/ (get-models.sh),
# avdream built, then CPack's DEB generator (dependencies computed by dpkg-shlibdeps) writes
# build/avdream_VERSION_ARCH.deb. Install it with: sudo apt install ./build/avdream_*.deb
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/get-models.sh"
"$root/scripts/build.sh"
cd "$root/build"
cpack -G DEB
ls -l "$root"/build/avdream_*.deb
