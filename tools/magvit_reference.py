"""Dumps the PyTorch reference codec's output for one frame, for full-size parity checks.

    /tmp/torchenv/bin/python tools/magvit_reference.py --ckpt /work/big.ckpt --out /tmp/magvit-ref

Decodes frame 0 of the b32 fixture's tokens and encodes frame 0 of its pixels with the
checkpoint's plain weights (via tools/torch_magvit.py, or --bench), writing
decoded_f32.bin (1,3,256,256) and latents_f32.bin (1,18,16,16), little-endian float32.
CodecBenchmarkTests compares against them when MAGVIT_BIG_REFERENCE names the directory.
Development tool only; nothing in the toolkit runs it.
"""
import argparse, os, sys
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--ckpt", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--bench", default=os.path.dirname(os.path.abspath(__file__)), help="folder holding torch_magvit.py")
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
sys.path.insert(0, a.bench)
import torch
import torch_magvit

torch.set_num_threads(a.threads)
fixture = os.path.join(os.path.dirname(__file__), "..", "Tests", "MagvitCodecTests", "Fixtures", "magvit2-b32-r1")
tok = torch.from_numpy(np.fromfile(os.path.join(fixture, "tokens_u32.bin"), dtype="<u4")[:256].astype(np.int64)).view(1, 16, 16)
frame = torch.from_numpy(np.fromfile(os.path.join(fixture, "frames_u8.bin"), dtype=np.uint8)[: 256 * 256 * 3]).view(1, 256, 256, 3)
bits = ((tok.unsqueeze(1) >> torch.arange(18).view(1, 18, 1, 1)) & 1).float() * 2 - 1
enc, dec = torch_magvit.build(a.ckpt)
with torch.inference_mode():
    decoded = dec(bits)
    latents = enc(frame.permute(0, 3, 1, 2).float() / 127.5 - 1)
os.makedirs(a.out, exist_ok=True)
decoded.numpy().astype("<f4").tofile(os.path.join(a.out, "decoded_f32.bin"))
latents.numpy().astype("<f4").tofile(os.path.join(a.out, "latents_f32.bin"))
print(f"wrote {a.out}: decoded {tuple(decoded.shape)}, latents {tuple(latents.shape)}")
