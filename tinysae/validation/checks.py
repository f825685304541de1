"""The checks behind the constraints table, each an error that names the parameter and value.

Each raises a ValueError or TypeError. Messages follow scikit-learn's pattern: "The 'name' parameter must be ... Got ... instead."
The table's rules call these; so do the data and picture functions for their one-off
parameters (no other function shares them, so they are not in the table).
"""

import numbers
import os
from pathlib import Path

import numpy as np


def got(value):
    """A short, readable echo of a bad value."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(name, expected, value, error=ValueError):
    """Raise ``error`` saying what ``name`` must be and what it got."""
    raise error(f"The '{name}' parameter must be {expected}. Got {got(value)} instead.")


# ----------------------------------------------------------------------------- scalars

def check_int(name, value, minimum=1):
    """An integer ≥ ``minimum`` (bools are rejected); returns it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(name, f"an integer >= {minimum}", value, TypeError)
    if value < minimum:
        fail(name, f"an integer >= {minimum}", value)
    return int(value)


def interval_text(low, high, closed):
    """``[0, inf)`` and the like, for messages (an infinite end is always open)."""
    left = "[" if closed in ("left", "both") and low is not None else "("
    right = "]" if closed in ("right", "both") and high is not None else ")"
    return f"{left}{-np.inf if low is None else low:g}, {np.inf if high is None else high:g}{right}"


def check_real(name, value, low=None, high=None, closed="both"):
    """A finite real number in the interval from ``low`` to ``high`` (None: unbounded), closed
    on the sides ``closed`` says (``"both"``, ``"left"``, ``"right"``, ``"neither"``)."""
    expected = f"a real number in {interval_text(low, high, closed)}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(name, expected, value, TypeError)
    value = float(value)
    low_open, high_open = closed in ("right", "neither"), closed in ("left", "neither")
    too_low = low is not None and (value < low or (value == low and low_open))
    too_high = high is not None and (value > high or (value == high and high_open))
    if not np.isfinite(value) or too_low or too_high:
        fail(name, expected, value)
    return value


def check_bool(name, value):
    """``True`` or ``False`` (numpy bools too); returns it as ``bool``."""
    if not isinstance(value, (bool, np.bool_)):
        fail(name, "True or False", value, TypeError)
    return bool(value)


def check_path(name, value):
    """A file or folder path: a non-empty ``str`` or an ``os.PathLike``; returns it unchanged."""
    if not isinstance(value, (str, os.PathLike)):
        fail(name, "a file or folder path (str or pathlib.Path)", value, TypeError)
    if os.fspath(value) == "":
        fail(name, "a non-empty file or folder path", value)
    return value


def fail_path(expected, path, name="path"):
    """Like :func:`fail`, but echoing the whole path (the file name is at its end)."""
    raise ValueError(f"The '{name}' parameter must be {expected}. Got {str(path)!r} instead.")


def existing_file(path, name="path"):
    """``path`` as a ``Path`` if it is an existing file, else a ValueError naming it."""
    file = Path(check_path(name, path))
    if not file.is_file():
        fail_path("an existing file", path, name)
    return file


def bad_file(file, why):
    """The ValueError for a data file that cannot be what it should be."""
    raise ValueError(f"{str(file)!r} is not a valid data file: {why}.")


def check_choice(name, value, choices):
    """One of ``choices``; returns it."""
    if not isinstance(value, str) or value not in choices:
        fail(name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_float_dtype(name, dtype):
    """None or float64 → float64; float32 → float32; returns a numpy dtype."""
    expected = "None, numpy.float64 or numpy.float32"
    try:
        dt = np.dtype(np.float64 if dtype is None else dtype)
    except TypeError:
        fail(name, expected, dtype, TypeError)
    if dt not in (np.float64, np.float32):
        fail(name, expected, dtype)
    return dt


def check_rng(name, rng):
    """``None``, an int seed or a ``np.random.Generator``; returns a Generator."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    fail(name, "None, a non-negative int seed or a numpy.random.Generator", rng, TypeError)


# ----------------------------------------------------------------------------- arrays

def has_real_dtype(array):
    """Whether ``array`` holds integers or floats (not bools, complex numbers or objects)."""
    return array.dtype != bool and (np.issubdtype(array.dtype, np.integer)
                                    or np.issubdtype(array.dtype, np.floating))


def as_array(name, value):
    """``np.asarray(value)``, with a TypeError naming ``name`` for ragged nested sequences."""
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        fail(name, "an array of numbers (nested lists of equal lengths)", value, TypeError)


def check_data(name, X, n_columns=None, dtype=np.float64):
    """A finite, non-empty 2-D real array, converted to ``dtype`` (integers are accepted).

    Returns a C-contiguous array of shape (m, n_columns).
    """
    X = X if isinstance(X, np.ndarray) else as_array(name, X)
    if not has_real_dtype(X):
        fail(name, "a 2-D array of real numbers (integer or float dtype)", X, TypeError)
    if X.ndim != 2:
        fail(name, "a 2-D array of shape (m, n_visible) with one example per row", X)
    if X.shape[0] == 0 or X.shape[1] == 0:
        fail(name, "a non-empty 2-D array (at least one row and one column)", X)
    if n_columns is not None and X.shape[1] != n_columns:
        fail(name, f"an array with {n_columns} columns (one per visible unit)", X)
    X = np.ascontiguousarray(X, dtype=dtype)
    if not all_finite(X):
        fail(name, "finite (no NaN or inf)", X)
    return X


def all_finite(X, chunk_bytes=2 ** 20):
    """``np.all(np.isfinite(X))`` for a 2-D array, row block by row block, so that the
    boolean temporary stays about ``chunk_bytes`` / 8 instead of growing with X."""
    rows = max(1, chunk_bytes // (8 * X.shape[1]))
    return all(np.isfinite(X[i:i + rows]).all() for i in range(0, X.shape[0], rows))


def check_vector(name, v, size=None):
    """A finite, non-empty 1-D real array (of ``size`` entries if given), as float64."""
    v = as_array(name, v)
    if v.dtype.kind not in "iuf":
        fail(name, "a 1-D array of real numbers (integer or float dtype)", v, TypeError)
    if v.ndim != 1 or v.size == 0 or (size is not None and v.size != size):
        fail(name, f"a non-empty 1-D array{'' if size is None else f' of {size} entries'}", v)
    v = v.astype(np.float64)
    if not np.all(np.isfinite(v)):
        fail(name, "finite (no NaN or inf)", v)
    return v


def check_finite(name, array):
    """``array`` unchanged (its dtype kept) if every value is finite, else a ValueError."""
    if not np.all(np.isfinite(array)):
        fail(name, "finite (no NaN or inf)", np.asarray(array))
    return array


# ----------------------------------------------------------------------------- results

def check_finite_result(what, results, inputs, dtype=None):
    """A ValueError if any of ``results`` is NaN or inf although every input was finite.

    ``inputs`` maps the names of the parameters the results depend on (arrays, and the
    hyperparameters that multiply them) to their finite values. One of them was too large
    for the arithmetic's ``dtype`` (default: the results' dtype): the message blames the
    largest in magnitude (and any within a factor of 10 of it), listing them all.
    """
    if all(np.all(np.isfinite(r)) for r in results):
        return
    if dtype is None:
        dtype = np.result_type(*[r for r in results if isinstance(r, np.ndarray)], np.float32)
    sizes = {name: float(np.max(np.abs(a))) if np.size(a) else 0.0 for name, a in inputs.items()}
    largest = max(sizes.values())
    listing = ", ".join((f"max |{name}| = {size:.3g}" if np.ndim(inputs[name]) else
                         f"{name} = {inputs[name]:.3g}") for name, size in sizes.items())
    blamed = " or ".join(f"'{name}'" for name, size in sizes.items() if size >= largest / 10)
    raise ValueError(f"The {what} overflows {np.dtype(dtype).name} ({listing}): the {blamed} "
                     "parameter must be smaller.")


def scaled_to_unit(X):
    """``X`` divided by the power of two that brings its largest |value| into [0.5, 1).

    Exact (a power of two only changes exponents), so a scale-invariant function gives the
    same bits on ``scaled_to_unit(X)`` as on ``X``, while sums of squares of huge or tiny
    finite values no longer overflow or underflow. An all-zero ``X`` is returned as is.
    """
    peak = float(np.max(np.abs(X))) if X.size else 0.0
    if peak == 0.0 or not np.isfinite(peak):
        return X
    return np.ldexp(X, -int(np.frexp(peak)[1]))
