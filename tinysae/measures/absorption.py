"""Feature absorption: the parent's latent silent where a child's latent took its direction in.

Chanin et al. 2024, "A is for absorption".

Shapes, defined once for this module::

    m    examples       n_v  input dimensions       n_h  latents
    n_f  true features, rows of F (n_f, n_v)        P    parents among them

On data with a known hierarchy (:class:`tinysae.modern.superposition.HierarchySampler`: a
child is never on without its parent), a sparse autoencoder that learns "the parent" and
"each child" separately needs two latents where a child is on. One that absorbs learns the
child's latent with the parent's direction in it (d_child ≈ (F_child + F_parent)/√2) and lets
the parent's latent fire only where the parent is on alone: one latent fewer, the same
reconstruction. For each parent p, with j_p its latent (the decoder column closest to F_p)::

    absorbed_p = #{i : p on, a child of p on, a2_ij_p = 0} / #{i : p on, a child of p on}
    alone_p    = #{i : p on, no child on,     a2_ij_p = 0} / #{i : p on, no child on}
    lean_p     = mean over p's children c of cos(F_p, W2_j_c)

``alone`` is the control: how often the parent's latent misses when no child can have taken
it in (from noise, too few latents, a parent never learnt). Absorption is ``absorbed``
beyond ``alone``. ``lean`` is its mark on the dictionary: 0 when each child's latent is the
child alone, 1/√2 when it carries its parent at full weight.
"""

import numpy as np

from tinysae.modern.metrics import cosine_similarities


def absorption(a2, W2, features, C, parent_of):
    """Per parent feature: ``absorbed``, ``alone`` (the control) and ``lean``, each (P,).

    Parameters
    ----------
    a2 : ndarray of shape (m, n_h)
        The latents of held-out examples.
    W2 : ndarray of shape (n_v, n_h)
        The decoder: column j is latent j's direction.
    features : ndarray of shape (n_f, n_v)
        The true features F.
    C : ndarray of shape (m, n_f)
        The examples' true coefficients (non-zero: the feature is on).
    parent_of : int ndarray of shape (n_f,)
        Each feature's parent (a row of ``features``), −1 for none.

    Returns
    -------
    dict of ndarray of shape (P,)
        ``absorbed``, ``alone`` (fractions of examples; NaN where no example qualifies) and
        ``lean``, for the parents in increasing order, with ``parents`` (P,) their rows.
    """
    cos = cosine_similarities(features, W2)  # (n_f, n_h)
    latent_of = np.argmax(cos, axis=1)  # (n_f,)  each feature's closest latent
    parents = np.unique(parent_of[parent_of >= 0])  # (P,)
    absorbed, alone, lean = [], [], []
    for p in parents:
        children = np.flatnonzero(parent_of == p)  # (C,)
        on = C[:, p] != 0  # (m,)
        with_child = on & np.any(C[:, children] != 0, axis=1)  # (m,)
        silent = a2[:, latent_of[p]] == 0  # (m,)
        absorbed.append(_share(silent, with_child))
        alone.append(_share(silent, on & ~with_child))
        lean.append(float(np.mean(cos[p, latent_of[children]])))
    return {"parents": parents, "absorbed": np.array(absorbed), "alone": np.array(alone),
            "lean": np.array(lean)}


def _share(flags, where):
    """The share of ``flags`` that are True among the rows ``where`` (NaN if none)."""
    return float(np.mean(flags[where])) if np.any(where) else np.nan
