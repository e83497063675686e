#!/usr/bin/env python3
"""Writes the small checkpoint files the Swift checkpoint-reader tests read.

Run with a Python that has torch, numpy and safetensors:
    python tools/make_checkpoint_fixtures.py [out_dir]
Default out_dir: Tests/CheckpointsTests/Fixtures/checkpoints

expected.json records, for every tensor of the good files, its dtype, shape and its
elements converted to float32 in row-major order, as uint32 bit patterns (exact, and
able to hold inf/nan).
"""
import io
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch
from safetensors.torch import save_file

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "Tests", "MagvitCodecTests", "Fixtures", "checkpoints")

DTYPE_NAMES = {
    torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16", torch.float64: "f64",
    torch.int64: "i64", torch.int32: "i32", torch.int16: "i16", torch.int8: "i8",
    torch.uint8: "u8", torch.bool: "bool",
}


def tensors():
    g = torch.Generator().manual_seed(1234)
    t = {}
    t["f32"] = torch.randn(3, 4, generator=g)
    t["f16"] = torch.tensor([1.0, -2.5, 65504.0, 6e-8, -0.0, float("inf"), 0.333], dtype=torch.float16)
    t["bf16"] = torch.tensor([[1.0, -2.5], [3e38, 1e-40]], dtype=torch.bfloat16)
    t["f64"] = torch.tensor([0.1, -1e10, 3.141592653589793], dtype=torch.float64)
    t["i64"] = torch.tensor([0, -1, 2**40 + 3, 7], dtype=torch.int64)
    t["i32"] = torch.tensor([[-2147483648, 5], [123456, -7]], dtype=torch.int32)
    t["i16"] = torch.tensor([-32768, 32767, 3], dtype=torch.int16)
    t["i8"] = torch.tensor([-128, 127, 0], dtype=torch.int8)
    t["u8"] = torch.tensor([0, 1, 128, 255], dtype=torch.uint8)
    t["bool"] = torch.tensor([True, False, True], dtype=torch.bool)
    t["scalar"] = torch.tensor(42.5)
    # A view of a (4, 5) tensor with strides (1, 5).
    t["transposed"] = torch.arange(20, dtype=torch.float32).reshape(4, 5).t()
    # Starts 7 elements into its storage and skips elements: non-contiguous, with an offset.
    t["sliced"] = (torch.arange(30, dtype=torch.float32) * 0.5).reshape(5, 6)[1:4, 1:5:2]
    # Two tensors over one storage.
    shared = torch.arange(10, dtype=torch.float32) - 3
    t["shared_a"] = shared[:6].view(2, 3)
    t["shared_b"] = shared[4:]
    # Channel-last style permutation of a 4-d tensor.
    t["permuted"] = torch.randn(2, 3, 4, 5, generator=g).permute(0, 2, 3, 1)
    return t


def state(t):
    """The top-level dict: tensors, a Parameter, a nested dict and plain Python values."""
    d = dict(t)
    d["param"] = torch.nn.Parameter(torch.tensor([[0.5, -0.25]]))
    d["nested"] = {"inner": torch.tensor([9.0, 8.0]), "note": "not a tensor"}
    d["epoch"] = 7
    d["name"] = "fixture"
    d["lr"] = 0.125
    d["flags"] = [1, 2, 3]
    return d


def expected_entry(x):
    x = x.detach()
    values = x.to(torch.float64).numpy() if x.dtype == torch.bfloat16 else x.numpy()
    f32 = np.ascontiguousarray(values.astype(np.float32)).reshape(-1)
    return {"dtype": DTYPE_NAMES[x.dtype], "shape": list(x.shape),
            "bits": [int(b) for b in f32.view(np.uint32)]}


def flat_expected(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, torch.Tensor):
            out[prefix + k] = expected_entry(v)
        elif isinstance(v, dict):
            out.update(flat_expected(v, prefix + k + "."))
    return out


# ---- ZIP writing by hand, for the ZIP64 variant (Python's zipfile only writes ZIP64 fields
# ---- when sizes demand them).

def zip64_archive(entries):
    """Stored entries with ZIP64 extra fields in local and central headers and a ZIP64 end
    record, every 32-bit size/offset slot saturated, as a >4 GB archive would have them."""
    out = io.BytesIO()
    central = []
    for name, data in entries:
        name_b = name.encode()
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = out.tell()
        local_extra = struct.pack("<HHQQ", 0x0001, 16, len(data), len(data))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc,
                              0xFFFFFFFF, 0xFFFFFFFF, len(name_b), len(local_extra)))
        out.write(name_b + local_extra + data)
        central_extra = struct.pack("<HHQQQ", 0x0001, 24, len(data), len(data), offset)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc,
                                   0xFFFFFFFF, 0xFFFFFFFF, len(name_b), len(central_extra), 0, 0, 0, 0,
                                   0xFFFFFFFF) + name_b + central_extra)
    cd_offset = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_offset
    z64_offset = out.tell()
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0,
                          len(entries), len(entries), cd_size, cd_offset))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, z64_offset, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    return out.getvalue()


def zip_entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


# Python's zipfile stamps every entry with the current time; fixing the stamp makes a rerun
# byte-identical to the committed files (these are the times they were first written).
ZIP_TIME = (2026, 11, 25, 8, 57, 44)
ZIP_TIME_BIG_ENDIAN = (2026, 11, 25, 8, 59, 36)


def write_zip(path, entries, compression=zipfile.ZIP_STORED, date_time=ZIP_TIME):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = compression
            info.external_attr = 0o600 << 16  # what writestr(name, ...) records
            z.writestr(info, data)


class Evil:
    """Pickles as a call to os.system: a checkpoint that would run a command if unpickled."""
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


class EvalCall:
    """Pickles (protocol 4, STACK_GLOBAL) as a call to builtins.eval."""
    def __reduce__(self):
        return (eval, ("1 + 1",))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.umask(0o022)
    p = lambda name: os.path.join(OUT, name)
    t = tensors()
    d = state(t)

    torch.save(d, p("zip_all.pt"))
    torch.save(d, p("legacy_all.pt"), _use_new_zipfile_serialization=False)
    # Protocol 4 brings FRAME, MEMOIZE, STACK_GLOBAL and SHORT_BINUNICODE.
    torch.save(d, p("zip_protocol4.pt"), pickle_protocol=4)
    contiguous = {k: v.contiguous() for k, v in t.items() if not k.startswith("shared")}
    save_file(contiguous, p("all_dtypes.safetensors"), metadata={"note": "fixture"})
    os.chmod(p("all_dtypes.safetensors"), 0o644)

    entries = zip_entries(p("zip_all.pt"))
    with open(p("zip64.pt"), "wb") as f:
        f.write(zip64_archive(entries))
    write_zip(p("compressed.pt"), entries, zipfile.ZIP_DEFLATED)
    write_zip(p("big_endian.pt"), [(n, b"big" if n.endswith("/byteorder") else data) for n, data in entries],
              date_time=ZIP_TIME_BIG_ENDIAN)

    prefix = entries[0][0].split("/")[0]
    evil = [(prefix + "/data.pkl", pickle.dumps({"x": Evil()}, protocol=2)),
            (prefix + "/byteorder", b"little"), (prefix + "/version", b"3\n")]
    write_zip(p("disallowed_global.pt"), evil)
    write_zip(p("disallowed_stack_global.pt"),
              [(prefix + "/data.pkl", pickle.dumps({"x": EvalCall()}, protocol=4)),
               (prefix + "/byteorder", b"little")])
    # Protocol 0 uses text opcodes (PUT 'p', INT 'I') the reader does not implement.
    write_zip(p("protocol0.pt"), [(prefix + "/data.pkl", pickle.dumps({"a": 1}, protocol=0)),
                                  (prefix + "/byteorder", b"little")])

    # Cut inside the central directory, a pickle, the raw storages and the tensor data.
    for source, target, keep in [("zip_all.pt", "truncated_zip.pt", 2 / 3),
                                 ("legacy_all.pt", "truncated_legacy_pickle.pt", 2 / 3),
                                 ("legacy_all.pt", "truncated_legacy_storage.pt", None),
                                 ("all_dtypes.safetensors", "truncated.safetensors", 2 / 3)]:
        data = open(p(source), "rb").read()
        with open(p(target), "wb") as f:
            f.write(data[: int(len(data) * keep)] if keep else data[:-16])

    header = b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]'  # missing closing brace
    with open(p("bad_header.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"\0" * 8)
    header = b'{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}'  # 3 floats in 8 bytes
    with open(p("bad_offsets.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"\0" * 8)

    rng = np.random.default_rng(7)
    with open(p("random.bin"), "wb") as f:
        f.write(b"\x13\x37" + rng.integers(0, 256, 510, dtype=np.uint8).tobytes())

    # The good files must load in torch itself, or the fixtures prove nothing.
    for name in ["zip_all.pt", "legacy_all.pt", "zip_protocol4.pt", "zip64.pt"]:
        # torch's weights-only unpickler lacks FRAME; these files are our own, so trusted.
        loaded = torch.load(p(name), weights_only=(name != "zip_protocol4.pt"))
        assert flat_expected(loaded) == flat_expected(d), name

    expected = {"torch": flat_expected(d), "safetensors": flat_expected(contiguous),
                "torch_version": torch.__version__}
    with open(p("expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
