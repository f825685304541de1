"""Minibatch training end to end on a small superposition problem, and the 2008 baseline.

Run:   pytest -v -s tests/test_modern_training.py
"""

import numpy as np
import pytest

from tinysae.modern import (firing_probabilities, sae_forward, ground_truth_features, mmcs,
                            sample_superposition, summary, train_2008, train_sae)
from tinysae.runtime.blas_threads import limit_blas_threads

# 48 features in 24 dimensions, about 2 active per example: a miniature of lesson 08.
N_FEATURES, N_VISIBLE, MEAN_ACTIVE = 48, 24, 2.0


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    F = ground_truth_features(N_FEATURES, N_VISIBLE, rng)  # (n_f, n_v)
    p = firing_probabilities(N_FEATURES, MEAN_ACTIVE, decay=0.99)  # (n_f,)
    X_eval, _ = sample_superposition(F, p, 2000, rng)  # (m, n_v)
    return F, p, X_eval


def test_relu_l1_sae_recovers_the_features(problem):
    F, p, X_eval = problem
    result = train_sae(lambda n, r: sample_superposition(F, p, n, r)[0], N_VISIBLE, 96,
                       sparsity_weight=0.1, n_steps=600, batch_size=128, learning_rate=1e-2,
                       dead_window=5000, resample_every=50, rng=1)
    cache = sae_forward(result.params, X_eval)
    row = summary(F, result.params["W2"], X_eval, cache["a2"], cache["a3"])
    print(f"\n    ReLU+L1, 96 latents: MMCS {row['mmcs']:.3f}, recovered {row['recovered']:.0%}, "
          f"L0 {row['l0']:.2f}, FVU {row['fvu']:.3f}")
    assert row["mmcs"] > 0.95
    assert result.history["loss"][-1] < result.history["loss"][0] / 5
    np.testing.assert_allclose(np.linalg.norm(result.params["W2"], axis=0), 1.0, rtol=1e-6)


def test_topk_sae_has_at_most_k_active_latents(problem):
    F, p, X_eval = problem
    result = train_sae(lambda n, r: sample_superposition(F, p, n, r)[0], N_VISIBLE, 96,
                       activation="topk", k=3, n_steps=100, batch_size=128, rng=2)
    a2 = sae_forward(result.params, X_eval, "topk", 3)["a2"]  # (m, n_h)
    assert np.count_nonzero(a2, axis=1).max() <= 3


def test_training_is_reproducible_from_its_seed(problem):
    F, p, _ = problem
    runs = [train_sae(lambda n, r: sample_superposition(F, p, n, r)[0], N_VISIBLE, 32,
                      sparsity_weight=0.1, n_steps=5, batch_size=16, rng=3) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].params["W2"], runs[1].params["W2"])


def test_2008_model_stays_near_chance(problem):
    F, p, _ = problem
    X, _ = sample_superposition(F, p, 500, rng=4)  # (m, n_v)
    with limit_blas_threads(numpy_threads=1):  # tiny products: a second thread only spins
        params = train_2008(X, 96, weight_decay=1e-4, max_iter=50, rng=5)
    value = mmcs(F, params["W2"])
    print(f"\n    2008 sigmoid+KL, 96 hidden: MMCS {value:.3f}")
    assert value < 0.7


@pytest.mark.parametrize("bad, match", [
    ({"activation": "topk", "k": 100}, "'k'"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"resample_until": 1.5}, "resample_until"),
    ({"n_steps": 0}, "n_steps"),
])
def test_bad_training_parameters_are_named(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        train_sae(lambda n, r: np.zeros((n, 4)), 4, 8, **bad)
