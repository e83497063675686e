#!/usr/bin/env python3
"""Writes the cosmos-ar-d64 fixture (Tests/PredictorTests/Fixtures/cosmos-ar-d64): goldens of the
Cosmos-Predict1 autoregressive model computed by the PyTorch rebuild tools/torch_cosmos_ar.py.

    python3 tools/make_cosmos_ar_fixture.py OUT_DIR [--from Tests/PredictorTests/Fixtures/cosmos-ar-d64]
        [--tokens Tests/CosmosTokenizerTests/Fixtures/cosmos-dv-c24/tokens_2chunks_i32.bin]

Needs torch and numpy.
Inputs: model.pt and meta.json from --from (a d64, 2-layer model with the 4B model's key layout, bf16
weights drawn by a maker that is not in the repository, with seed and init constants in meta.json; this
script does not re-draw them; its 23 layer and norm tensors are torch.manual_seed(1) normal draws in layer
order, but tok_embeddings and output share an FSQ-digit component whose recipe was not recovered) and the
two 3x32x32 token chunks of the cosmos-dv-c24 fixture.
Outputs (float32 arithmetic on the bf16 values): tokens_i32.bin (2,3,32,32); logits_f32_pos.bin, chunk 0's
teacher-forced logits at input positions 0, 1, 1023, 2047, 2048, 3071; teacher_forced.json (CE and accuracy
of latent 2, and CE of latent 1, one causal pass); greedy_i32.bin (2,1024) and free_running.json (prompt =
latents 0-1, 1024 argmax steps with the KV cache); topp.json (nucleus-filtered distributions at three
positions and two temperatures, plus small hand-made cases with ties); meta.json with its checks updated.
"""
import argparse
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import torch_cosmos_ar as ar  # noqa: E402

ROOT = os.path.join(TOOLS, "..")
N_TOK, PROMPT = ar.N_TOK, ar.PROMPT
LOGIT_POSITIONS = [0, 1, 1023, 2047, 2048, 3071]
TOPP_POSITIONS, TOPP_TEMPERATURES, TOP_P = [2047, 2600, 3070], [1.0, 0.7], 0.8
# Small distributions with ties at the cut: the float32 logs of (0.75, 0.1, 0.1, 0.05), the same permuted,
# (0.3, 0.5, 100 x 0.002) and (0.6, 0.15, 0.15, 0.1), written out because the committed values were rounded
# two ways (log(p) in float32, or log(count) - log(total)) and differ from each other in the last bit.
SYNTHETIC = [[-0.28768205642700195, -2.3025851249694824, -2.3025851249694824, -2.995732307434082],
             [-2.995732307434082, -2.3025851249694824, -0.28768205642700195, -2.3025851249694824],
             [-1.2039728164672852, -0.6931471824645996] + [-6.214608192443848] * 100,
             [-0.5108255743980408, -1.8971199989318848, -1.8971199989318848, -2.3025851249694824]]
TF_NOTES = ("one causal forward over the 3072 ground-truth tokens of a chunk; logits at input position p predict token p+1; "
            "ce/acc: mean over the 1024 tokens of latent 2 (positions 2048..3071, predicted from positions 2047..3070), "
            "full 64000-way softmax in float32; ce_latent1: the same for latent 1 (tokens 1024..2047); min_top2_gap: "
            "smallest top-1 minus top-2 logit over the predicting positions")
FR_NOTES = ("prompt = tokens 0..2047 (latents 0,1); 1024 tokens generated at temperature 0 (argmax) with the KV cache: "
            "prefill of the prompt gives the logits at position 2047 and the first token, then 1023 single-token steps at "
            "positions 2048..3070; ce: mean cross entropy of the ground-truth latent 2 against those 1024 logits (the 1X "
            "fork's wm_compression loss, with greedy instead of top-p sampling so it is reproducible); acc: generated == "
            "ground truth; cache_vs_full_max_abs: the step logits against one full causal forward over prompt + generated")
TOPP_NOTES = ("chunk 0, teacher-forced logits at the input position given; probs = softmax(logits / temperature); sorted "
              "descending; a token is kept when the cumulative probability of the tokens ranked above it is <= top_p (so "
              "the token that crosses top_p is kept); kept probabilities renormalized to sum 1; entries [index, prob] by "
              "descending prob; synthetic: small logit vectors (log of the probabilities listed) with ties, dense output; "
              "ties are ordered by the sort (torch on CPU puts the lower index first, so of two tied codes straddling the "
              "cut the lower index is kept; the reference does not ask for a stable sort)")


def top2_gap(logits):
    top = logits.topk(2, dim=-1).values
    return float((top[:, 0] - top[:, 1]).min())


def dump(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--from", dest="source", default=os.path.join(ROOT, "Tests", "PredictorTests", "Fixtures", "cosmos-ar-d64"))
    ap.add_argument("--tokens", default=os.path.join(ROOT, "Tests", "CosmosTokenizerTests", "Fixtures", "cosmos-dv-c24",
                                                     "tokens_2chunks_i32.bin"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    p = lambda name: os.path.join(a.out, name)
    for source, name in [(os.path.join(a.source, "model.pt"), "model.pt"), (a.tokens, "tokens_i32.bin")]:
        if os.path.abspath(source) != os.path.abspath(p(name)):
            shutil.copyfile(source, p(name))
    meta = json.load(open(os.path.join(a.source, "meta.json")))
    model = ar.load(p("model.pt"), meta)
    chunks = torch.from_numpy(np.fromfile(p("tokens_i32.bin"), dtype="<i4").astype(np.int64)).view(2, N_TOK)

    teacher, free, greedy, topp = [], [], [], []
    for c in range(2):
        with torch.inference_mode():
            logits = model(chunks[c:c + 1], torch.arange(N_TOK))[0]
        target = chunks[c, PROMPT:]
        predicting = logits[PROMPT - 1:N_TOK - 1]
        teacher.append({"chunk": c, "ce": float(F.cross_entropy(predicting, target)),
                        "acc": float((predicting.argmax(-1) == target).float().mean()),
                        "ce_latent1": float(F.cross_entropy(logits[1023:PROMPT - 1], chunks[c, 1024:PROMPT])),
                        "min_top2_gap": top2_gap(predicting)})
        if c == 0:
            logits[LOGIT_POSITIONS].numpy().astype("<f4").tofile(p("logits_f32_pos.bin"))
            meta["checks"] = {"logits_std": float(logits.std()), "logits_absmax": float(logits.abs().max())}
            for position in TOPP_POSITIONS:
                for temperature in TOPP_TEMPERATURES:
                    probs = ar.top_p_filter(logits[position], TOP_P, temperature)
                    kept = probs.nonzero().flatten()
                    order = kept[torch.sort(probs[kept], descending=True, stable=True).indices]
                    topp.append({"position": position, "temperature": temperature, "top_p": TOP_P, "kept": len(order),
                                 "entries": [[int(i), float(f"{float(probs[i]):.9g}")] for i in order]})
        tokens, rows = ar.generate_greedy(model, chunks[c])
        with torch.inference_mode():
            full = model(torch.cat([chunks[c, :PROMPT], tokens[:-1]])[None], torch.arange(N_TOK - 1))[0, PROMPT - 1:]
        greedy.append(tokens)
        free.append({"chunk": c, "ce": float(F.cross_entropy(rows, target)), "acc": float((tokens == target).float().mean()),
                     "unique_tokens": len(set(tokens.tolist())), "min_top2_gap": top2_gap(rows),
                     "cache_vs_full_max_abs": float((rows - full).abs().max())})

    torch.stack(greedy).numpy().astype("<i4").tofile(p("greedy_i32.bin"))
    mean = lambda rows, key: sum(r[key] for r in rows) / len(rows)
    dump(p("teacher_forced.json"), {"chunks": teacher, "mean_ce": mean(teacher, "ce"), "mean_acc": mean(teacher, "acc"),
                                    "ln_vocab": math.log(meta["model"]["vocab_size"]), "notes": TF_NOTES})
    dump(p("free_running.json"), {"chunks": free, "mean_ce": mean(free, "ce"), "notes": FR_NOTES})
    synthetic = []
    for values in SYNTHETIC:
        logits = torch.tensor(values, dtype=torch.float32)
        synthetic.append({"logits": logits.tolist(), "temperature": 1.0, "top_p": TOP_P,
                          "probs": ar.top_p_filter(logits, TOP_P, 1.0).tolist()})
    dump(p("topp.json"), {"entries": topp, "synthetic": synthetic, "notes": TOPP_NOTES})
    dump(p("meta.json"), meta)
    print(json.dumps({"out": a.out, "teacher_forced_ce": [r["ce"] for r in teacher], "free_running_ce": [r["ce"] for r in free]}))


if __name__ == "__main__":
    main()
