"""The parameters W1, W2, b1, b2 and θ, the one vector L-BFGS sees: shapes, order, initial values.

This is the one place the layout is written::

    W1 (n_h, n_v)   row j is hidden unit j's filter     b1 (n_h,)
    W2 (n_v, n_h)   column j is unit j's output weights b2 (n_v,)
    theta = concat(W1.ravel(), W2.ravel(), b1, b2)      (2·n_h·n_v + n_h + n_v,)

Everything else (the reference, the fast kernel, training, model files) goes through
:func:`param_shapes`, :func:`pack` and :func:`unpack` (or :func:`views`).
"""

import math

import numpy as np

from tinysae.validation import validated

#: The four parameter arrays, in the order of ``theta``.
PARAM_NAMES = ("W1", "W2", "b1", "b2")


def param_shapes(n_visible, n_hidden):
    """The shape of each parameter, in the order of ``theta``."""
    return {"W1": (n_hidden, n_visible), "W2": (n_visible, n_hidden),
            "b1": (n_hidden,), "b2": (n_visible,)}


@validated
def n_params(n_visible, n_hidden):
    """Length of theta: 2·n_h·n_v + n_h + n_v."""
    return sum(math.prod(shape) for shape in param_shapes(n_visible, n_hidden).values())


@validated
def init_params(n_visible, n_hidden, rng=None):
    """Random initial parameters (UFLDL ``initializeParameters``).

    Weights are uniform in ±r with r = sqrt(6 / (n_v + n_h + 1)); biases are zero.

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer sizes n_v and n_h.
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is used as a seed).

    Returns
    -------
    dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,).
    """
    rng = np.random.default_rng(rng)
    r = np.sqrt(6.0 / (n_visible + n_hidden + 1))
    return {
        "W1": rng.uniform(-r, r, size=(n_hidden, n_visible)),  # (n_h, n_v)
        "W2": rng.uniform(-r, r, size=(n_visible, n_hidden)),  # (n_v, n_h)
        "b1": np.zeros(n_hidden),  # (n_h,)
        "b2": np.zeros(n_visible),  # (n_v,)
    }


@validated
def pack(params):
    """Flatten ``params`` into ``theta = concat(W1.ravel(), W2.ravel(), b1, b2)``."""
    return np.concatenate([np.ravel(params[k]) for k in PARAM_NAMES])


@validated
def unpack(theta, n_visible, n_hidden):
    """Split ``theta`` into ``W1, W2, b1, b2``; the arrays are views of ``theta``, not copies."""
    return views(theta, n_visible, n_hidden)


def views(theta, n_visible, n_hidden):
    """:func:`unpack` without the checks, for θ-shaped arrays that tinysae made itself
    (gradient sums, buffers), whatever their dtype and contents."""
    params, start = {}, 0
    for name, shape in param_shapes(n_visible, n_hidden).items():
        size = math.prod(shape)
        params[name] = theta[start:start + size].reshape(shape)  # a view
        start += size
    return params


def n_visible_packed(theta_size, n_hidden):
    """The n_v for which ``n_params(n_v, n_hidden) == theta_size`` (a float: not always whole)."""
    return (theta_size - n_hidden) / (2 * n_hidden + 1)
