"""How well a sparse autoencoder recovers known features, and how it spends its latents.

Shapes, defined once for this module::

    m    examples       n_v  input dimensions
    n_f  ground-truth features, rows of F (n_f, n_v)
    n_h  learned latents, columns of the decoder W2 (n_v, n_h)

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

#: A ground-truth feature counts as recovered if some latent has cosine above this.
RECOVERY_THRESHOLD = 0.9


def cosine_similarities(features, decoder):
    """cos_fj between every feature (row of ``features``) and dictionary column: (n_f, n_h)."""
    F = features / np.linalg.norm(features, axis=1, keepdims=True)  # (n_f, n_v)
    D = decoder / np.linalg.norm(decoder, axis=0, keepdims=True)  # (n_v, n_h)
    return F @ D  # (n_f, n_h)


def max_cosines(features, decoder):
    """For each feature, its best cosine with any dictionary column: (n_f,)."""
    return cosine_similarities(features, decoder).max(axis=1)  # (n_f,)


def mmcs(features, decoder):
    """Mean max cosine similarity of the true features to the dictionary, in [−1, 1]."""
    return float(np.mean(max_cosines(features, decoder)))


def fraction_recovered(features, decoder, threshold=RECOVERY_THRESHOLD):
    """Share of true features with some dictionary column at cosine > ``threshold``."""
    return float(np.mean(max_cosines(features, decoder) > threshold))


def l0(a2):
    """Average number of non-zero latents per example."""
    return float(np.mean(np.count_nonzero(a2, axis=1)))


def fvu(X, a3):
    """Fraction of variance unexplained, Σ‖x − a3‖² / Σ‖x − x̄‖² (x̄ the mean example)."""
    residual = np.sum((X - a3) ** 2)
    total = np.sum((X - X.mean(axis=0)) ** 2)
    return float(residual / total)


def dead_latents(a2):
    """Boolean (n_h,): True for latents that are zero on every example of ``a2`` (m, n_h)."""
    return ~np.any(a2 != 0, axis=0)  # (n_h,)


def summary(features, decoder, X, a2, a3):
    """All the metrics in one dict: mmcs, recovered, l0, fvu, dead (a count)."""
    return {
        "mmcs": mmcs(features, decoder),
        "recovered": fraction_recovered(features, decoder),
        "l0": l0(a2),
        "fvu": fvu(X, a3),
        "dead": int(np.sum(dead_latents(a2))),
    }
