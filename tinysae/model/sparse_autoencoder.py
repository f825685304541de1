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

Only the functions marked ``@validated`` check their arguments (against
:mod:`tinysae.constraints`); the equations inside trust theirs.
"""

import numpy as np

from tinysae.checks import check_finite_result
from tinysae.model.parameters import pack, unpack
from tinysae.validation import validated

#: ρ̂ is kept inside [RHO_HAT_FLOOR, 1 − RHO_HAT_FLOOR] in the KL term, so that a unit that is
#: saturated on every example (ρ̂ exactly 0 or 1 in float64) gives a large but finite cost.
RHO_HAT_FLOOR = 1e-12


# ----------------------------------------------------------------------------- forward pass

def sigmoid(z):
    """f(z) = 1 / (1 + e^{−z}), elementwise; its derivative is f′(z) = f(z)(1 − f(z))."""
    with np.errstate(over="ignore"):  # e^{−z} = inf for z < −709 gives f = 0, as it should
        return 1.0 / (1.0 + np.exp(-z))


@validated
def forward(params, X, decoder="sigmoid"):
    """Forward propagation (notes §2): every layer's values, kept for backpropagation.

    Returns a dict with ``z2, a2`` (m, n_h), ``z3, a3`` (m, n_v) and ``rho_hat`` (n_h,).
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
    """(1/m) Σ_i ½‖a3_i − x_i‖²."""
    return 0.5 * np.sum((a3 - X) ** 2) / X.shape[0]


def output_delta(a3, X, decoder="sigmoid"):
    """δ3 = ∂(½‖a3 − x‖²)/∂z3 = (a3 − x) ∘ f′(z3), with f′(z3) = a3(1 − a3) for sigmoid
    output units and 1 for linear ones: (m, n_v)."""
    if decoder == "linear":
        return a3 - X  # (m, n_v)
    return (a3 - X) * a3 * (1 - a3)  # (m, n_v)


def weight_decay_cost(W1, W2, weight_decay):
    """(λ/2) (‖W1‖² + ‖W2‖²), Frobenius norms; the biases are not decayed."""
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
    """KL(ρ‖ρ̂) = ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂)), elementwise over ρ̂ (n_h,)."""
    rho_hat = np.clip(rho_hat, RHO_HAT_FLOOR, 1.0 - RHO_HAT_FLOOR)  # (n_h,)
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def sparsity_delta(rho_hat, sparsity_target, sparsity_weight, sparsity="kl"):
    """The sparsity term's share of δ2 (notes §3): β ∂KL(ρ‖ρ̂_j)/∂ρ̂_j = β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂))
    for KL; β for L1 (∂|a|/∂a = 1, as sigmoid activations are positive). Shape (n_h,)."""
    if sparsity == "l1":
        return np.full_like(rho_hat, sparsity_weight)  # (n_h,)
    rho = sparsity_target
    rho_hat = np.clip(rho_hat, RHO_HAT_FLOOR, 1.0 - RHO_HAT_FLOOR)  # (n_h,)
    return sparsity_weight * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))  # (n_h,)


# ----------------------------------------------------------------------------- backpropagation

def hidden_delta(delta3, W2, a2, sparsity_term):
    """δ2 = (W2ᵀδ3 + sparsity term) ∘ f′(z2), with f′(z2) = a2(1 − a2): (m, n_h)."""
    return (delta3 @ W2 + sparsity_term) * a2 * (1 - a2)  # (m, n_h)


def parameter_gradients(params, X, a2, delta2, delta3, weight_decay):
    """∇W1 = (1/m) δ2ᵀX + λW1, ∇W2 = (1/m) δ3ᵀa2 + λW2, ∇b1 = mean δ2, ∇b2 = mean δ3."""
    m = X.shape[0]
    return {
        "W1": delta2.T @ X / m + weight_decay_gradient(params["W1"], weight_decay),  # (n_h, n_v)
        "W2": delta3.T @ a2 / m + weight_decay_gradient(params["W2"], weight_decay),  # (n_v, n_h)
        "b1": delta2.sum(axis=0) / m,  # (n_h,)
        "b2": delta3.sum(axis=0) / m,  # (n_v,)
    }


# ----------------------------------------------------------------------------- J and ∇J

@validated(trusted_body=True)
def loss_and_grad(theta, X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
                  sparsity_weight=3.0, sparsity="kl", decoder="sigmoid"):
    """The cost J and its gradient by backpropagation (UFLDL ``sparseAutoencoderCost``).

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


@validated(trusted_body=True)
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
