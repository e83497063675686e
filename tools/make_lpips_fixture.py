#!/usr/bin/env python3
"""Writes the lpips-alex fixture (Tests/PredictorTests/Fixtures/lpips-alex) from scratch.

    python3 tools/make_lpips_fixture.py OUT_DIR [--shared ../shared]

Needs torch, numpy and Pillow (no torchvision, no lpips package): the AlexNet `features` and LPIPS v0.1
are rebuilt here from ../shared/docs/reference.md section 7.
- alexnet_test.pth: a random AlexNet backbone in torchvision's state-dict layout (features.{0,3,6,8,10}),
  PyTorch default init under torch.manual_seed(1), plus a tiny `classifier.1` the readers must ignore.
- lpips-v0.1-alex.pth: the lpips package's linear weights, copied from shared/weights.
- a_*: the magvit2-b32-r1 fixture's input frames; b_*: that fixture's decoded frames (u8), so the
  pairs are a codec's input and output, as in the challenge. Both as raw (N,256,256,3) u8 and as PNGs.
- lpips.json: LPIPS(a_i, b_i) and LPIPS(a_i, a_i) in float32.
"""
import argparse
import json
import os
import shutil

import numpy as np
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MAGVIT = os.path.join(ROOT, "Tests", "MagvitCodecTests", "Fixtures", "magvit2-b32-r1")
SEED = 1


def alexnet_features():
    """torchvision's AlexNet `features`, layer for layer, so the RNG draws match its constructor's."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))


def lpips(features, lin, a, b):
    """LPIPS v0.1 (AlexNet) of two (N,3,H,W) batches in [-1, 1]; one value per pair."""
    shift = torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1)
    scale = torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1)
    taps = {1, 4, 7, 9, 11}  # the ReLUs after each conv
    total = 0
    xa, xb = (a - shift) / scale, (b - shift) / scale
    k = 0
    for i, layer in enumerate(features):
        xa, xb = layer(xa), layer(xb)
        if i in taps:
            na = xa / (xa.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            nb = xb / (xb.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            total = total + ((na - nb) ** 2 * lin[f"lin{k}.model.1.weight"]).sum(1).mean((1, 2))
            k += 1
    return total


def write_pngs(raw, prefix):
    """raw (N,256,256,3) u8 file -> prefix_000.png ...; Pillow's defaults, as the committed files."""
    from PIL import Image
    for i, frame in enumerate(np.fromfile(raw, dtype=np.uint8).reshape(-1, 256, 256, 3)):
        Image.fromarray(frame).save(f"{prefix}_{i:03d}.png")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--magvit", default=MAGVIT, help="fixture folder with frames_u8.bin and decoded_u8.bin")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    p = lambda name: os.path.join(a.out, name)

    torch.manual_seed(SEED)
    net = nn.Module()
    net.features = alexnet_features()
    # A tiny stand-in for torchvision's classifier.*: present in the file, never read by LPIPS.
    net.classifier = nn.Sequential(nn.Dropout(), nn.Linear(16, 4))
    torch.save(net.state_dict(), p("alexnet_test.pth"))
    features = net.features[:12]  # the last max pool comes after the fifth tap
    shutil.copyfile(os.path.join(a.shared, "weights", "lpips-v0.1-alex.pth"), p("lpips-v0.1-alex.pth"))
    lin = torch.load(p("lpips-v0.1-alex.pth"), map_location="cpu", weights_only=True)

    shutil.copyfile(os.path.join(a.magvit, "frames_u8.bin"), p("a_u8.bin"))
    shutil.copyfile(os.path.join(a.magvit, "decoded_u8.bin"), p("b_u8.bin"))
    load = lambda name: torch.from_numpy(np.fromfile(p(name), dtype=np.uint8)).view(-1, 256, 256, 3).permute(0, 3, 1, 2).float() / 127.5 - 1
    x, y = load("a_u8.bin"), load("b_u8.bin")
    write_pngs(p("a_u8.bin"), p("a"))
    write_pngs(p("b_u8.bin"), p("b"))
    with torch.inference_mode():
        values, same = lpips(features, lin, x, y), lpips(features, lin, x, x)
    with open(p("lpips.json"), "w") as f:
        json.dump({"lpips": [float(v) for v in values], "lpips_self": [float(v) for v in same],
                   "pixel_range": "inputs mapped with u8/127.5 - 1", "seed": SEED}, f, indent=1)
    print(json.dumps({"lpips": [float(v) for v in values]}))


if __name__ == "__main__":
    main()
