#!/usr/bin/env python3
"""Writes the magvit2-b32-r1 fixture (Tests/MagvitCodecTests/Fixtures/magvit2-b32-r1): goldens of the
MAGVIT2 codec computed by the PyTorch rebuild tools/torch_magvit.py.

    python3 tools/make_magvit_fixture.py OUT_DIR [--video ../shared/samples/bikes.mp4]
        [--ckpt Tests/MagvitCodecTests/Fixtures/magvit2-b32-r1/magvit2_test.ckpt] [--frames RAW_U8]

Needs torch and numpy, and ffmpeg on the PATH.
Frames: bikes.mp4 frames 0 and 40, decoded to RGB by ffmpeg, the centred 272x272 square cut out and
shrunk to 256x256 with Pillow's bicubic filter (rebuilt below in numpy, so Pillow is not needed);
--frames takes a raw (N,256,256,3) u8 file instead.
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

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import torch_magvit  # noqa: E402

ROOT = os.path.join(TOOLS, "..")
COMMITTED = os.path.join(ROOT, "Tests", "MagvitCodecTests", "Fixtures", "magvit2-b32-r1")
EVERY, FRAMES, SIDE = 40, 2, 256
FIXED_POINT_BITS = 22  # Pillow's 8-bit resampler: 32 bits less 8 for the pixel and 2 for headroom


def bicubic_kernel(x, a=-0.5):
    x = abs(x)
    if x < 1:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    return (((x - 5) * x + 8) * x - 4) * a if x < 2 else 0.0


def pillow_bicubic_axis(image, size, axis):
    """One pass of Pillow's bicubic resize (Image.resize(..., BICUBIC)) along an axis of a u8 array: the
    kernel widened by the shrink factor, weights normalized and rounded to fixed point, the sum rounded
    and clipped to 0..255. Pillow rounds to u8 between its horizontal and vertical passes; so does this."""
    source = np.moveaxis(image, axis, 0).astype(np.int64)
    scale = source.shape[0] / size
    widen = max(scale, 1.0)
    out = np.empty((size,) + source.shape[1:], dtype=np.int64)
    for i in range(size):
        center = (i + 0.5) * scale
        first = max(int(center - 2.0 * widen + 0.5), 0)
        count = min(int(center + 2.0 * widen + 0.5), source.shape[0]) - first
        weights = np.array([bicubic_kernel((j + first - center + 0.5) / widen) for j in range(count)])
        weights /= weights.sum()
        fixed = np.array([int(w * (1 << FIXED_POINT_BITS) + (0.5 if w >= 0 else -0.5)) for w in weights], dtype=np.int64)
        total = (1 << (FIXED_POINT_BITS - 1)) + np.tensordot(fixed, source[first:first + count], axes=(0, 0))
        out[i] = np.clip(total >> FIXED_POINT_BITS, 0, 255)
    return np.moveaxis(out, 0, axis).astype(np.uint8)


def frames_from_video(path):
    """Frames 0, 40, ... of the video as RGB by ffmpeg, centre square, Pillow-bicubic to 256x256."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout
    width, height = map(int, probe.strip().split(","))
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", f"select='not(mod(n\\,{EVERY}))',format=rgb24",
                          "-vsync", "0", "-frames:v", str(FRAMES), "-f", "rawvideo", "-"], check=True, capture_output=True).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(FRAMES, height, width, 3)
    side = min(width, height)
    x, y = (width - side) // 2, (height - side) // 2
    square = frames[:, y:y + side, x:x + side]
    return np.stack([pillow_bicubic_axis(pillow_bicubic_axis(f, SIDE, 1), SIDE, 0) for f in square])


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
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "256x256", "-i", p("frames_u8.bin"),
                    "-start_number", "0", p("frame_%03d.png")], check=True)

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
