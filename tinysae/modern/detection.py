"""How well a single unit detects a property: the best F1 over thresholds, for every unit at once.

Shapes: m examples (text positions), n units (SAE latents, or neurons), one boolean label
per example. A unit *detects* the property when its activation exceeds a threshold θ::

    predicted_i = s_i > θ          precision = TP / #predicted,   recall = TP / #positives
    F1 = 2 precision recall / (precision + recall) = 2 TP / (#predicted + #positives)

For each unit, every threshold that separates two distinct activation values is tried (sort
the activations in decreasing order; cutting after the k-th largest predicts those k), and
the best F1 is kept. Tied values are never split, so a unit that is exactly zero on most
examples cannot pretend to pick some of them out; and only the values above a unit's
minimum need sorting, which for a sparse latent is a few hundred of the m. Only high activations count as detection:
a neuron that detects a property by going *down* scores low here, for neurons and latents
alike (Bricken et al. 2023 read features the same way, by their top activations).
"""

import numpy as np

from tinysae.checks import check_data, fail

#: Units copied to contiguous rows at a time (bounds the copy to UNITS_PER_BLOCK × m values).
UNITS_PER_BLOCK = 128

def best_f1(scores, labels):
    """The best F1 of each unit (column of ``scores``) at detecting each property.

    Parameters
    ----------
    scores : ndarray of shape (m, n)
        Activations, one column per unit.
    labels : bool ndarray of shape (m,) or (m, p)
        Whether each example has the property (or each of p properties; each must occur).

    Returns
    -------
    f1 : ndarray of shape (n,) or (n, p)
        The best F1 over thresholds, in [0, 1].
    threshold : ndarray of shape (n,) or (n, p)
        A threshold θ that reaches it (predict ``scores > θ``).
    """
    scores = check_data("scores", scores)  # (m, n)
    labels = np.asarray(labels)
    if labels.dtype != bool or labels.shape[:1] != scores.shape[:1] or labels.ndim not in (1, 2):
        fail("labels", f"a bool array of shape ({scores.shape[0]},) or ({scores.shape[0]}, p)",
             labels)
    one = labels.ndim == 1
    labels = labels.reshape(scores.shape[0], -1)  # (m, p)
    n_pos = labels.sum(axis=0)  # (p,)
    if not np.all(n_pos > 0):
        fail("labels", "bool labels with at least one True per property (one that occurs)",
             labels)
    (m, n), p = scores.shape, labels.shape[1]
    f1, threshold = np.empty((n, p)), np.empty((n, p))
    predict_all = 2 * n_pos / (m + n_pos)  # (p,)  θ below every value: all predicted
    for unit in range(n):
        if unit % UNITS_PER_BLOCK == 0:  # units as contiguous rows, a block at a time
            block = np.ascontiguousarray(scores[:, unit:unit + UNITS_PER_BLOCK].T)  # (b, m)
        s = block[unit % UNITS_PER_BLOCK]  # (m,)
        floor = s.min()  # the tied block at the bottom (0 for most of a sparse latent)
        above = np.flatnonzero(s > floor)  # (m_u,)
        if above.size == 0:  # a constant unit: the only threshold predicts all or nothing
            f1[unit], threshold[unit] = predict_all, floor - 1.0
            continue
        order = above[np.argsort(-s[above], kind="stable")]  # (m_u,)  decreasing
        ordered = s[order]  # (m_u,)
        tp = np.cumsum(labels[order], axis=0)  # (m_u, p)  true positives in the first k
        f1_at = 2 * tp / (np.arange(1, order.size + 1)[:, None] + n_pos)  # (m_u, p)
        f1_at[np.append(ordered[:-1] == ordered[1:], False)] = -1.0  # never split a tie
        best = np.argmax(f1_at, axis=0)  # (p,)
        best_f1 = f1_at[best, np.arange(p)]  # (p,)
        next_value = np.append(ordered, floor)[best + 1]  # (p,)  θ sits on the next value
        better_all = predict_all >= best_f1  # (p,)
        f1[unit] = np.where(better_all, predict_all, best_f1)
        threshold[unit] = np.where(better_all, floor - 1.0, next_value)
    return (f1[:, 0], threshold[:, 0]) if one else (f1, threshold)


def detection_table(unit_sets, properties):
    """For each property, the best unit of each set and its F1.

    Parameters
    ----------
    unit_sets : dict of str → ndarray of shape (m, n_s)
        E.g. ``{"neuron": a (m, n_h), "feature": latents (m, n_latents)}``.
    properties : dict of str → bool ndarray of shape (m,)
        E.g. from :func:`tinysae.charlm.properties.corpus_properties`, at the same examples.

    Returns
    -------
    dict of str → dict
        Per property: ``frequency`` (share of examples with it) and, per unit set,
        ``(best unit index, its F1)``; properties that never occur are left out.
    """
    names = [name for name, labels in properties.items() if np.any(labels)]
    labels = np.stack([np.asarray(properties[name]) for name in names], axis=1)  # (m, p)
    table = {name: {"frequency": float(np.mean(labels[:, j]))} for j, name in enumerate(names)}
    for unit_name, scores in unit_sets.items():
        f1, _ = best_f1(scores, labels)  # (n_s, p)
        for j, name in enumerate(names):
            table[name][unit_name] = (int(np.argmax(f1[:, j])), float(np.max(f1[:, j])))
    return table
