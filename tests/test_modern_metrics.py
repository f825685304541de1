"""Metrics on hand-built dictionaries (known answers), a random dictionary (chance), and the data.

Run:   pytest -v -s tests/test_modern_metrics.py
"""

import numpy as np
import pytest

from tinysae.modern.metrics import (cosine_similarities, dead_latents, evaluate,
                                    fraction_recovered, fvu, l0, mmcs, summary)
from tinysae.modern.sae import init_sae, sae_forward
from tinysae.modern.superposition import (draw_firings, firing_probabilities,
                                          ground_truth_features, sample_superposition, sampler)

S = 1 / np.sqrt(2)


def test_metrics_known_answer_on_a_hand_built_dictionary():
    """Features e1, e2, e3 in R³; dictionary e1, (e2 + e3)/√2 scaled by 5, −e3.

    Best cosines: e1 → 1 (column 0); e2 → 1/√2 (column 1); e3 → 1/√2 (column 1, not the
    anti-parallel −e3). MMCS = (1 + 2/√2)/3; only e1 is above 0.9. Column norms must not
    matter (column 1 has norm 5).
    """
    F = np.eye(3)  # (n_f, n_v)
    D = np.array([[1.0, 0.0, 0.0],
                  [0.0, 5 * S, 0.0],
                  [0.0, 5 * S, -1.0]])  # (n_v, n_h), columns are the dictionary
    np.testing.assert_allclose(cosine_similarities(F, D),
                               [[1, 0, 0], [0, S, 0], [0, S, -1]], atol=1e-15)
    assert mmcs(F, D) == pytest.approx((1 + 2 * S) / 3, abs=1e-15)
    assert fraction_recovered(F, D) == pytest.approx(1 / 3)


def test_l0_fvu_dead_known_answer():
    a2 = np.array([[0.0, 2.0, 0.0, 1.0],
                   [0.0, 0.0, 0.0, 3.0],
                   [0.0, 1.0, 0.0, 1.0]])  # (m, n_h): latents 0 and 2 never fire
    assert l0(a2) == pytest.approx(5 / 3)
    np.testing.assert_array_equal(dead_latents(a2), [True, False, True, False])
    X = np.array([[1.0, 0.0], [3.0, 0.0], [2.0, 3.0]])  # (m, n_v), mean (2, 1)
    # Σ‖x − x̄‖² = (1 + 1) + (1 + 1) + (0 + 4) = 8;  a3 errs by 1 in one entry → FVU = 1/8
    a3 = X + np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # (m, n_v)
    assert fvu(X, a3) == pytest.approx(1 / 8)
    assert fvu(X, np.tile(X.mean(axis=0), (3, 1))) == pytest.approx(1.0)  # predicting x̄
    row = summary(np.eye(2), np.eye(2), X, a2, a3)
    assert row["dead"] == 2 and row["mmcs"] == 1.0 and row["recovered"] == 1.0


def test_mmcs_of_a_random_dictionary_is_near_chance():
    """Chance level: each cosine between independent random unit vectors in n_v = 256
    dimensions is ≈ N(0, 1/n_v), so a feature's best of n_h = 1024 columns is ≈ the expected
    maximum of 1024 standard normals (≈ 3.24, the Gumbel approximation) divided by
    √256 = 16, i.e. ≈ 0.20 — far below 0.9, so nothing counts as recovered.
    """
    rng = np.random.default_rng(0)
    F = ground_truth_features(512, 256, rng)  # (n_f, n_v)
    D = ground_truth_features(1024, 256, rng).T  # (n_v, n_h) random unit columns
    chance = 3.24 / 16
    value = mmcs(F, D)
    print(f"\n    random dictionary: MMCS = {value:.3f}, chance ≈ {chance:.3f}")
    assert value == pytest.approx(chance, abs=0.02)
    assert fraction_recovered(F, D) == 0.0


def test_true_dictionary_scores_one():
    F = ground_truth_features(64, 16, rng=1)  # (n_f, n_v)
    perm = np.random.default_rng(2).permutation(64)
    assert mmcs(F, 3.0 * F[perm].T) == pytest.approx(1.0, abs=1e-12)  # order and scale ignored


def test_firing_probabilities_decay_and_sum_to_mean_active():
    p = firing_probabilities(512, mean_active=5.0, decay=0.99)  # (n_f,)
    assert p.sum() == pytest.approx(5.0)
    np.testing.assert_allclose(p[1:] / p[:-1], 0.99)


def test_generated_data_has_unit_features_and_about_five_active():
    rng = np.random.default_rng(0)
    F = ground_truth_features(512, 256, rng)  # (n_f, n_v)
    np.testing.assert_allclose(np.linalg.norm(F, axis=1), 1.0, rtol=1e-12)
    X, C = sample_superposition(F, firing_probabilities(512), 4000, rng)  # (m, n_v), (m, n_f)
    active = np.count_nonzero(C, axis=1).mean()
    print(f"\n    features active per example: {active:.2f} (expected 5)")
    assert active == pytest.approx(5.0, abs=0.15)
    assert C.min() >= 0.0 and C.max() < 1.0
    np.testing.assert_allclose(X, C @ F)


def test_generator_is_reproducible_from_its_seed():
    F = ground_truth_features(8, 4, rng=5)
    p = firing_probabilities(8, mean_active=2.0)
    np.testing.assert_array_equal(sample_superposition(F, p, 10, rng=7)[0],
                                  sample_superposition(F, p, 10, rng=7)[0])


def test_sampler_draws_what_sample_superposition_draws():
    F = ground_truth_features(10, 6, rng=0)  # (n_f, n_v)
    p = firing_probabilities(10, 2.0)  # (n_f,)
    sample = sampler(F, p)
    X = sample(7, np.random.default_rng(3))  # (7, n_v)
    np.testing.assert_array_equal(X, sample_superposition(F, p, 7, np.random.default_rng(3))[0])


def test_firings_have_the_asked_probabilities():
    """Each feature fires with its own p_f (points of a Poisson process on the cells)."""
    p = np.concatenate([[1.0, 0.0], firing_probabilities(62, 3.0, decay=0.95), [0.9]])  # (n_f,)
    m = 20_000
    rows, firing, u = draw_firings(p, m, np.random.default_rng(0))
    frequency = np.bincount(firing, minlength=p.size) / m  # (n_f,)
    z = (frequency - p)[2:] / np.sqrt(p[2:] * (1 - p[2:]) / m)  # (n_f - 2,)
    print(f"\n    worst deviation of a firing frequency: {np.abs(z).max():.1f} standard errors")
    assert frequency[0] == 1.0 and frequency[1] == 0.0
    assert np.abs(z).max() < 4.5
    keys = firing * m + rows
    assert np.all(np.diff(keys) > 0)  # sorted by feature, then example; each cell at most once
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01


def test_firings_reach_the_last_feature_when_the_first_draw_falls_short():
    class ShortFirstDraw:  # the first gaps all 0: their points stop far before the end
        def __init__(self):
            self.rng, self.first = np.random.default_rng(1), True

        def standard_exponential(self, n):
            first, self.first = self.first, False
            return np.zeros(n) if first else self.rng.standard_exponential(n)

        def random(self, n):
            return self.rng.random(n)

    p = np.full(10, 0.01)  # (n_f,)
    rows, firing, _ = draw_firings(p, 5000, ShortFirstDraw())
    assert firing.max() == 9 and np.all(np.diff(firing * 5000 + rows) > 0)


def test_sampler_fills_a_buffer_of_another_dtype_with_the_same_examples():
    F = ground_truth_features(10, 6, rng=0)  # (n_f, n_v)
    sample = sampler(F, firing_probabilities(10, 2.0))
    X = sample(50, np.random.default_rng(3))  # (50, n_v)
    out = np.full((50, 6), np.nan, dtype=np.float32)
    assert sample.fill(out, np.random.default_rng(3)) is out
    np.testing.assert_allclose(out, X, rtol=1e-6, atol=1e-6)


def test_evaluate_is_the_summary_of_the_forward_pass():
    F = ground_truth_features(10, 6, rng=0)  # (n_f, n_v)
    X, _ = sample_superposition(F, firing_probabilities(10, 2.0), 50, rng=1)  # (m, n_v)
    params = init_sae(6, 12, rng=2)
    cache = sae_forward(params, X, "topk", 3)
    assert evaluate(F, params, X, "topk", 3) == summary(F, params["W2"], X, cache["a2"],
                                                        cache["a3"])


@pytest.mark.parametrize("call, match", [
    (lambda: firing_probabilities(4, mean_active=5.0), "mean_active"),
    (lambda: firing_probabilities(8, mean_active=2.0, decay=1.5), "decay"),
    (lambda: ground_truth_features(0, 3), "n_features"),
    (lambda: sample_superposition(np.eye(3), np.ones(2) / 2, 5), "probabilities"),
])
def test_bad_generator_parameters_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
