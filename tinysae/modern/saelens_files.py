"""Reading a SAELens-style folder back, trusting nothing in it: as strict as a model file.

A folder written by :func:`tinysae.modern.export_saelens` holds ``cfg.json`` and the weights
``W_enc (d_in, d_sae)``, ``W_dec (d_sae, d_in)``, ``b_enc (d_sae,)``, ``b_dec (d_in,)`` in
``sae_weights.safetensors`` or ``sae_weights.npz``. Such a folder may come from anywhere,
so, as for :func:`tinysae.load`, what reading it may cost is decided before any weight is
read, and every problem is a one-line ``ValueError`` naming the file:

- ``cfg.json`` is a regular file of at most :data:`~tinysae.runtime.budgets.TEXT_BYTES`,
  read by the JSON reader of model configs (depth, NaN, huge numbers); ``d_in`` and
  ``d_sae`` are positive integers making at most
  :data:`~tinysae.runtime.budgets.MAX_PARAMETERS` parameters;
- a safetensors file is parsed here, without the ``safetensors`` package: an 8-byte
  little-endian header length, a JSON header (name → dtype, shape, data offsets), then the
  data. The header must fit in the file and in the budget, name exactly the four arrays,
  each a float dtype (F16, F32, F64) of the shape ``d_in``/``d_sae`` give, their offsets
  tiling the data exactly to the end of the file; only then are the arrays read;
- an ``.npz`` goes through the untrusted-archive reader of model files
  (:mod:`tinysae.training.untrusted_npz`): stored entries, one per name, headers checked;
- the weights read must be finite.
"""

import os
import stat
import struct
from pathlib import Path

import numpy as np

from tinysae.model.parameters import n_params
from tinysae.runtime import budgets
from tinysae.training.model_files import parse_config
from tinysae.validation.constraints import check
from tinysae.training.untrusted_npz import bad_model, open_archive
from tinysae.validation.checks import check_path

CONFIG_FILE = "cfg.json"
SAFETENSORS_FILE = "sae_weights.safetensors"
NPZ_FILE = "sae_weights.npz"

#: The four arrays, in SAELens' names.
WEIGHT_NAMES = ("W_enc", "W_dec", "b_enc", "b_dec")

#: safetensors dtype codes that tinysae reads → little-endian numpy dtype.
SAFETENSORS_DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8"}

_KIND = "SAELens"


def weight_shapes(d_in, d_sae):
    """The shape of each array for an SAE of ``d_in`` inputs and ``d_sae`` latents."""
    return {"W_enc": (d_in, d_sae), "W_dec": (d_sae, d_in), "b_enc": (d_sae,),
            "b_dec": (d_in,)}


def load_saelens(folder, *, max_parameters=None):
    """Read a folder written by :func:`tinysae.modern.export_saelens` (either weights file).

    Parameters
    ----------
    folder : str or Path
        The folder holding ``cfg.json`` and ``sae_weights.safetensors`` (or ``.npz``).
    max_parameters : int, optional
        The most parameters to accept (default
        :data:`~tinysae.runtime.budgets.MAX_PARAMETERS`).

    Returns
    -------
    params : dict of ndarray
        ``W1`` (n_h, n_v) = W_encᵀ, ``W2`` (n_v, n_h) = W_decᵀ, ``b1`` (n_h,), ``b2`` (n_v,),
        float64, in tinysae's layout.
    config : dict
        The ``cfg.json``.

    Raises
    ------
    FileNotFoundError
        If the folder, its ``cfg.json`` or its weights are missing.
    ValueError
        If a file is not what it should be (see the module docstring).
    """
    folder = Path(check_path("folder", folder))
    if not folder.is_dir():
        raise FileNotFoundError(f"No SAELens folder at '{folder}'.")
    config, d_in, d_sae = read_config(folder / CONFIG_FILE, max_parameters)
    shapes = weight_shapes(d_in, d_sae)
    if (folder / SAFETENSORS_FILE).exists():
        weights = read_safetensors(folder / SAFETENSORS_FILE, shapes)
    elif (folder / NPZ_FILE).exists():
        weights = read_npz(folder / NPZ_FILE, shapes)
    else:
        raise FileNotFoundError(f"No weights in '{folder}': neither {SAFETENSORS_FILE} nor "
                                f"{NPZ_FILE}.")
    params = {"W1": weights["W_enc"].T, "W2": weights["W_dec"].T, "b1": weights["b_enc"],
              "b2": weights["b_dec"]}
    return {key: np.ascontiguousarray(w, dtype=np.float64) for key, w in params.items()}, config


def read_config(path, max_parameters=None):
    """``(config, d_in, d_sae)`` from a ``cfg.json``, checked as the module docstring says."""
    if not path.exists():
        raise FileNotFoundError(f"No {CONFIG_FILE} at '{path}'.")
    raw = budgets.read_within(path, "TEXT_BYTES",
                              refuse=lambda reason: bad_model(path, "it " + reason, _KIND))
    try:
        config = parse_config(raw.decode("utf-8"), CONFIG_FILE)
    except UnicodeDecodeError:
        bad_model(path, "it is not UTF-8 text", _KIND)
    except ValueError as error:
        bad_model(path, str(error), _KIND)
    d_in, d_sae = config.get("d_in"), config.get("d_sae")
    if not all(type(n) is int and n >= 1 for n in (d_in, d_sae)):
        bad_model(path, f"its d_in and d_sae must be positive integers, got d_in={d_in!r}, "
                        f"d_sae={d_sae!r}", _KIND)
    size = n_params(d_in, d_sae)
    if max_parameters is not None and size > check("max_parameters", max_parameters):
        bad_model(path, f"d_in={d_in} and d_sae={d_sae} make {size:,} parameters, more than "
                        f"max_parameters = {max_parameters:,}", _KIND)
    if max_parameters is None and size > budgets.MAX_PARAMETERS:
        bad_model(path, f"d_in={d_in} and d_sae={d_sae} make {size:,} parameters, "
                        + budgets.over("MAX_PARAMETERS", size, "parameters")
                        + ", or pass max_parameters= to load_saelens", _KIND)
    return config, d_in, d_sae


def read_safetensors(path, shapes):
    """The arrays of a safetensors file whose header names exactly ``shapes`` (name → shape);
    every offset, dtype and shape is checked before any array is read."""
    def bad(reason):
        bad_model(path, reason, _KIND)
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size < 8:
            bad(f"it holds {size} bytes; a safetensors file starts with 8 bytes giving its "
                "header's length")
        (n_header,) = struct.unpack("<Q", f.read(8))
        if n_header > budgets.TEXT_BYTES:
            bad(f"its header says it takes {n_header:,} bytes, "
                + budgets.over("TEXT_BYTES", n_header))
        if 8 + n_header > size:
            bad(f"it is truncated: its header says it takes {n_header:,} bytes, but the file "
                f"holds {size - 8:,} after the first 8")
        try:
            header = parse_config(f.read(n_header).decode("utf-8"), "safetensors header")
        except (UnicodeDecodeError, ValueError) as error:
            bad(f"its header is not a JSON object ({error})")
        header.pop("__metadata__", None)
        if sorted(header) != sorted(shapes):
            bad(f"it holds the arrays {sorted(header)}, expected {', '.join(WEIGHT_NAMES)}")
        spans = {name: _span(header[name], name, shapes[name], bad) for name in WEIGHT_NAMES}
        data_bytes, end = size - 8 - n_header, 0
        for name, (begin, stop, _) in sorted(spans.items(), key=lambda item: item[1][:2]):
            if begin != end:
                bad(f"its array {name} starts at byte {begin} of the data, not {end}: the "
                    "arrays must follow each other with no gap or overlap")
            end = stop
        if end != data_bytes:
            bad(f"its arrays take {end:,} bytes, but the file holds {data_bytes:,} bytes of "
                "data after its header (truncated, or with bytes after the arrays)")
        weights = {}
        for name, (begin, stop, dtype) in spans.items():  # every check passed: now read
            f.seek(8 + n_header + begin)
            data = f.read(stop - begin)
            if len(data) != stop - begin:
                bad("it was truncated while it was read")
            weights[name] = _finite(np.frombuffer(data, dtype=dtype).reshape(shapes[name]),
                                    name, bad)
    return weights


def _span(entry, name, shape, bad):
    """``(begin, end, dtype)`` of one header entry, checked against the expected ``shape``."""
    if not isinstance(entry, dict) or sorted(entry) != ["data_offsets", "dtype", "shape"]:
        bad(f"its header entry for {name} is not {{dtype, shape, data_offsets}}")
    code, found, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(code, str) or code not in SAFETENSORS_DTYPES:
        bad(f"its array {name} has dtype {code!r}, not a float dtype tinysae reads "
            f"({', '.join(SAFETENSORS_DTYPES)})")
    if not isinstance(found, list) or [type(n) for n in found] != [int] * len(found) \
            or tuple(found) != shape:
        bad(f"its array {name} has shape {found!r}, but d_in and d_sae in cfg.json need "
            f"{list(shape)}")
    if not isinstance(offsets, list) or len(offsets) != 2 \
            or not all(type(n) is int and n >= 0 for n in offsets) or offsets[0] > offsets[1]:
        bad(f"its array {name} has data_offsets {offsets!r}, not [begin, end]")
    dtype = np.dtype(SAFETENSORS_DTYPES[code])
    if offsets[1] - offsets[0] != int(np.prod(shape)) * dtype.itemsize:
        bad(f"its array {name} of shape {list(shape)} and dtype {code} needs "
            f"{int(np.prod(shape)) * dtype.itemsize:,} bytes, but its offsets {offsets} "
            f"span {offsets[1] - offsets[0]:,}")
    return offsets[0], offsets[1], dtype


def read_npz(path, shapes):
    """The arrays of an ``.npz`` of exactly ``shapes`` (name → shape), through the
    untrusted-archive reader."""
    if not path.is_file():
        bad_model(path, "it is not a regular file", _KIND)
    with open_archive(path, _KIND) as archive:
        if archive.keys() != sorted(shapes):
            archive.bad(f"it holds the arrays {archive.keys()}, expected "
                        f"{', '.join(WEIGHT_NAMES)}")
        for name, shape in shapes.items():  # every header, before any array is read
            found, dtype = archive.header(name)
            if not np.issubdtype(dtype, np.floating):
                archive.bad(f"its array {name} has dtype {dtype}, not a float dtype")
            if found != shape:
                archive.bad(f"its array {name} has shape {found}, but d_in and d_sae in "
                            f"cfg.json need {shape}")
        return {name: _finite(archive.read(name), name, archive.bad) for name in WEIGHT_NAMES}


def _open_regular(path):
    """``path`` opened for reading if it is a regular file (a FIFO is not waited on)."""
    f = os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                          | getattr(os, "O_BINARY", 0)), "rb")
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
        f.close()
        bad_model(path, "it is not a regular file", _KIND)
    return f


def _finite(array, name, bad):
    if not np.all(np.isfinite(array)):
        bad(f"its array {name} holds NaN or inf")
    return array
