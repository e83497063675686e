#!/usr/bin/env python3
"""Writes a GENIE fixture (Tests/PredictorTests/Fixtures/genie-l2-d64 or genie-l2-d64-qknorm): teacher-forced
goldens of GENIE (STMaskGIT) computed by the PyTorch rebuild tools/torch_genie.py.

    python3 tools/make_genie_fixture.py OUT_DIR --from Tests/PredictorTests/Fixtures/genie-l2-d64 --tokens-seed 10
    python3 tools/make_genie_fixture.py OUT_DIR --from Tests/PredictorTests/Fixtures/genie-l2-d64-qknorm --tokens-seed 11

Needs torch, numpy and safetensors.
Inputs: config.json and model.safetensors from the --from folder (random weights in the Hugging Face layout:
embeddings ~N(0, 0.5), linear weights ~N(0, 1/fan_in), biases ~N(0, 0.05)); they came from a maker that is
not in the repository, and this script does not re-draw them. The token window (16 frames of 16x16) is drawn
with --tokens-seed (see random_window); without it, tokens_u32.bin is copied from --from.
Outputs, for every predicted frame t = 1..15 with frames >= t masked (id 262144), one forward each:
per_timestep.json (CE = CE of vocabulary 0 + CE of vocabulary 1, accuracy = both factors right, and
their means), logits_t{1,8,15}_f32.bin as (512 classes, 2 vocabularies, 16, 16), samples_u32.bin
(15,16,16): the greedy token of every position of frame t (one MaskGIT step).
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import torch_genie  # noqa: E402

NOTES = ("teacher-forced in time: to predict frame t, frames >= t are the mask token (id 262144); maskgit_steps=1, "
         "greedy; factored logits layout (512 classes, 2 vocabularies, 16, 16); vocabulary 0 holds token % 512, "
         "vocabulary 1 holds token // 512")


def random_window(seed, frames=16, positions=256, vocab=262144, keep=0.8):
    """Uniform random tokens for frame 0; each later frame keeps a position's token with probability
    `keep` and draws a fresh one otherwise, so frames resemble their predecessor as video tokens do."""
    torch.manual_seed(seed)
    current = torch.randint(0, vocab, (positions,))
    window = [current]
    for _ in range(1, frames):
        kept = torch.rand(positions) < keep
        current = torch.where(kept, current, torch.randint(0, vocab, (positions,)))
        window.append(current)
    return torch.stack(window)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--from", dest="source", required=True, help="folder with config.json, model.safetensors, tokens_u32.bin")
    ap.add_argument("--tokens-seed", type=int, help="draw the token window with this seed (10 and 11 for the committed ones)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    from safetensors.torch import load_file
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    p = lambda name: os.path.join(a.out, name)
    for name in ["config.json", "model.safetensors"] + ([] if a.tokens_seed is not None else ["tokens_u32.bin"]):
        if os.path.abspath(os.path.join(a.source, name)) != os.path.abspath(p(name)):
            shutil.copyfile(os.path.join(a.source, name), p(name))
    if a.tokens_seed is not None:
        random_window(a.tokens_seed).numpy().astype("<u4").tofile(p("tokens_u32.bin"))

    config = json.load(open(p("config.json")))
    model = torch_genie.Genie(config).eval()
    model.load_state_dict(load_file(p("model.safetensors")), strict=True)
    T, S = config["T"], config["S"]
    side = int(S ** 0.5)
    tokens = torch.from_numpy(np.fromfile(p("tokens_u32.bin"), dtype="<u4").astype(np.int64)).view(1, T, S)
    with torch.inference_mode():
        results = torch_genie.teacher_forced(model, tokens)
    rows, samples = [], []
    for t, (logits, ce) in enumerate(results, start=1):
        factored = logits.view(2, 512, S)  # (vocabulary, class, position)
        greedy = factored.argmax(1)
        sample = greedy[0] + 512 * greedy[1]
        samples.append(sample)
        rows.append({"t": t, "ce": float(ce.mean()), "acc": float((sample == tokens[0, t]).float().mean())})
        if t in (1, 8, 15):
            factored.permute(1, 0, 2).reshape(512, 2, side, side).numpy().astype("<f4").tofile(p(f"logits_t{t}_f32.bin"))
    torch.stack(samples).numpy().astype("<u4").tofile(p("samples_u32.bin"))
    out = {"config": config, "mean_ce": sum(r["ce"] for r in rows) / len(rows),
           "mean_acc": sum(r["acc"] for r in rows) / len(rows), "per_timestep": rows, "notes": NOTES}
    with open(p("per_timestep.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps({"out": a.out, "mean_ce": out["mean_ce"]}))


if __name__ == "__main__":
    main()
