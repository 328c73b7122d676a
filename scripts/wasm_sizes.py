#!/usr/bin/env python3
"""Where a wasm file's bytes go: code by crate and the largest functions, and the data segments.

For finding what to trim from the browser bundle. The function names come from the wasm "name"
section, so build with names kept first (they are stripped from releases):

    LEPTOS_WASM_OPT_FEATURES="-Oz,-g,--enable-bulk-memory,--enable-nontrapping-float-to-int" \\
        cargo leptos build --release --split --frontend-only
    python3 scripts/wasm_sizes.py target/site/pkg/cancel-desk.*.wasm      # the main module
    python3 scripts/wasm_sizes.py --island pending_queues --top 40        # a page island's files

Sizes are of the uncompressed code; gzip shrinks code by about half and text data more.
"""

import argparse
import glob
import json
import os
import re
import sys
from collections import Counter

PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "target", "site", "pkg")


def leb(buf, pos):
    """An unsigned LEB128 at `pos`: (value, next position)."""
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def sections(buf):
    """(id, custom name or None, start, end) of every section."""
    if buf[:4] != b"\0asm":
        sys.exit("not a wasm file")
    pos = 8
    while pos < len(buf):
        sid = buf[pos]
        size, pos = leb(buf, pos + 1)
        end = pos + size
        name = None
        if sid == 0:
            n, p = leb(buf, pos)
            name = buf[p:p + n].decode("utf-8", "replace")
        yield sid, name, pos, end
        pos = end


def imported_functions(buf, start):
    count, pos = leb(buf, start)
    funcs = 0
    for _ in range(count):
        for _ in range(2):  # module and field names
            n, pos = leb(buf, pos)
            pos += n
        kind = buf[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(buf, pos)
            funcs += 1
        elif kind == 1:  # table: element type, limits
            pos += 1
            flags, pos = leb(buf, pos)
            _, pos = leb(buf, pos)
            if flags & 1:
                _, pos = leb(buf, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(buf, pos)
            _, pos = leb(buf, pos)
            if flags & 1:
                _, pos = leb(buf, pos)
        elif kind == 3:  # global: type, mutability
            pos += 2
        else:  # tag
            pos += 1
            _, pos = leb(buf, pos)
    return funcs


def function_names(buf, start, end):
    n, pos = leb(buf, start)
    pos += n  # the section's own name, "name"
    names = {}
    while pos < end:
        sub = buf[pos]
        size, pos = leb(buf, pos + 1)
        if sub == 1:
            count, p = leb(buf, pos)
            for _ in range(count):
                index, p = leb(buf, p)
                length, p = leb(buf, p)
                names[index] = buf[p:p + length].decode("utf-8", "replace")
                p += length
        pos += size
    return names


def demangle(name):
    """Rust's legacy mangling (`_ZN3foo3bar17h…E`) as `foo::bar`; anything else unchanged."""
    if not name.startswith("_ZN"):
        return name
    parts, pos = [], 3
    while pos < len(name) and name[pos].isdigit():
        digits = re.match(r"\d+", name[pos:]).group()
        pos += len(digits)
        part = name[pos:pos + int(digits)]
        pos += int(digits)
        if re.fullmatch(r"h[0-9a-f]{16}", part):
            break
        parts.append(part.replace("$LT$", "<").replace("$GT$", ">").replace("$u20$", " ")
                     .replace("$C$", ",").replace("..", "::").replace("$RF$", "&"))
    return "::".join(parts) or name


def crate_of(name):
    name = name.lstrip("<&*").removeprefix("impl ").removeprefix("dyn ")
    head = re.split(r"::| |<|>|\(|\[", name, maxsplit=1)[0]
    return head or "?"


def read(path):
    """(code bytes per function with its name, data bytes, whether names were there) of one file."""
    buf = open(path, "rb").read()
    imports = 0
    bodies = []
    data = 0
    names = {}
    for sid, custom, start, end in sections(buf):
        if sid == 2:
            imports = imported_functions(buf, start)
        elif sid == 10:
            count, pos = leb(buf, start)
            for _ in range(count):
                size, body = leb(buf, pos)
                bodies.append(size + (body - pos))
                pos = body + size
        elif sid == 11:
            data += end - start
        elif custom == "name":
            names = function_names(buf, start, end)
    functions = [(size, demangle(names.get(imports + i, f"#{imports + i}"))) for i, size in enumerate(bodies)]
    return functions, data, bool(names)


def island_files(island):
    """The wasm files the split manifest names for `island` (e.g. `pending_queues`)."""
    manifest = json.load(open(glob.glob(os.path.join(PKG, "__wasm_split_manifest.*.json"))[0]))
    for split, files in manifest.items():
        if split.split("_loader_")[0].strip("_") == island:
            return [os.path.join(PKG, f + ".wasm") for f in files]
    sys.exit(f"no island {island} in the manifest; it has " +
             ", ".join(sorted(k.split("_loader_")[0].strip("_") for k in manifest)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wasm", nargs="*", help="wasm files, counted together")
    parser.add_argument("--island", help="a page island's files, from the split manifest")
    parser.add_argument("--top", type=int, default=25, help="how many functions and crates to list")
    args = parser.parse_args()
    paths = args.wasm + (island_files(args.island) if args.island else [])
    if not paths:
        parser.error("name wasm files or --island")

    functions, data, named = [], 0, True
    for path in paths:
        f, d, n = read(path)
        functions += f
        data += d
        named = named and n
    code = sum(size for size, _ in functions)
    total = sum(os.path.getsize(p) for p in paths)
    print(f"{len(paths)} file(s), {total:,} bytes; code {code:,} in {len(functions):,} functions; data {data:,}")
    if not named:
        print("no name section: build with -g (see the top of this script) to see names")
        return
    by_crate = Counter()
    for size, name in functions:
        by_crate[crate_of(name)] += size
    print(f"\ncode by crate (top {args.top}):")
    for crate, size in by_crate.most_common(args.top):
        print(f"  {size:>9,}  {crate}")
    print(f"\nlargest functions (top {args.top}):")
    for size, name in sorted(functions, reverse=True)[: args.top]:
        print(f"  {size:>9,}  {name[:150]}")


if __name__ == "__main__":
    main()
