#!/usr/bin/env python3
"""Writes the cosmos-dv-c24 test fixture (Tests/CosmosTokenizerTests/Fixtures/cosmos-dv-c24), in either of two ways.

    python3 tools/make_cosmos_dv_fixture.py OUT_DIR --trim-from ../shared/fixtures/cosmos-dv-c24
        the subset the tests read, from the shared golden fixture (see tools/cosmos-fixture.md):
        goldens copied byte for byte, frames as PNGs
    python3 tools/make_cosmos_dv_fixture.py OUT_DIR [--video ../shared/samples/bikes.mp4] [--raw]
        [--jit-from Tests/CosmosTokenizerTests/Fixtures/cosmos-dv-c24]
        recomputed: frames cut from bikes.mp4 with the ffmpeg command in meta.json; the weights drawn by
        draw_weights() (the recipe in meta.json) and traced to encoder.jit/decoder.jit, or with --jit-from
        taken from those files; goldens computed by the PyTorch rebuild tools/torch_cosmos_tokenizer.py
        (--raw also writes the shared fixture's raw frames_u8.bin, chunk2_frames_u8.bin, decoded_u8.bin)

Needs torch and numpy, and ffmpeg on the PATH. meta.json is copied from --jit-from (it also records the
original maker's checks against NVIDIA's own modules, which this script does not run). The shared goldens
are NVIDIA's eager float32 modules' outputs; the rebuild agrees with them to float precision (tools/README.md).
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
import torch_cosmos_tokenizer as ct  # noqa: E402

ROOT = os.path.join(TOOLS, "..")
COMMITTED = os.path.join(ROOT, "Tests", "CosmosTokenizerTests", "Fixtures", "cosmos-dv-c24")
CHUNK, SIDE = 17, 256
# From meta.json "ffmpeg": the top-left display square of bikes.mp4 (640x272), area-scaled to 256x256.
VIDEO_FILTER = "trim=start_frame=0,crop='min(iw,ih)':'min(iw,ih)',scale=256:256:flags=area,format=rgb24"
COPIED = ["encoder.jit", "decoder.jit", "meta.json", "latent_f32.bin", "tokens_i32.bin", "tokens_2chunks_i32.bin",
          "decoded_f32_frames_0_8_16.bin"]
DECODED_PNG_FRAMES = [4, 12]  # the byte test's other frames (0, 8, 16) come from the float golden


def write_pngs(raw_u8, folder, frames=None):
    """(T,256,256,3) u8 -> folder/frame_NN.png, lossless, maximum compression (as the committed ones)."""
    os.makedirs(folder, exist_ok=True)
    for t in (range(len(raw_u8)) if frames is None else frames):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{SIDE}x{SIDE}", "-i", "-",
                        "-compression_level", "9", os.path.join(folder, f"frame_{t:02d}.png")],
                       input=np.ascontiguousarray(raw_u8[t]).tobytes(), check=True)


def write_v2_dataset(folder, tokens_2chunks):
    """A flat 1X v2.0 shard of the two chunks: one segment, 34 frames, a ramp of robot states."""
    os.makedirs(folder, exist_ok=True)
    frames = 2 * CHUNK
    tokens_2chunks.astype("<i4").tofile(os.path.join(folder, "video_0.bin"))
    np.zeros(frames, dtype="<i4").tofile(os.path.join(folder, "segment_idx_0.bin"))
    t, j = np.arange(frames)[:, None], np.arange(25)[None, :]
    (0.01 * t * (j + 1) / 25).astype("<f4").tofile(os.path.join(folder, "states_0.bin"))
    with open(os.path.join(folder, "metadata.json"), "w") as f:
        json.dump({"num_shards": 1, "hz": 30, "num_images": frames}, f)
    with open(os.path.join(folder, "metadata_0.json"), "w") as f:
        json.dump({"shard_num_frames": frames, "shard_ind": 0}, f)


def draw_weights(clips, quant_conv_candidate=1946):
    """The fixture's random weights, as meta.json describes them: PyTorch's default init under
    torch.manual_seed(0) in construction order (encoder, decoder, quant_conv, post_quant_conv); every
    GroupNorm's affine redrawn as 1 + 0.2 N and 0.2 N from a generator seeded 1; attention q and k weights
    x2.5 (sharper attention than random init gives); everything rounded to bf16. Then two data-dependent
    layers, computed in float32 on the bf16 values: quant_conv from candidate k (randn rows from a generator
    seeded k, scaled so each latent channel has std 1.2 over both clips, bias centring it plus 0.3 N; the
    maker kept the candidate of 2000 whose latents lay farthest from FSQ rounding boundaries, 1946, by a
    margin measure not rebuilt here), and
    decoder.conv_out.1 scaled so chunk 1 decodes with std 0.5, its three DC biases moving each colour's mean
    to 0. Returns bf16-valued float32 TokenEncoder and TokenDecoder."""
    torch.manual_seed(0)
    enc, dec = ct.TokenEncoder(24, (2, 4, 4), 2), ct.TokenDecoder(24, (2, 4, 4), 2)
    # TokenEncoder/TokenDecoder build in another order than NVIDIA's one model; redo the default init in its order.
    torch.manual_seed(0)
    enc.encoder, dec.decoder = ct.Encoder(24, (2, 4, 4), 2), ct.Decoder(24, (2, 4, 4), 2)
    enc.quant_conv, dec.post_quant_conv = ct.CausalConv(16, 6), ct.CausalConv(6, 16)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in list(enc.encoder.modules()) + list(dec.decoder.modules()):
            if isinstance(m, torch.nn.GroupNorm):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.numel(), generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.numel(), generator=g))
            if isinstance(m, ct.Attention):
                m.q.conv3d.weight.mul_(2.5)
                m.k.conv3d.weight.mul_(2.5)
        for m in (enc, dec):
            for p in m.parameters():
                p.copy_(p.bfloat16().float())
        with torch.inference_mode():
            features = enc.encoder(ct.to_input(clips)).double()
        g = torch.Generator().manual_seed(quant_conv_candidate)
        rows, shift = torch.randn(6, 16, generator=g).double(), torch.randn(6, generator=g).double()
        z = torch.einsum("oc,bcthw->obthw", rows, features).reshape(6, -1)
        scale = 1.2 / z.std(1)
        enc.quant_conv.conv3d.weight.copy_((rows * scale[:, None]).bfloat16().float().view(6, 16, 1, 1, 1))
        enc.quant_conv.conv3d.bias.copy_((-scale * z.mean(1) + 0.3 * shift).bfloat16().float())
        with torch.inference_mode():
            tokens, _ = enc(ct.to_input(clips[:1]))
            conv = dec.decoder.conv_out[1].conv3d
            std = dec(tokens).double().std()
            conv.weight.mul_(float(0.5 / std))
            conv.bias.mul_(float(0.5 / std))
            conv.bias[:3] -= dec(tokens).double().mean((0, 2, 3, 4)).float()  # channels 0-2: each colour's DC
            conv.weight.copy_(conv.weight.bfloat16().float())
            conv.bias.copy_(conv.bias.bfloat16().float())
    return enc.eval(), dec.eval()


def trim(source, out):
    for name in COPIED:
        shutil.copyfile(os.path.join(source, name), os.path.join(out, name))
    shutil.copytree(os.path.join(source, "v2_dataset"), os.path.join(out, "v2_dataset"), dirs_exist_ok=True)
    frames = lambda name: np.fromfile(os.path.join(source, name), dtype=np.uint8).reshape(-1, SIDE, SIDE, 3)
    write_pngs(frames("frames_u8.bin"), os.path.join(out, "frames"))
    write_pngs(frames("chunk2_frames_u8.bin"), os.path.join(out, "chunk2_frames"))
    write_pngs(frames("decoded_u8.bin"), os.path.join(out, "decoded_u8"), DECODED_PNG_FRAMES)


def recompute(a, out):
    p = lambda name: os.path.join(out, name)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", a.video, "-vf", VIDEO_FILTER, "-frames:v", str(2 * CHUNK),
                          "-f", "rawvideo", "-"], check=True, capture_output=True).stdout
    clips = np.frombuffer(raw, dtype=np.uint8).reshape(2, CHUNK, SIDE, SIDE, 3)
    meta_from = a.jit_from or COMMITTED
    if os.path.abspath(os.path.join(meta_from, "meta.json")) != os.path.abspath(p("meta.json")):
        shutil.copyfile(os.path.join(meta_from, "meta.json"), p("meta.json"))
    if a.jit_from:
        for name in ["encoder.jit", "decoder.jit"]:
            if os.path.abspath(os.path.join(a.jit_from, name)) != os.path.abspath(p(name)):
                shutil.copyfile(os.path.join(a.jit_from, name), p(name))
    else:
        enc, dec = draw_weights(clips)
        example = torch.rand(1, 3, CHUNK, 64, 64, generator=torch.Generator().manual_seed(2)) * 2 - 1
        ct.save_jit(enc, dec, out, example)
    enc, dec, _ = ct.load_jit(p("encoder.jit"), p("decoder.jit"))
    with torch.inference_mode():
        tokens, latent = enc(ct.to_input(clips[:1]))
        tokens_2chunks, _ = enc(ct.to_input(clips))
        video = dec(tokens)
    latent.numpy().astype("<f4").tofile(p("latent_f32.bin"))
    tokens.numpy().astype("<i4").tofile(p("tokens_i32.bin"))
    tokens_2chunks.numpy().astype("<i4").tofile(p("tokens_2chunks_i32.bin"))
    video[0][:, [0, 8, 16]].transpose(0, 1).numpy().astype("<f4").tofile(p("decoded_f32_frames_0_8_16.bin"))
    decoded_u8 = ct.to_u8(video)[0]
    write_pngs(clips[0], p("frames"))
    write_pngs(clips[1], p("chunk2_frames"))
    write_pngs(decoded_u8, p("decoded_u8"), DECODED_PNG_FRAMES)
    write_v2_dataset(p("v2_dataset"), tokens_2chunks.numpy())
    if a.raw:
        clips[0].tofile(p("frames_u8.bin"))
        clips[1].tofile(p("chunk2_frames_u8.bin"))
        decoded_u8.tofile(p("decoded_u8.bin"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--trim-from", help="the shared golden fixture folder to take the test subset from")
    ap.add_argument("--jit-from", help="reuse encoder.jit, decoder.jit (and meta.json) from this folder instead of drawing them")
    ap.add_argument("--video", default=os.path.join(ROOT, "..", "shared", "samples", "bikes.mp4"))
    ap.add_argument("--raw", action="store_true", help="also write the raw u8 files of the shared layout")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    trim(a.trim_from, a.out) if a.trim_from else recompute(a, a.out)
    print(json.dumps({"out": a.out, "mode": "trim" if a.trim_from else "recompute"}))


if __name__ == "__main__":
    main()
