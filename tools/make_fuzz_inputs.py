#!/usr/bin/env python3
"""Writes the fuzz seed corpus and regression inputs under Tests/Fuzz (scripts/fuzz.sh reads them).

    python3 tools/make_fuzz_inputs.py [OUT_DIR]        (default Tests/Fuzz; writes OUT/corpus, OUT/regressions)

Needs only the Python standard library. The seeds are the repository's own fixtures (the checkpoint
files of tools/make_checkpoint_fixtures.py, the two GENIE configs, a 1X metadata.json) plus the
pickle streams inside them, so that each fuzz target starts from valid input of its format. The
regressions are the inputs that once crashed a reader or made it allocate without bound, rebuilt
here in their smallest form; ReliabilityCheckpointTests and ReliabilityCommandTests replay some of them.
"""
import json
import os
import pickle
import struct
import sys
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "Fuzz")
CHECKPOINTS = os.path.join(ROOT, "Tests", "MagvitCodecTests", "Fixtures", "checkpoints")
GENIE = os.path.join(ROOT, "Tests", "PredictorTests", "Fixtures")
# The time stamp the committed regression archives carry, so that a rerun is byte-identical.
ZIP_TIME = (2026, 11, 30, 5, 55, 36)


def write(relative, data):
    path = os.path.join(OUT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def copy(source, relative):
    write(relative, open(source, "rb").read())


def data_pkl(archive):
    with zipfile.ZipFile(archive) as z:
        return z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))


def torch_like_zip(pickle_bytes):
    """The smallest archive the zip reader accepts as a torch checkpoint: data.pkl, byteorder, version."""
    path = os.path.join(OUT, ".tmp.zip")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in [("archive/data.pkl", pickle_bytes), ("archive/byteorder", b"little"),
                           ("archive/version", b"3\n")]:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = 0o600 << 16
            z.writestr(info, data)
    data = open(path, "rb").read()
    os.remove(path)
    return data


def safetensors_header_only(header):
    """A safetensors file with the given JSON header and 4 zero bytes of data."""
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + b"\0" * 4


def corpus():
    ck = lambda name: os.path.join(CHECKPOINTS, name)
    for target, names in {
        "checkpoint": ["zip_all.pt", "legacy_all.pt", "zip64.pt", "protocol0.pt", "all_dtypes.safetensors"],
        "zip": ["zip_all.pt", "zip64.pt", "zip_protocol4.pt", "compressed.pt", "big_endian.pt",
                "disallowed_global.pt", "truncated_zip.pt"],
        "legacy": ["legacy_all.pt", "protocol0.pt", "truncated_legacy_pickle.pt", "truncated_legacy_storage.pt"],
        "safetensors": ["all_dtypes.safetensors", "truncated.safetensors", "bad_header.safetensors",
                        "bad_offsets.safetensors"],
    }.items():
        for name in names:
            copy(ck(name), f"{target}/{name}")
    # The pickle target reads bare pickle streams: the data.pkl of each zip checkpoint, and the
    # legacy file whole (it starts with a pickle).
    for name in ["zip_all", "zip_protocol4", "big_endian", "disallowed_global", "disallowed_stack_global"]:
        write(f"pickle/{name}.pkl", data_pkl(ck(name + ".pt")))
    copy(ck("legacy_all.pt"), "pickle/legacy_all.pkl")
    for name in ["genie-l2-d64", "genie-l2-d64-qknorm"]:
        copy(os.path.join(GENIE, name, "config.json"), f"genie-config/{name}.json")
    write("metadata/metadata.json", json.dumps({"token_dtype": "uint32", "s": 16, "h": 16, "w": 16, "vocab_size": 262144,
                                                "hz": 30, "tokenizer_ckpt": "magvit2.ckpt", "num_images": 1}))
    write("metadata/metadata-uint16.json", json.dumps({"token_dtype": "uint16", "h": 4, "w": 4, "vocab_size": 1000,
                                                       "num_images": 0}))


def regressions():
    # Pickles nested deeper than any recursive reader's stack: 300k lists, 45k 1-tuples.
    write("pickle/nested-lists-300k.pkl", b"\x80\x02" + b"(" * 300000 + b"]" + b"l" * 300000 + b".")
    nested_tuples = b"\x80\x02)" + b"\x85" * 45000 + b"."
    write("pickle/nested-tuples-45k.pkl", nested_tuples)
    # 61 dicts, each holding the next twice: tiny on disk, 2^60 paths for a reader that copies values.
    d = {}
    for _ in range(60):
        d = {"a": d, "b": d}
    shared_dicts = pickle.dumps(d, protocol=2)
    write("pickle/shared-dicts.pkl", shared_dicts)
    write("zip/nested-tuples.pt", torch_like_zip(nested_tuples))
    write("zip/shared-dicts.pt", torch_like_zip(shared_dicts))
    write("checkpoint/nested-tuples.pt", torch_like_zip(nested_tuples))
    rank0 = safetensors_header_only({"encoder.conv_in.weight": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}})
    write("safetensors/rank0-conv-weight.safetensors", rank0)
    write("checkpoint/rank0-conv-weight.safetensors", rank0)
    write("safetensors/huge-shape.safetensors",
          safetensors_header_only({"x": {"dtype": "F32", "shape": [2**32, 2**32], "data_offsets": [0, 4]}}))

    base = json.load(open(os.path.join(GENIE, "genie-l2-d64", "config.json")))
    for name, change in {
        "S-1099511627776": {"S": 2**40}, "S-9223372036854775807": {"S": 2**63 - 1},
        "T-1099511627776": {"T": 2**40}, "T-9223372036854775807": {"T": 2**63 - 1},
        "d_model-1099511627776": {"d_model": 2**40}, "num_layers-1099511627776": {"num_layers": 2**40},
        "mlp_ratio-huge": {"mlp_ratio": 1e300},
        "params-16e9": {"num_layers": 1024, "num_heads": 8, "d_model": 8192},  # ~16e9 weights: over the cap
    }.items():
        write(f"genie-config/{name}.json", json.dumps({**base, **change}))

    meta = {"token_dtype": "uint32", "s": 16, "h": 16, "w": 16, "vocab_size": 262144, "hz": 30}
    write("metadata/huge-grid.json", json.dumps({**meta, "h": 2**31, "w": 2**31, "num_images": 2**30}))
    write("metadata/num-images-2e62.json", json.dumps({**meta, "num_images": 2**62}))
    write("metadata/rows-overflow.json", json.dumps({**meta, "num_images": 2**62 + 1}))


if __name__ == "__main__":
    os.umask(0o022)
    base = OUT
    OUT = os.path.join(base, "corpus")
    corpus()
    OUT = os.path.join(base, "regressions")
    regressions()
    print(f"wrote {base}/corpus and {base}/regressions")
