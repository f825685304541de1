"""BatchTopK (Bussmann et al. 2024) and Matryoshka SAEs (Bussmann et al. 2025; Nabeshima 2024).

Shapes, defined once for this module::

    m    examples in the batch      n_v  input dimensions      n_h  latents
    P    nested prefixes            n_p  latents in prefix p (n_1 < n_2 < … < n_P = n_h)

**BatchTopK.** TopK keeps exactly k latents in every example. BatchTopK keeps the k·m
largest pre-activations of the whole batch, wherever they are: an example with much going
on may use more than k latents, a plain one fewer, and L0 is k on average::

    mask = z2 among the k·m largest of the batch, and z2 > 0      (m, n_h)
    a2   = z2 ∘ mask

The mask is the derivative ∂a2/∂z2 (0/1) away from ties, as for TopK. At inference there
is no batch: a single global threshold θ replaces it, a2 = z2 ∘ H(z2 − θ) (a JumpReLU with
the same θ for every latent; :func:`tinysae.modern.jumprelu.jumprelu_forward`), θ being the
smallest activation BatchTopK kept, averaged over training batches (:func:`kept_minimum`).

**Matryoshka.** The dictionary's first n_1 latents alone must reconstruct x, so must its
first n_2, and so on: a sum of P reconstruction costs, each from a prefix of the latents
(the latents come from BatchTopK over the whole dictionary)::

    a3_p = a2[:, :n_p] W2[:, :n_p]ᵀ + b2                      (m, n_v)
    J    = Σ_p (1/m) Σ_i ½‖a3_p,i − x_i‖²

General features settle in the small prefixes, which have to get by alone; the later
latents add detail. This counters feature absorption, where a specific latent steals the
examples of a general one ("starts with s" vanishing where "snake" fires).

Backward: latent j appears in every prefix longer than j, so its error signal is the sum of
those prefixes' δ3 — for the latents of group g (between n_{g−1} and n_g) the suffix sum
S_g = Σ_{p ≥ g} δ3_p::

    δ3_p    = a3_p − x                                          (m, n_v)
    δ2[:, g] = (S_g W2[:, g]) ∘ mask[:, g]                       (m, |g|)
    ∇W2[:, g] = (1/m) S_gᵀ a2[:, g]                              (n_v, |g|)
    ∇b2     = (1/m) (Σ_p Σ_i δ3_p,i − Σ_i δ2_i W1)               (n_v,)
"""

import numpy as np

from tinysae.modern.sae import output_delta, parameter_gradients, reconstruction_cost


# ------------------------------------------------------------------- the batch's top k·m

def batch_topk_mask(z2, k):
    """True at the k·m largest entries of the whole batch z2 (m, n_h) that are positive."""
    kept = min(k * z2.shape[0], z2.size)
    flat = np.argpartition(z2, -kept, axis=None)[-kept:]  # (k m,)  flat indices
    mask = np.zeros(z2.size, dtype=bool)  # (m n_h,)
    mask[flat] = True
    return mask.reshape(z2.shape) & (z2 > 0)  # (m, n_h)


def batch_topk_margin(z2, k):
    """Half the gap between the (k·m)-th and (k·m + 1)-th largest entry of the batch, and the
    distance of z2 to 0: how far θ may move before the mask changes (for gradient checks)."""
    kept = k * z2.shape[0]
    ordered = -np.sort(-z2, axis=None)  # (m n_h,)  descending
    gap = (ordered[kept - 1] - ordered[kept]) / 2 if kept < z2.size else np.inf
    return float(min(gap, np.min(np.abs(z2))))


def kept_minimum(a2):
    """The smallest non-zero activation in a batch, a number (0 if nothing fired)."""
    positive = a2[a2 > 0]
    return float(positive.min()) if positive.size else 0.0


def batchtopk_forward(params, X, k):
    """xc, z2, a2, mask (the batch's top k·m) and a3, as :func:`tinysae.modern.sae_forward`."""
    xc = X - params["b2"]  # (m, n_v)
    z2 = xc @ params["W1"].T + params["b1"]  # (m, n_h)
    mask = batch_topk_mask(z2, k)  # (m, n_h)
    a2 = z2 * mask  # (m, n_h)
    a3 = a2 @ params["W2"].T + params["b2"]  # (m, n_v)
    return {"xc": xc, "z2": z2, "a2": a2, "mask": mask, "a3": a3}


def batchtopk_loss_and_grad(params, X, k):
    """J = (1/m) Σ ½‖a3 − x‖² with BatchTopK latents, and its gradient::

        δ3 = a3 − x               (m, n_v)
        δ2 = δ3 W2 ∘ mask         (m, n_h)

    Returns ``J, grads, cache`` (grads shaped like ``params``).
    """
    cache = batchtopk_forward(params, X, k)
    J = reconstruction_cost(cache["a3"], X)
    delta3 = output_delta(cache["a3"], X)  # (m, n_v)
    delta2 = (delta3 @ params["W2"]) * cache["mask"]  # (m, n_h)
    return float(J), parameter_gradients(cache, delta2, delta3, params["W1"]), cache


# ------------------------------------------------------------------------------ Matryoshka

def prefix_reconstructions(a2, W2, b2, prefixes):
    """a3_p for each prefix length n_p: a list of P arrays (m, n_v)."""
    return [a2[:, :n] @ W2[:, :n].T + b2 for n in prefixes]  # P × (m, n_v)


def suffix_sums(deltas):
    """S_g = Σ_{p ≥ g} δ3_p for each group g: a list of P arrays (m, n_v)."""
    sums, total = [], 0.0
    for delta in reversed(deltas):
        total = total + delta  # (m, n_v)
        sums.append(total)
    return sums[::-1]


def matryoshka_loss_and_grad(params, X, k, prefixes):
    """J = Σ_p (1/m) Σ_i ½‖a3_p,i − x_i‖² over nested prefixes, with BatchTopK latents.

    ``prefixes`` are the prefix lengths n_1 < … < n_P = n_h. Returns ``J, grads, cache``;
    the cache's ``a3`` is the whole dictionary's reconstruction (the last prefix).
    """
    cache = batchtopk_forward(params, X, k)
    W1, W2, b2 = params["W1"], params["W2"], params["b2"]
    a3s = prefix_reconstructions(cache["a2"], W2, b2, prefixes)  # P × (m, n_v)
    J = sum(reconstruction_cost(a3, X) for a3 in a3s)
    deltas = [output_delta(a3, X) for a3 in a3s]  # P × (m, n_v)
    m = X.shape[0]
    delta2 = np.zeros_like(cache["z2"])  # (m, n_h)
    dW2 = np.zeros_like(W2)  # (n_v, n_h)
    for start, stop, S in zip([0, *prefixes[:-1]], prefixes, suffix_sums(deltas)):
        group = slice(start, stop)
        delta2[:, group] = (S @ W2[:, group]) * cache["mask"][:, group]  # (m, |g|)
        dW2[:, group] = S.T @ cache["a2"][:, group] / m  # (n_v, |g|)
    grads = parameter_gradients(cache, delta2, sum(deltas), W1)
    grads["W2"] = dW2
    return float(J), grads, cache
