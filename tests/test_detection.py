"""The best single-unit F1 at detecting a property, against brute force over every threshold."""

import numpy as np
import pytest

from tinysae.measures import best_f1, detection_table


def brute_force_f1(s, y):
    """max over θ (every value, and below the minimum) of F1 of the prediction s > θ."""
    best = 0.0
    for theta in np.append(np.unique(s), s.min() - 1):
        predicted = s > theta
        best = max(best, 2 * np.sum(predicted & y) / (predicted.sum() + y.sum()))
    return best


def test_best_f1_is_the_brute_force_maximum_and_its_threshold_reaches_it():
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.15  # (m,)
    scores = np.stack([
        y * 1.0,                                         # a perfect detector
        np.zeros(400),                                   # constant: predicts all or nothing
        rng.random(400),                                 # noise
        y * rng.random(400),                             # fires only on the property, sometimes
        np.maximum(rng.standard_normal(400) - 1, 0),     # sparse noise, many tied zeros
        np.round(3 * rng.random(400)) + y,               # ties everywhere
        -(y * 1.0),                                      # goes down on the property
    ], axis=1)  # (m, n)
    f1, threshold = best_f1(scores, y)
    for j in range(scores.shape[1]):
        assert f1[j] == pytest.approx(brute_force_f1(scores[:, j], y), rel=1e-12)
        predicted = scores[:, j] > threshold[j]
        assert f1[j] == pytest.approx(2 * np.sum(predicted & y) / (predicted.sum() + y.sum()))
    assert f1[0] == 1.0
    assert f1[1] == f1[6] == pytest.approx(2 * y.sum() / (400 + y.sum()))  # all predicted


def test_a_minimum_threshold_asks_the_unit_to_fire():
    rng = np.random.default_rng(3)
    y = rng.random(300) < 0.5
    scores = np.stack([np.zeros(300), rng.standard_normal(300) + y, y * 2.0 - 1.0], axis=1)
    f1, threshold = best_f1(scores, y, min_threshold=0.0)
    assert f1[0] == 0.0  # never fires: predicts nothing
    assert np.all(threshold >= 0.0)
    for j in range(3):  # the brute force over θ ≥ 0 only
        best = max(2 * np.sum((scores[:, j] > t) & y) / (np.sum(scores[:, j] > t) + y.sum())
                   for t in np.append(np.unique(scores[:, j]), 0.0) if t >= 0)
        assert f1[j] == pytest.approx(best, rel=1e-12)
    assert f1[2] == 1.0
    assert best_f1(scores, y)[0][0] == pytest.approx(2 * y.sum() / (300 + y.sum()))


def test_several_properties_at_once_equal_one_at_a_time():
    rng = np.random.default_rng(1)
    scores = np.maximum(rng.standard_normal((300, 5)), 0)  # (m, n)
    labels = rng.random((300, 3)) < [0.1, 0.3, 0.5]  # (m, p)
    together, _ = best_f1(scores, labels)  # (n, p)
    for j in range(3):
        np.testing.assert_array_equal(together[:, j], best_f1(scores, labels[:, j])[0])


def test_detection_table_picks_the_best_unit_of_each_set():
    rng = np.random.default_rng(2)
    y = rng.random(500) < 0.2
    neurons = rng.random((500, 4))
    neurons[:, 2] += 0.5 * y  # neuron 2 detects it, imperfectly
    features = np.zeros((500, 6))
    features[:, 4] = y * 3.0  # feature 4 detects it perfectly
    table = detection_table({"neuron": neurons, "feature": features},
                            {"p": y, "never": np.zeros(500, bool)})
    assert set(table) == {"p"}  # a property that never occurs is left out
    assert table["p"]["feature"] == (4, 1.0, 1.0, 1.0)
    neuron = table["p"]["neuron"]
    assert neuron.unit == 2 and neuron.f1 < 1.0
    assert neuron.f1 == pytest.approx(2 / (1 / neuron.precision + 1 / neuron.recall))
    assert table["p"]["frequency"] == pytest.approx(y.mean())


@pytest.mark.parametrize("labels, match", [
    (np.zeros(10, bool), "at least one True"),
    (np.ones(9, bool), "labels"),
    (np.ones(10), "labels"),
])
def test_bad_labels_are_named(labels, match):
    with pytest.raises(ValueError, match=match):
        best_f1(np.zeros((10, 2)), labels)
