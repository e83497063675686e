"""Train the small MAGVIT2 codec shipped as Samples/magvit2-small.ckpt (a development tool).

The toolkit never needs Python; this script only makes the sample checkpoint so that a newcomer
without the 1.15 GB magvit2.ckpt can still run the codec on real images. The network is the
reference architecture (docs/reference.md section 4) at a small size: base channels 32,
multipliers (1,1,2,2,4), 1 residual block per level, 18 latent channels (about 2.57 M
parameters). The layers come from shared/bench/torch_magvit.py, so the saved keys are by
construction the ones the toolkit's loader expects; the file is written in the magvit2.ckpt
layout: torch zip format, {"state_dict": OrderedDict} with encoder.*, decoder.*, and an EMA
shadow copy model_ema.<name without dots> plus model_ema.decay and model_ema.num_updates.

Quantization is LFQ with 18 bits: bit c is set iff latent channel c > 0, and the decoder sees
+1/-1 per bit. Training passes gradients straight through sign(z).

Data (openly licensed, see Samples/README.md): shared/samples/bikes.mp4 (all frames) and
shared/samples/bigbuckbunny.mp4 before 3.6 s. Big Buck Bunny from 3.6 s to the end is held out:
it is never trained on and is the set the curve's PSNR is measured on (256x256, through the
quantizer, on u8 pixels as the toolkit writes them).

Preprocessing matches the toolkit: center-crop to a square, area-scale to 256x256,
x = u8 / 127.5 - 1. Training uses random crops of those frames (scale jitter, flips); the net is
fully convolutional.

Retrain (CPU, about 70 minutes on 2 cores with the defaults):
    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy
    nice -n 10 /tmp/torchenv/bin/python tools/train_codec.py
(`--device cuda` trains on a GPU; `--help` lists the settings.) Writes Samples/magvit2-small.ckpt
every few minutes and at the end, and Samples/magvit2-small.json with the settings, seed, data
list (sha256 of every input) and the training curve. Needs the `ffmpeg` program to read video.
"""
import argparse, hashlib, json, math, os, subprocess, sys, time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("TOKENTOOL_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))


def import_reference_model(shared):
    sys.path.insert(0, os.path.join(shared, "bench"))
    import torch_magvit  # the layers and checkpoint layout the toolkit is tested against
    return torch_magvit


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_frames(path, start_s=None, end_s=None, size=256):
    """Decode a video with ffmpeg into (N, size, size, 3) u8: center square crop, area scale."""
    cmd = ["ffmpeg", "-v", "error"]
    if start_s is not None:
        cmd += ["-ss", str(start_s)]
    cmd += ["-i", path]
    if end_s is not None:
        cmd += ["-t", str(end_s - (start_s or 0))]
    cmd += ["-an", "-vf", f"crop='min(iw,ih)':'min(iw,ih)',scale={size}:{size}:flags=area",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size, size, 3).copy()


def to_float(frames_u8):
    return frames_u8.permute(0, 3, 1, 2).float() / 127.5 - 1


def quantize(z):
    """LFQ: +1 where z > 0, else -1; the gradient passes straight through to z."""
    q = torch.where(z > 0, torch.ones_like(z), -torch.ones_like(z))
    return z + (q - z).detach()


def entropy_terms(z, temperature):
    """Per-bit factorized LFQ entropy: mean per-position bit entropy (to make codes confident)
    and entropy of the batch-average bit usage (to keep all 18 bits in use)."""
    p = torch.sigmoid(2 * z / temperature)  # P(bit set) under a soft quantizer
    def h(q):
        q = q.clamp(1e-6, 1 - 1e-6)
        return -(q * q.log() + (1 - q) * (1 - q).log())
    per_sample = h(p).sum(1).mean()
    codebook = h(p.mean(dim=(0, 2, 3))).sum()
    return per_sample, codebook


@torch.no_grad()
def evaluate(enc, dec, frames_u8, device, fmt=torch.contiguous_format, batch=4):
    enc.eval(); dec.eval()
    outs = []
    for i in range(0, len(frames_u8), batch):
        f = frames_u8[i:i + batch]
        z = enc(to_float(f).to(device, memory_format=fmt))
        outs.append(dec(torch.where(z > 0, 1.0, -1.0)).cpu())
    enc.train(); dec.train()
    recon = torch.cat(outs)
    out = ((recon + 1) * 127.5).clamp(0, 255).to(torch.uint8).float()
    mse = ((out - frames_u8.permute(0, 3, 1, 2).float()) ** 2).mean()
    return float(10 * torch.log10(255.0 ** 2 / mse))


def random_crops(frames_u8, n, crop, gen, scale_jitter):
    """n random crops (crop x crop) of random frames, each from a square of side s in
    [crop / j, crop * j] resized to crop, with random horizontal flips."""
    N, H, W, _ = frames_u8.shape
    out = torch.empty(n, 3, crop, crop)
    idx = torch.randint(N, (n,), generator=gen)
    for k in range(n):
        lo, hi = math.log(crop / scale_jitter), math.log(min(crop * scale_jitter, H))
        s = int(round(math.exp(lo + (hi - lo) * torch.rand((), generator=gen).item())))
        y = torch.randint(H - s + 1, (), generator=gen).item()
        x = torch.randint(W - s + 1, (), generator=gen).item()
        patch = to_float(frames_u8[idx[k], y:y + s, x:x + s].unsqueeze(0))
        if s != crop:
            mode = "area" if s > crop else "bicubic"
            kw = {} if mode == "area" else {"align_corners": False}
            patch = F.interpolate(patch, size=(crop, crop), mode=mode, **kw).clamp(-1, 1)
        if torch.rand((), generator=gen).item() < 0.5:
            patch = patch.flip(3)
        out[k] = patch[0]
    return out


def gradient_loss(x, y):
    """L1 between image gradients: keeps edges sharp where plain L1/MSE would blur."""
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]
    return (dx(x) - dx(y)).abs().mean() + (dy(x) - dy(y)).abs().mean()


class Ema:
    """EMA shadow of every trainable parameter, keyed like LitEma (name without dots), with
    the warm-up decay min(decay, (1 + n) / (10 + n))."""

    def __init__(self, named_params, decay):
        self.decay, self.num_updates = decay, 0
        self.shadow = OrderedDict((n.replace(".", ""), p.detach().clone()) for n, p in named_params)

    @torch.no_grad()
    def update(self, named_params):
        self.num_updates += 1
        d = min(self.decay, (1 + self.num_updates) / (10 + self.num_updates))
        for n, p in named_params:
            self.shadow[n.replace(".", "")].lerp_(p.detach(), 1 - d)


def named_params(enc, dec):
    return [(f"encoder.{k}", p) for k, p in enc.named_parameters()] + \
           [(f"decoder.{k}", p) for k, p in dec.named_parameters()]


def load_shadow_into(enc, dec, ema):
    """Copy the EMA weights into (copies of) the modules, for evaluating or saving them."""
    with torch.no_grad():
        for n, p in named_params(enc, dec):
            p.copy_(ema.shadow[n.replace(".", "")])


def state_dict_for_file(enc, dec, ema):
    sd = OrderedDict()
    for name, m in (("encoder", enc), ("decoder", dec)):
        for k, v in m.state_dict().items():
            sd[f"{name}.{k}"] = v.detach().cpu().contiguous().clone()  # row-major strides for any reader
    for k, v in ema.shadow.items():
        sd[f"model_ema.{k}"] = v.detach().cpu().contiguous().clone()
    sd["model_ema.decay"] = torch.tensor(ema.decay, dtype=torch.float32)
    sd["model_ema.num_updates"] = torch.tensor(ema.num_updates, dtype=torch.int)
    return sd


def save_atomic(obj, path, writer):
    tmp = path + ".tmp"
    writer(obj, tmp)
    os.replace(tmp, path)


def save_json(obj, path):
    save_atomic(obj, path, lambda o, p: open(p, "w").write(json.dumps(o, indent=1) + "\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=SHARED, help="folder with bench/torch_magvit.py and samples/")
    ap.add_argument("--out", default=os.path.join(ROOT, "Samples", "magvit2-small.ckpt"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base", type=int, default=32)
    ap.add_argument("--mult", default="1,1,2,2,4")
    ap.add_argument("--blocks", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--scale-jitter", type=float, default=1.25)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--l1", type=float, default=1.0)
    ap.add_argument("--mse", type=float, default=1.0)
    ap.add_argument("--grad", type=float, default=0.5, help="weight of the image-gradient L1 term")
    ap.add_argument("--commit", type=float, default=0.02, help="weight of mean (z - sign z)^2")
    ap.add_argument("--entropy", type=float, default=0.01, help="weight of the LFQ entropy term")
    ap.add_argument("--entropy-temp", type=float, default=0.5)
    ap.add_argument("--ema-decay", type=float, default=0.999)
    ap.add_argument("--eval-every", type=int, default=50, help="steps between held-out scores; the checkpoint is saved at each")
    ap.add_argument("--eval-frames", type=int, default=8, help="held-out frames scored during training (evenly spaced); the final score uses all")
    ap.add_argument("--max-minutes", type=float, default=70,
                    help="wall-time budget (0: none); the learning-rate schedule follows max(step/steps, time/budget)")
    ap.add_argument("--channels-last", type=int, default=1, help="NHWC activations (much faster on CPU)")
    ap.add_argument("--init", help="start from the encoder.*/decoder.* weights of this checkpoint (continue a run)")
    ap.add_argument("--holdout-from", type=float, default=3.6, help="Big Buck Bunny seconds from which frames are held out")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    tm = import_reference_model(a.shared)
    mult = tuple(int(m) for m in a.mult.split(","))
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    make = lambda: (tm.Encoder(a.base, mult, a.blocks).to(a.device, memory_format=fmt),
                    tm.Decoder(a.base, mult, a.blocks).to(a.device, memory_format=fmt))
    enc, dec = make()
    if a.init:
        sd = torch.load(a.init, map_location="cpu", weights_only=True)["state_dict"]
        for name, m in (("encoder.", enc), ("decoder.", dec)):
            m.load_state_dict({k[len(name):]: v for k, v in sd.items() if k.startswith(name)}, strict=True)
    params = list(enc.parameters()) + list(dec.parameters())

    samples = os.path.join(a.shared, "samples")
    bikes, bbb = os.path.join(samples, "bikes.mp4"), os.path.join(samples, "bigbuckbunny.mp4")
    train_parts = [(bikes, None, None), (bbb, None, a.holdout_from)]
    parts = [read_frames(p, s, e) for p, s, e in train_parts]
    train = torch.from_numpy(np.concatenate(parts))
    held = torch.from_numpy(read_frames(bbb, a.holdout_from, None))
    pick = torch.linspace(0, len(held) - 1, min(a.eval_frames, len(held))).round().long()
    held_eval = held[pick]
    data = [dict(file=os.path.relpath(p, a.shared), sha256=sha256(p), start_s=s, end_s=e,
                 frames=len(f)) for (p, s, e), f in zip(train_parts, parts)]
    info = dict(
        description="Small MAGVIT2 codec for the tokentool samples, trained by tools/train_codec.py",
        command=" ".join(["python", "tools/train_codec.py"] + sys.argv[1:]),
        settings={k: v for k, v in vars(a).items() if k not in ("shared", "out")},
        torch=torch.__version__, numpy=np.__version__,
        parameters=dict(encoder=sum(p.numel() for p in enc.parameters()),
                        decoder=sum(p.numel() for p in dec.parameters())),
        data=dict(train=data, heldout=dict(file=os.path.relpath(bbb, a.shared), sha256=sha256(bbb),
                                           start_s=a.holdout_from, end_s=None, frames=len(held),
                                           eval_indices_during_training=pick.tolist())),
        preprocessing="center square crop, area scale to 256x256, x = u8/127.5 - 1; train on random crops",
        curve=[],
    )
    print(f"train frames {len(train)}, held-out {len(held)}", flush=True)

    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.99), weight_decay=1e-4)
    start = time.time()
    def progress(step):
        p = step / a.steps
        return max(p, (time.time() - start) / (a.max_minutes * 60)) if a.max_minutes else p
    def lr_factor(step):  # linear warm-up, then cosine down to 2% of the peak
        return min(1.0, (step + 1) / a.warmup) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress(step)))))
    ema = Ema(named_params(enc, dec), a.ema_decay)
    json_path = os.path.splitext(a.out)[0] + ".json"
    run_loss, run_n = 0.0, 0

    def score_and_save(step, frames, final):
        """Score raw and EMA weights on held-out frames and save the file; the plain
        encoder.*/decoder.* keys get whichever scores better (recorded in the JSON)."""
        enc_e, dec_e = make()
        load_shadow_into(enc_e, dec_e, ema)
        p_raw, p_ema = evaluate(enc, dec, frames, a.device, fmt), evaluate(enc_e, dec_e, frames, a.device, fmt)
        use_ema = p_ema > p_raw
        best_enc, best_dec = (enc_e, dec_e) if use_ema else (enc, dec)
        sd = state_dict_for_file(best_enc, best_dec, ema)
        save_atomic({"state_dict": sd, "global_step": step, "epoch": 0}, a.out, torch.save)
        info.update(steps_done=step, minutes=round((time.time() - start) / 60, 2),
                    plain_weights_are="ema" if use_ema else "raw",
                    heldout_psnr_raw=round(p_raw, 3), heldout_psnr_ema=round(p_ema, 3),
                    heldout_scored_on=f"{len(frames)} held-out frames")
        save_json(info, json_path)
        return p_raw, p_ema

    step = 0
    while True:
        for g in opt.param_groups:
            g["lr"] = a.lr * lr_factor(step)
        x = random_crops(train, a.batch, a.crop, gen, a.scale_jitter).to(a.device, memory_format=fmt)
        z = enc(x)
        y = dec(quantize(z))
        loss = a.l1 * (y - x).abs().mean() + a.mse * ((y - x) ** 2).mean()
        if a.grad:
            loss = loss + a.grad * gradient_loss(y, x)
        if a.commit:
            loss = loss + a.commit * ((z - torch.where(z > 0, 1.0, -1.0)) ** 2).mean()
        if a.entropy:
            per_sample, codebook = entropy_terms(z, a.entropy_temp)
            loss = loss + a.entropy * (per_sample - codebook)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema.update(named_params(enc, dec))
        run_loss, run_n = run_loss + float(loss.detach()), run_n + 1
        step += 1

        finished = progress(step) >= 1.0
        if step % a.eval_every == 0 or finished:
            lr_now = a.lr * lr_factor(step - 1)
            p_raw, p_ema = score_and_save(step, held if finished else held_eval, finished)
            point = dict(step=step, minutes=round((time.time() - start) / 60, 2), loss=round(run_loss / run_n, 5),
                         lr=round(lr_now, 7), heldout_psnr=round(p_raw, 3), heldout_psnr_ema=round(p_ema, 3),
                         heldout_frames=len(held) if finished else len(held_eval))
            info["curve"].append(point)
            save_json(info, json_path)
            print(json.dumps(point), flush=True)
            run_loss, run_n = 0.0, 0
        if finished:
            print(json.dumps(dict(final_step=step, out=a.out, bytes=os.path.getsize(a.out))), flush=True)
            break


if __name__ == "__main__":
    main()
