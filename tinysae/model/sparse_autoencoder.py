"""The sparse autoencoder of the CS294A notes (Ng, "Sparse autoencoder", §2–§3), by hand.

Shapes, defined once for this module::

    m    number of examples          n_v  visible units (inputs, = outputs)
    n_h  hidden units

Convention: **rows are examples**. The notes write one example as a column ``x`` and the
hidden layer as ``a2 = f(W1 x + b1)``; stacking the m examples as rows of ``X`` turns every
``W x`` of the notes into ``X @ W.T`` here, and every sum over examples into a sum over
axis 0. The parameters keep the notes' shapes (:mod:`tinysae.model.parameters`)::

    W1 (n_h, n_v)    W2 (n_v, n_h)    b1 (n_h,)    b2 (n_v,)

The cost (notes §3, "Autoencoders and sparsity") is

    J = (1/m) Σ_i ½‖a3(x_i) − x_i‖²            reconstruction
      + (λ/2) (‖W1‖² + ‖W2‖²)                   weight decay (no decay on biases)
      + β Σ_j KL(ρ ‖ ρ̂_j)                       sparsity, ρ̂_j = (1/m) Σ_i a2_ij

with sigmoid units ``f(z) = 1 / (1 + e^{−z})``. Below, each term of J is followed by its
derivative, and backpropagation (notes §2.2) puts them together. Two variants used by later
lessons: ``sparsity="l1"`` replaces the KL term by ``β (1/m) Σ_ij |a2_ij|``, and
``decoder="linear"`` makes the output layer linear, ``a3 = z3`` (UFLDL "Linear decoders").

The entry points a user calls, :func:`init_params`, :func:`loss_and_grad`,
:func:`cost_terms` and :func:`hidden_activations`, check their arguments (``@validated``, against
:mod:`tinysae.validation.constraints`); the equations behind them, :func:`forward` included,
trust theirs.
"""

import numpy as np

from tinysae.validation.checks import check_finite_result
from tinysae.model.parameters import pack, unpack
from tinysae.validation.validated import validated

#: ρ̂ is kept inside [RHO_HAT_FLOOR, 1 − RHO_HAT_FLOOR] in the KL term, so that a unit that is
#: saturated on every example (ρ̂ exactly 0 or 1 in float64) gives a large but finite cost.
RHO_HAT_FLOOR = 1e-12


# ----------------------------------------------------------------------------- initial values

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


# ----------------------------------------------------------------------------- forward pass

def sigmoid(z):
    """f(z) = 1 / (1 + e^{−z}), elementwise, for an array ``z`` of any shape.

    Backpropagation needs its derivative, f′(z) = f(z)(1 − f(z)): no need to keep z.
    """
    with np.errstate(over="ignore"):  # e^{−z} = inf for z < −709 gives f = 0, as it should
        return 1.0 / (1.0 + np.exp(-z))


def forward(params, X, decoder="sigmoid"):
    """Forward propagation (notes §2): every layer's values, kept for backpropagation::

        z2 = X W1ᵀ + b1,   a2 = f(z2)       (m, n_h)  hidden activations
        z3 = a2 W2ᵀ + b2,  a3 = f(z3)       (m, n_v)  the reconstruction of X
        ρ̂_j = (1/m) Σ_i a2_ij               (n_h,)    each hidden unit's mean activation

    ``decoder="linear"`` makes the output layer linear, a3 = z3.

    Returns a dict with ``z2, a2, z3, a3`` and ``rho_hat``.

    Hint: for one column x the notes write W1 x + b1; for the rows of X that is
    ``X @ W1.T + b1`` (numpy adds b1 to every row).
    """
    z2 = X @ params["W1"].T + params["b1"]  # (m, n_h)
    a2 = sigmoid(z2)  # (m, n_h)
    z3 = a2 @ params["W2"].T + params["b2"]  # (m, n_v)
    a3 = z3 if decoder == "linear" else sigmoid(z3)  # (m, n_v)
    rho_hat = a2.mean(axis=0)  # (n_h,)  average activation of each hidden unit
    return {"z2": z2, "a2": a2, "z3": z3, "a3": a3, "rho_hat": rho_hat}


@validated
def hidden_activations(params, X):
    """a2 = f(X W1ᵀ + b1), the hidden representation of each row of ``X``: (m, n_h)."""
    return sigmoid(X @ params["W1"].T + params["b1"])  # (m, n_h)


# ------------------------------------------------- each term of J, then its derivative

def reconstruction_cost(a3, X):
    """(1/m) Σ_i ½‖a3_i − x_i‖², a number: J's first term, from a3 and X of shape (m, n_v).

    The sum runs over every entry; m = X.shape[0] is the number of examples.
    """
    return 0.5 * np.sum((a3 - X) ** 2) / X.shape[0]


def output_delta(a3, X, decoder="sigmoid"):
    """δ3 = ∂(½‖a3 − x‖²)/∂z3 = (a3 − x) ∘ f′(z3), one row per example: (m, n_v).

    For sigmoid output units f′(z3) = a3(1 − a3), so z3 itself is not needed.

    With ``decoder="linear"`` (a3 = z3), f′ = 1 and δ3 = a3 − x.
    """
    if decoder == "linear":
        return a3 - X  # (m, n_v)
    return (a3 - X) * a3 * (1 - a3)  # (m, n_v)


def weight_decay_cost(W1, W2, weight_decay):
    """(λ/2) (‖W1‖² + ‖W2‖²), a number: λ/2 times the sum of the squares of all weights.

    The biases b1 and b2 are not decayed (notes §3).
    """
    return 0.5 * weight_decay * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def weight_decay_gradient(W, weight_decay):
    """∂/∂W of (λ/2)‖W‖² = λW, for W1 or W2."""
    return weight_decay * W  # like W


def sparsity_cost(a2, rho_hat, sparsity_target, sparsity_weight, sparsity="kl"):
    """β Σ_j KL(ρ‖ρ̂_j) for ``"kl"``; β (1/m) Σ_ij |a2_ij| for ``"l1"``."""
    if sparsity == "l1":
        return sparsity_weight * np.sum(np.abs(a2)) / a2.shape[0]
    return sparsity_weight * np.sum(kl_divergence(sparsity_target, rho_hat))


def kl_divergence(rho, rho_hat):
    """KL(ρ‖ρ̂_j) = ρ log(ρ/ρ̂_j) + (1−ρ) log((1−ρ)/(1−ρ̂_j)) for each hidden unit j: (n_h,).

    ρ is a number and ρ̂ an array (n_h,). The result has one value per unit, not their
    sum: J's sparsity term is β times the sum.
    """
    rho_hat = np.clip(rho_hat, RHO_HAT_FLOOR, 1.0 - RHO_HAT_FLOOR)  # (n_h,)
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def sparsity_delta(rho_hat, sparsity_target, sparsity_weight, sparsity="kl"):
    """The sparsity term's share of δ2 (notes §3), one value per hidden unit: (n_h,)::

        β ∂KL(ρ‖ρ̂_j)/∂ρ̂_j = β (−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j))

    It is the same for every example; :func:`hidden_delta` adds it to each row.

    With ``sparsity="l1"`` it is β for every unit (∂|a|/∂a = 1, as sigmoid activations are
    positive).
    """
    if sparsity == "l1":
        return np.full_like(rho_hat, sparsity_weight)  # (n_h,)
    rho = sparsity_target
    rho_hat = np.clip(rho_hat, RHO_HAT_FLOOR, 1.0 - RHO_HAT_FLOOR)  # (n_h,)
    return sparsity_weight * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))  # (n_h,)


# ----------------------------------------------------------------------------- backpropagation

def hidden_delta(delta3, W2, a2, sparsity_term):
    """δ2 = (W2ᵀδ3 + sparsity term) ∘ f′(z2), with f′(z2) = a2(1 − a2): (m, n_h).

    For one column δ3 the notes write W2ᵀδ3; for the rows of δ3 (m, n_v) that is
    ``delta3 @ W2``. The sparsity term (n_h,) goes inside the bracket, before f′, and is
    the same for every row (0 when β = 0).
    """
    return (delta3 @ W2 + sparsity_term) * a2 * (1 - a2)  # (m, n_h)


def parameter_gradients(params, X, a2, delta2, delta3, weight_decay):
    """∂J/∂W1, ∂J/∂W2, ∂J/∂b1, ∂J/∂b2 (notes §2.2), a dict shaped like ``params``::

        ∇W1 = (1/m) δ2ᵀ X  + λ W1        (n_h, n_v)
        ∇W2 = (1/m) δ3ᵀ a2 + λ W2        (n_v, n_h)
        ∇b1 = (1/m) Σ_i δ2_i             (n_h,)
        ∇b2 = (1/m) Σ_i δ3_i             (n_v,)

    The products δ2ᵀX and δ3ᵀa2 sum over the m examples; the biases get no weight decay.
    """
    m = X.shape[0]
    return {
        "W1": delta2.T @ X / m + weight_decay_gradient(params["W1"], weight_decay),  # (n_h, n_v)
        "W2": delta3.T @ a2 / m + weight_decay_gradient(params["W2"], weight_decay),  # (n_v, n_h)
        "b1": delta2.sum(axis=0) / m,  # (n_h,)
        "b2": delta3.sum(axis=0) / m,  # (n_v,)
    }


# ----------------------------------------------------------------------------- J and ∇J

@validated
def loss_and_grad(theta, X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
                  sparsity_weight=3.0, sparsity="kl", decoder="sigmoid"):
    """The cost J and its gradient by backpropagation (UFLDL ``sparseAutoencoderCost``)::

        J = (1/m) Σ_i ½‖a3_i − x_i‖² + (λ/2)(‖W1‖² + ‖W2‖²) + β Σ_j KL(ρ‖ρ̂_j)

    Put together from the functions above: unpack θ, run :func:`forward`, add the three
    terms of J, then δ3, the sparsity term, δ2 and the gradients, packed like θ.

    This is the readable reference; :mod:`tinysae.model.fast_kernel` has a faster path that
    agrees with it.

    Parameters
    ----------
    theta : ndarray of shape (2·n_h·n_v + n_h + n_v,)
        Packed parameters (see :func:`tinysae.pack`).
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
    params = unpack(theta, X.shape[1], n_hidden)
    lam, rho, beta = weight_decay, sparsity_target, sparsity_weight
    # forward
    cache = forward(params, X, decoder)
    a2, rho_hat = cache["a2"], cache["rho_hat"]  # (m, n_h), (n_h,)
    J = (reconstruction_cost(cache["a3"], X)
         + weight_decay_cost(params["W1"], params["W2"], lam)
         + sparsity_cost(a2, rho_hat, rho, beta, sparsity))
    # backward
    delta3 = output_delta(cache["a3"], X, decoder)  # (m, n_v)
    sparsity_term = sparsity_delta(rho_hat, rho, beta, sparsity)  # (n_h,)
    delta2 = hidden_delta(delta3, params["W2"], a2, sparsity_term)  # (m, n_h)
    grad = pack(parameter_gradients(params, X, a2, delta2, delta3, lam))  # (n_params,)
    check_finite_result("cost J or its gradient", [J, grad], {"theta": theta, "X": X,
                        "weight_decay": lam, "sparsity_weight": beta})
    return float(J), grad


@validated
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
    params = unpack(theta, X.shape[1], n_hidden)
    cache = forward(params, X, decoder)
    terms = {
        "reconstruction": float(reconstruction_cost(cache["a3"], X)),
        "weight_decay": float(weight_decay_cost(params["W1"], params["W2"], weight_decay)),
        "sparsity": float(sparsity_cost(cache["a2"], cache["rho_hat"], sparsity_target,
                                        sparsity_weight, sparsity)),
    }
    terms["total"] = terms["reconstruction"] + terms["weight_decay"] + terms["sparsity"]
    check_finite_result("cost J", [terms["total"], cache["a2"]], {"theta": theta, "X": X,
                        "weight_decay": weight_decay, "sparsity_weight": sparsity_weight})
    return {**terms, "a2": cache["a2"], "rho_hat": cache["rho_hat"]}
