"""Check a trained sample checkpoint the way the toolkit will use it (a development tool).

    /tmp/torchenv/bin/python tools/train_verify.py [Samples/magvit2-small.ckpt] [Samples/clip.mp4]

- loads it with torch_magvit.build() (strict key and shape match against the reference layers);
- checks the file's key set is exactly encoder.*, decoder.*, model_ema.<name without dots> for
  every parameter, model_ema.decay and model_ema.num_updates, all tensors float32 (the counter
  int32) with row-major strides;
- scores the plain and the EMA weights on the clip at 256x256 through the quantizer
  (encode -> sign bits -> token -> bits -> decode, u8 output truncated as the toolkit writes it).
Prints one JSON line.
"""
import json, os, sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_codec as tc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ckpt = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Samples", "magvit2-small.ckpt")
    clip = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "Samples", "clip.mp4")
    torch.set_num_threads(2)
    tm = tc.import_reference_model(tc.SHARED)
    enc, dec = tm.build(ckpt)  # strict=True inside
    sd = torch.load(ckpt, map_location="cpu", weights_only=True)["state_dict"]
    params = tc.named_params(enc, dec)
    expected = {n for n, _ in params} | {"model_ema." + n.replace(".", "") for n, _ in params} \
        | {"model_ema.decay", "model_ema.num_updates"}
    problems = [f"missing {k}" for k in sorted(expected - sd.keys())] + \
               [f"unexpected {k}" for k in sorted(sd.keys() - expected)]
    for k, v in sd.items():
        want = torch.int32 if k == "model_ema.num_updates" else torch.float32
        if v.dtype != want or not v.is_contiguous():
            problems.append(f"{k}: {v.dtype} contiguous={v.is_contiguous()}")
    for n, _ in params:
        if sd[n].shape != sd["model_ema." + n.replace(".", "")].shape:
            problems.append(f"EMA shape differs for {n}")

    frames = torch.from_numpy(tc.read_frames(clip))

    def score(e, d):
        with torch.inference_mode():
            outs = []
            for i in range(0, len(frames), 4):
                z = e(tc.to_float(frames[i:i + 4]))
                tokens = ((z > 0).long() << torch.arange(18).view(1, 18, 1, 1)).sum(1)
                bits = ((tokens.unsqueeze(1) >> torch.arange(18).view(1, 18, 1, 1)) & 1).float() * 2 - 1
                outs.append(d(bits))
            out = ((torch.cat(outs) + 1) * 127.5).clamp(0, 255).to(torch.uint8).float()
            mse = ((out - frames.permute(0, 3, 1, 2).float()) ** 2).mean()
            return float(10 * torch.log10(255.0 ** 2 / mse)), tokens

    psnr_plain, tokens = score(enc, dec)
    enc_e, dec_e = tm.build(ckpt)
    with torch.no_grad():
        for n, p in tc.named_params(enc_e, dec_e):
            p.copy_(sd["model_ema." + n.replace(".", "")])
    psnr_ema, _ = score(enc_e, dec_e)
    print(json.dumps(dict(ckpt=ckpt, bytes=os.path.getsize(ckpt), tensors=len(sd), strict_load="ok",
                          layout_problems=problems, clip=clip, clip_frames=len(frames),
                          psnr_plain=round(psnr_plain, 3), psnr_ema=round(psnr_ema, 3),
                          distinct_tokens_last_batch=int(tokens.unique().numel()),
                          encoder_params=sum(p.numel() for p in enc.parameters()),
                          decoder_params=sum(p.numel() for p in dec.parameters()))))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
