# Sourced by samples/get-samples.sh and models/filters/get-training-media.sh: real media from
# public sources, each checked and recorded with its source and license in DEST/SOURCES.md.
# Files land under a temporary name and are renamed when complete.

# debian_files DEST ENTRY...   ENTRY: "package|path in the package|name here|license"
# Downloads each package once (`apt-get download`: no install, no root), unpacks only the named
# files and removes the package again. A name may lie in a subfolder of DEST ("style/x.jpg").
# Files already in DEST are kept.
debian_files() {
  local dest=$1 work package path name license version packages=()
  shift
  mkdir -p "$dest"
  for entry in "$@"; do
    IFS='|' read -r package path name _ <<<"$entry"
    [ -s "$dest/$name" ] || [[ " ${packages[*]} " == *" $package "* ]] || packages+=("$package")
  done
  [ ${#packages[@]} -gt 0 ] || return 0
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ] || {
    echo "the package lists are empty; run 'sudo apt-get update' first" >&2; return 1; }
  work=$(mktemp -d)
  for package in "${packages[@]}"; do
    version=$(apt-cache policy "$package" | awk '/Candidate:/ {print $2}')
    echo "downloading Debian's $package $version"
    (cd "$work" && apt-get download -q "$package" >/dev/null) ||
      { echo "could not download the Debian package $package (no network?)" >&2; rm -rf "$work"; return 1; }
    for entry in "$@"; do
      IFS='|' read -r p path name license <<<"$entry"
      [ "$p" = "$package" ] && [ ! -s "$dest/$name" ] || continue
      local partial
      partial="$(dirname "$dest/$name")/.$(basename "$name").partial"
      mkdir -p "$(dirname "$dest/$name")"
      dpkg-deb --fsys-tarfile "$work/${package}_"*.deb | tar -x -C "$work" ".$path"
      mv "$work$path" "$partial" && mv "$partial" "$dest/$name"
      printf -- '- `%s`: Debian 12 package %s %s, `%s`; sha256 %s; license: %s\n' "$name" "$package" "$version" \
        "$path" "$(sha256sum "$dest/$name" | cut -c1-64)" "$license" >>"$dest/SOURCES.md"
    done
    rm -f "$work/${package}_"*.deb
  done
  rm -rf "$work"
}

# github_files DEST ENTRY...   ENTRY: "owner/repo|commit|path in the repository|name here|check|license"
# Downloads each file at its pinned commit and checks it: check is its sha256 (64 hex digits) or
# the start of its git blob id (as GitHub shows it). Files already in DEST are kept. Behind a
# proxy or a mirror, AVDREAM_MEDIA_MIRROR=URL fetches each file as URL/NAME (checked the same).
github_files() {
  local dest=$1 repo commit path name sum license url
  shift
  mkdir -p "$dest"
  for entry in "$@"; do
    IFS='|' read -r repo commit path name sum license <<<"$entry"
    [ -s "$dest/$name" ] && continue
    url="https://raw.githubusercontent.com/$repo/$commit/$path"
    [ -z "${AVDREAM_MEDIA_MIRROR:-}" ] || url="$AVDREAM_MEDIA_MIRROR/$name"
    echo "downloading $name from $repo"
    curl -fsSL --retry 3 -o "$dest/.$name.partial" "$url" ||
      { echo "could not download $url (no network?)" >&2; rm -f "$dest/.$name.partial"; return 1; }
    local got
    if [ ${#sum} -eq 64 ]; then got=$(sha256sum "$dest/.$name.partial" | cut -c1-64); else
      got=$(git hash-object "$dest/.$name.partial" | cut -c1-${#sum}); fi
    [ "$got" = "$sum" ] ||
      { echo "$url is not the file expected (checksum differs)" >&2; rm -f "$dest/.$name.partial"; return 1; }
    mv "$dest/.$name.partial" "$dest/$name"
    printf -- '- `%s`: GitHub %s, `%s` @ %s; sha256 %s; license: %s\n' "$name" "$repo" "$path" "$commit" \
      "$(sha256sum "$dest/$name" | cut -c1-64)" "$license" >>"$dest/SOURCES.md"
  done
}
