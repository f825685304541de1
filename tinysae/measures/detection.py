"""How well a single unit detects a property: the best F1 over thresholds, for every unit at once.

Shapes: m examples (text positions), n units (SAE latents, or neurons), one boolean label
per example. A unit *detects* the property when its activation exceeds a threshold θ::

    predicted_i = s_i > θ          precision = TP / #predicted,   recall = TP / #positives
    F1 = 2 precision recall / (precision + recall) = 2 TP / (#predicted + #positives)

For each unit, every threshold that separates two distinct activation values is tried (sort
the activations in decreasing order; cutting after the k-th largest predicts those k), and
the best F1 is kept. Tied values are never split, so a unit that is exactly zero on most
examples cannot pretend to pick some of them out; and only the values above a unit's
minimum need sorting, which for a sparse latent is a few hundred of the m.

Predicting *every* example already scores F1 = 2p / (1 + p) for a property of frequency p
(0.61 at p = 0.44), and a dense unit gets there by a threshold just under its minimum. So
:func:`detection_table` asks a unit to *fire* to predict, θ ≥ 0 (for ReLU latents: be
non-zero; for GELU neurons: be positive), for neurons and latents alike. Only high
activations count: a unit that signals a property by going *down* scores low here (Bricken
et al. 2023 read features the same way, by their top activations).
"""

from typing import NamedTuple

import numpy as np

from tinysae.validation.checks import check_data, fail

#: Units copied to contiguous rows at a time (bounds the copy to UNITS_PER_BLOCK × m values).
UNITS_PER_BLOCK = 128

def best_f1(scores, labels, min_threshold=None):
    """The best F1 of each unit (column of ``scores``) at detecting each property.

    Parameters
    ----------
    scores : ndarray of shape (m, n)
        Activations, one column per unit.
    labels : bool ndarray of shape (m,) or (m, p)
        Whether each example has the property (or each of p properties; each must occur).
    min_threshold : float, optional
        Only thresholds θ ≥ this are tried (0: the unit must *fire*, be positive, to predict
        the property). None: any θ, down to predicting every example.

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
        base = s.min() if min_threshold is None else max(s.min(), min_threshold)
        above = np.flatnonzero(s > base)  # (m_u,)  the values a cut can separate
        order = above[np.argsort(-s[above], kind="stable")]  # (m_u,)  decreasing
        ordered = s[order]  # (m_u,)
        tp = np.cumsum(labels[order], axis=0)  # (m_u, p)  true positives in the first k
        f1_at = 2 * tp / (np.arange(1, order.size + 1)[:, None] + n_pos)  # (m_u, p)
        tie = np.zeros(order.size, dtype=bool)  # (m_u,)  a cut after row k would split a tie
        tie[:-1] = ordered[:-1] == ordered[1:]
        f1_at[tie] = -1.0
        if min_threshold is None:  # one more cut: below the minimum, every example predicted
            f1_at = np.vstack([f1_at, predict_all])  # (m_u + 1, p)
        if f1_at.size == 0:  # never above θ ≥ min_threshold: predicts nothing
            f1[unit], threshold[unit] = 0.0, base
            continue
        best = np.argmax(f1_at, axis=0)  # (p,)
        f1[unit] = f1_at[best, np.arange(p)]
        # θ sits on the next value down: base after the last of `above`, below it after that
        threshold[unit] = np.append(ordered, [base, s.min() - 1.0])[best + 1]
    return (f1[:, 0], threshold[:, 0]) if one else (f1, threshold)


def detection_table(unit_sets, properties, min_threshold=0.0):
    """For each property, the best unit of each set and its F1 (thresholds θ ≥ ``min_threshold``).

    Parameters
    ----------
    unit_sets : dict of str → ndarray of shape (m, n_s)
        E.g. ``{"neuron": a (m, n_h), "feature": latents (m, n_latents)}``.
    properties : dict of str → bool ndarray of shape (m,)
        E.g. from :func:`tinysae.networks.properties.corpus_properties`, at the same examples.

    Returns
    -------
    dict of str → dict
        Per property: ``frequency`` (share of examples with it) and, per unit set, a
        :class:`Detector` (the best unit, its F1, and the precision and recall there);
        properties that never occur are left out.
    """
    names = [name for name, labels in properties.items() if np.any(labels)]
    labels = np.stack([np.asarray(properties[name]) for name in names], axis=1)  # (m, p)
    table = {name: {"frequency": float(np.mean(labels[:, j]))} for j, name in enumerate(names)}
    for unit_name, scores in unit_sets.items():
        f1, threshold = best_f1(scores, labels, min_threshold)  # (n_s, p) each
        for j, name in enumerate(names):
            unit = int(np.argmax(f1[:, j]))
            predicted = scores[:, unit] > threshold[unit, j]  # (m,)
            hits = np.sum(predicted & labels[:, j])
            table[name][unit_name] = Detector(unit, float(f1[unit, j]),
                                              float(hits / max(1, predicted.sum())),
                                              float(hits / labels[:, j].sum()))
    return table


class Detector(NamedTuple):
    """The best unit of a set for one property: its index, F1, precision and recall."""
    unit: int
    f1: float
    precision: float
    recall: float
