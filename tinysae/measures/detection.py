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


# ------------------------------------------------------- held out, with controls and spreads
#
# The best unit and its threshold, chosen on the same positions it is scored on, flatter it:
# with a thousand units, one fits the noise of those positions. So a unit and its threshold
# are chosen on one half of the positions (``select``) and scored on the other (``score``);
# every held-out F1 comes with a bootstrap interval over the scored positions; and two unit
# sets are compared on the *same* bootstrap draws (a paired interval of the difference).

#: Bootstrap draws of the scored positions, and the interval's coverage.
N_BOOTSTRAP = 2000
LEVEL = 0.95


class HeldOutDetector(NamedTuple):
    """The unit of a set chosen on the selection positions, scored on the held-out ones."""
    unit: int
    threshold: float
    f1: float           # held out
    precision: float
    recall: float
    low: float          # the bootstrap interval of the held-out F1
    high: float
    selected_f1: float  # on the positions it was chosen on (in-sample, for comparison)
    boot: np.ndarray    # (N_BOOTSTRAP,) F1 on each bootstrap draw (shared by the row's sets)


def split_positions(m, rng):
    """Indices of ``m`` positions cut at random into two halves: (select, score), sorted."""
    order = np.random.default_rng(rng).permutation(m)
    return np.sort(order[:m // 2]), np.sort(order[m // 2:])


def signed_random_projections(X, n, rng):
    """A control for single units: ``X`` (m, n_v) on ``n`` random unit directions and their
    opposites, (m, 2n); column j < n is direction j, column n + j its opposite."""
    D = np.random.default_rng(rng).standard_normal((X.shape[1], n))  # (n_v, n)
    D /= np.linalg.norm(D, axis=0)  # (n_v, n)  unit columns
    S = X @ D  # (m, n)
    return np.hstack([S, -S])  # (m, 2n)


def held_out_table(unit_sets, properties, select, score, *, min_thresholds=None,
                   n_bootstrap=N_BOOTSTRAP, rng=None):
    """For each property, each set's unit chosen on ``select`` and scored on ``score``.

    Parameters
    ----------
    unit_sets : dict of str → ndarray of shape (m, n_s), or ("per property", ndarray (m, p))
        Scores of every unit of each set at m positions. A set with one unit per property
        (e.g. a linear probe fitted for each; column j for the j-th property of
        ``properties`` that occurs in both halves) is passed as ``("per property", array)``:
        only its threshold is chosen.
    properties : dict of str → bool ndarray of shape (m,)
    select, score : int ndarray
        Indices of the positions that choose the unit and threshold, and of those that
        score it (:func:`split_positions`).
    min_thresholds : dict of str → float or None, optional
        Per set, the least threshold tried (0: the unit must fire to predict; None: any
        threshold, the default for sets not named).
    n_bootstrap : int
        Draws of the scored positions (with replacement) for the intervals.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    dict of str → dict
        Per property that occurs in both halves: ``frequency`` (on the scored positions) and
        a :class:`HeldOutDetector` per set. The sets of a row share their bootstrap draws,
        so :func:`paired_interval` compares them.
    """
    rng = np.random.default_rng(rng)
    min_thresholds = min_thresholds or {}
    names = [name for name, flags in properties.items()
             if np.any(np.asarray(flags)[select]) and np.any(np.asarray(flags)[score])]
    labels = np.stack([np.asarray(properties[name]) for name in names], axis=1)  # (m, p)
    chosen = {}  # set → (unit (p,), threshold (p,), selected F1 (p,))
    for set_name, scores in unit_sets.items():
        per_property = isinstance(scores, tuple)
        scores = np.asarray(scores[1] if per_property else scores)  # (m, n_s) or (m, p)
        f1, threshold = best_f1(scores[select], labels[select],
                                min_thresholds.get(set_name))  # (n_s, p) each
        if per_property:  # column j is property j's own unit
            units = np.arange(len(names))  # (p,)
        else:
            units = np.argmax(f1, axis=0)  # (p,)
        cols = np.arange(len(names))
        chosen[set_name] = (units, threshold[units, cols], f1[units, cols],
                            scores[np.ix_(score, units)])  # (n_scored, p) the chosen columns
    table = {}
    for j, name in enumerate(names):
        y = labels[score, j]  # (n_scored,)
        predictions = np.stack([chosen[s][3][:, j] > chosen[s][1][j] for s in unit_sets],
                               axis=1)  # (n_scored, k)
        boot = bootstrap_f1(predictions, y, n_bootstrap, rng)  # (n_boot, k)
        row = {"frequency": float(y.mean())}
        for k, set_name in enumerate(unit_sets):
            units, thresholds, selected, _ = chosen[set_name]
            hits = np.sum(predictions[:, k] & y)
            low, high = np.quantile(boot[:, k], [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
            row[set_name] = HeldOutDetector(
                int(units[j]), float(thresholds[j]),
                float(2 * hits / (predictions[:, k].sum() + y.sum())),
                float(hits / max(1, predictions[:, k].sum())), float(hits / y.sum()),
                float(low), float(high), float(selected[j]), boot[:, k])
        table[name] = row
    return table


def bootstrap_f1(predictions, labels, n_bootstrap, rng):
    """F1 of each column of ``predictions`` (m, k) bool on ``n_bootstrap`` draws of the m
    positions with replacement, the same draws for every column: (n_bootstrap, k).

    A draw of positions only matters through how many of each kind it holds (a label and
    k predictions: 2^(k+1) kinds), so each draw is one multinomial sample of those counts."""
    m, k = predictions.shape
    kind = labels.astype(np.int64) + 2 * (predictions.astype(np.int64) @ (2 ** np.arange(k)))
    counts = np.bincount(kind, minlength=2 ** (k + 1))  # (C,)
    draws = rng.multinomial(m, counts / m, size=n_bootstrap)  # (n_boot, C)
    kinds = np.arange(counts.size)  # (C,)
    positive = kinds % 2 == 1  # (C,)
    predicted = (kinds[:, None] // 2 >> np.arange(k)) & 1  # (C, k)
    tp = draws @ (predicted * positive[:, None])  # (n_boot, k)
    n_predicted = draws @ predicted  # (n_boot, k)
    n_positive = draws @ positive  # (n_boot,)
    denominator = n_predicted + n_positive[:, None]  # (n_boot, k)
    return 2 * tp / np.maximum(denominator, 1)  # (n_boot, k)


def paired_interval(a, b, level=LEVEL):
    """The bootstrap interval of F1(a) − F1(b) for two detectors of one row (same draws)."""
    low, high = np.quantile(a.boot - b.boot, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def verdict(intervals):
    """'ahead' when every interval of a difference (one per training seed, say) is above 0,
    'behind' when every one is below, 'tie' otherwise."""
    if all(low > 0 for low, _ in intervals):
        return "ahead"
    if all(high < 0 for _, high in intervals):
        return "behind"
    return "tie"
