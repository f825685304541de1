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

import json
import platform
import re
from pathlib import Path

import numpy as np

from tinysae.runtime import budgets
from tinysae.runtime.atomic_write import atomic_write
from tinysae.model.parameters import check_params
from tinysae.validation.checks import check_path, fail
from tinysae.validation.constraints import check
from tinysae.model.parameters import PARAM_NAMES, n_params, param_shapes
from tinysae.training.untrusted_npz import bad_model, open_archive

#: The marker stored in every model file; a file without it is not a tinysae model.
FORMAT = "tinysae-model/1"

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
    """The config as indented JSON text; a clear error for values JSON cannot hold exactly,
    and for a config that :func:`load` would refuse (see :func:`parse_config`)."""
    if not isinstance(config, dict):
        fail("config", "a dict", config, TypeError)
    try:
        text = json.dumps(config, indent=2, allow_nan=False)
    except RecursionError:
        fail("config", f"nested at most {budgets.MAX_CONFIG_DEPTH} levels deep", config)
    except (TypeError, ValueError) as error:  # numpy scalars, arrays, NaN, ...
        raise TypeError("The 'config' parameter must hold only JSON values (dict, list, str, "
                        f"int, float, bool, None; no NaN or inf): {error}") from None
    try:
        parse_config(text)
    except ValueError as error:
        raise ValueError(f"The 'config' parameter cannot be saved: {error}") from None
    return text


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def parse_config(text, what="config"):
    """A config's JSON text as a dict, refusing what a crafted file could use against us.

    Refused with a one-line ValueError: more than :data:`~tinysae.runtime.budgets.TEXT_BYTES`,
    nesting deeper than :data:`~tinysae.runtime.budgets.MAX_CONFIG_DEPTH` (measured before
    parsing, so parsing never recurses far), ``NaN``/``Infinity`` or numbers too large for a
    float, integers of more than 4300 digits (Python's limit), and anything but a JSON
    object. ``what`` names the text in the messages (an exported SAE's ``cfg.json`` is read
    here too).
    """
    if len(text) > budgets.TEXT_BYTES:
        raise ValueError(f"the {what} takes {len(text):,} characters, "
                         + budgets.over("TEXT_BYTES", len(text), "characters"))
    brackets = np.frombuffer(re.sub(r"[^\[\]{}]", "", _JSON_STRING.sub("", text)).encode(),
                             dtype=np.uint8)  # (k,) the brackets outside strings
    opens = np.isin(brackets, np.frombuffer(b"[{", dtype=np.uint8))  # (k,)
    depth = int(np.max(np.cumsum(np.where(opens, 1, -1)), initial=0))
    if depth > budgets.MAX_CONFIG_DEPTH:
        raise ValueError(f"the {what} is nested more than MAX_CONFIG_DEPTH = "
                         f"{budgets.MAX_CONFIG_DEPTH} levels deep "
                         f"({budgets.how_to_raise('MAX_CONFIG_DEPTH')})")
    try:
        config = json.loads(text, parse_constant=_not_a_number, parse_float=_finite_float)
    except ValueError as error:  # also the two hooks' errors and over-long integers
        raise ValueError(f"the {what} is not valid JSON ({error})") from None
    if not isinstance(config, dict):
        raise ValueError(f"the {what} is not a JSON object")
    return config


def _not_a_number(word):
    raise ValueError(f"{word} is not a JSON number")


def _finite_float(word):
    value = float(word)
    if not np.isfinite(value):
        raise ValueError(f"{word} is too large for a float")
    return value


def check_size(n_visible, n_hidden, max_parameters=None, name="config"):
    """Refuse a model of more than ``max_parameters`` (default
    :data:`~tinysae.runtime.budgets.MAX_PARAMETERS`) parameters, saying how to go past the cap."""
    cap = (budgets.MAX_PARAMETERS if max_parameters is None
           else check("max_parameters", max_parameters))
    size = n_params(n_visible, n_hidden)
    if size > cap:
        fail(name, f"a model of at most {cap:,} parameters, but n_visible={n_visible} and "
             f"n_hidden={n_hidden} make {size:,} (to go past the cap, pass max_parameters= to "
             "save and load, or set TINYSAE_MAX_PARAMETERS in the environment, or "
             "tinysae.runtime.budgets.MAX_PARAMETERS in Python)",
             {"n_visible": n_visible, "n_hidden": n_hidden})


def save(path, params, config, *, max_parameters=None):
    """Write a model file atomically; ``load(path)`` gives back ``(params, config)`` exactly.

    Parameters
    ----------
    path : str or Path
        Where to write, usually ``<folder>/model.npz``. Its folder must exist.
    params : dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,), float arrays.
    config : dict
        JSON values only (tuples come back as lists), with integer ``n_visible``, ``n_hidden``.
    max_parameters : int, optional
        The most parameters allowed (default
        :data:`~tinysae.runtime.budgets.MAX_PARAMETERS`): what :func:`load` refuses, ``save``
        refuses too.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(check_path("path", path))
    if not path.parent.is_dir():
        fail("path", "a file in an existing folder", str(path))
    text = config_to_json(config)
    n_v, n_h = _sizes(config)
    check_size(n_v, n_h, max_parameters)
    arrays = check_params(params, n_v, n_h)
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


def load(path, *, max_parameters=None):
    """Read a model file written by :func:`save`, trusting nothing in it.

    What the file may cost is decided before any array is decoded
    (:mod:`tinysae.training.untrusted_npz`): uncompressed entries only, one per name, each
    ``.npy`` header checked against the config's shapes, at most ``max_parameters``
    parameters.

    Parameters
    ----------
    path : str or Path
        A model file, or a run folder holding ``model.npz``.
    max_parameters : int, optional
        The most parameters to accept (default
        :data:`~tinysae.runtime.budgets.MAX_PARAMETERS`); pass a larger number to read a
        model you know is that big.

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
        load, is larger than allowed, or holds arrays whose shapes or dtypes do not match
        its config.
    """
    path = Path(check_path("path", path))
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"No model file at '{path}'.")
    with open_archive(path) as archive:
        if archive.keys() != sorted(PARAM_NAMES + ("config", "format")):
            bad_model(path, f"it holds the arrays {archive.keys()}, expected W1, W2, b1, b2, "
                            "config, format")
        if _text(archive, "format") != FORMAT:
            bad_model(path, f"its format marker is not {FORMAT!r}")
        text = _text(archive, "config")  # its own errors name the file already
        try:
            config = parse_config(text)
        except ValueError as error:
            bad_model(path, str(error))
        if not all(type(config.get(k)) is int and config[k] >= 1
                   for k in ("n_visible", "n_hidden")):
            bad_model(path, "its config lacks the positive integers n_visible and n_hidden")
        n_v, n_h = config["n_visible"], config["n_hidden"]
        try:
            check_size(n_v, n_h, max_parameters)
        except ValueError as error:
            bad_model(path, str(error).rstrip("."))
        shapes = param_shapes(n_v, n_h)
        for key, shape in shapes.items():  # every header, before any array is read
            found, dtype = archive.header(key)
            if not np.issubdtype(dtype, np.floating):
                bad_model(path, f"its array {key} has dtype {dtype}, not a float dtype")
            if found != shape:
                bad_model(path, f"its array {key} has shape {found}, but its config "
                                f"(n_visible={n_v}, n_hidden={n_h}) needs {shape}")
        params = {key: archive.read(key) for key in PARAM_NAMES}
    for key, a in params.items():
        if not np.all(np.isfinite(a)):
            bad_model(path, f"its array {key} holds NaN or inf")
    return params, config


# ----------------------------------------------------------------------------- helpers

def _text(archive, key):
    """A uint8 entry of at most ``budgets.TEXT_BYTES``, decoded as UTF-8 text."""
    shape, dtype = archive.header(key)
    if dtype != np.uint8 or len(shape) != 1:
        bad_model(archive.path, f"its '{key}' entry is not UTF-8 text "
                                f"(dtype {dtype}, shape {shape})")
    if shape[0] > budgets.TEXT_BYTES:
        bad_model(archive.path, f"its '{key}' entry takes {shape[0]:,} bytes, "
                                + budgets.over("TEXT_BYTES", shape[0]))
    try:
        return archive.read(key).tobytes().decode("utf-8")
    except UnicodeDecodeError:
        bad_model(archive.path, f"its '{key}' entry is not UTF-8 text")


def _sizes(config):
    """(n_visible, n_hidden) from a config, which must be a dict holding both as positive ints."""
    if not isinstance(config, dict):
        fail("config", "a JSON object (dict)", config, TypeError)
    n_v, n_h = config.get("n_visible"), config.get("n_hidden")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in (n_v, n_h)):
        fail("config", "a dict with positive integers 'n_visible' and 'n_hidden'",
             {"n_visible": n_v, "n_hidden": n_h})
    return n_v, n_h
