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


# --------------------------------------------- held out, with controls and intervals

from tinysae.measures import (bootstrap_f1, fit_probes, held_out_table,  # noqa: E402
                              paired_interval, probe_cost_and_grad, signed_random_projections,
                              split_positions, verdict)
from tinysae.model.gradient_check import numerical_gradient  # noqa: E402


def test_choosing_on_the_scored_positions_flatters_and_held_out_does_not():
    rng = np.random.default_rng(0)
    m = 2000
    y = rng.random(m) < 0.1  # (m,)
    noise = rng.random((m, 500))  # (m, 500) units that know nothing
    real = (y + 0.8 * rng.random(m))[:, None]  # (m, 1) a real, imperfect detector
    select, score = split_positions(m, 1)
    assert np.intersect1d(select, score).size == 0 and select.size + score.size == m
    table = held_out_table({"noise": noise, "real": real}, {"p": y}, select, score, rng=2)
    row = table["p"]
    assert row["frequency"] == pytest.approx(y[score].mean(), abs=1e-12)  # of the scored half
    assert row["noise"].selected_f1 > row["noise"].f1 + 0.02  # in-sample flattery
    assert row["noise"].f1 < 0.3  # the best of 500 noise units, held out, knows nothing
    assert row["real"].f1 > 0.9 and row["real"].low <= row["real"].f1 <= row["real"].high
    low, high = paired_interval(row["real"], row["noise"])
    assert low > 0 and verdict([(low, high)]) == "ahead"
    predicted = real[score, 0] > row["real"].threshold  # the reported F1 is the scored one
    f1 = 2 * np.sum(predicted & y[score]) / (predicted.sum() + y[score].sum())
    assert row["real"].f1 == pytest.approx(f1)


def test_the_bootstrap_draws_positions_and_pairs_the_sets():
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.3
    a = y ^ (rng.random(500) < 0.1)  # (m,) a detector with some errors
    predictions = np.stack([a, a, np.ones(500, bool)], axis=1)  # (m, 3)
    boot = bootstrap_f1(predictions, y, 4000, np.random.default_rng(1))  # (4000, 3)
    assert np.array_equal(boot[:, 0], boot[:, 1])  # same draws: a set against itself ties
    f1 = 2 * np.sum(a & y) / (a.sum() + y.sum())
    assert boot[:, 0].mean() == pytest.approx(f1, abs=0.01)
    index = np.random.default_rng(2).integers(0, 500, size=(4000, 500))  # the slow way
    slow = 2 * np.sum(a[index] & y[index], 1) / (a[index].sum(1) + y[index].sum(1))
    assert boot[:, 0].std() == pytest.approx(slow.std(), rel=0.1)
    assert verdict([(-0.1, 0.2)]) == "tie" and verdict([(0.1, 0.2), (-0.01, 0.3)]) == "tie"
    assert verdict([(-0.3, -0.1)]) == "behind"


def test_random_directions_are_signed_unit_projections():
    X = np.random.default_rng(0).standard_normal((50, 8))
    S = signed_random_projections(X, 5, 3)  # (50, 10)
    assert S.shape == (50, 10) and np.allclose(S[:, :5], -S[:, 5:])
    D = np.linalg.lstsq(X, S[:, :5], rcond=None)[0]  # (8, 5) the directions back
    assert np.allclose(np.linalg.norm(D, axis=0), 1.0)


def test_the_probe_gradient_checks_and_the_probe_finds_a_linear_property():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    Y = (rng.random((40, 2)) < 0.4).astype(float)
    theta = rng.standard_normal(6 * 2 + 2)
    _, analytic = probe_cost_and_grad(theta, X, Y, 0.1)
    numeric = numerical_gradient(lambda t: probe_cost_and_grad(t, X, Y, 0.1)[0], theta)
    assert np.linalg.norm(numeric - analytic) / np.linalg.norm(numeric + analytic) < 1e-9
    X = rng.standard_normal((3000, 10))
    y = X @ rng.standard_normal(10) > 1.0  # (m,) a direction's property
    z = fit_probes(X[:1500], y[:1500, None])(X[1500:])[:, 0]  # (1500,)
    assert np.mean((z > 0) == y[1500:]) > 0.97
