"""Same seed, same numbers, on any number of cores: the lesson-10 SAE, trained briefly with
one worker thread and with two, comes out bit for bit the same; lesson 12's transformer
trains and reads on one BLAS thread whatever the caller set, the same on one or two; lesson
13's helpers run numpy's BLAS on one thread whatever the caller set."""

import numpy as np

from tinysae.modern import train_architecture, train_sae
from tinysae.modern.fast_step import FastStep
from tinysae.modern.sae import init_sae
from tinysae.networks import (activation_sampler, generate, init_lm,
                              next_character_probabilities, spliced_bits)
from tinysae.runtime.blas_threads import blas_pools, limit_blas_threads

# lesson 10's sizes: 128 neurons, 1024 latents, TopK k = 16, minibatches of 512
N_NEURONS, N_LATENTS, K, BATCH = 128, 1024, 16, 512


def lesson_10_sae(n_threads, activation="topk", steps=12):
    rng = np.random.default_rng(0)
    model = {n: p.astype(np.float32) for n, p in init_lm(32, 16, N_NEURONS, 1, rng).items()}
    ids = rng.integers(0, 97, size=20_000)
    return train_sae(activation_sampler(model, ids, layer=1), N_NEURONS, N_LATENTS,
                     activation=activation, k=K if activation == "topk" else None,
                     sparsity_weight=0.0 if activation == "topk" else 0.1, n_steps=steps,
                     batch_size=BATCH, dead_window=BATCH, resample_every=4, rng=1,
                     dtype=np.float32, n_threads=n_threads)


def test_the_step_is_cut_into_several_shares_whatever_the_threads():
    params = init_sae(N_NEURONS, N_LATENTS, np.random.default_rng(0))
    for n_threads in (1, 2):
        with FastStep(params, BATCH, activation="topk", k=K, n_threads=n_threads) as step:
            assert len(step.shares) == len(step.latents) > 1
            assert step.workers.n == n_threads


def test_one_thread_and_two_give_the_same_parameters_bit_for_bit():
    for activation in ("topk", "relu"):  # sparse products after the first step; dense ones
        one, two = lesson_10_sae(1, activation), lesson_10_sae(2, activation)
        assert one.resampled == two.resampled
        assert one.history == two.history
        for name in one.params:
            assert np.array_equal(one.params[name], two.params[name]), (activation, name)
        print(f"\n    {activation}: {one.resampled} resampled, every parameter identical")


def lesson_12_transformer(numpy_threads, monkeypatch):
    """Lesson 12's transformer (its sizes), a few steps, with numpy's BLAS at ``numpy_threads``
    outside; the thread count numpy's BLAS had at each step and each forward pass of the
    readers, and what the model reads."""
    from tinysae.networks import (activations_at, train_transformer,
                                  transformer_bits_per_character)
    from tinysae.networks import transformer_hooks, transformer_training
    from tinysae.runtime.blas_threads import blas_pools, limit_blas_threads

    inside, step = [], transformer_training.transformer_loss_and_grad

    def recording(model, tokens):
        inside.append([pool["num_threads"] for pool in blas_pools() if pool["numpy"]])
        return step(model, tokens)
    monkeypatch.setattr(transformer_training, "transformer_loss_and_grad", recording)
    forward = transformer_hooks.transformer_forward

    def reading(model, tokens, point):  # every forward pass of the readers
        inside.append([pool["num_threads"] for pool in blas_pools() if pool["numpy"]])
        return forward(model, tokens, point)
    monkeypatch.setattr(transformer_hooks, "transformer_forward", reading)
    ids = np.random.default_rng(0).integers(0, 97, size=20_000)
    with limit_blas_threads(numpy_threads=numpy_threads):
        lm = train_transformer(ids, 2, 48, 4, 192, 32, n_steps=4, batch_size=32, rng=1)
        fast = {name: p.astype(np.float32) for name, p in lm.params.items()}
        positions = np.arange(31, 1031)
        read = (transformer_bits_per_character(fast, ids, positions),
                activations_at(fast, ids, positions, "blocks.0.hook_resid_post"))
    return inside, lm, read


def test_the_transformer_trains_and_reads_on_one_thread_whatever_the_caller_set(monkeypatch):
    one, two = lesson_12_transformer(1, monkeypatch), lesson_12_transformer(2, monkeypatch)
    assert two[0] and all(threads == [1] for threads in two[0]), two[0]  # set by itself
    assert one[1].history == two[1].history
    for name in one[1].params:
        assert np.array_equal(one[1].params[name], two[1].params[name]), name
    assert one[2][0] == two[2][0] and np.array_equal(one[2][1], two[2][1])
    print(f"\n    lesson 12's transformer: every parameter, its bits ({one[2][0]:.4f}) and "
          "its residual stream identical")


def numpy_blas_threads():
    return [pool["num_threads"] for pool in blas_pools() if pool["numpy"]]


def test_lesson_13s_helpers_run_numpy_on_one_blas_thread_whatever_the_caller_set():
    """Training, splicing, ablating and generating each set numpy's BLAS to one thread
    themselves (a product's rounding may depend on how its sum is cut among threads), so a
    lesson needs no thread block around them; the caller's setting is back afterwards."""
    rng = np.random.default_rng(0)
    model = init_lm(8, 4, 16, 1, rng)
    ids = rng.integers(0, 97, size=400)
    positions = np.arange(20, 60)
    seen = []

    def watched(a):  # an edit, a replacement, a sampler: each records the threads it runs on
        seen.append(numpy_blas_threads())
        return a

    with limit_blas_threads(numpy_threads=2):
        train_architecture(lambda B, r: watched(r.standard_normal((B, 6))), 6, 8, "batchtopk",
                           k=2, n_steps=5, batch_size=16, rng=0)
        spliced_bits(model, ids, positions, 1, watched)
        next_character_probabilities(model, ids, positions, 1, watched)
        generate(model, ids[:8], 2, np.random.default_rng(0), edit=watched)
        assert numpy_blas_threads() == [2] * len(numpy_blas_threads())
    assert len(seen) == 1 + 5 + 1 + 1 + 2  # first batch, 5 steps; then each call's edits
    assert all(threads == [1] * len(threads) for threads in seen), seen
