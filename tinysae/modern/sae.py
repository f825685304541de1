"""The modern sparse autoencoder: ReLU + L1 or TopK latents, unit-norm decoder, by hand.

Shapes, defined once for this module::

    m    number of examples        n_v  input dimensions
    n_h  latents (the dictionary size; the classic model's hidden units)

The parameters keep the names, shapes and θ layout of the classic model
(:mod:`tinysae.model.parameters`), so ``pack`` / ``unpack`` work unchanged::

    W1 (n_h, n_v)  encoder, row j reads latent j       b1 (n_h,)  encoder bias
    W2 (n_v, n_h)  decoder, column j is latent j's     b2 (n_v,)  decoder bias, also
                   dictionary direction (unit norm)               subtracted before encoding

Forward pass (Bricken et al. 2023, "Towards monosemanticity"; Gao et al. 2024, TopK)::

    z2 = (x − b2) W1ᵀ + b1            pre-activations (pre-encoder bias b2)
    a2 = ReLU(z2)                      or TopK(z2): keep the k largest, then ReLU
    a3 = a2 W2ᵀ + b2                   reconstruction

Cost, averaged over the m examples, with the classic model's symbols::

    J = (1/m) Σ_i ½‖a3_i − x_i‖²  +  β (1/m) Σ_ij a2_ij     (L1; a2 ≥ 0 so |a2| = a2)

TopK models use β = 0: k alone sets the sparsity. Both activations are piecewise linear,
so their derivative is a 0/1 mask; the gradient is exact away from the kinks (z2 = 0 and,
for TopK, ties at the k-th largest value) — :func:`kink_margin` measures the distance.

The doors check their arguments (``@validated``: :func:`init_sae`, :func:`sae_loss_and_grad`,
:func:`kink_margin`); the equations behind them (:func:`activate`, :func:`sae_forward`,
:func:`encode`, the terms and their derivatives) trust theirs.
"""

import numpy as np

from tinysae.validation.checks import check_finite_result, check_vector
from tinysae.validation.validated import validated

# ----------------------------------------------------------------------------- parameters

@validated
def init_sae(n_visible, n_latents, rng=None, data_mean=None):
    """Tied initialisation: random unit-norm decoder columns, encoder W1 = W2ᵀ.

    Parameters
    ----------
    n_visible, n_latents : int
        n_v and n_h.
    rng : numpy.random.Generator, int or None
        Source of randomness.
    data_mean : ndarray of shape (n_v,), optional
        Initial decoder bias b2 (the data mean is a good start); zero if omitted.

    Returns
    -------
    dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,), float64.
    """
    rng = np.random.default_rng(rng)
    W2 = normalize_columns(rng.standard_normal((n_visible, n_latents)))  # (n_v, n_h)
    b2 = np.zeros(n_visible) if data_mean is None else check_vector(
        "data_mean", data_mean, n_visible)  # (n_v,)
    return {"W1": W2.T.copy(), "W2": W2, "b1": np.zeros(n_latents), "b2": b2}


def normalize_columns(W2):
    """W2 with every column divided by its Euclidean norm: (n_v, n_h)."""
    norms = np.linalg.norm(W2, axis=0, keepdims=True)  # (1, n_h)
    return W2 / norms  # (n_v, n_h)


def remove_parallel_component(dW2, W2):
    """dW2 − W2 diag(W2ᵀdW2): drop the part of each column's gradient along the column.

    For unit-norm columns this is the projection onto the tangent space of the sphere, so
    a small step changes a column's direction, not its length.
    """
    along = np.sum(dW2 * W2, axis=0)  # (n_h,)  w_jᵀ g_j
    return dW2 - W2 * along  # (n_v, n_h)


# ---------------------------------------------------- activations and their derivative

def topk_mask(z2, k):
    """True at the k largest entries of each row of ``z2`` that are also positive: (m, n_h)."""
    top = np.argpartition(z2, -k, axis=1)[:, -k:]  # (m, k)  column indices
    mask = np.zeros(z2.shape, dtype=bool)  # (m, n_h)
    np.put_along_axis(mask, top, True, axis=1)
    return mask & (z2 > 0)  # (m, n_h)


def activate(z2, activation="relu", k=None):
    """a2 and its derivative ∂a2/∂z2 ∈ {0, 1} (the mask): ReLU, or TopK (k largest, then ReLU)."""
    mask = topk_mask(z2, k) if activation == "topk" else z2 > 0  # (m, n_h)
    return z2 * mask, mask  # (m, n_h), (m, n_h)


@validated
def kink_margin(z2, activation="relu", k=None):
    """Distance from ``z2`` to the nearest kink of the activation (for gradient checks).

    ReLU: min |z2|. TopK: also half the gap between the k-th and (k+1)-th largest value of
    each row, since a perturbation smaller than that cannot swap which latents are kept.
    """
    margin = float(np.min(np.abs(z2)))
    if activation == "topk" and k < z2.shape[1]:
        ordered = -np.sort(-z2, axis=1)  # (m, n_h)  descending
        margin = min(margin, float(np.min(ordered[:, k - 1] - ordered[:, k])) / 2)
    return margin


# ----------------------------------------------------------------------------- forward pass

def sae_forward(params, X, activation="relu", k=None):
    """The forward pass, with a pre-encoder bias and a linear decoder::

        xc = X − b2                  (m, n_v)  the input, centred by the decoder bias
        z2 = xc W1ᵀ + b1             (m, n_h)  pre-activations
        a2 = ReLU(z2) = z2 ∘ mask    (m, n_h)  latents; mask = (z2 > 0), ∂a2/∂z2
        a3 = a2 W2ᵀ + b2             (m, n_v)  the reconstruction of X

    ``activation="topk"`` keeps only the k largest entries of each row of z2 (then ReLU).

    Returns a dict with ``xc, z2, a2, mask`` and ``a3``.
    """
    xc = X - params["b2"]  # (m, n_v)  pre-encoder bias
    z2 = xc @ params["W1"].T + params["b1"]  # (m, n_h)
    a2, mask = activate(z2, activation, k)  # (m, n_h), (m, n_h)
    a3 = a2 @ params["W2"].T + params["b2"]  # (m, n_v)
    return {"xc": xc, "z2": z2, "a2": a2, "mask": mask, "a3": a3}


def encode(params, X, activation="relu", k=None):
    """The latents a2 of each row of ``X``: (m, n_h)."""
    return sae_forward(params, X, activation, k)["a2"]  # (m, n_h)


# ------------------------------------------------- each term of J, then its derivative

def reconstruction_cost(a3, X):
    """(1/m) Σ_i ½‖a3_i − x_i‖², a number, from a3 and X of shape (m, n_v)."""
    return 0.5 * np.sum((a3 - X) ** 2) / X.shape[0]


def output_delta(a3, X):
    """δ3 = ∂(½‖a3 − x‖²)/∂a3 = a3 − x (the decoder is linear): (m, n_v)."""
    return a3 - X  # (m, n_v)


def l1_cost(a2, sparsity_weight):
    """β (1/m) Σ_ij |a2_ij|, a number, from the latents a2 (m, n_h)."""
    return sparsity_weight * np.sum(np.abs(a2)) / a2.shape[0]


def l1_delta(sparsity_weight):
    """∂(β |a2|)/∂a2 = β where a2 > 0 (the mask applies it only there, in δ2)."""
    return sparsity_weight


# ----------------------------------------------------------------------------- backpropagation

def hidden_delta(delta3, W2, mask, sparsity_term):
    """δ2 = (δ3 W2 + β) ∘ mask, one row per example: (m, n_h).

    ``sparsity_term`` is β, the L1 penalty's derivative where a2 > 0; the mask (z2 > 0) is
    ReLU's derivative, and it zeroes both terms where a latent is off.
    """
    return (delta3 @ W2 + sparsity_term) * mask  # (m, n_h)


def parameter_gradients(cache, delta2, delta3, W1):
    """∂J/∂W1, ∂J/∂W2, ∂J/∂b1, ∂J/∂b2, a dict shaped like the parameters::

        ∇W1 = (1/m) δ2ᵀ xc                    (n_h, n_v)
        ∇W2 = (1/m) δ3ᵀ a2                    (n_v, n_h)
        ∇b1 = (1/m) Σ_i δ2_i                  (n_h,)
        ∇b2 = (1/m) Σ_i (δ3_i − δ2_i W1)      (n_v,)

    ``cache`` is the forward pass's dict. b2 appears twice, in a3 (+b2) and in xc (−b2),
    hence its two terms.
    """
    m = delta3.shape[0]
    return {
        "W1": delta2.T @ cache["xc"] / m,  # (n_h, n_v)
        "W2": delta3.T @ cache["a2"] / m,  # (n_v, n_h)
        "b1": delta2.sum(axis=0) / m,  # (n_h,)
        "b2": (delta3.sum(axis=0) - delta2.sum(axis=0) @ W1) / m,  # (n_v,)
    }


# ----------------------------------------------------------------------------- J and ∇J

@validated
def sae_loss_and_grad(params, X, *, sparsity_weight=0.0, activation="relu", k=None,
                      return_cache=False):
    """Cost J of a ReLU + L1 or TopK sparse autoencoder and its hand-written gradient::

        J = (1/m) Σ_i ½‖a3_i − x_i‖² + β (1/m) Σ_ij |a2_ij|

    Put together from the functions above: the forward pass, the two terms of J, δ3, δ2
    (with β as the sparsity term) and the gradients.

    Parameters
    ----------
    params : dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,).
    X : ndarray of shape (m, n_v)
        Examples, one per row.
    sparsity_weight : float, default 0.0
        β ≥ 0, the weight of the L1 penalty on the latents.
    activation : {"relu", "topk"}, default "relu"
        The latent nonlinearity.
    k : int, optional
        Latents kept per example; required for ``"topk"``, 1 ≤ k ≤ n_h.
    return_cache : bool, default False
        Also return the forward pass (:func:`sae_forward`'s dict), as training does.

    Returns
    -------
    J : float
        (1/m) Σ ½‖a3 − x‖² + β (1/m) Σ |a2|.
    grads : dict of ndarray
        ∂J/∂W1, ∂J/∂W2, ∂J/∂b1, ∂J/∂b2, shaped like ``params``.
    """
    cache = sae_forward(params, X, activation, k)
    J = reconstruction_cost(cache["a3"], X) + l1_cost(cache["a2"], sparsity_weight)
    delta3 = output_delta(cache["a3"], X)  # (m, n_v)
    sparsity_term = l1_delta(sparsity_weight)
    delta2 = hidden_delta(delta3, params["W2"], cache["mask"], sparsity_term)  # (m, n_h)
    grads = parameter_gradients(cache, delta2, delta3, params["W1"])
    check_finite_result("cost J or its gradient", [J, *grads.values()], {"X": X})
    return (float(J), grads, cache) if return_cache else (float(J), grads)
