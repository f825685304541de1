"""Today's SAEs (tinysae.modern: auxk, jumprelu, batchtopk, architecture_training).

The gradient checks themselves are rows of the class demo (tests/test_gradient_checks.py);
here: that those checks can fail, the JumpReLU threshold's reconstruction part, the special
cases that tie the new losses to the old ones, and training end to end on small problems.
"""

import numpy as np
import pytest

from tinysae.model.gradient_check import numerical_gradient, relative_difference
from tinysae.modern import architecture_checks as checks
from tinysae.modern import auxk, jumprelu
from tinysae.modern.architecture_training import (ArchitectureResult, architecture_forward,
                                                  matryoshka_prefixes, train_architecture)
from tinysae.modern.batchtopk import (batch_topk_mask, batchtopk_loss_and_grad,
                                      matryoshka_loss_and_grad)
from tinysae.modern.sae import init_sae, reconstruction_cost, sae_loss_and_grad
from tinysae.modern.superposition import firing_probabilities, ground_truth_features, sampler


def small(seed=0, m=40, n_v=8, n_h=12):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (m, n_v))  # (m, n_v)
    params = init_sae(n_v, n_h, rng, data_mean=0.1 * rng.standard_normal(n_v))
    params["b1"] = 0.1 * rng.standard_normal(n_h)
    return params, X


# ------------------------------------------------------------- the checks can fail

def test_auxk_check_catches_a_missing_auxiliary_gradient(monkeypatch):
    monkeypatch.setattr(auxk, "aux_delta", lambda e_hat, residual, w: 0 * e_hat)
    ratio, blocks = checks.check_topk_auxk()
    assert ratio > 1e-4 and blocks["W1"] > 1e-4 and blocks["W2"] > 1e-4


def test_jumprelu_threshold_check_catches_the_wrong_sign(monkeypatch):
    """The pseudo-derivative of H with the wrong sign: the L0 row fails by 100%."""
    right = jumprelu.step_pseudo_derivative
    monkeypatch.setattr(jumprelu, "step_pseudo_derivative", lambda *a: -right(*a))
    ratio, _ = checks.check_jumprelu_threshold_l0()
    assert ratio > 1e3  # num ≈ −ana: ‖num − ana‖ / ‖num + ana‖ blows up


def test_matryoshka_check_catches_a_gradient_from_the_last_prefix_only(monkeypatch):
    from tinysae.modern import batchtopk
    monkeypatch.setattr(batchtopk, "suffix_sums", lambda deltas: [deltas[-1]] * len(deltas))
    assert checks.check_matryoshka()[0] > 1e-4


def test_auxk_row_uses_dead_latents():
    """The AuxK row is not empty: some dead latent reconstructs part of the residual."""
    params, X, _ = checks._problem(0, lambda p, X, _: 1.0)
    dead = np.isin(np.arange(checks.N_LATENTS), checks.DEAD)
    z2 = (X - params["b2"]) @ params["W1"].T + params["b1"]
    a_aux, mask, e_hat = auxk.aux_forward(z2, params["W2"], dead, checks.K_AUX)
    assert mask.any() and not mask[:, ~dead].any()


# ------------------------------------------------- JumpReLU's threshold, reconstruction part

@pytest.mark.parametrize("bandwidth", [0.2, 0.05])
def test_jumprelu_threshold_pseudo_gradient_follows_the_smoothed_reconstruction(bandwidth):
    """−(θ/ε) K against centred differences of ½‖z2 ∘ H_ε(z2 − θ) W2ᵀ + b2 − x‖² in θ: within
    10% (the jump read at θ instead of z2, the forward pass unsmoothed); the wrong sign is
    off by far more."""
    params, X = small(m=4000, n_v=16, n_h=6)
    threshold = np.random.default_rng(1).uniform(0.2, 0.6, 6)  # (n_h,)
    cache = jumprelu.jumprelu_forward(params, threshold, X)
    g = (cache["a3"] - X) @ params["W2"]  # (m, n_h)
    pseudo = jumprelu.jump_threshold_gradient(cache["z2"], threshold, g, bandwidth)  # (n_h,)

    def smoothed(t):
        a2 = cache["z2"] * jumprelu.smoothed_step(cache["z2"], t, bandwidth)  # (m, n_h)
        return reconstruction_cost(a2 @ params["W2"].T + params["b2"], X)
    fd = numerical_gradient(smoothed, threshold.copy(), eps=1e-6)  # (n_h,)
    assert np.all(pseudo != 0)
    assert relative_difference(fd, pseudo) < 0.1
    assert relative_difference(fd, -pseudo) > 1.0


def test_jumprelu_total_threshold_gradient_is_the_sum_of_its_parts():
    params, X = small()
    threshold = np.full(12, 0.3)
    _, grads, cache = jumprelu.jumprelu_loss_and_grad(params, threshold, X, 0.7, 0.2)
    g = (cache["a3"] - X) @ params["W2"]
    expected = (jumprelu.jump_threshold_gradient(cache["z2"], threshold, g, 0.2)
                + jumprelu.l0_threshold_gradient(cache["z2"], threshold, 0.7, 0.2))
    np.testing.assert_allclose(grads["threshold"], expected, rtol=1e-12)
    assert np.any(expected != 0)


# ---------------------------------------------------------- ties to the plain models

def test_auxk_without_dead_latents_is_plain_topk():
    params, X = small()
    J, grads, _ = auxk.topk_auxk_loss_and_grad(params, X, 3, None, np.zeros(12, bool), 4)
    J0, grads0 = sae_loss_and_grad(params, X, activation="topk", k=3)
    assert J == pytest.approx(J0, rel=1e-12)
    for name in grads:
        np.testing.assert_allclose(grads[name], grads0[name], rtol=1e-12, atol=1e-15)


def test_batchtopk_keeps_k_times_m_latents_in_the_batch():
    z2 = np.random.default_rng(0).standard_normal((30, 50)) + 3  # all positive
    mask = batch_topk_mask(z2, 4)
    assert mask.sum() == 4 * 30
    assert len(set(mask.sum(axis=1))) > 1  # not k per example: per batch
    assert z2[mask].min() > z2[~mask].max()


def test_matryoshka_with_one_prefix_is_batchtopk():
    params, X = small()
    J, grads, _ = matryoshka_loss_and_grad(params, X, 3, (12,))
    J0, grads0, _ = batchtopk_loss_and_grad(params, X, 3)
    assert J == pytest.approx(J0, rel=1e-12)
    for name in grads:
        np.testing.assert_allclose(grads[name], grads0[name], rtol=1e-12, atol=1e-15)


def test_matryoshka_loss_is_the_sum_over_prefixes():
    params, X = small()
    J, _, cache = matryoshka_loss_and_grad(params, X, 3, (3, 6, 12))
    parts = [reconstruction_cost(cache["a2"][:, :n] @ params["W2"][:, :n].T + params["b2"], X)
             for n in (3, 6, 12)]
    assert J == pytest.approx(sum(parts), rel=1e-12)


# ----------------------------------------------------------------------------- training

@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    F = ground_truth_features(64, 24, rng)
    return F, sampler(F, firing_probabilities(64, 3.0, 0.98))


@pytest.mark.parametrize("architecture,settings", [
    ("topk_auxk", dict(k=3)), ("batchtopk", dict(k=3)), ("matryoshka", dict(k=3)),
    ("jumprelu", dict(sparsity_weight=0.01, threshold_init=0.05, bandwidth=0.05))])
def test_training_lowers_the_loss_and_is_deterministic(toy, architecture, settings):
    F, sample = toy
    run = [train_architecture(sample, 24, 64, architecture, n_steps=150, batch_size=128,
                              learning_rate=3e-3, log_every=149, rng=7, **settings)
           for _ in range(2)]
    for name in run[0].params:
        np.testing.assert_array_equal(run[0].params[name], run[1].params[name])
    loss = run[0].history["loss"]
    assert loss[-1] < 0.7 * loss[0]
    X = sample(500, np.random.default_rng(1))
    forward = architecture_forward(run[0], X)
    assert forward["a2"].shape == (500, 64) and np.all(forward["a2"] >= 0)
    if architecture != "topk_auxk":
        assert run[0].threshold.shape == (64,) and np.all(run[0].threshold > 0)


def test_batchtopk_inference_threshold_gives_about_k(toy):
    """The global threshold, estimated during training, keeps about k latents per example."""
    F, sample = toy
    result = train_architecture(sample, 24, 64, "batchtopk", k=4, n_steps=300,
                                batch_size=256, learning_rate=3e-3, rng=0)
    a2 = architecture_forward(result, sample(2000, np.random.default_rng(2)))["a2"]
    assert 2.5 < np.count_nonzero(a2) / 2000 < 6


def test_matryoshka_prefixes_double():
    assert matryoshka_prefixes(512) == (64, 128, 256, 512)


@pytest.mark.parametrize("kwargs,name", [
    (dict(architecture="gated", k=3), "architecture"),
    (dict(architecture="topk_auxk"), "k"),
    (dict(architecture="batchtopk", k=100), "k"),
    (dict(architecture="matryoshka", k=3, prefixes=(8, 4, 64)), "prefixes"),
    (dict(architecture="matryoshka", k=3, prefixes=(8, 32)), "prefixes"),
    (dict(architecture="jumprelu", bandwidth=0.0), "bandwidth"),
])
def test_bad_arguments_are_refused_by_name(toy, kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        train_architecture(toy[1], 24, 64, n_steps=2, batch_size=8, **kwargs)
