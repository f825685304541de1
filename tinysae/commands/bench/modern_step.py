"""``tinysae bench``'s modern table: one training step of a sparse autoencoder against its floor.

Size M1 is lesson 08's headline model: minibatches of B = 512 examples of superposition data
(512 features in 256 dimensions), 1024 latents, ReLU + L1. A *step* is what
:func:`tinysae.modern.train_sae` does for each minibatch: draw it, check it, forward and
backward pass, Adam, decoder renormalisation. Its floor is the five matrix products of the
step (X·W1ᵀ, a2·W2ᵀ, δ3ᵀ·a2, δ3·W2, δ2ᵀ·X, as for S1–S3) on the same shapes and dtype.

The cost of a step depends on how many latents fire, so the fast step is timed twice: with
the dense codes of a fresh model (about half the latents fire, L0 ≈ n_h / 2) and with codes
as sparse as a trained model's (L0 ≈ TRAINED_L0: each latent's bias set to fire on
TRAINED_L0 / n_h of the examples). The learning rate is tiny, so that every timed step
starts from the same codes; the work per step does not depend on it. Each setting of
threads is its own round-robin: one thread (BLAS pools at 1, ``n_threads=1``), and one per
core (numpy's BLAS pool at that many threads for the floor and the readable step; the fast
step's own workers, each with a one-thread BLAS). The fast step is timed over PIPELINE
steps in a row, as ``train_sae`` takes them: with workers, each minibatch is drawn while
they still finish the previous step's update.
"""

import time

import numpy as np

from tinysae.commands.bench.timing import floor_ratios, gemm_floor, round_robin
from tinysae.runtime.blas_threads import available_cores, limit_blas_threads
from tinysae.validation.checks import check_data
from tinysae.training.adam import adam_init
from tinysae.modern.fast_step import FastStep
from tinysae.modern.sae import init_sae, sae_loss_and_grad
from tinysae.modern.superposition import firing_probabilities, ground_truth_features, sampler
from tinysae.modern.training import projected_step

#: name: (n_visible, n_latents, batch size B, L1 weight β); quick runs use QUICK_SIZE
MODERN_SIZES = {"M1": (256, 1024, 512, 0.05)}
QUICK_SIZE = (32, 64, 64, 0.05)
#: features of the superposition data, features active per example
N_FEATURES, MEAN_ACTIVE = 512, 5.0
#: L0 of the "trained codes" state
TRAINED_L0 = 8
#: the learning rate of the timed steps (tiny: the codes stay as they are)
TIMING_RATE = 1e-9
#: fast steps per timed call (its time is divided by this)
PIPELINE = 4


def modern_states(n_v, n_h, B, seed=0):
    """(sample, fresh params, params with trained-like sparse codes) for a size."""
    rng = np.random.default_rng(seed)
    sample = sampler(ground_truth_features(N_FEATURES, n_v, rng),
                     firing_probabilities(N_FEATURES, MEAN_ACTIVE))
    X = sample(4 * B, rng)  # (4B, n_v)
    fresh = init_sae(n_v, n_h, rng, X.mean(axis=0))
    z2 = (X - fresh["b2"]) @ fresh["W1"].T  # (4B, n_h)
    trained = {**fresh, "b1": -np.quantile(z2, 1 - TRAINED_L0 / n_h, axis=0)}  # (n_h,)
    return sample, fresh, trained


def modern_contenders(size, n_threads, dtypes=(np.float32, np.float64), seed=0):
    """{label: (callable, factor)}: ms per step = ms per call × factor; each step draws its
    minibatch."""
    n_v, n_h, B, beta = size
    sample, fresh, trained = modern_states(n_v, n_h, B, seed)
    rng = np.random.default_rng(seed + 1)
    runs = {}
    for dt in dtypes:
        name = np.dtype(dt).name

        def batch(dt=dt):  # as the readable train_sae drew its minibatches
            return check_data("sample", sample(B, rng), n_v, dt)  # (B, n_v)

        def fill(buffer=np.empty((B, n_v), dt)):  # as train_sae draws them now
            return sample.fill(buffer, rng)  # (B, n_v)

        readable = {n: p.astype(dt) for n, p in fresh.items()}
        state = adam_init(readable)

        def readable_step(params=readable, state=state, batch=batch):
            _, grads = sae_loss_and_grad(params, batch(), sparsity_weight=beta)
            projected_step(params, grads, state, TIMING_RATE)

        steps = {codes: FastStep(params, B, sparsity_weight=beta, dtype=dt, n_threads=n_threads)
                 for codes, params in (("fresh", fresh), ("trained", trained))}
        l0 = {codes: _l0(step, fill) for codes, step in steps.items()}
        runs.update({
            f"readable step {name}": (readable_step, 1.0),
            **{f"fast step {name}, L0 {l0[codes]:.0f}": (_steps(step, fill), 1 / PIPELINE)
               for codes, step in steps.items()},
            f"sampling only {name}": (fill, 1.0),
            f"floor {name}": (gemm_floor(batch(), n_h), 1.0),
        })
    return runs


def _steps(step, batch):
    """PIPELINE steps as train_sae takes them (each minibatch drawn while the workers still
    update the parameters from the step before), then wait for the last update."""
    def steps():
        for _ in range(PIPELINE):
            step.step(batch(), TIMING_RATE)
        step.finish()
    return steps


def _l0(step, batch):
    step.step(batch(), TIMING_RATE)
    return step.l0


def modern_table(names, repeats, quick=False, cpu=False):
    """Print ms per step and the ratio to the floor of the same dtype and threads."""
    if not names:
        return
    kind = "CPU ms, one thread" if cpu else "wall ms"
    print(f"\n## Speed, modern: {kind} per training step (minibatch drawn, forward, "
          f"backward, Adam, renormalisation), {repeats} rounds, round-robin")
    print("   (L0: latents active per example, in a fresh model and with codes as sparse as a "
          "trained one's;\n    × floor: over the same round's floor call of the same dtype and "
          "threads, median; best: fastest over fastest)")
    cores = available_cores()
    settings = {"1 thread": 1} if cpu or cores == 1 else {"1 thread": 1, f"{cores} threads": cores}
    print(f"{'size':<4} {'shape (n_v, n_h, B)':<22} {'threads':<10} {'implementation':<28} "
          f"{'median ms':>10} {'× floor':>8} {'best ms':>10} {'× floor':>8}")
    for name in names:
        size = QUICK_SIZE if quick else MODERN_SIZES[name]
        for threads, n in settings.items():
            clock = time.process_time if cpu else time.perf_counter
            with limit_blas_threads(numpy_threads=n):
                times = round_robin(modern_contenders(size, n), repeats, clock=clock)
            for label, med, ratio, best, best_ratio in floor_ratios(times):
                print(f"{name:<4} {str(size[:2] + size[2:3]):<22} {threads:<10} {label:<28} "
                      f"{med:>10.2f} {ratio:>8.2f} {best:>10.2f} {best_ratio:>8.2f}")
        print(f"     (ReLU + L1, β = {size[3]:g}; superposition data, {N_FEATURES} features)")
