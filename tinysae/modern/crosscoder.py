"""A sparse crosscoder: one dictionary read from and written to several layers (Lindsey et al. 2024).

Shapes, defined once for this module::

    m    examples       L    layers read and written       n_v  units per layer
    n_h  latents (the dictionary size)

The parameters keep the sparse autoencoder's names, with a leading layer axis::

    W1 (L, n_h, n_v)   encoder: W1[l] reads layer l            b1 (n_h,)    encoder bias
    W2 (L, n_v, n_h)   decoder: column j of W2[l] is latent j's  b2 (L, n_v)  decoder bias
                       direction in layer l (free length)

Forward pass and cost ("Sparse crosscoders for cross-layer features and model diffing",
its equations with the classic model's ½ and symbols; no pre-encoder bias, as there)::

    z2   = Σ_l x_l W1[l]ᵀ + b1                       (m, n_h)   one code for all layers
    a2   = ReLU(z2)                                  (m, n_h)
    a3_l = a2 W2[l]ᵀ + b2[l]                          (m, n_v)   each layer reconstructed
    J    = (1/m) Σ_i Σ_l ½‖a3_l − x_l‖²  +  β (1/m) Σ_ij a2_ij s_j,   s_j = Σ_l ‖W2[l][:, j]‖

The penalty weights each latent by the *sum over layers* of its decoder norms, not by the
norm of all layers' decoders together: a latent pays for every layer it writes to, so a
feature that lives in one layer is cheaper with its other decoder columns at zero. That is
what lets layer-specific features appear, and the relative decoder norm shows them::

    r_j = ‖W2[2][:, j]‖ / (‖W2[1][:, j]‖ + ‖W2[2][:, j]‖)      0: layer 1 only, 1: layer 2 only

Backward pass (a2 = ReLU(z2), so ∂a2/∂z2 is the mask z2 > 0)::

    δ3_l    = a3_l − x_l                                                 (m, n_v)
    δ2      = (Σ_l δ3_l W2[l] + β s) ∘ [z2 > 0]                            (m, n_h)
    ∇W2[l]  = δ3_lᵀ a2 / m  +  β W2[l] diag(ā2 / ‖W2[l][:, j]‖),  ā2 = mean_i a2   (n_v, n_h)
    ∇b2[l]  = mean_i δ3_l,    ∇W1[l] = δ2ᵀ x_l / m,    ∇b1 = mean_i δ2
"""

import numpy as np

from tinysae.validation.checks import fail
from tinysae.validation.validated import validated

#: Each decoder column's length at initialisation, in every layer.
INITIAL_DECODER_NORM = 0.1

CROSSCODER_KEYS = ("W1", "W2", "b1", "b2")


@validated
def init_crosscoder(n_layers, n_visible, n_latents, rng=None):
    """Random decoder directions of length INITIAL_DECODER_NORM per layer, encoder W1[l] = W2[l]ᵀ.

    Returns
    -------
    dict of ndarray
        ``W1`` (L, n_h, n_v), ``W2`` (L, n_v, n_h), ``b1`` (n_h,), ``b2`` (L, n_v), float64.
    """
    rng = np.random.default_rng(rng)
    W2 = rng.standard_normal((n_layers, n_visible, n_latents))  # (L, n_v, n_h)
    W2 *= INITIAL_DECODER_NORM / np.linalg.norm(W2, axis=1, keepdims=True)
    return {"W1": W2.transpose(0, 2, 1).copy(), "W2": W2, "b1": np.zeros(n_latents),
            "b2": np.zeros((n_layers, n_visible))}


def check_crosscoder(coder, X_layers=None):
    """``coder`` holds W1, W2, b1, b2 of matching shapes; ``X_layers`` is (m, L, n_v) to match."""
    if not isinstance(coder, dict) or set(coder) != set(CROSSCODER_KEYS):
        fail("coder", "a dict with exactly the keys W1, W2, b1, b2", coder, TypeError)
    L, n_h, n_v = np.shape(coder["W1"])
    shapes = {"W2": (L, n_v, n_h), "b1": (n_h,), "b2": (L, n_v)}
    for name, shape in shapes.items():
        if np.shape(coder[name]) != shape:
            fail(f"coder['{name}']", f"of shape {shape} (from W1's {(L, n_h, n_v)})",
                 np.asarray(coder[name]))
    if X_layers is not None and (np.ndim(X_layers) != 3 or np.shape(X_layers)[1:] != (L, n_v)):
        fail("X_layers", f"an array of shape (m, {L}, {n_v}): m examples of every layer",
             np.asarray(X_layers))


def decoder_norms(coder):
    """‖W2[l][:, j]‖ for every layer and latent: (L, n_h)."""
    return np.linalg.norm(coder["W2"], axis=1)  # (L, n_h)


def relative_decoder_norms(coder):
    """r_j = ‖W2[L][:, j]‖ / Σ_l ‖W2[l][:, j]‖: the last layer's share of each latent, (n_h,)."""
    norms = decoder_norms(coder)  # (L, n_h)
    total = norms.sum(axis=0)  # (n_h,)
    return np.divide(norms[-1], total, out=np.full(total.shape, np.nan), where=total > 0)


def crosscoder_forward(coder, X_layers):
    """``z2, a2, mask`` (m, n_h) and the reconstruction ``a3`` (m, L, n_v)."""
    L = X_layers.shape[1]
    z2 = sum(X_layers[:, l] @ coder["W1"][l].T for l in range(L)) + coder["b1"]  # (m, n_h)
    mask = z2 > 0  # (m, n_h)
    a2 = z2 * mask  # (m, n_h)
    a3 = np.stack([a2 @ coder["W2"][l].T for l in range(L)], axis=1) + coder["b2"]  # (m, L, n_v)
    return {"z2": z2, "a2": a2, "mask": mask, "a3": a3}


@validated
def crosscoder_loss_and_grad(coder, X_layers, *, sparsity_weight=0.0, return_cache=False):
    """Cost J of the crosscoder and its hand-written gradient (the module docstring's equations).

    Parameters
    ----------
    coder : dict of ndarray
        ``W1`` (L, n_h, n_v), ``W2`` (L, n_v, n_h), ``b1`` (n_h,), ``b2`` (L, n_v).
    X_layers : ndarray of shape (m, L, n_v)
        Each example's units in every layer.
    sparsity_weight : float, default 0.0
        β ≥ 0, the weight of the decoder-norm-weighted L1 penalty.
    return_cache : bool
        Also return :func:`crosscoder_forward`'s dict.

    Returns
    -------
    J : float
    grads : dict of ndarray, shaped like ``coder``.
    """
    check_crosscoder(coder, X_layers)
    m = X_layers.shape[0]
    cache = crosscoder_forward(coder, X_layers)
    a2, norms = cache["a2"], decoder_norms(coder)  # (m, n_h), (L, n_h)
    s = norms.sum(axis=0)  # (n_h,)
    delta3 = cache["a3"] - X_layers  # (m, L, n_v)
    J = 0.5 * np.sum(delta3 ** 2) / m + sparsity_weight * np.sum(a2 @ s) / m
    L = X_layers.shape[1]
    delta2 = (sum(delta3[:, l] @ coder["W2"][l] for l in range(L))
              + sparsity_weight * s) * cache["mask"]  # (m, n_h)
    mean_a2 = a2.mean(axis=0)  # (n_h,)
    unit = np.divide(coder["W2"], norms[:, None, :], out=np.zeros_like(coder["W2"]),
                     where=norms[:, None, :] > 0)  # (L, n_v, n_h)  each column at length 1
    grads = {
        "W1": np.stack([delta2.T @ X_layers[:, l] for l in range(L)]) / m,  # (L, n_h, n_v)
        "W2": np.stack([delta3[:, l].T @ a2 for l in range(L)]) / m
        + sparsity_weight * unit * mean_a2,  # (L, n_v, n_h)
        "b1": delta2.mean(axis=0),  # (n_h,)
        "b2": delta3.mean(axis=0),  # (L, n_v)
    }
    return (float(J), grads, cache) if return_cache else (float(J), grads)
