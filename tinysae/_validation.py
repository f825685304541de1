"""Checks for the public boundary: each raises ValueError/TypeError naming the parameter and the value.

Messages follow scikit-learn's pattern: "The 'name' parameter must be ... Got ... instead."
Only public functions call these; the math inside trusts its inputs.
"""

import numbers

import numpy as np


def _got(value):
    """A short, readable echo of a bad value."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(name, expected, value, error=ValueError):
    """Raise ``error`` saying what ``name`` must be and what it got."""
    raise error(f"The '{name}' parameter must be {expected}. Got {_got(value)} instead.")


def check_int(name, value, minimum=1):
    """An integer ≥ ``minimum`` (bools are rejected); returns it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(name, f"an integer >= {minimum}", value, TypeError)
    if value < minimum:
        fail(name, f"an integer >= {minimum}", value)
    return int(value)


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in the given interval; returns it as ``float``."""
    interval = ("(" if low_open else "[") + f"{low if low is not None else '-inf'}, " \
        f"{high if high is not None else 'inf'}" + (")" if high_open else "]")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(name, f"a real number in {interval}", value, TypeError)
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not np.isfinite(value) or too_low or too_high:
        fail(name, f"a real number in {interval}", value)
    return value


def check_choice(name, value, choices):
    """One of ``choices``; returns it."""
    if value not in choices:
        fail(name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value


def check_rng(name, rng):
    """``None``, an int seed or a ``np.random.Generator``; returns a Generator."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    fail(name, "None, a non-negative int seed or a numpy.random.Generator", rng, TypeError)


def check_data(name, X, n_columns=None, dtype=np.float64):
    """A finite, non-empty 2-D real array, converted to ``dtype`` (integers are accepted).

    Returns a C-contiguous array of shape (m, n_columns).
    """
    if not isinstance(X, np.ndarray):
        try:
            X = np.asarray(X)
        except (TypeError, ValueError):
            fail(name, "a 2-D array of real numbers", X, TypeError)
    if X.dtype == bool or not (np.issubdtype(X.dtype, np.integer)
                               or np.issubdtype(X.dtype, np.floating)):
        fail(name, "a 2-D array of real numbers (integer or float dtype)", X, TypeError)
    if X.ndim != 2:
        fail(name, "a 2-D array of shape (m, n_visible) with one example per row", X)
    if X.shape[0] == 0 or X.shape[1] == 0:
        fail(name, "a non-empty 2-D array (at least one row and one column)", X)
    if n_columns is not None and X.shape[1] != n_columns:
        fail(name, f"an array with {n_columns} columns (one per visible unit)", X)
    X = np.ascontiguousarray(X, dtype=dtype)
    if not np.all(np.isfinite(X)):
        fail(name, "finite (no NaN or inf)", X)
    return X
