"""The fast training step against the readable one: the same parameters after every step.

Run:   pytest -v -s tests/test_modern_fast_step.py

The readable step is ``sae_loss_and_grad`` then ``projected_step`` (tinysae.modern.training),
what ``train_sae(..., fast=False)`` runs; ``fast=True`` runs the same update through
``FastStep``. Both are fed the same minibatches
from the same seed, in float64, through both backward paths (dense products, and sparse
ones below ``SPARSE_BELOW`` active entries), with one and two worker threads, with
resampling of dead latents on the way.
"""

import numpy as np
import pytest

from tinysae.validation.checks import check_data
from tinysae.modern import fast_step
from tinysae.training.adam import adam_init
from tinysae.modern.fast_step import FastStep
from tinysae.modern.sae import init_sae, sae_loss_and_grad
from tinysae.modern.superposition import firing_probabilities, ground_truth_features, sampler
from tinysae.modern.training import learning_rate_at, projected_step, train_sae

N_FEATURES, N_VISIBLE, N_LATENTS, BATCH = 40, 16, 48, 64
AGREEMENT = 1e-12  # max |θ_fast − θ_readable| / max |θ_readable|; typical 1e-15

SAMPLE = sampler(ground_truth_features(N_FEATURES, N_VISIBLE, rng=0),
                 firing_probabilities(N_FEATURES, 3.0))


def disagreement(fast, readable):
    return max(np.max(np.abs(fast[n] - readable[n])) / np.max(np.abs(readable[n]))
               for n in readable)


CASES = {
    "ReLU + L1": dict(activation="relu", sparsity_weight=3.0),
    "ReLU, no L1": dict(activation="relu"),
    "TopK k=3": dict(activation="topk", k=3),
    "TopK k=3 + L1": dict(activation="topk", k=3, sparsity_weight=0.1),
}


@pytest.mark.parametrize("sparse_below", [0.0, 1.0], ids=["dense path", "sparse path"])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_fast_step_follows_the_readable_step(case, n_threads, sparse_below, monkeypatch):
    monkeypatch.setattr(fast_step, "SPARSE_BELOW", sparse_below)
    hyper = dict(CASES[case], dead_window=2 * BATCH, resample_every=4, n_steps=20,
                 batch_size=BATCH, learning_rate=1e-2, resample_until=1.0, rng=1)
    readable = train_sae(SAMPLE, N_VISIBLE, N_LATENTS, fast=False, **hyper)
    result = train_sae(SAMPLE, N_VISIBLE, N_LATENTS, fast=True, n_threads=n_threads, **hyper)
    worst = disagreement(result.params, readable.params)
    print(f"\n    {case:<15} {n_threads} thread(s), sparse below {sparse_below:g}: "
          f"max relative difference {worst:.1e} after 20 steps ({readable.resampled} resampled)")
    assert worst < AGREEMENT
    assert result.resampled == readable.resampled
    for key in ("loss", "l0", "dead"):  # the logged rows agree too
        np.testing.assert_allclose(result.history[key], readable.history[key], rtol=1e-9)


def test_the_two_backward_paths_meet_at_the_threshold():
    """Codes of an untrained model are dense, of a trained one sparse: both paths are taken
    in one run of train_sae with the default threshold, and the result still agrees."""
    readable = train_sae(SAMPLE, N_VISIBLE, N_LATENTS, n_steps=30, batch_size=BATCH,
                         learning_rate=1e-2, sparsity_weight=1.0, rng=2, fast=False).params
    l0s, rng = [], np.random.default_rng(2)
    step = FastStep(init_sae(N_VISIBLE, N_LATENTS, rng, SAMPLE(4 * BATCH, rng).mean(axis=0)),
                    BATCH, sparsity_weight=1.0, n_threads=1)
    for i in range(30):
        step.step(check_data("sample", SAMPLE(BATCH, rng)), learning_rate_at(i, 30, 1e-2))
        l0s.append(step.l0)
    threshold = fast_step.SPARSE_BELOW * N_LATENTS
    print(f"\n    L0 from {l0s[0]:.1f} to {l0s[-1]:.1f}; sparse path below {threshold:.1f}")
    assert l0s[0] > threshold > l0s[-1]
    assert disagreement(step.params(), readable) < AGREEMENT


def test_float32_step_is_close_to_float64():
    runs = [train_sae(SAMPLE, N_VISIBLE, N_LATENTS, n_steps=10, batch_size=BATCH, rng=3,
                      sparsity_weight=0.3, dtype=dtype).params
            for dtype in (np.float64, np.float32)]
    assert disagreement(runs[1], runs[0]) < 1e-4


def test_topk_ties_keep_k_latents_as_the_reference_does():
    """Latents 1 and 2 copies of latent 0, with a bias that puts them on top: in most rows
    the three tie at the k-th largest value (k = 2), and both paths must still keep exactly
    k per row, choosing as the reference's argpartition does."""
    rng = np.random.default_rng(4)
    params = init_sae(N_VISIBLE, N_LATENTS, rng, SAMPLE(4 * BATCH, rng).mean(axis=0))
    params["b1"][0] = 1.0
    for copy in (1, 2):
        params["W1"][copy], params["W2"][:, copy] = params["W1"][0], params["W2"][:, 0]
        params["b1"][copy] = params["b1"][0]
    readable, state = {n: p.copy() for n, p in params.items()}, adam_init(params)
    step = FastStep(params, BATCH, activation="topk", k=2, n_threads=1)
    for _ in range(5):
        X = check_data("sample", SAMPLE(BATCH, rng))  # (B, n_v)
        _, grads = sae_loss_and_grad(readable, X, activation="topk", k=2)
        readable, state = projected_step(readable, grads, state, 1e-2)
        step.step(X, 1e-2)
        assert step.l0 <= 2
    assert disagreement(step.params(), readable) < AGREEMENT


def test_an_overflow_is_an_error_naming_the_data():
    with pytest.raises(ValueError, match="overflows.*'X'"):
        train_sae(lambda n, r: 1e30 * r.standard_normal((n, 4)), 4, 8, n_steps=2, batch_size=8,
                  dtype=np.float32)


def test_an_error_mid_training_leaves_the_blas_threads_as_they_were():
    """The step holds numpy's BLAS at one thread while its workers update the parameters;
    an error in between (here from the data) must not leave it there."""
    from tinysae.runtime.blas_threads import blas_pools
    before = [pool["num_threads"] for pool in blas_pools()]
    calls = []

    def failing(n, rng):
        calls.append(n)
        if len(calls) > 3:
            raise RuntimeError("the data source broke")
        return SAMPLE(n, rng)

    with pytest.raises(RuntimeError, match="broke"):
        train_sae(failing, N_VISIBLE, N_LATENTS, n_steps=10, batch_size=BATCH, n_threads=2)
    assert [pool["num_threads"] for pool in blas_pools()] == before
