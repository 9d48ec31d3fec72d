#!/usr/bin/python3
"""Makes avdream's default models available in models/, from wherever they can be had.

    /usr/bin/python3 models/get_models.py [--shared DIR] [--out DIR] [NAME ...]

For each model (default: all four), in this order:
  1. already on the search path ($AVDREAM_MODEL_PATH, then the output folder): nothing to do;
  2. a converted copy in the shared folder (DIR/models/NAME.pt, this project's machines): linked;
  3. otherwise converted (convert_tflite.py) from its public TFLite original, taken from
     DIR/models/tflite when that holds it, else from the download cache (--cache, default
     models/upstream/), else downloaded into that cache from its pinned upstream location and
     checked against its sha256.

$AVDREAM_MODEL_MIRROR=URL replaces the upstream locations: each file is fetched as URL/FILE.
Without a network, it names each file, where to get it by hand and where to put it.
"""
import argparse
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import MODELS, UPSTREAM, files_for, sha256_of  # noqa: E402

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 60


def on_search_path(name, out_dir):
    dirs = [d for d in os.environ.get("AVDREAM_MODEL_PATH", "").split(":") if d] + [str(out_dir)]
    return next((Path(d) / f"{name}.pt" for d in dirs if (Path(d) / f"{name}.pt").is_file()), None)


def has_good_copy(folder, key):
    path = Path(folder) / key
    return path.is_file() and sha256_of(path) == UPSTREAM[key]["sha256"]


def download(key, cache):
    """Fetches one upstream file into cache under a temporary name; renamed only when its
    sha256 is the pinned one. Returns an error line, or None."""
    entry = UPSTREAM[key]
    mirror = os.environ.get("AVDREAM_MODEL_MIRROR", "").rstrip("/")
    url = f"{mirror}/{key}" if mirror else entry["url"]
    final, partial = cache / key, cache / f"{key}.partial.{os.getpid()}"
    size = f"{entry['bytes'] / 1e6:.1f} MB" if entry["bytes"] >= 1e5 else f"{entry['bytes'] // 1000} kB"
    print(f"models: downloading {key} ({size}, {entry['license']}) from {url}", flush=True)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(partial, "wb") as out:
            while chunk := response.read(1 << 20):
                out.write(chunk)
        digest = sha256_of(partial)
        if digest != entry["sha256"]:
            return f"{key}: refused: sha256 of what {url} sent is {digest}, not the pinned {entry['sha256']}"
        os.replace(partial, final)
        return None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return (f"{key}: could not download {url} ({reason}); get it by hand from {entry['url']} "
                f"(sha256 {entry['sha256']}) and put it in {cache}/")
    finally:
        if partial.exists():
            partial.unlink()


def gather_sources(names, shared_tflite, cache):
    """The folder holding every upstream file the models need, downloading what is missing."""
    needed = files_for(names)
    if shared_tflite.is_dir() and all(has_good_copy(shared_tflite, k) for k in needed):
        print(f"models: converting from the TFLite originals in {shared_tflite}")
        return shared_tflite
    cache.mkdir(parents=True, exist_ok=True)
    errors = [err for k in needed if not has_good_copy(cache, k) for err in [download(k, cache)] if err]
    if errors:
        for err in errors:
            print(f"models: {err}", file=sys.stderr)
        return None
    return cache


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help=f"models (default: {', '.join(MODELS)})")
    ap.add_argument("--shared", default=str(HERE.parent.parent / "shared"), help="the project's shared folder")
    ap.add_argument("--out", default=str(HERE), help="where the models go (default: models/)")
    ap.add_argument("--cache", default=str(HERE / "upstream"), help="where downloads go (default: models/upstream/)")
    args = ap.parse_args(argv)
    names = args.names or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error(f"unknown model {', '.join(unknown)}; known: {', '.join(MODELS)}")
    out_dir, shared = Path(args.out), Path(args.shared)

    missing = []
    for n in names:
        found = on_search_path(n, out_dir)
        if found:
            print(f"models: {n}: on the search path ({found})")
        elif (shared / "models" / f"{n}.pt").is_file():
            (out_dir / f"{n}.pt").unlink(missing_ok=True)
            (out_dir / f"{n}.pt").symlink_to((shared / "models" / f"{n}.pt").resolve())
            print(f"models: {n}: linked from {shared / 'models'}")
        else:
            missing.append(n)
    if not missing:
        return 0

    src = gather_sources(missing, shared / "models" / "tflite", Path(args.cache))
    if src is None:
        print("models: not all upstream files could be had (above); nothing was converted", file=sys.stderr)
        return 1
    import convert_tflite  # loads torch: only when something is converted
    return convert_tflite.main(["--from", str(src), "-o", str(out_dir), *missing])


if __name__ == "__main__":
    sys.exit(main())
