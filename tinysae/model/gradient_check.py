"""Gradient checking by centred differences (UFLDL "Gradient checking and advanced optimization").

For a cost ``J(θ)`` with analytic gradient ``g(θ)``, the numerical estimate of the i-th
component is the centred difference

    ∂J/∂θ_i ≈ (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε),

whose error is O(ε²). Where the cost's third derivative is large (a deep model with
LayerNorm), the four-point centred difference

    ∂J/∂θ_i ≈ (−J(θ + 2ε e_i) + 8 J(θ + ε e_i) − 8 J(θ − ε e_i) + J(θ − 2ε e_i)) / (12ε),

whose error is O(ε⁴), allows a larger ε and so less rounding. Either is compared with UFLDL's
relative difference

    ‖num − ana‖ / ‖num + ana‖,

which is about 1e-11 in float64 for a correct gradient on a small, smooth problem.
Lessons and tests share these functions.
"""

import numpy as np

from tinysae.validation.checks import check_vector, fail
from tinysae.model.parameters import n_params, unpack
from tinysae.validation.validated import validated

#: The step ε of the centred difference that UFLDL uses.
DEFAULT_EPSILON = 1e-4

#: The step the tests use. The centred difference errs by about ε²·|J‴|/6 (truncation) plus
#: u·|J|/ε (rounding, u ≈ 1.1e-16): at ε = 1e-4 truncation alone reaches ~8e-10 relative on
#: some tiny problems, too close to the threshold; ε = 2e-5 gives ~1e-10 at worst. Lesson 02
#: plots the ratio against ε to show both errors.
CHECK_EPSILON = 2e-5

#: The step of the four-point difference: its truncation (~ε⁴|J⁽⁵⁾|/30) stays small at an ε
#: where rounding (~1.5 u·|J|/ε) is 10× below the two-point difference's at CHECK_EPSILON.
FOUR_POINT_EPSILON = 3e-4

#: A correct float64 gradient on a tiny problem gives ~1e-11; a wrong one ~1e-1 or worse.
GRADIENT_CHECK_THRESHOLD = 1e-9


@validated
def numerical_gradient(f, x, eps=DEFAULT_EPSILON):
    """Centred-difference gradient of a scalar function, in float64.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It may return a tuple ``(value, grad)``; only the value is used.
    x : ndarray of shape (n,)
        The point. It is perturbed in place one entry at a time and restored exactly.
    eps : float
        The step ε.

    Returns
    -------
    ndarray of shape (n,)
        ``(f(x + ε e_i) − f(x − ε e_i)) / (2ε)`` for every i.
    """
    _check_point(f, x)
    return _centred_difference(f, x, {1: 1.0, -1: -1.0}, 2.0 * eps, eps)


@validated
def four_point_gradient(f, x, eps=FOUR_POINT_EPSILON):
    """Four-point centred-difference gradient of a scalar function, in float64: error O(ε⁴).

    Parameters and returns as :func:`numerical_gradient`, with
    ``(−f(x + 2ε e_i) + 8 f(x + ε e_i) − 8 f(x − ε e_i) + f(x − 2ε e_i)) / (12ε)`` for every i.
    """
    _check_point(f, x)
    return _centred_difference(f, x, {2: -1.0, 1: 8.0, -1: -8.0, -2: 1.0}, 12.0 * eps, eps)


def _centred_difference(f, x, weights, denominator, eps):
    """Σ_k weights[k] f(x + k ε e_i) / denominator for every i; x perturbed and restored."""
    def value(point):
        out = f(point)
        return float(out[0] if isinstance(out, tuple) else out)

    grad = np.empty_like(x)  # (n,)
    for i in range(x.size):
        saved = x[i]
        total = 0.0
        for k, weight in weights.items():
            x[i] = saved + k * eps
            total += weight * value(x)
        x[i] = saved  # restore exactly
        grad[i] = total / denominator
    return grad


def relative_difference(numerical, analytic):
    """UFLDL's ``‖num − ana‖ / ‖num + ana‖`` (0 when both are zero)."""
    numerical = check_vector("numerical", numerical)  # (n,)
    analytic = check_vector("analytic", analytic, numerical.size)  # (n,)
    denominator = np.linalg.norm(numerical + analytic)
    if denominator == 0.0:
        return float(np.linalg.norm(numerical - analytic))
    return float(np.linalg.norm(numerical - analytic) / denominator)


def relative_difference_by_block(numerical, analytic, n_visible, n_hidden):
    """UFLDL's ratio for each parameter block of θ-shaped vectors, to see *where* they differ.

    Returns
    -------
    dict of float
        ``‖num − ana‖ / ‖num + ana‖`` over the entries of W1, W2, b1 and b2 separately.
    """
    numerical = check_vector("numerical", numerical, n_params(n_visible, n_hidden))  # (n,)
    analytic = check_vector("analytic", analytic, numerical.size)  # (n,)
    num, ana = unpack(numerical, n_visible, n_hidden), unpack(analytic, n_visible, n_hidden)
    return {name: relative_difference(num[name].ravel(), ana[name].ravel()) for name in num}


@validated
def gradient_check(f, x, eps=DEFAULT_EPSILON):
    """Compare the analytic gradient of ``f`` with centred differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> (value, grad)``, the function and its analytic gradient.
    x : ndarray of shape (n,)
        Where to check (float64; restored on return).
    eps : float
        The step ε.

    Returns
    -------
    float
        ``‖num − ana‖ / ‖num + ana‖``; below :data:`GRADIENT_CHECK_THRESHOLD` passes.
    """
    _check_point(f, x)
    _, analytic = f(x)
    analytic = check_vector("analytic", analytic, x.size)  # (n,) a copy: f may reuse buffers
    numerical = numerical_gradient(f, x, eps)  # (n,)
    return relative_difference(numerical, analytic)


def _check_point(f, x):
    """``f`` callable and ``x`` a 1-D float64 ndarray (it is perturbed in place)."""
    if not callable(f):
        fail("f", "a callable f(x) -> value or (value, grad)", f, TypeError)
    if not isinstance(x, np.ndarray) or x.dtype != np.float64 or x.ndim != 1:
        fail("x", "a 1-D float64 ndarray (it is perturbed in place)", x, TypeError)


def gradient_check_params(loss_and_grad, params, eps=DEFAULT_EPSILON):
    """:func:`gradient_check` for a model whose parameters are a dict of arrays.

    Parameters
    ----------
    loss_and_grad : callable
        ``loss_and_grad(params) -> (J, grads)``, ``grads`` a dict shaped like ``params``
        (the language model's and the crosscoder's ``*_loss_and_grad`` with data bound).
    params : dict of ndarray
        Where to check (converted to float64; not modified).
    eps : float
        The step ε.

    Returns
    -------
    float
        ``‖num − ana‖ / ‖num + ana‖`` over all parameters, flattened in the dict's order.
    """
    if not isinstance(params, dict) or not params:
        fail("params", "a non-empty dict of parameter arrays", params, TypeError)
    names = list(params)
    shapes = [np.shape(params[name]) for name in names]
    ends = np.cumsum([int(np.prod(shape)) for shape in shapes])  # where each array ends

    def as_dict(theta):
        return {name: part.reshape(shape) for name, part, shape in
                zip(names, np.split(theta, ends[:-1]), shapes)}

    def f(theta):
        J, grads = loss_and_grad(as_dict(theta))
        return J, np.concatenate([np.ravel(grads[name]) for name in names])
    theta = np.concatenate([np.ravel(params[name]) for name in names]).astype(np.float64)
    return gradient_check(f, theta, eps)
