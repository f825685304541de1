"""The sparse crosscoder: gradient checks term by term, decoder norms, training on planted features.

Run the checks in front of students:   pytest -v -s -k grad tests/test_crosscoder.py

ReLU has a kink at 0, so each check uses the first seed whose pre-activations all lie at
least KINK_MARGIN from 0 (as in tests/test_modern_sae.py).
"""

import numpy as np
import pytest

from tinysae import CHECK_EPSILON, GRADIENT_CHECK_THRESHOLD, gradient_check_params
from tinysae.modern import (crosscoder_forward, crosscoder_loss_and_grad, decoder_norms,
                            init_crosscoder, relative_decoder_norms, train_crosscoder)

# A tiny problem: 2 layers of 5 units, 7 latents, 9 examples.
N_LAYERS, N_VISIBLE, N_LATENTS, M = 2, 5, 7, 9
KINK_MARGIN = 1e-3


def report(term, ratio):
    print(f"\n    {term:<42} ratio = {ratio:8.1e}   threshold = {GRADIENT_CHECK_THRESHOLD:.0e}")


def problem_away_from_kinks():
    for seed in range(1000):
        rng = np.random.default_rng(seed)
        coder = init_crosscoder(N_LAYERS, N_VISIBLE, N_LATENTS, rng)
        coder = {name: p + 0.3 * rng.standard_normal(p.shape) for name, p in coder.items()}
        X = rng.standard_normal((M, N_LAYERS, N_VISIBLE))  # (m, L, n_v)
        if np.min(np.abs(crosscoder_forward(coder, X)["z2"])) >= KINK_MARGIN:
            return coder, X
    raise AssertionError("no seed below 1000 keeps the pre-activations away from the kink")


@pytest.mark.parametrize("beta", [0.0, 0.5])
def test_grad_crosscoder(beta):
    coder, X = problem_away_from_kinks()
    ratio = gradient_check_params(
        lambda c: crosscoder_loss_and_grad(c, X, sparsity_weight=beta), coder, eps=CHECK_EPSILON)
    report(f"crosscoder, 2 layers, β = {beta}", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_check_catches_a_penalty_on_the_joint_norm():
    """Weight the penalty by ‖[d_1; d_2]‖ in the cost but keep the sum-of-norms gradient."""
    coder, X = problem_away_from_kinks()

    def wrong(c):
        J, grads = crosscoder_loss_and_grad(c, X, sparsity_weight=0.5)
        a2 = crosscoder_forward(c, X)["a2"]
        joint = np.sqrt(np.sum(decoder_norms(c) ** 2, axis=0))  # (n_h,)
        J += 0.5 * np.sum(a2 @ (joint - decoder_norms(c).sum(axis=0))) / M
        return J, grads
    ratio = gradient_check_params(wrong, coder, eps=CHECK_EPSILON)
    print(f"\n    joint norm in J, sum of norms in ∇J        ratio = {ratio:8.1e}   caught")
    assert ratio > 1e-4


def test_relative_decoder_norm_is_the_last_layers_share():
    coder = init_crosscoder(2, 3, 4, rng=0)
    coder["W2"][0][:, 0] = 0.0  # latent 0 writes to layer 2 only
    coder["W2"][1][:, 1] = 0.0  # latent 1 to layer 1 only
    coder["W2"][1][:, 2] = 3 * coder["W2"][0][:, 2] / np.linalg.norm(coder["W2"][0][:, 2]) * 0.1
    r = relative_decoder_norms(coder)
    np.testing.assert_allclose(r[:3], [1.0, 0.0, 0.75])
    np.testing.assert_allclose(decoder_norms(init_crosscoder(2, 3, 4, rng=1)), 0.1)


#: 16 planted features in two layers of 8 units: 0–3 in layer 1 only, 4–7 in layer 2 only,
#: 8–15 in both (a different unit direction in each layer). (L, features, n_v)
PLANTED = np.random.default_rng(42).standard_normal((2, 16, 8))
PLANTED /= np.linalg.norm(PLANTED, axis=2, keepdims=True)
PLANTED[1, :4] = PLANTED[0, 4:8] = 0.0


def planted_layers(m, rng):
    """m examples of both layers: each feature fires with probability 0.06, size U[0.5, 1.5]."""
    s = (rng.random((m, 16)) < 0.06) * rng.uniform(0.5, 1.5, (m, 16))  # (m, features)
    return np.einsum("mf,lfv->mlv", s, PLANTED)  # (m, L, n_v)


def test_training_finds_layer_specific_and_shared_features():
    result = train_crosscoder(planted_layers, 2, 8, 24, sparsity_weight=0.02, n_steps=1500,
                              batch_size=256, learning_rate=3e-3, rng=0)
    X = planted_layers(4000, np.random.default_rng(1))  # (m, L, n_v)
    a2 = crosscoder_forward(result.params, X)["a2"]  # (m, n_h)
    alive = a2.max(axis=0) > 0.1 * a2.max()  # (n_h,)  latents that do something
    r = relative_decoder_norms(result.params)[alive]
    assert np.sum(r < 0.1) >= 3 and np.sum(r > 0.9) >= 3  # layer-specific at both ends
    assert np.sum((r > 0.3) & (r < 0.7)) >= 5  # shared in the middle
    assert result.history["fvu"][-1] < 0.02


def test_training_is_reproducible_from_its_seed():
    a = train_crosscoder(planted_layers, 2, 8, 6, n_steps=3, batch_size=16, rng=5).params
    b = train_crosscoder(planted_layers, 2, 8, 6, n_steps=3, batch_size=16, rng=5).params
    assert all(np.array_equal(a[name], b[name]) for name in a)


@pytest.mark.parametrize("call, match", [
    (lambda c, X: crosscoder_loss_and_grad(c, X[:, :1]), "X_layers"),
    (lambda c, X: crosscoder_loss_and_grad({**c, "b1": np.zeros(3)}, X), "coder\\['b1'\\]"),
    (lambda c, X: crosscoder_loss_and_grad(c, X, sparsity_weight=-1.0), "sparsity_weight"),
    (lambda c, X: train_crosscoder(lambda B, g: X[:B, :1], 2, 5, 7, n_steps=1), "sample"),
])
def test_bad_parameters_are_named(call, match):
    coder, X = problem_away_from_kinks()
    with pytest.raises((ValueError, TypeError), match=match):
        call(coder, X)
