"""The parameters W1, W2, b1, b2 and θ, the one vector L-BFGS sees: shapes, order, checks.

This is the one place the layout is written::

    W1 (n_h, n_v)   row j is hidden unit j's filter     b1 (n_h,)
    W2 (n_v, n_h)   column j is unit j's output weights b2 (n_v,)
    theta = concat(W1.ravel(), W2.ravel(), b1, b2)      (2·n_h·n_v + n_h + n_v,)

Everything else (the reference, the fast kernel, training, model files) goes through
:func:`param_shapes`, :func:`pack` and :func:`unpack`.

The layout's own checks stand beside it: :func:`check_params` (the four arrays) and
:func:`check_theta` (the one vector). The public entry points apply them on the way in (the
``params`` and ``theta`` rules of :mod:`tinysae.validation.constraints`); the functions here
trust their arguments, as the equations behind the door do.
"""

import math

import numpy as np

from tinysae.validation.checks import as_array, fail

#: The four parameter arrays, in the order of ``theta``.
PARAM_NAMES = ("W1", "W2", "b1", "b2")


def param_shapes(n_visible, n_hidden):
    """The shape of each parameter, in the order of ``theta``."""
    return {"W1": (n_hidden, n_visible), "W2": (n_visible, n_hidden),
            "b1": (n_hidden,), "b2": (n_visible,)}


def n_params(n_visible, n_hidden):
    """Length of theta: 2·n_h·n_v + n_h + n_v."""
    return sum(math.prod(shape) for shape in param_shapes(n_visible, n_hidden).values())


def pack(params):
    """Flatten ``params`` into ``theta = concat(W1.ravel(), W2.ravel(), b1, b2)``."""
    return np.concatenate([np.ravel(params[k]) for k in PARAM_NAMES])


def unpack(theta, n_visible, n_hidden):
    """Split ``theta`` into ``W1, W2, b1, b2``; the arrays are views of ``theta``, not copies
    (so a θ-shaped buffer, such as a gradient sum, can be filled through them)."""
    params, start = {}, 0
    for name, shape in param_shapes(n_visible, n_hidden).items():
        size = math.prod(shape)
        params[name] = theta[start:start + size].reshape(shape)  # a view
        start += size
    return params


def n_visible_packed(theta_size, n_hidden):
    """The n_v for which ``n_params(n_v, n_hidden) == theta_size`` (a float: not always whole)."""
    return (theta_size - n_hidden) / (2 * n_hidden + 1)


# ----------------------------------------------------------------------------- checks

def check_params(params, n_visible=None, n_hidden=None, name="params"):
    """The four arrays W1 (n_h, n_v), W2 (n_v, n_h), b1 (n_h,), b2 (n_v,): float, finite, no extras.

    The sizes default to the shape of ``W1``. Returns a new dict of the arrays (not copied
    when they are already ndarrays).
    """
    if not isinstance(params, dict) or set(params) != set(PARAM_NAMES):
        fail(name, "a dict with exactly the keys W1, W2, b1, b2",
             sorted(map(str, params)) if isinstance(params, dict) else params, TypeError)
    if n_visible is None or n_hidden is None:
        W1 = as_array(f"{name}['W1']", params["W1"])
        if W1.ndim != 2:
            fail(f"{name}['W1']", "a 2-D array of shape (n_hidden, n_visible)", W1)
        n_hidden, n_visible = W1.shape
    arrays = {}
    for key, shape in param_shapes(n_visible, n_hidden).items():
        a = as_array(f"{name}['{key}']", params[key])
        if not np.issubdtype(a.dtype, np.floating):
            fail(f"{name}['{key}']", "a float array", a, TypeError)
        if a.shape != shape or a.size == 0:
            fail(f"{name}['{key}']", f"of shape {shape} (n_visible={n_visible}, "
                 f"n_hidden={n_hidden}, both >= 1)", a)
        if not np.all(np.isfinite(a)):
            fail(f"{name}['{key}']", "finite (no NaN or inf)", a)
        arrays[key] = a
    return arrays


def check_theta(name, theta, n_visible, n_hidden):
    """theta as a 1-D float64 array of length n_params(n_visible, n_hidden), finite."""
    if not isinstance(theta, np.ndarray) or not (np.issubdtype(theta.dtype, np.floating)
                                                 or np.issubdtype(theta.dtype, np.integer)):
        fail(name, "a 1-D float ndarray", theta, TypeError)
    theta = theta.astype(np.float64, copy=False)
    expected = n_params(n_visible, n_hidden)
    if theta.ndim != 1 or theta.size != expected:
        fail(name, f"a 1-D array of length 2*n_h*n_v + n_h + n_v = {expected} "
             f"(n_visible={n_visible}, n_hidden={n_hidden})", theta)
    if not np.all(np.isfinite(theta)):
        fail(name, "finite (no NaN or inf)", theta)
    return theta
