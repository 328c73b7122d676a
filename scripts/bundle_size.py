#!/usr/bin/env python3
"""The browser bundle's size check: what a first visit to each page downloads in wasm.

Reads the release site `cargo leptos build --release --split` wrote (target/site/pkg): the main
module (the Leptos runtime and the top bar's islands), and per page island (`#[island(lazy)]`)
the split modules the wasm-split manifest names for it. A first visit fetches the main module
and its page's island's modules; the check fails when any such total, gzipped (level 9), is
above the limit (CANCEL_DESK_BUNDLE_LIMIT_BYTES, default 250 KB). With `--precompress` it also
prints the brotli copies' total, what a browser gets over HTTPS.
"""

import glob
import gzip
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "target", "site", "pkg")
LIMIT = int(os.environ.get("CANCEL_DESK_BUNDLE_LIMIT_BYTES", 250 * 1000))


def one(pattern):
    found = glob.glob(os.path.join(PKG, pattern))
    if len(found) != 1:
        sys.exit(f"bundle size: expected one {pattern} in {PKG}, found {len(found)}; "
                 "run `cargo leptos build --release --split` first")
    return found[0]


def gz(path, cache={}):
    if path not in cache:
        with open(path, "rb") as f:
            data = f.read()
        cache[path] = (len(data), len(gzip.compress(data, 9)))
    return cache[path]


def brotli(paths):
    """The brotli copies' total (`--precompress` writes `<file>.br`), or None without them."""
    sizes = [os.path.getsize(p + ".br") for p in paths if os.path.exists(p + ".br")]
    return sum(sizes) if len(sizes) == len(paths) else None


def main():
    main_wasm = one("cancel-desk.*.wasm")
    manifest = json.load(open(one("__wasm_split_manifest.*.json")))
    main_raw, main_gz = gz(main_wasm)
    print(f"main module: {main_raw:,} bytes, {main_gz:,} gzipped")
    print(f"{'page island':<28} {'files':>5} {'wasm':>11} {'gzipped':>11}  first visit, gzipped")
    worst = 0
    for split, files in sorted(manifest.items()):
        paths = [os.path.join(PKG, f + ".wasm") for f in files]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            sys.exit(f"bundle size: {split} names {len(missing)} missing files, e.g. {missing[0]}")
        raw = sum(gz(p)[0] for p in paths)
        zipped = sum(gz(p)[1] for p in paths)
        total = main_gz + zipped
        worst = max(worst, total)
        name = split.split("_loader_")[0].strip("_")
        flag = "  over" if total > LIMIT else ""
        br = brotli([main_wasm] + paths)
        br = f"  (brotli {br:,})" if br is not None else ""
        print(f"{name:<28} {len(paths):>5} {raw:>11,} {zipped:>11,}  {total:>11,}{br}{flag}")
    print(f"largest first visit: {worst:,} bytes gzipped; limit {LIMIT:,}")
    if worst > LIMIT:
        sys.exit(f"bundle size: a first visit downloads {worst:,} bytes of gzipped wasm, "
                 f"more than the {LIMIT:,} allowed")


if __name__ == "__main__":
    main()
