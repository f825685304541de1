"""How well a sparse autoencoder recovers known features, and how it spends its latents.

Shapes, defined once for this module::

    m    examples       n_v  input dimensions
    n_f  ground-truth features, rows of F (n_f, n_v)
    n_h  learned latents, columns of the decoder W2 (n_v, n_h): the dictionary

Definitions::

    cos_fj  = F_f · W2_j / (‖F_f‖ ‖W2_j‖)        cosine similarity, (n_f, n_h)
    MMCS    = (1/n_f) Σ_f max_j cos_fj           mean max cosine similarity (Sharkey et al.)
    recovered = (1/n_f) #{f : max_j cos_fj > 0.9}
    L0      = (1/m) Σ_i #{j : a2_ij ≠ 0}         latents active per example
    FVU     = Σ_i ‖x_i − a3_i‖² / Σ_i ‖x_i − x̄‖²  fraction of variance unexplained, around
                                                   the mean x̄ (predicting x̄ gives FVU = 1)
    dead    = #{j : a2_ij = 0 for every example i}
"""

import numpy as np

from tinysae.validation.checks import check_data, check_real, fail, scaled_to_unit
from tinysae.modern.sae import sae_forward

#: A ground-truth feature counts as recovered if some latent has cosine above this.
RECOVERY_THRESHOLD = 0.9


def cosine_similarities(features, W2):
    """cos_fj between every feature (row of ``features``) and dictionary column: (n_f, n_h)."""
    features = scaled_to_unit(check_data("features", features))  # (n_f, n_v), exact rescaling
    W2 = scaled_to_unit(check_data("W2", W2))  # (n_v, n_h)
    if W2.shape[0] != features.shape[1]:
        fail("W2", f"an array of {features.shape[1]} rows (n_v, as features has columns)",
             W2)
    F = features / _lengths("features", features, axis=1)  # (n_f, n_v)
    D = W2 / _lengths("W2", W2, axis=0)  # (n_v, n_h)
    return F @ D  # (n_f, n_h)


def _lengths(name, A, axis):
    """Euclidean lengths along ``axis`` (kept as an axis); each must be non-zero."""
    norms = np.linalg.norm(A, axis=axis, keepdims=True)
    if not np.all(norms > 0):
        fail(name, "directions of non-zero length (no all-zero " +
             ("row" if axis == 1 else "column") + ")", A)
    return norms


def max_cosines(features, W2):
    """For each feature, its best cosine with any dictionary column: (n_f,)."""
    return cosine_similarities(features, W2).max(axis=1)  # (n_f,)


def mmcs(features, W2):
    """Mean max cosine similarity of the true features to the dictionary, in [−1, 1]."""
    return float(np.mean(max_cosines(features, W2)))


def fraction_recovered(features, W2, threshold=RECOVERY_THRESHOLD):
    """Share of true features with some dictionary column at cosine > ``threshold``."""
    threshold = check_real("threshold", threshold, -1.0, 1.0)
    return float(np.mean(max_cosines(features, W2) > threshold))


def l0(a2):
    """Average number of non-zero latents per example."""
    a2 = check_data("a2", a2)  # (m, n_h)
    return float(np.mean(np.count_nonzero(a2, axis=1)))


def fvu(X, a3):
    """Fraction of variance unexplained, Σ‖x − a3‖² / Σ‖x − x̄‖² (x̄ the mean example)."""
    X = check_data("X", X)  # (m, n_v)
    a3 = check_data("a3", a3)  # (m, n_v)
    if a3.shape != X.shape:
        fail("a3", f"an array of X's shape {X.shape}", a3)
    X, a3 = scaled_to_unit(np.stack([X, a3]))  # (m, n_v) each, one exact rescaling
    residual = np.sum((X - a3) ** 2)
    total = np.sum((X - X.mean(axis=0)) ** 2)
    if total == 0:
        fail("X", "examples that are not all the same (their variance is FVU's denominator)", X)
    return float(residual / total)


def dead_latents(a2):
    """Boolean (n_h,): True for latents that are zero on every example of ``a2`` (m, n_h)."""
    a2 = check_data("a2", a2)  # (m, n_h)
    return ~np.any(a2 != 0, axis=0)  # (n_h,)


def firing_frequencies(a2):
    """(n_h,): the share of examples on which each latent of ``a2`` (m, n_h) is non-zero."""
    a2 = check_data("a2", a2)  # (m, n_h)
    return np.mean(a2 != 0, axis=0)  # (n_h,)


def summary(features, W2, X, a2, a3):
    """All the metrics in one dict: mmcs, recovered, l0, fvu, dead (a count)."""
    return {
        "mmcs": mmcs(features, W2),
        "recovered": fraction_recovered(features, W2),
        "l0": l0(a2),
        "fvu": fvu(X, a3),
        "dead": int(np.sum(dead_latents(a2))),
    }


def evaluate(features, params, X, activation="relu", k=None):
    """:func:`summary` of a trained SAE (``params`` as from :func:`tinysae.modern.train_sae`)
    on held-out examples ``X`` (m, n_v)."""
    cache = sae_forward(params, X, activation, k)
    return summary(features, params["W2"], X, cache["a2"], cache["a3"])
