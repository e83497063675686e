#!/usr/bin/env python3
"""Compares a regenerated fixture folder with the committed one, file by file.

    python3 tools/compare_fixture.py COMMITTED_DIR REGENERATED_DIR

One line per file of COMMITTED_DIR: "identical", or for a file that differs the largest absolute
difference (raw .bin files read by the dtype in their name: _f32, _i32, _u32, _u8; PNGs decoded
with ffmpeg; JSON compared number by number) and how many values differ. Exit status 1 when a file
is missing or differs. Standard library and numpy only (ffmpeg on the PATH for PNGs).
"""
import json
import os
import subprocess
import sys

import numpy as np

DTYPES = {"_f32": "<f4", "_i32": "<i4", "_u32": "<u4", "_u8": "u1"}


def png_pixels(path):
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.uint8)


def numbers(value, path=""):
    """Flattens a JSON value to {path: number}, and {path: other} for everything else."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in numbers(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in numbers(item, f"{path}[{i}]").items()}
    return {path: value}


def compare(a, b, name):
    if name.endswith(".png"):
        x, y = png_pixels(a), png_pixels(b)
    elif name.endswith(".json"):
        x, y = numbers(json.load(open(a))), numbers(json.load(open(b)))
        if x.keys() != y.keys():
            return f"different keys: {sorted(set(x) ^ set(y))[:5]}"
        diffs = [abs(x[k] - y[k]) if isinstance(x[k], (int, float)) and isinstance(y[k], (int, float)) and not isinstance(x[k], bool)
                 else (0 if x[k] == y[k] else float("inf")) for k in x]
        bad = [k for k, d in zip(x, diffs) if d]
        return f"{len(bad)} of {len(x)} values differ, max |diff| {max(diffs):.3g} (first: {bad[0]})"
    else:
        dtype = next((t for s, t in DTYPES.items() if s in name), "u1")
        x, y = np.fromfile(a, dtype=dtype), np.fromfile(b, dtype=dtype)
    if x.shape != y.shape:
        return f"sizes differ: {x.size} vs {y.size} values"
    d = np.abs(x.astype(np.float64) - y.astype(np.float64))
    if not d.any():
        return f"same {d.size} values, bytes differ (encoding)"
    return f"{int((d > 0).sum())} of {d.size} values differ, max |diff| {d.max():.3g}"


def main():
    committed, regenerated = sys.argv[1], sys.argv[2]
    failed = False
    for root, _, files in sorted(os.walk(committed)):
        for f in sorted(files):
            if f == "GENERATOR.md":  # the pointer back to tools/, not generated
                continue
            a = os.path.join(root, f)
            rel = os.path.relpath(a, committed)
            b = os.path.join(regenerated, rel)
            if not os.path.exists(b):
                print(f"{rel}: MISSING"); failed = True
            elif open(a, "rb").read() == open(b, "rb").read():
                print(f"{rel}: identical")
            else:
                print(f"{rel}: {compare(a, b, f)}"); failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
