"""The modern sparse autoencoder, term by term: gradient checks, the TopK mask, the unit-norm decoder.

Run it in front of students:   pytest -v -s tests/test_modern_sae.py

ReLU and TopK are piecewise linear, so the centred difference is only exact where no
pre-activation crosses a kink while θ is nudged by ±ε. Each check therefore uses the first
seed whose pre-activations all lie at least KINK_MARGIN from a kink (0 for ReLU, and half
the gap between the k-th and (k+1)-th largest value for TopK); ε = CHECK_EPSILON = 2e-5
moves any pre-activation by far less than that here (|x| < 2, |θ| < 2).
"""

import numpy as np
import pytest

from tinysae import CHECK_EPSILON, GRADIENT_CHECK_THRESHOLD, gradient_check, pack, unpack
from tinysae.training.adam import adam_init
from tinysae.modern.sae import (activate, sae_forward, init_sae, kink_margin, sae_loss_and_grad,
                                normalize_columns, remove_parallel_component)
from tinysae.modern.training import projected_step, resample_dead

# A tiny problem: 6 inputs, 8 latents (overcomplete, as in superposition), 10 examples.
N_VISIBLE, N_LATENTS, M, K = 6, 8, 10, 3
KINK_MARGIN = 1e-3  # ≫ the largest change ε·(|x| + 1) < 1e-4 of any pre-activation


def report(term, ratio, margin):
    print(f"\n    {term:<34} ratio = {ratio:8.1e}   threshold = {GRADIENT_CHECK_THRESHOLD:.0e}"
          f"   kink margin = {margin:.1e}")


def problem_away_from_kinks(activation, k=None):
    """The first seeded (theta, X) whose pre-activations are KINK_MARGIN from every kink."""
    for seed in range(1000):
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1, 1, size=(M, N_VISIBLE))  # (m, n_v)
        params = init_sae(N_VISIBLE, N_LATENTS, rng, data_mean=0.1 * rng.standard_normal(N_VISIBLE))
        params["b1"] = 0.1 * rng.standard_normal(N_LATENTS)  # (n_h,)  not all zero
        params["W1"] = params["W1"] + 0.3 * rng.standard_normal(params["W1"].shape)  # untie
        margin = kink_margin(sae_forward(params, X)["z2"], activation, k)
        if margin >= KINK_MARGIN:
            return pack(params), X, margin
    raise AssertionError("no seed below 1000 keeps the pre-activations away from the kinks")


def check(theta, X, **hyper):
    def f(t):
        J, grads = sae_loss_and_grad(unpack(t, N_VISIBLE, N_LATENTS), X, **hyper)
        return J, pack(grads)
    return gradient_check(f, theta, eps=CHECK_EPSILON)


def test_grad_relu_reconstruction_only():
    theta, X, margin = problem_away_from_kinks("relu")
    ratio = check(theta, X, sparsity_weight=0.0)
    report("ReLU, reconstruction (λ = 0)", ratio, margin)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_relu_plus_l1():
    theta, X, margin = problem_away_from_kinks("relu")
    ratio = check(theta, X, sparsity_weight=0.3)
    report("ReLU, reconstruction + L1 (λ = 0.3)", ratio, margin)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_topk():
    theta, X, margin = problem_away_from_kinks("topk", K)
    ratio = check(theta, X, activation="topk", k=K)
    report(f"TopK (k = {K}), reconstruction", ratio, margin)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_check_catches_a_missing_pre_encoder_bias_term():
    """Drop b2's second path (x − b2 in the encoder): the check must fail."""
    theta, X, _ = problem_away_from_kinks("relu")

    def wrong(t):
        params = unpack(t, N_VISIBLE, N_LATENTS)
        J, grads = sae_loss_and_grad(params, X, sparsity_weight=0.3)
        z = sae_forward(params, X)
        grads["b2"] = (z["a3"] - X).mean(axis=0)  # (n_v,) only the output path
        return J, pack(grads)
    ratio = gradient_check(wrong, theta, eps=CHECK_EPSILON)
    print(f"\n    b2 without its encoder path          ratio = {ratio:8.1e}   caught")
    assert ratio > 1e-4


def test_topk_keeps_the_k_largest_positive_values():
    z2 = np.array([[3.0, -1.0, 2.0, 0.5, 1.0],
                   [-3.0, -1.0, 0.2, -0.5, -2.0]])  # (2, 5)
    a2, mask = activate(z2, "topk", k=2)
    np.testing.assert_array_equal(a2, [[3.0, 0, 2.0, 0, 0], [0, 0, 0.2, 0, 0]])
    np.testing.assert_array_equal(mask, a2 > 0)  # row 2: only one of its top 2 is positive


def test_topk_backward_is_the_mask():
    """∂a2_ij/∂z2_ij by centred differences equals the mask, and off-diagonal terms vanish."""
    rng = np.random.default_rng(3)
    z2 = rng.standard_normal((4, 7))  # (m, n_h)
    assert kink_margin(z2, "topk", 3) > 1e-3
    _, mask = activate(z2, "topk", k=3)
    eps = CHECK_EPSILON
    for i, j in np.ndindex(z2.shape):
        bump = np.zeros_like(z2)
        bump[i, j] = eps
        jac = (activate(z2 + bump, "topk", 3)[0] - activate(z2 - bump, "topk", 3)[0]) / (2 * eps)
        expected = np.zeros_like(z2)
        expected[i, j] = mask[i, j]
        np.testing.assert_allclose(jac, expected, atol=1e-9)


def test_tied_init_has_unit_decoder_columns_and_encoder_equal_to_their_transpose():
    params = init_sae(N_VISIBLE, N_LATENTS, rng=0)
    np.testing.assert_allclose(np.linalg.norm(params["W2"], axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(params["W1"], params["W2"].T)


def test_projected_gradient_is_orthogonal_to_each_decoder_column():
    rng = np.random.default_rng(1)
    W2 = normalize_columns(rng.standard_normal((N_VISIBLE, N_LATENTS)))  # (n_v, n_h)
    g = remove_parallel_component(rng.standard_normal(W2.shape), W2)  # (n_v, n_h)
    np.testing.assert_allclose(np.sum(g * W2, axis=0), 0.0, atol=1e-14)


def test_adam_step_keeps_decoder_columns_unit_norm():
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, size=(M, N_VISIBLE))  # (m, n_v)
    params = init_sae(N_VISIBLE, N_LATENTS, rng)
    state = adam_init(params)
    for _ in range(20):
        _, grads = sae_loss_and_grad(params, X, sparsity_weight=0.1)
        params, state = projected_step(params, grads, state, learning_rate=0.05)
        np.testing.assert_allclose(np.linalg.norm(params["W2"], axis=0), 1.0, rtol=1e-12)


def test_resampling_repoints_only_dead_latents_and_clears_their_moments():
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(M, N_VISIBLE))  # (m, n_v)
    params = init_sae(N_VISIBLE, N_LATENTS, rng)
    state = adam_init(params)
    _, grads = sae_loss_and_grad(params, X, sparsity_weight=0.1)
    params, state = projected_step(params, grads, state, learning_rate=0.01)
    dead = np.zeros(N_LATENTS, dtype=bool)
    dead[[1, 5]] = True
    new, new_state = resample_dead(params, state, dead, X, sae_forward(params, X)["a3"], rng)
    np.testing.assert_allclose(np.linalg.norm(new["W2"], axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(new["W2"][:, ~dead], params["W2"][:, ~dead])
    np.testing.assert_array_equal(new["W1"][~dead], params["W1"][~dead])
    assert not np.allclose(new["W2"][:, dead], params["W2"][:, dead])
    assert np.all(new_state["m"]["W1"][dead] == 0) and np.all(new_state["v"]["W2"][:, dead] == 0)
    assert np.any(state["m"]["W1"][dead] != 0)  # the input state was not modified


@pytest.mark.parametrize("bad, match", [
    ({"sparsity_weight": -1.0}, "sparsity_weight"),
    ({"activation": "gelu"}, "activation"),
    ({"activation": "topk", "k": None}, "'k'"),
    ({"activation": "topk", "k": N_LATENTS + 1}, "'k'"),
])
def test_bad_parameters_are_named(bad, match):
    params = init_sae(N_VISIBLE, N_LATENTS, rng=0)
    with pytest.raises((ValueError, TypeError), match=match):
        sae_loss_and_grad(params, np.zeros((2, N_VISIBLE)), **bad)
