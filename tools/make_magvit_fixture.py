#!/usr/bin/env python3
"""Writes the magvit2-b32-r1 fixture (Tests/MagvitCodecTests/Fixtures/magvit2-b32-r1): goldens of the
MAGVIT2 codec computed by the PyTorch rebuild tools/torch_magvit.py.

    python3 tools/make_magvit_fixture.py OUT_DIR [--video ../shared/samples/bikes.mp4]
        [--ckpt Tests/MagvitCodecTests/Fixtures/magvit2-b32-r1/magvit2_test.ckpt] [--frames RAW_U8]

Needs torch, numpy and Pillow, and ffmpeg on the PATH.
Frames: bikes.mp4 frames 0 and 40, decoded to RGB by ffmpeg, the centred 272x272 square cut out and
shrunk to 256x256 with Pillow's bicubic filter; --frames takes a raw (N,256,256,3) u8 file instead.
Weights: the checkpoint is reused (default the committed magvit2_test.ckpt: base 32, 1 block per level,
random weights with GroupNorm affines around 1 and 0, an EMA copy that differs on purpose and a small
discriminator entry). It was drawn by a maker that is not in the repository; this script does not re-draw it.
Outputs: latents_f32.bin (N,18,16,16) = encoder(frames/127.5 - 1); tokens_u32.bin (N,16,16), bit c set
when latent channel c > 0; decoded_f32.bin (N,3,256,256) = decoder(+-1 bits of the tokens), before
clamping; decoded_u8.bin (N,256,256,3) = floor((x + 1) * 127.5) clamped to 0..255; frame_*.png; meta.json.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import torch_magvit  # noqa: E402

ROOT = os.path.join(TOOLS, "..")
COMMITTED = os.path.join(ROOT, "Tests", "MagvitCodecTests", "Fixtures", "magvit2-b32-r1")
EVERY, FRAMES, SIDE = 40, 2, 256
def frames_from_video(path):
    """Frames 0, 40, ... of the video as RGB by ffmpeg, centre square, Pillow's bicubic to 256x256 (Pillow
    rounds to u8 between its two passes, so torch's antialiased bicubic is up to 1 off)."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout
    width, height = map(int, probe.strip().split(","))
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", f"select='not(mod(n\\,{EVERY}))',format=rgb24",
                          "-vsync", "0", "-frames:v", str(FRAMES), "-f", "rawvideo", "-"], check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(FRAMES, height, width, 3)
    side = min(width, height)
    x, y = (width - side) // 2, (height - side) // 2
    square = frames[:, y:y + side, x:x + side]
    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(f)).resize((SIDE, SIDE), Image.BICUBIC)) for f in square])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--ckpt", default=os.path.join(COMMITTED, "magvit2_test.ckpt"))
    ap.add_argument("--video", default=os.path.join(ROOT, "..", "shared", "samples", "bikes.mp4"))
    ap.add_argument("--frames", help="a raw (N,256,256,3) u8 file to use instead of cutting frames from --video")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    p = lambda name: os.path.join(a.out, name)

    if a.frames:
        shutil.copyfile(a.frames, p("frames_u8.bin"))
    else:
        frames_from_video(a.video).tofile(p("frames_u8.bin"))
    if os.path.abspath(a.ckpt) != os.path.abspath(p("magvit2_test.ckpt")):
        shutil.copyfile(a.ckpt, p("magvit2_test.ckpt"))
    frames = torch.from_numpy(np.fromfile(p("frames_u8.bin"), dtype=np.uint8)).view(-1, 256, 256, 3)
    for i, frame in enumerate(frames.numpy()):
        Image.fromarray(frame).save(p(f"frame_{i:03d}.png"))  # Pillow's defaults, as the committed files

    enc, dec = torch_magvit.build(p("magvit2_test.ckpt"))  # the plain encoder.*/decoder.* weights, not model_ema.*
    with torch.inference_mode():
        latents = enc(frames.permute(0, 3, 1, 2).float() / 127.5 - 1)
        channels = torch.arange(18).view(1, 18, 1, 1)
        tokens = ((latents > 0).long() << channels).sum(1)
        bits = ((tokens.unsqueeze(1) >> channels) & 1).float() * 2 - 1
        decoded = dec(bits)
    decoded_u8 = ((decoded + 1) * 127.5).floor().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1)
    latents.numpy().astype("<f4").tofile(p("latents_f32.bin"))
    tokens.numpy().astype("<u4").tofile(p("tokens_u32.bin"))
    decoded.numpy().astype("<f4").tofile(p("decoded_f32.bin"))
    decoded_u8.numpy().tofile(p("decoded_u8.bin"))
    meta = {"base_channels": enc.conv_in.weight.shape[0], "num_res_blocks": len(enc.mid_block),
            "ch_mult": [1, 1, 2, 2, 4], "z_channels": 18, "seed": 11, "frames": len(frames), "video": "bikes.mp4",
            "every": EVERY, "codec_params": sum(t.numel() for m in (enc, dec) for t in m.parameters()),
            "token_bit_order": "bit c of a token is (latent channel c > 0)",
            "weights": "golden outputs use the raw encoder.*/decoder.* weights, as the reference decoding path does; "
                       "model_ema.* shadow weights differ on purpose",
            "min_abs_latent": float(latents.abs().min())}
    with open(p("meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps({"out": a.out, "min_abs_latent": meta["min_abs_latent"]}))


if __name__ == "__main__":
    main()
