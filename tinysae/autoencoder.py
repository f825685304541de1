"""The sparse autoencoder of the CS294A notes (Ng, "Sparse autoencoder", §2–§3), by hand.

Shapes, defined once for this module::

    m    number of examples          n_v  visible units (inputs, = outputs)
    n_h  hidden units

Convention: **rows are examples**. The notes write one example as a column ``x``
and the hidden layer as ``a2 = f(W1 x + b1)``; stacking the m examples as rows of
``X`` turns every ``W x`` of the notes into ``X @ W.T`` here, and every sum over
examples into a sum over axis 0. The parameters keep the notes' shapes::

    W1 (n_h, n_v)   row j is hidden unit j's filter     b1 (n_h,)
    W2 (n_v, n_h)                                       b2 (n_v,)
    theta = concat(W1.ravel(), W2.ravel(), b1, b2)      (the L-BFGS vector)

The cost (notes §3, "Autoencoders and sparsity") is

    J = (1/m) Σ_i ½‖a3(x_i) − x_i‖²            reconstruction
      + (λ/2) (‖W1‖² + ‖W2‖²)                   weight decay (no decay on biases)
      + β Σ_j KL(ρ ‖ ρ̂_j)                       sparsity, ρ̂_j = (1/m) Σ_i a2_ij

with sigmoid units ``f(z) = 1 / (1 + e^{−z})``. Two variants used by later lessons:
``sparsity="l1"`` replaces the KL term by ``β (1/m) Σ_ij |a2_ij|``, and
``decoder="linear"`` makes the output layer linear, ``a3 = z3`` (UFLDL "Linear decoders").
"""

import numpy as np

from tinysae._validation import (PARAM_NAMES, _check_theta, check_choice,  # noqa: F401
                                 check_data, check_finite_result, check_int, check_params,
                                 check_real, check_rng, fail, param_shapes)

#: ρ̂ is kept inside [RHO_HAT_FLOOR, 1 − RHO_HAT_FLOOR] in the KL term, so that a unit that is
#: saturated on every example (ρ̂ exactly 0 or 1 in float64) gives a large but finite cost.
RHO_HAT_FLOOR = 1e-12

SPARSITY_PENALTIES = ("kl", "l1")
DECODERS = ("sigmoid", "linear")


# ----------------------------------------------------------------------------- parameters

def n_params(n_visible, n_hidden):
    """Length of theta: 2·n_h·n_v + n_h + n_v."""
    n_visible, n_hidden = check_int("n_visible", n_visible), check_int("n_hidden", n_hidden)
    return 2 * n_hidden * n_visible + n_hidden + n_visible


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
    n_visible = check_int("n_visible", n_visible)
    n_hidden = check_int("n_hidden", n_hidden)
    rng = check_rng("rng", rng)
    r = np.sqrt(6.0 / (n_visible + n_hidden + 1))
    return {
        "W1": rng.uniform(-r, r, size=(n_hidden, n_visible)),  # (n_h, n_v)
        "W2": rng.uniform(-r, r, size=(n_visible, n_hidden)),  # (n_v, n_h)
        "b1": np.zeros(n_hidden),  # (n_h,)
        "b2": np.zeros(n_visible),  # (n_v,)
    }


def pack(params):
    """Flatten ``params`` into ``theta = concat(W1.ravel(), W2.ravel(), b1, b2)``."""
    if not isinstance(params, dict) or not set(PARAM_NAMES) <= set(params):
        fail("params", "a dict with the keys W1, W2, b1, b2", params, TypeError)
    return np.concatenate([np.ravel(params[k]) for k in PARAM_NAMES])


def unpack(theta, n_visible, n_hidden):
    """Split ``theta`` into ``W1, W2, b1, b2``; the arrays are views of ``theta``, not copies."""
    n_v, n_h = check_int("n_visible", n_visible), check_int("n_hidden", n_hidden)
    theta = _check_theta(theta, n_v, n_h)
    w = n_h * n_v
    return {
        "W1": theta[:w].reshape(n_h, n_v),  # (n_h, n_v)
        "W2": theta[w:2 * w].reshape(n_v, n_h),  # (n_v, n_h)
        "b1": theta[2 * w:2 * w + n_h],  # (n_h,)
        "b2": theta[2 * w + n_h:],  # (n_v,)
    }


# ----------------------------------------------------------------------------- forward pass

def sigmoid(z):
    """f(z) = 1 / (1 + e^{−z}), elementwise (notes §2, eq. for the activation function)."""
    with np.errstate(over="ignore"):  # e^{−z} = inf for z < −709 gives f = 0, as it should
        return 1.0 / (1.0 + np.exp(-z))


def forward(params, X, decoder="sigmoid"):
    """Forward propagation (notes §2): every layer's values, kept for backpropagation.

    Returns a dict with ``z2, a2`` (m, n_h), ``z3, a3`` (m, n_v) and ``rho_hat`` (n_h,).
    """
    params = check_params(params)
    X = check_data("X", X, n_columns=params["W1"].shape[1])  # (m, n_v)
    return _forward(params, X, check_choice("decoder", decoder, DECODERS))


def _forward(params, X, decoder):
    """:func:`forward` for checked inputs (the cost's inner call)."""
    z2 = X @ params["W1"].T + params["b1"]  # (m, n_h)
    a2 = sigmoid(z2)  # (m, n_h)
    z3 = a2 @ params["W2"].T + params["b2"]  # (m, n_v)
    a3 = z3 if decoder == "linear" else sigmoid(z3)  # (m, n_v)
    rho_hat = a2.mean(axis=0)  # (n_h,)  average activation of each hidden unit
    return {"z2": z2, "a2": a2, "z3": z3, "a3": a3, "rho_hat": rho_hat}


# ----------------------------------------------------------------------------- the three cost terms

def reconstruction_cost(a3, X):
    """(1/m) Σ_i ½‖a3_i − x_i‖²."""
    m = X.shape[0]
    return 0.5 * np.sum((a3 - X) ** 2) / m


def weight_decay_cost(W1, W2, weight_decay):
    """(λ/2) (‖W1‖² + ‖W2‖²), Frobenius norms; the biases are not decayed."""
    return 0.5 * weight_decay * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def kl_divergence(rho, rho_hat):
    """KL(ρ‖ρ̂) = ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂)), elementwise over ρ̂ (n_h,)."""
    rho_hat = np.clip(rho_hat, RHO_HAT_FLOOR, 1.0 - RHO_HAT_FLOOR)  # (n_h,)
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def sparsity_cost(a2, rho_hat, sparsity_target, sparsity_weight, sparsity="kl"):
    """β Σ_j KL(ρ‖ρ̂_j) for ``"kl"``; β (1/m) Σ_ij |a2_ij| for ``"l1"``."""
    if sparsity == "l1":
        return sparsity_weight * np.sum(np.abs(a2)) / a2.shape[0]
    return sparsity_weight * np.sum(kl_divergence(sparsity_target, rho_hat))


# ----------------------------------------------------------------------------- backward pass

def output_delta(cache, X, decoder="sigmoid"):
    """δ3 = −(x − a3) ∘ f′(z3), with f′(z3) = a3(1 − a3) for sigmoid and 1 for linear."""
    a3 = cache["a3"]  # (m, n_v)
    if decoder == "linear":
        return a3 - X  # (m, n_v)
    return (a3 - X) * a3 * (1 - a3)  # (m, n_v)


def sparsity_delta(rho_hat, sparsity_target, sparsity_weight, sparsity="kl"):
    """The sparsity term added to W2ᵀδ3 (notes §3): β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂)) for KL, β for L1."""
    if sparsity == "l1":  # d|a|/da = 1 because sigmoid activations are positive
        return np.full_like(rho_hat, sparsity_weight)  # (n_h,)
    rho = sparsity_target
    rho_hat = np.clip(rho_hat, RHO_HAT_FLOOR, 1.0 - RHO_HAT_FLOOR)  # (n_h,)
    return sparsity_weight * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))  # (n_h,)


def hidden_delta(delta3, W2, a2, sparsity_term):
    """δ2 = (W2ᵀδ3 + sparsity term) ∘ f′(z2), with f′(z2) = a2(1 − a2)."""
    return (delta3 @ W2 + sparsity_term) * a2 * (1 - a2)  # (m, n_h)


def parameter_gradients(params, X, a2, delta2, delta3, weight_decay):
    """∇W1 = (1/m) δ2ᵀX + λW1, ∇W2 = (1/m) δ3ᵀa2 + λW2, ∇b1 = mean δ2, ∇b2 = mean δ3."""
    m = X.shape[0]
    return {
        "W1": delta2.T @ X / m + weight_decay * params["W1"],  # (n_h, n_v)
        "W2": delta3.T @ a2 / m + weight_decay * params["W2"],  # (n_v, n_h)
        "b1": delta2.sum(axis=0) / m,  # (n_h,)
        "b2": delta3.sum(axis=0) / m,  # (n_v,)
    }


# ----------------------------------------------------------------------------- the public boundary

def cost_terms(theta, X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
               sparsity_weight=3.0, sparsity="kl", decoder="sigmoid"):
    """The three terms of J separately, with the hidden activations, for lessons and plots.

    Parameters are those of :func:`loss_and_grad`.

    Returns
    -------
    dict
        ``reconstruction``, ``weight_decay``, ``sparsity``, ``total`` (floats),
        ``a2`` (m, n_h) hidden activations and ``rho_hat`` (n_h,) their means.
    """
    params, X, hyper = _check_problem(theta, X, n_hidden, weight_decay, sparsity_target,
                                      sparsity_weight, sparsity, decoder)
    cache = _forward(params, X, hyper["decoder"])
    terms = {
        "reconstruction": float(reconstruction_cost(cache["a3"], X)),
        "weight_decay": float(weight_decay_cost(params["W1"], params["W2"], hyper["weight_decay"])),
        "sparsity": float(sparsity_cost(cache["a2"], cache["rho_hat"], hyper["sparsity_target"],
                                        hyper["sparsity_weight"], hyper["sparsity"])),
    }
    terms["total"] = terms["reconstruction"] + terms["weight_decay"] + terms["sparsity"]
    check_finite_result("cost J", [terms["total"], cache["a2"]], {"theta": theta, "X": X})
    return {**terms, "a2": cache["a2"], "rho_hat": cache["rho_hat"]}


def loss_and_grad(theta, X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
                  sparsity_weight=3.0, sparsity="kl", decoder="sigmoid"):
    """Sparse autoencoder cost J and its gradient by backpropagation (UFLDL ``sparseAutoencoderCost``).

    This is the readable reference; :mod:`tinysae.kernels` has a faster path that agrees with it.

    Parameters
    ----------
    theta : ndarray of shape (2·n_h·n_v + n_h + n_v,)
        Packed parameters (see :func:`pack`).
    X : ndarray of shape (m, n_v)
        Training examples, one per row. Integer arrays are converted to float64.
    n_hidden : int
        n_h, the number of hidden units.
    weight_decay : float, default 1e-4
        λ ≥ 0.
    sparsity_target : float, default 0.01
        ρ in (0, 1), the desired average activation (KL penalty only).
    sparsity_weight : float, default 3.0
        β ≥ 0.
    sparsity : {"kl", "l1"}, default "kl"
        The sparsity penalty: the notes' KL divergence, or L1 on the hidden activations.
    decoder : {"sigmoid", "linear"}, default "sigmoid"
        The output units: sigmoid (inputs in [0, 1]) or linear (UFLDL "Linear decoders").

    Returns
    -------
    J : float
        The cost.
    grad : ndarray of shape (2·n_h·n_v + n_h + n_v,)
        ∂J/∂theta, packed like ``theta``.
    """
    params, X, hyper = _check_problem(theta, X, n_hidden, weight_decay, sparsity_target,
                                      sparsity_weight, sparsity, decoder)
    lam, rho, beta = hyper["weight_decay"], hyper["sparsity_target"], hyper["sparsity_weight"]
    # forward
    cache = _forward(params, X, hyper["decoder"])
    a2, rho_hat = cache["a2"], cache["rho_hat"]  # (m, n_h), (n_h,)
    J = (reconstruction_cost(cache["a3"], X)
         + weight_decay_cost(params["W1"], params["W2"], lam)
         + sparsity_cost(a2, rho_hat, rho, beta, hyper["sparsity"]))
    # backward
    delta3 = output_delta(cache, X, hyper["decoder"])  # (m, n_v)
    sparsity_term = sparsity_delta(rho_hat, rho, beta, hyper["sparsity"])  # (n_h,)
    delta2 = hidden_delta(delta3, params["W2"], a2, sparsity_term)  # (m, n_h)
    grads = parameter_gradients(params, X, a2, delta2, delta3, lam)
    J, grad = float(J), pack(grads)  # (n_params,)
    check_finite_result("cost J or its gradient", [J, grad], {"theta": theta, "X": X})
    return J, grad


def hidden_activations(params, X):
    """a2 = f(X W1ᵀ + b1), the hidden representation of each row of ``X``: (m, n_h)."""
    params = check_params(params)
    X = check_data("X", X, n_columns=params["W1"].shape[1])  # (m, n_v)
    return sigmoid(X @ params["W1"].T + params["b1"])  # (m, n_h)


# ----------------------------------------------------------------------------- validation

def _check_problem(theta, X, n_hidden, weight_decay, sparsity_target, sparsity_weight,
                   sparsity, decoder):
    """Validate one call of the cost; return (params, X as float64, hyperparameters)."""
    n_hidden = check_int("n_hidden", n_hidden)
    X = check_data("X", X)  # (m, n_v)
    n_visible = X.shape[1]
    size = getattr(theta, "size", None)
    if isinstance(theta, np.ndarray) and theta.ndim == 1 and size != n_params(n_visible, n_hidden):
        implied = (size - n_hidden) / (2 * n_hidden + 1)  # n_v that theta was packed for
        if implied == int(implied) and implied > 0:
            fail("X", f"an array with {int(implied)} columns, the n_visible that theta "
                 f"(length {size}, n_hidden={n_hidden}) was packed for", X)
    params = unpack(theta, n_visible, n_hidden)
    hyper = {
        "weight_decay": check_real("weight_decay", weight_decay, low=0.0),
        "sparsity_target": check_real("sparsity_target", sparsity_target, low=0.0, high=1.0,
                                      low_open=True, high_open=True),
        "sparsity_weight": check_real("sparsity_weight", sparsity_weight, low=0.0),
        "sparsity": check_choice("sparsity", sparsity, SPARSITY_PENALTIES),
        "decoder": check_choice("decoder", decoder, DECODERS),
    }
    return params, X, hyper
