"""Model files: saving and loading a model as plain arrays in a ``.npz`` plus a JSON config.

Layout of a model file (every entry is a plain numeric array, so
``np.load(path, allow_pickle=False)`` can read it and nothing in it can run code)::

    W1      (n_h, n_v)  float     row j is hidden unit j's filter
    W2      (n_v, n_h)  float
    b1      (n_h,)      float
    b2      (n_v,)      float
    config  (k,)        uint8     UTF-8 JSON text (see below)
    format  (j,)        uint8     the text "tinysae-model/1"

The config is a JSON object. It must hold the integers ``n_visible`` and ``n_hidden`` (checked
against the array shapes on save and on load); training adds the hyperparameters, the data
source, the seed, library versions, the iteration reached and the loss history.

Every write is atomic (a temporary file renamed over the target), so a crash, Ctrl-C or
``kill -9`` leaves either the previous file or the new one, never half of one.
"""

import contextlib
import json
import platform
from pathlib import Path

import numpy as np

from tinysae.atomic_write import atomic_write
from tinysae.checks import check_params, check_path, fail
from tinysae.model.parameters import PARAM_NAMES, param_shapes

#: The marker stored in every model file; a file without it is not a tinysae model.
FORMAT = "tinysae-model/1"

#: The most bytes an archive entry may unpack to: the JSON config and the format marker,
#: and the .npy header in front of each parameter array (whose data may take 16 bytes per
#: number, as the config's shapes say).
TEXT_BYTES = 2 ** 24
NPY_HEADER_BYTES = 2 ** 16

#: File names inside a run folder (the CLI's output folder and ``train``'s checkpoint_dir).
MODEL_FILE = "model.npz"
CONFIG_FILE = "config.json"


def versions():
    """Versions of tinysae, Python, NumPy and SciPy, for the config of a saved model."""
    import scipy

    from tinysae import __version__
    return {"tinysae": __version__, "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__}


def config_to_json(config):
    """The config as indented JSON text; a clear error for values JSON cannot hold exactly."""
    if not isinstance(config, dict):
        fail("config", "a dict", config, TypeError)
    try:
        return json.dumps(config, indent=2, allow_nan=False)
    except (TypeError, ValueError) as error:  # numpy scalars, arrays, NaN, ...
        raise TypeError("The 'config' parameter must hold only JSON values (dict, list, str, "
                        f"int, float, bool, None; no NaN or inf): {error}") from None


def save(path, params, config):
    """Write a model file atomically; ``load(path)`` gives back ``(params, config)`` exactly.

    Parameters
    ----------
    path : str or Path
        Where to write, usually ``<folder>/model.npz``. Its folder must exist.
    params : dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,), float arrays.
    config : dict
        JSON values only (tuples come back as lists), with integer ``n_visible``, ``n_hidden``.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(check_path("path", path))
    if not path.parent.is_dir():
        fail("path", "a file in an existing folder", str(path))
    text = config_to_json(config)
    arrays = check_params(params, *_sizes(config))
    arrays["config"] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)  # (k,)
    arrays["format"] = np.frombuffer(FORMAT.encode("ascii"), dtype=np.uint8)  # (j,)

    def write(tmp):
        with open(tmp, "wb") as f:  # a file object: np.savez must not append ".npz"
            np.savez(f, **arrays)
    return atomic_write(path, write)


def save_run(folder, params, config):
    """Save ``model.npz`` and a readable copy of its config, ``config.json``, into ``folder``.

    The model file is written first: if the two ever disagree, ``model.npz`` is the truth.
    Returns the path of ``model.npz``.
    """
    folder = Path(folder)
    path = save(folder / MODEL_FILE, params, config)
    text = config_to_json(config) + "\n"
    atomic_write(folder / CONFIG_FILE, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def load(path):
    """Read a model file written by :func:`save`, trusting nothing in it.

    Parameters
    ----------
    path : str or Path
        A model file, or a run folder holding ``model.npz``.

    Returns
    -------
    params : dict of ndarray
        ``W1, W2, b1, b2``.
    config : dict

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is truncated or corrupt, is not a tinysae model, would need pickle to
        load, or holds arrays whose shapes or dtypes do not match its config.
    """
    path = Path(check_path("path", path))
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"No model file at '{path}'.")
    with _open_npz(path) as npz:
        if sorted(npz.files) != sorted(PARAM_NAMES + ("config", "format")):
            _bad(path, f"it holds the arrays {sorted(npz.files)}, expected W1, W2, b1, b2, "
                       "config, format")
        if _text(path, _member(path, npz, "format", TEXT_BYTES), "format") != FORMAT:
            _bad(path, f"its format marker is not {FORMAT!r}")
        try:
            config = json.loads(_text(path, _member(path, npz, "config", TEXT_BYTES), "config"))
        except ValueError as error:
            _bad(path, f"its config is not valid JSON ({error})")
        if not isinstance(config, dict) or not all(
                type(config.get(k)) is int and config[k] >= 1 for k in ("n_visible", "n_hidden")):
            _bad(path, "its config lacks the positive integers n_visible and n_hidden")
        n_v, n_h = config["n_visible"], config["n_hidden"]
        shapes = param_shapes(n_v, n_h)
        arrays = {key: _member(path, npz, key, NPY_HEADER_BYTES + 16 * int(np.prod(shape)))
                  for key, shape in shapes.items()}  # 16: the widest float (longdouble)
    for key, shape in shapes.items():
        a = arrays[key]
        if not np.issubdtype(a.dtype, np.floating):
            _bad(path, f"its array {key} has dtype {a.dtype}, not a float dtype")
        if a.shape != shape:
            _bad(path, f"its array {key} has shape {a.shape}, but its config (n_visible={n_v}, "
                       f"n_hidden={n_h}) needs {shape}")
        if not np.all(np.isfinite(a)):
            _bad(path, f"its array {key} holds NaN or inf")
    params = {k: arrays[k] for k in PARAM_NAMES}
    return params, config


# ----------------------------------------------------------------------------- helpers

def _bad(path, reason):
    raise ValueError(f"'{path}' is not a valid tinysae model file: {reason}.")


@contextlib.contextmanager
def _open_npz(path):
    """The archive, opened on our own handle (closed even when reading fails half-way)."""
    with open(path, "rb") as f:
        head = f.read(6)
        if head.startswith(b"\x93NUMPY"):
            _bad(path, "it is a single .npy array, not an .npz archive")
        if not head.startswith(b"PK"):
            _bad(path, f"it is not an .npz (zip) archive: it starts with {head!r}")
        f.seek(0)
        try:
            npz = np.load(f, allow_pickle=False)
        except Exception as error:  # a damaged zip directory, ...
            _bad(path, f"it is truncated or corrupt ({type(error).__name__}: {error})")
        with npz:
            yield npz


def _member(path, npz, name, limit):
    """One array of the archive, read now (a lazy read would fail later, far from here), and
    only if the archive says it unpacks to at most ``limit`` bytes: a small crafted file can
    declare a huge array, or unpack to gigabytes of zeros."""
    size = {i.filename.removesuffix(".npy"): i.file_size for i in npz.zip.infolist()}[name]
    if size > limit:
        _bad(path, f"its entry {name} unpacks to {size} bytes, more than {limit}, the most "
                   "its config allows")
    try:
        return npz[name]
    except ValueError as error:
        if "pickle" in str(error):
            _bad(path, "one of its arrays needs pickle to load, and pickled data can "
                       "run code, so it is refused (tinysae models never need pickle)")
        _bad(path, f"it cannot be read ({error})")
    except Exception as error:  # truncated zip, bad CRC, zlib errors, ...
        _bad(path, f"it is truncated or corrupt ({type(error).__name__}: {error})")


def _text(path, array, name):
    """Decode a uint8 array as UTF-8 text."""
    if array.dtype != np.uint8 or array.ndim != 1:
        _bad(path, f"its '{name}' entry is not UTF-8 text "
                   f"(dtype {array.dtype}, shape {array.shape})")
    try:
        return array.tobytes().decode("utf-8")
    except UnicodeDecodeError:
        _bad(path, f"its '{name}' entry is not UTF-8 text")


def _sizes(config):
    """(n_visible, n_hidden) from a config, which must be a dict holding both as positive ints."""
    if not isinstance(config, dict):
        fail("config", "a JSON object (dict)", config, TypeError)
    n_v, n_h = config.get("n_visible"), config.get("n_hidden")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in (n_v, n_h)):
        fail("config", "a dict with positive integers 'n_visible' and 'n_hidden'",
             {"n_visible": n_v, "n_hidden": n_h})
    return n_v, n_h
