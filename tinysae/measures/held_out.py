"""Detection scored on examples it did not choose on, with a control of random directions.

Shapes: m examples (text positions), n units, d the width of the activations read.

:func:`tinysae.measures.detection.detection_table` picks each property's best unit and its
threshold θ and reports the F1 on the same examples, which flatters a set with many units
(the more units, the more chances that one fits the noise). Here the examples are split in
two: the unit and θ are chosen on one half (``choose``) and the F1, precision and recall
are measured on the other, as scikit-learn's ``train_test_split`` would have it. A control
set of random directions (:func:`random_direction_units`) says what a dictionary of the
same size gets without learning anything.
"""

import numpy as np

from tinysae.measures.detection import Detector, best_f1


def held_out_table(unit_sets, properties, choose, min_threshold=0.0):
    """Per property: its frequency on the held-out half and, per unit set, a
    :class:`~tinysae.measures.detection.Detector` chosen where ``choose`` and scored elsewhere.

    Parameters
    ----------
    unit_sets : dict of str → ndarray of shape (m, n_s)
    properties : dict of str → bool ndarray of shape (m,)
    choose : bool ndarray of shape (m,)
        True on the examples where units and thresholds are chosen.
    """
    choose = np.asarray(choose, dtype=bool)
    score = ~choose
    names = [name for name, labels in properties.items()
             if np.any(labels[choose]) and np.any(labels[score])]
    labels = np.stack([np.asarray(properties[name]) for name in names], axis=1)  # (m, p)
    table = {name: {"frequency": float(np.mean(labels[score, j]))} for j, name in enumerate(names)}
    for unit_name, scores in unit_sets.items():
        f1, threshold = best_f1(scores[choose], labels[choose], min_threshold)  # (n_s, p)
        for j, name in enumerate(names):
            unit = int(np.argmax(f1[:, j]))
            predicted = scores[score, unit] > threshold[unit, j]  # (m_score,)
            positives = labels[score, j]  # (m_score,)
            hits = np.sum(predicted & positives)
            table[name][unit_name] = Detector(unit, float(2 * hits / (predicted.sum()
                                                                      + positives.sum())),
                                              float(hits / max(1, predicted.sum())),
                                              float(hits / positives.sum()))
    return table


def random_direction_units(X, n_units, rng):
    """ReLU(x − mean) · r_j for n_units random unit directions r_j: (m, n_units), the
    activations of a dictionary that learned nothing."""
    R = rng.standard_normal((n_units, X.shape[1]))  # (n, d)
    R /= np.linalg.norm(R, axis=1, keepdims=True)
    return np.maximum((X - X.mean(axis=0)) @ R.T, 0.0)  # (m, n)
