"""Hostile files: small crafted files that declare (or unpack to) far more than they hold.

Every file here is made by the test, small (a bomb's point is that it is small), and must
be refused with a one-line ValueError naming the file, while the memory the refusal costs
stays bounded: each case runs under ``tracemalloc`` (which sees numpy's arrays and Python's
bytes), and one test runs them all in a fresh process and reads its peak resident memory.

Run ``pytest -v -s tests/test_hostile_files.py``: each case prints its message and peak.
"""

import gzip
import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tinysae import init_params, load, load_image_folder, load_mnist_idx, load_olshausen_mat
from tinysae.runtime import budgets
from tinysae.training.model_files import FORMAT, save
from tinysae.ufldl_experiment import resume_run

#: What a refusal may allocate (tracemalloc's peak). Every bomb below unpacks to more than
#: this, so reading one whole would fail the test.
PEAK_LIMIT = 20 * 2 ** 20

#: What a refusal by ``tinysae show`` may allocate: importing matplotlib and making the
#: figures' objects (their pixels are what the figure budget refuses) take ~30 MB.
SHOW_PEAK_LIMIT = 64 * 2 ** 20

#: The peak resident memory of a fresh process that imports tinysae and refuses every file
#: (Python, numpy, scipy, matplotlib and Pillow take ~150 MB of it).
RSS_LIMIT = 400 * 2 ** 20

MB = 2 ** 20


# ----------------------------------------------------------------------------- crafting

def npy_header(shape, dtype="<f8"):
    """The bytes of a .npy (version 1.0) header for an array of ``shape`` and ``dtype``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False,
                                                  "shape": tuple(shape)})
    return buffer.getvalue()


def model_zip(path, entries, method=zipfile.ZIP_STORED):
    """A zip of ``{name: (header, data_bytes, zero_bytes)}``: zeros are streamed, never held."""
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, (header, data, zeros) in entries.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                member.write(header + data)
                block = bytes(MB)
                while zeros > 0:
                    member.write(block[:min(zeros, MB)])
                    zeros -= MB
    return path


def text_entry(text):
    data = text.encode()
    return npy_header((len(data),), "|u1"), data, 0


def small_model_entries(config, n_v=6, n_h=3):
    """The six entries of a valid model of n_v × n_h with ``config`` (a dict or JSON text)."""
    text = config if isinstance(config, str) else json.dumps(config)
    params = init_params(n_v, n_h, rng=0)
    entries = {k: (npy_header(a.shape), a.tobytes(), 0) for k, a in params.items()}
    return {**entries, "config": text_entry(text), "format": text_entry(FORMAT)}


def bomb_model(path, method):
    """W1 unpacks to 32 MB of zeros; its config says 2000 x 2000, and so do the headers."""
    n = 2000
    entries = {"W1": (npy_header((n, n)), b"", 8 * n * n), "W2": (npy_header((n, n)), b"", 0),
               "b1": (npy_header((n,)), b"", 8 * n), "b2": (npy_header((n,)), b"", 8 * n),
               "config": text_entry(json.dumps({"n_visible": n, "n_hidden": n})),
               "format": text_entry(FORMAT)}
    return model_zip(path, entries, method)


def lying_directory(path):
    """A stored model whose zip directory says its first entry unpacks to 4 GB."""
    save(path, init_params(6, 3, rng=0), {"n_visible": 6, "n_hidden": 3})
    raw = bytearray(path.read_bytes())
    at = raw.index(b"PK\x01\x02")  # the central directory's first entry
    raw[at + 24:at + 28] = struct.pack("<I", 0xFFFFFFF0)  # its uncompressed size
    path.write_bytes(bytes(raw))
    return path


def png(path, width, height, rows=None):
    """An 8-bit grayscale PNG of zeros; ``rows`` of them actually stored (default all)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    deflate, row = zlib.compressobj(9), bytes(width + 1)
    idat = b"".join(deflate.compress(row) for _ in range(height if rows is None else rows))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                                       8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat + deflate.flush()) + chunk(b"IEND", b""))
    return path


def jpeg(path, width, height):
    """A 16 × 16 JPEG whose header (SOF0) claims ``width`` × ``height``."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16), 128, np.uint8)).save(buffer, format="JPEG")
    raw = bytearray(buffer.getvalue())
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(raw))
    return path


def mat_v5(path, dims, data_bytes, zeros, mclass=6):
    """A compressed MAT-file v5 holding one variable IMAGES of class ``mclass`` (6: double,
    1: cell) and ``dims``, whose data tag declares ``data_bytes``, followed by ``zeros``
    zero bytes (streamed into zlib)."""
    def tag(mdtype, nbytes):
        return struct.pack("<II", mdtype, nbytes)

    def pad(b):
        return b + bytes(-len(b) % 8)
    body = (tag(6, 8) + struct.pack("<II", mclass, 0)
            + tag(5, 4 * len(dims)) + pad(struct.pack(f"<{len(dims)}i", *dims))
            + tag(1, 6) + pad(b"IMAGES") + (tag(9, data_bytes) if mclass == 6 else b""))
    deflate = zlib.compressobj(9)
    parts = [deflate.compress(tag(14, len(body) + data_bytes) + body)]
    for start in range(0, zeros, MB):
        parts.append(deflate.compress(bytes(min(MB, zeros - start))))
    payload = b"".join(parts) + deflate.flush()
    header = b"MATLAB 5.0 MAT-file, crafted by tinysae's tests".ljust(116) + bytes(8) + b"\x00\x01IM"
    path.write_bytes(header + tag(15, len(payload)) + payload)
    return path


def idx(path, shape, zeros, gzipped=True):
    """An IDX (MNIST) file of uint8 whose header says ``shape``, then ``zeros`` zero bytes."""
    header = bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    with (gzip.open(path, "wb", compresslevel=1) if gzipped else open(path, "wb")) as f:
        f.write(header)
        for start in range(0, zeros, MB):
            f.write(bytes(min(MB, zeros - start)))
    return path


def checkpoint(folder, **data):
    """A run folder whose model is fine but whose data record is ``data``."""
    folder.mkdir()
    record = {"images": "default", "path": None, "whiten": True, "patch_size": 8,
              "n_patches": 100, "seed": 0, **data}
    save(folder / "model.npz", init_params(64, 4, rng=0),
         {"n_visible": 64, "n_hidden": 4, "data": record})
    return folder


def photo_folder(folder, *files):
    folder.mkdir()
    for name, make in files:
        make(folder / name)
    return folder


def raw_zip(path, members):
    """A stored zip of ``[(member name, bytes)]``, names used as given (twice if listed twice)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of a duplicate name
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def two_w1(path, second):
    """A valid 6 x 3 model, plus a second entry for W1 (named ``W1``, without .npy): a
    (3, 3) array, raw bytes, or a header claiming 16 GB."""
    entries = small_model_entries({"n_visible": 6, "n_hidden": 3})
    members = [(k + ".npy", header + data) for k, (header, data, _) in entries.items()]
    extra = {"3x3": npy_bytes(np.ones((3, 3))), "raw bytes": b"\x00\x01 not an array" * 10,
             "16 GB header": npy_header((2 ** 16, 2 ** 15)) + bytes(64),
             "twice": npy_bytes(np.ones((3, 6)))}[second]
    name = "W1.npy" if second == "twice" else "W1"
    return raw_zip(path, [members[0], (name, extra), *members[1:]])


def record_run(folder, n_hidden=4, **data):
    """A run folder whose 8 x 8 model of ``n_hidden`` units has the data record ``data``."""
    folder.mkdir()
    record = {"images": "default", "path": None, "whiten": True, "patch_size": 8,
              "n_patches": 100, "seed": 0, **data}
    save(folder / "model.npz", init_params(64, n_hidden, rng=0),
         {"n_visible": 64, "n_hidden": n_hidden, "data": record})
    return folder


SAE_SHAPES = {"W_enc": (6, 3), "W_dec": (3, 6), "b_enc": (3,), "b_dec": (6,)}


def safetensors_bytes(arrays, header=None, dtype="F32"):
    """A safetensors file of ``arrays`` written by hand (8-byte length, JSON header, data);
    ``header`` entries replace the computed ones."""
    entries, data = {}, b""
    for name, a in arrays.items():
        raw = np.ascontiguousarray(a, dtype="<f4" if dtype == "F32" else a.dtype).tobytes()
        entries[name] = {"dtype": dtype, "shape": list(a.shape),
                         "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps({**entries, **(header or {})}).encode()
    return struct.pack("<Q", len(text)) + text + data


def sae_folder(folder, cfg=None, weights=None, kind="safetensors", **options):
    """A SAELens folder: ``cfg.json`` (a dict, or text) and the weights (bytes, or made from
    ``SAE_SHAPES``, ``weights`` replacing some arrays)."""
    folder.mkdir()
    cfg = {"d_in": 6, "d_sae": 3, "architecture": "standard"} if cfg is None else cfg
    (folder / "cfg.json").write_text(cfg if isinstance(cfg, str) else json.dumps(cfg))
    arrays = {k: np.full(shape, 0.5) for k, shape in SAE_SHAPES.items()} | (weights or {})
    if kind == "safetensors":
        (folder / "sae_weights.safetensors").write_bytes(safetensors_bytes(arrays, **options))
    elif kind == "raw":
        (folder / "sae_weights.safetensors").write_bytes(options["raw"])
    else:
        with open(folder / "sae_weights.npz", "wb") as f:
            (np.savez_compressed if kind == "npz deflated" else np.savez)(f, **arrays)
    return folder


def deflated_sae(folder):
    """An .npz whose W_enc (the 6 x 3 of cfg.json... claims 2000 x 2000) unpacks to 32 MB."""
    folder = sae_folder(folder, kind="npz")
    (folder / "sae_weights.npz").unlink()
    n = 2000
    entries = {"W_enc": (npy_header((n, n)), b"", 8 * n * n), "W_dec": (npy_header((3, 6)),
               bytes(144), 0), "b_enc": (npy_header((3,)), bytes(24), 0),
               "b_dec": (npy_header((6,)), bytes(48), 0)}
    model_zip(folder / "sae_weights.npz", entries, zipfile.ZIP_DEFLATED)
    return folder


def sparse_file(path, size):
    """A file of ``size`` bytes that takes no room on disk (a hole)."""
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def corpus_folder(folder, *makers):
    folder.mkdir()
    (folder / "a_ok.py").write_text("print('hello')\n")
    for make in makers:
        make(folder)
    return folder


def load_sae(folder):
    from tinysae.modern import load_saelens
    return load_saelens(folder)


def read_corpus(folder):
    from tinysae.networks import stdlib_corpus
    return stdlib_corpus(folder)


def show_with(*options):
    """``tinysae show PATH OPTIONS`` as a function of PATH (its errors raised, not printed)."""
    def run(path):
        from tinysae.commands.show import build_parser, show
        return show(build_parser().parse_args([str(path), *options]))
    run.options = options
    return run


# ----------------------------------------------------------------------------- the cases
# name: (make(tmp_path) -> path, read(path), words the one-line error must contain[, caps]);
# caps lowers a module's cap for the case, so that its bomb can stay small and quick to make.

CASES = {
    # models (tinysae.load)
    "model: bzip2 entries (32 MB of zeros in 1.5 kB)": (
        lambda d: bomb_model(d / "m.npz", zipfile.ZIP_BZIP2), load, "is compressed (bzip2)"),
    "model: deflate entries (32 MB of zeros in 32 kB)": (
        lambda d: bomb_model(d / "m.npz", zipfile.ZIP_DEFLATED), load, "is compressed (deflate)"),
    "model: config claims 20000 x 20000": (
        lambda d: model_zip(d / "m.npz", small_model_entries(
            {"n_visible": 20000, "n_hidden": 20000})), load, "at most 33,554,432 parameters"),
    "model: .npy header claims 100000 x 100000": (
        lambda d: model_zip(d / "m.npz", {**small_model_entries({"n_visible": 6, "n_hidden": 3}),
                                          "W1": (npy_header((100000, 100000)), bytes(144), 0)}),
        load, "holds 144 bytes of data"),
    "model: zip directory says 4 GB": (
        lambda d: lying_directory(d / "m.npz"), load, "says it unpacks to 4294967280 bytes"),
    "model: config entry of 16 MB + 1": (
        lambda d: model_zip(d / "m.npz", {**small_model_entries({"n_visible": 6, "n_hidden": 3}),
                                          "config": (npy_header((2 ** 24 + 1,), "|u1"), b"",
                                                     2 ** 24 + 1)}), load, "TEXT_BYTES"),
    "model: config nested 100000 deep": (
        lambda d: model_zip(d / "m.npz", small_model_entries(
            '{"n_visible": 6, "n_hidden": 3, "x": ' + "[" * 100000 + "]" * 100000 + "}")),
        load, "nested more than MAX_CONFIG_DEPTH"),
    "model: NaN in the config": (
        lambda d: model_zip(d / "m.npz", small_model_entries(
            '{"n_visible": 6, "n_hidden": 3, "loss": NaN}')), load, "NaN is not a JSON number"),
    "model: Infinity in the config": (
        lambda d: model_zip(d / "m.npz", small_model_entries(
            '{"n_visible": 6, "n_hidden": 3, "loss": -Infinity}')), load, "-Infinity is not"),
    "model: 1e999 in the config": (
        lambda d: model_zip(d / "m.npz", small_model_entries(
            '{"n_visible": 6, "n_hidden": 3, "loss": 1e999}')), load, "1e999 is too large"),
    "model: a 100000-digit integer in the config": (
        lambda d: model_zip(d / "m.npz", small_model_entries(
            '{"n_visible": 6, "n_hidden": 3, "seed": ' + "9" * 100000 + "}")), load,
        "not valid JSON"),
    # a checkpoint's data record (tinysae train --resume)
    "data record: n_patches = 50 000 000": (
        lambda d: checkpoint(d / "run", n_patches=50_000_000), resume_run, "MAX_PATCH_BYTES"),
    "data record: n_patches = 5e7 (a float)": (
        lambda d: checkpoint(d / "run", n_patches=5e7), resume_run, "'n_patches'"),
    "data record: patch_size = 60000": (
        lambda d: checkpoint(d / "run", patch_size=60000), resume_run, "MAX_PATCH_BYTES"),
    # photos (a folder of PNG/JPEG files)
    "photo: PNG of 6000 x 6000 (36 MB of pixels in 35 kB)": (
        lambda d: photo_folder(d / "photos", ("big.png", lambda p: png(p, 6000, 6000))),
        load_image_folder, "MAX_IMAGE_PIXELS"),
    "photo: PNG header of 20000 x 20000": (
        lambda d: photo_folder(d / "photos", ("huge.png", lambda p: png(p, 20000, 20000, 1))),
        load_image_folder, "decompression bomb"),
    "photo: JPEG header of 60000 x 60000": (
        lambda d: photo_folder(d / "photos", ("huge.jpg", lambda p: jpeg(p, 60000, 60000))),
        load_image_folder, "decompression bomb"),
    "photo: JPEG header of 8000 x 5000, named .png": (
        lambda d: photo_folder(d / "photos", ("big.png", lambda p: jpeg(p, 8000, 5000))),
        load_image_folder, "8000 x 5000 pixels"),
    "photo: a 1 x 1 image": (
        lambda d: photo_folder(d / "photos", ("ok.png", lambda p: png(p, 32, 32)),
                               ("dot.png", lambda p: png(p, 1, 1))),
        load_image_folder, "dot.png' is 1 x 1 pixels"),
    # IMAGES.mat
    "IMAGES.mat: dims of 20000 x 20000 x 10 (32 GB)": (
        lambda d: mat_v5(d / "IMAGES.mat", (20000, 20000, 10), 2 ** 31, MB),
        load_olshausen_mat, "has shape (20000, 20000, 10)"),
    "IMAGES.mat: 4 x 4 whose data tag unpacks to 40 MB (cap lowered to 32 MB)": (
        lambda d: mat_v5(d / "IMAGES.mat", (4, 4, 1), 40 * MB, 40 * MB), load_olshausen_mat,
        "MAX_MAT_BYTES", {"tinysae.runtime.budgets.MAX_MAT_BYTES": 32 * MB}),
    "IMAGES.mat: a cell array of 100000 x 100000": (
        lambda d: mat_v5(d / "IMAGES.mat", (100000, 100000), 0, 0, mclass=1),
        load_olshausen_mat, "MATLAB class 'cell'"),
    # MNIST
    "MNIST: gzip header of 5 000 000 x 28 x 28 (3.9 GB)": (
        lambda d: idx(d / "train-images-idx3-ubyte.gz", (5_000_000, 28, 28), MB),
        load_mnist_idx, "MAX_IDX_BYTES"),
    "MNIST: gzip of 100 x 28 x 28 followed by 64 MB of zeros": (
        lambda d: idx(d / "train-images-idx3-ubyte.gz", (100, 28, 28), 64 * MB),
        load_mnist_idx, "trailing bytes"),
    "MNIST: plain header of 70000 x 28 x 28 x 28 (1.5 GB), no data": (
        lambda d: idx(d / "train-images-idx4-ubyte", (70000, 28, 28, 28), 0, gzipped=False),
        load_mnist_idx, "MAX_IDX_BYTES"),
    # one member per name (issue 23, 4)
    "model: W1 and a (3, 3) W1 without .npy": (
        lambda d: two_w1(d / "m.npz", "3x3"), load, "two entries for the array 'W1'"),
    "model: W1 and raw bytes named W1": (
        lambda d: two_w1(d / "m.npz", "raw bytes"), load, "two entries for the array 'W1'"),
    "model: W1 and a W1 whose header claims 16 GB": (
        lambda d: two_w1(d / "m.npz", "16 GB header"), load, "two entries for the array 'W1'"),
    "model: W1.npy twice": (
        lambda d: two_w1(d / "m.npz", "twice"), load, "two entries for the array 'W1'"),
    # what a data record asks show and --resume to make (issue 23, 2)
    "data record: 2**21 patches of 8 x 8 (1 GiB) for show": (
        lambda d: record_run(d / "run", n_patches=2 ** 21), show_with("--fade-dead"),
        "MAX_PATCH_BYTES"),
    "data record: 2**21 patches of 8 x 8 (1 GiB) for --resume": (
        lambda d: record_run(d / "run", n_patches=2 ** 21), resume_run, "MAX_PATCH_BYTES"),
    "data record: 2**16 patches for 2000 hidden units (1 GiB of a2) for show": (
        lambda d: record_run(d / "run", n_hidden=2000, n_patches=2 ** 16),
        show_with("--sort", "activation"), "MAX_ACTIVATION_BYTES"),
    "data record: 2**16 patches for 2000 hidden units (1 GiB of a2) for --resume": (
        lambda d: record_run(d / "run", n_hidden=2000, n_patches=2 ** 16), resume_run,
        "MAX_ACTIVATION_BYTES"),
    "show: --patch-shape 64x1 (a grid of 4 filters 157 inches tall)": (
        lambda d: record_run(d / "run"), show_with("--patch-shape", "64x1"),
        "MAX_FIGURE_PIXELS"),
    # SAELens folders (issue 23, 3)
    "SAELens: deflated .npz entry (32 MB of zeros in 32 kB)": (
        lambda d: deflated_sae(d / "sae"), load_sae, "is compressed (deflate)"),
    "SAELens: .npz with W_enc and W_enc.npy": (
        lambda d: (lambda f: raw_zip(f / "sae_weights.npz", [
            *[(k + ".npy", npy_bytes(np.ones(sh))) for k, sh in SAE_SHAPES.items()],
            ("W_enc", npy_bytes(np.ones((2, 2))))]) and f)(sae_folder(d / "sae", kind="npz")),
        load_sae, "two entries for the array 'W_enc'"),
    "SAELens: .npz of bool weights": (
        lambda d: sae_folder(d / "sae", kind="npz", weights={"W_enc": np.ones((6, 3), bool)}),
        load_sae, "not a float dtype"),
    "SAELens: empty safetensors file": (
        lambda d: sae_folder(d / "sae", kind="raw", raw=b""), load_sae, "holds 0 bytes"),
    "SAELens: safetensors cut in half": (
        lambda d: sae_folder(d / "sae", kind="raw", raw=safetensors_bytes(
            {k: np.ones(sh) for k, sh in SAE_SHAPES.items()})[:150]), load_sae, "truncated"),
    "SAELens: safetensors offsets past the end": (
        lambda d: sae_folder(d / "sae", header={"b_dec": {"dtype": "F32", "shape": [6],
                                                           "data_offsets": [10 ** 12, 10 ** 12 + 24]}}),
        load_sae, "starts at byte 1000000000000"),
    "SAELens: safetensors header length of 2**40": (
        lambda d: sae_folder(d / "sae", kind="raw", raw=struct.pack("<Q", 2 ** 40) + b"{}"),
        load_sae, "TEXT_BYTES"),
    "SAELens: safetensors header asking for 745 GiB": (
        lambda d: sae_folder(d / "sae", header={"W_enc": {"dtype": "F32", "shape": [400000, 500000],
                                                          "data_offsets": [0, 8 * 10 ** 11]}}),
        load_sae, "has shape [400000, 500000]"),
    "SAELens: cfg.json claims d_in = d_sae = 100000": (
        lambda d: sae_folder(d / "sae", cfg={"d_in": 100000, "d_sae": 100000}), load_sae,
        "MAX_PARAMETERS"),
    "SAELens: cfg.json nested 100000 deep": (
        lambda d: sae_folder(d / "sae", cfg='{"d_in": 6, "d_sae": 3, "x": ' + "[" * 100000
                             + "]" * 100000 + "}"), load_sae, "MAX_CONFIG_DEPTH"),
    "SAELens: cfg.json is a list": (
        lambda d: sae_folder(d / "sae", cfg="[6, 3]"), load_sae, "not a JSON object"),
    "SAELens: cfg.json of 200 MB (sparse)": (
        lambda d: (lambda f: sparse_file(f / "cfg.json", 200 * MB) and f)(sae_folder(d / "sae")),
        load_sae, "TEXT_BYTES"),
    "SAELens: W_enc stored transposed": (
        lambda d: sae_folder(d / "sae", weights={"W_enc": np.ones((3, 6))}), load_sae,
        "has shape [3, 6]"),
    "SAELens: d_in in cfg.json disagrees with the weights": (
        lambda d: sae_folder(d / "sae", cfg={"d_in": 7, "d_sae": 3}), load_sae,
        "d_in and d_sae in cfg.json need"),
    "SAELens: bool weights": (
        lambda d: sae_folder(d / "sae", dtype="BOOL", weights={
            k: np.ones(sh, bool) for k, sh in SAE_SHAPES.items()}), load_sae, "not a float dtype"),
    "SAELens: a dtype that is a list": (
        lambda d: sae_folder(d / "sae", header={"b_dec": {"dtype": ["F32"], "shape": [6],
                                                           "data_offsets": [132, 156]}}),
        load_sae, "has dtype ['F32']"),
    "SAELens: NaN weights": (
        lambda d: sae_folder(d / "sae", weights={"b_enc": np.array([0.0, np.nan, 1.0])}),
        load_sae, "NaN or inf"),
    # a language model's corpus folder (issue 23, 5)
    "corpus: a 3 GB sparse .py file": (
        lambda d: corpus_folder(d / "corpus", lambda f: sparse_file(f / "big.py", 3 * 2 ** 30)),
        read_corpus, "MAX_CORPUS_FILE_BYTES"),
    "corpus: a.py -> /dev/zero": (
        lambda d: corpus_folder(d / "corpus", lambda f: os.symlink("/dev/zero", f / "a.py")),
        read_corpus, "not a regular file"),
    "corpus: a FIFO named a.py": (
        lambda d: corpus_folder(d / "corpus", lambda f: os.mkfifo(f / "a.py")),
        read_corpus, "not a regular file"),
    "corpus: 40 files of 1 MB (sparse; cap lowered to 32 MB)": (
        lambda d: corpus_folder(d / "corpus", *[lambda f, i=i: sparse_file(f / f"m{i}.py", MB)
                                                for i in range(40)]),
        read_corpus, "MAX_CORPUS_BYTES", {"tinysae.runtime.budgets.MAX_CORPUS_BYTES": 32 * MB}),
}


def refuse(case, directory):
    """Make the case's file, read it, return (message, tracemalloc peak of the read)."""
    make, read, words, *caps = CASES[case]
    path = make(Path(directory))
    saved = {}
    for name, value in (caps[0] if caps else {}).items():
        module, constant = name.rsplit(".", 1)
        saved[sys.modules[module], constant] = getattr(sys.modules[module], constant)
        setattr(sys.modules[module], constant, value)
    tracemalloc.start()
    try:
        read(path)
    except ValueError as error:
        message = str(error)
    else:
        raise AssertionError(f"{case}: no error")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        for (module, constant), value in saved.items():
            setattr(module, constant, value)
    assert words in message and "\n" not in message, message
    assert path.name in message or str(path) in message, message
    return message, peak


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_refused_in_one_line_within_bounded_memory(case, tmp_path):
    message, peak = refuse(case, tmp_path)
    print(f"\n  {case}: peak {peak / MB:.1f} MB\n    {message}")
    # tinysae show imports matplotlib and builds its figures' objects (no pixels yet)
    assert peak < (SHOW_PEAK_LIMIT if CASES[case][1].__name__ == "run" else PEAK_LIMIT)


def test_every_hostile_file_in_a_fresh_process_stays_within_bounded_resident_memory(tmp_path):
    """The whole process's peak resident memory, not only what tracemalloc sees: Pillow's
    and zlib's own buffers count too. Read as VmHWM, the peak of the child's own memory:
    Linux's ru_maxrss keeps the parent's peak across fork and exec (pytest's, here)."""
    code = ("import sys, tempfile; sys.path.insert(0, sys.argv[1])\n"
            "import test_hostile_files as t\n"
            "for case in t.CASES:\n"
            "    with tempfile.TemporaryDirectory(dir=sys.argv[2]) as d: t.refuse(case, d)\n"
            "print(next(line.split()[1] for line in open('/proc/self/status')\n"
            "           if line.startswith('VmHWM:')))\n")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    child = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(tmp_path)],
                           capture_output=True, text=True, env=env, timeout=300)
    assert child.returncode == 0, child.stderr[-3000:]
    peak = int(child.stdout.split()[-1]) * 1024  # VmHWM is in kB
    print(f"\n  {len(CASES)} hostile files refused; peak resident memory {peak / MB:.0f} MB")
    assert peak < RSS_LIMIT


# ----------------------------------------------------------------------------- the limits work both ways

def test_a_jpeg_named_png_and_a_png_named_jpg_are_read_by_content(tmp_path):
    folder = photo_folder(tmp_path / "photos", ("a.png", lambda p: jpeg(p, 16, 16)),
                          ("b.jpg", lambda p: png(p, 16, 16)))
    images = load_image_folder(folder)
    assert [a.shape for a in images] == [(16, 16), (16, 16)]


def test_a_folder_over_its_total_budget_is_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr("tinysae.runtime.budgets.MAX_FOLDER_PIXELS", 3000)
    folder = photo_folder(tmp_path / "photos", *[(f"{i}.png", lambda p: png(p, 32, 32))
                                                  for i in range(3)])
    with pytest.raises(ValueError, match="3,072 pixels in all, more than MAX_FOLDER_PIXELS"):
        load_image_folder(folder)


def test_save_refuses_what_load_would_refuse(tmp_path):
    params = init_params(6, 3, rng=0)
    config = {"n_visible": 6, "n_hidden": 3}
    deep = {**config, "x": json.loads("[" * 70 + "]" * 70)}
    for bad, words in [(deep, "MAX_CONFIG_DEPTH"),
                       ({**config, "notes": "x" * 2 ** 24}, "TEXT_BYTES"),
                       ({**config, "seed": 10 ** 5000}, r"limit \(4300")]:
        with pytest.raises((TypeError, ValueError), match=words):
            save(tmp_path / "m.npz", params, bad)
    assert not list(tmp_path.iterdir())


def test_the_parameter_cap_has_an_explicit_opt_in(tmp_path, monkeypatch):
    params = init_params(6, 3, rng=0)
    config = {"n_visible": 6, "n_hidden": 3}  # 45 parameters
    monkeypatch.setattr(budgets, "MAX_PARAMETERS", 44)
    with pytest.raises(ValueError, match="pass max_parameters= to save and load"):
        save(tmp_path / "m.npz", params, config)
    save(tmp_path / "m.npz", params, config, max_parameters=45)
    with pytest.raises(ValueError, match="at most 44 parameters"):
        load(tmp_path / "m.npz")
    assert np.array_equal(load(tmp_path / "m.npz", max_parameters=45)[0]["W1"], params["W1"])


def test_a_mat_file_within_the_budget_still_loads_only_the_variable_asked_for(tmp_path):
    import scipy.io
    images = np.random.default_rng(0).standard_normal((16, 16, 2))
    scipy.io.savemat(tmp_path / "IMAGES.mat", {"IMAGES": images, "notes": np.array(["hi"]),
                                               "cells": np.array([np.ones(2), np.ones(3)], dtype=object)},
                     do_compression=True)
    loaded = load_olshausen_mat(tmp_path / "IMAGES.mat")
    assert len(loaded) == 2 and np.array_equal(loaded[1], images[:, :, 1])
