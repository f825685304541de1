"""Lesson 09 — TopK latents and dead latents, against L1 at the same L0.

Goal: L1 buys sparsity by shrinking every active latent towards zero, so reconstructions
come out too small, and its L0 is only set indirectly through λ. TopK (Gao et al. 2024)
sets the sparsity directly: keep the k largest pre-activations of each example, zero the
rest, then ReLU. Its backward pass is just the mask of kept latents (gradient-checked in
tests/test_modern_sae.py). With a hard k, latents that lose every contest stop receiving
gradient and die; we detect them (silent on the last DEAD_WINDOW examples) and resample
them at the examples the model reconstructs worst.

Same data as lesson 08: 512 known features in 256 dimensions, about 5 active per example.

Command:   python lessons/09_topk.py        (add --quick for the test suite)

What you will see (full run, on both cores; `tinysae bench --lessons 09` times it: 73 s on
a busy 2-core machine, load about 3.5, with 91 s of CPU): a table of TopK runs (k = 3, 5, 8)
and L1 runs whose λ (0.3, 0.1, 0.03) spans the same L0 range, all with 600 steps of 1024
examples. 09_frontier.png plots FVU and MMCS against L0: at a matched L0 TopK reconstructs
better (k = 8: L0 6.6, FVU ≈ 0.02; λ = 0.1: L0 7.4, FVU ≈ 0.08), because it does not shrink
what it keeps, and in this short run it also finds more features (MMCS ≈ 0.93 against
≈ 0.71). 09_dead.png shows the dead-latent count during training for TopK k = 5: without
resampling about 200 of the 512 latents die and stay dead (MMCS ≈ 0.64); with it almost
none do until resampling stops, after which a few dozen re-pointed latents that found
nothing die again.
"""

import time

import numpy as np
from matplotlib.figure import Figure

from tinysae.lessonkit import lesson_args
from tinysae.modern import (evaluate, firing_probabilities, ground_truth_features,
                            sample_superposition, sampler, train_sae)
from tinysae.blas_threads import limit_blas_threads

# %% Hyperparameters
N_FEATURES = 512          # n_f: ground-truth features (as lesson 08)
N_VISIBLE = 256           # n_v: dimensions
MEAN_ACTIVE = 5.0         # features firing in an average example
DECAY = 0.99              # firing probability p_f ∝ DECAY^f
N_LATENTS = 512           # n_h: as many latents as true features, so a dead latent is a lost one
TOPK_KS = (3, 5, 8)       # k of the TopK runs
L1_WEIGHTS = (0.3, 0.1, 0.03)  # λ of the L1 runs, chosen to span a similar L0 range
N_STEPS = 600             # Adam steps per run
BATCH_SIZE = 1024         # fresh examples per step
LEARNING_RATE = 3e-3      # Adam's α (decays linearly to 0 over the last 20% of steps)
DEAD_WINDOW = 20_000      # a latent silent on this many examples is dead ...
RESAMPLE_EVERY = 25       # ... and resampled every this many steps ...
RESAMPLE_UNTIL = 0.8      # ... during this leading share of the training
EVAL_EXAMPLES = 8192      # held-out examples for the metrics
SEED = 0

args = lesson_args(__doc__, "09_topk")
if args.quick:
    N_LATENTS, N_STEPS, TOPK_KS, L1_WEIGHTS, EVAL_EXAMPLES = 128, 40, (3, 5), (0.3, 0.1), 1024
    DEAD_WINDOW, RESAMPLE_EVERY, BATCH_SIZE = 2000, 10, 128
rng = np.random.default_rng(SEED)

# %% The data (as lesson 08)
F = ground_truth_features(N_FEATURES, N_VISIBLE, rng)  # (n_f, n_v)
p = firing_probabilities(N_FEATURES, MEAN_ACTIVE, DECAY)  # (n_f,)
X_eval, _ = sample_superposition(F, p, EVAL_EXAMPLES, rng)  # (m, n_v)
sample = sampler(F, p)  # sample(n, generator): a fresh minibatch (n, n_v) for training


def run(activation, *, k=None, sparsity_weight=0.0, resample=True, seed=SEED):
    """Train one SAE; return its metrics on X_eval and its training history."""
    start = time.perf_counter()
    with limit_blas_threads(numpy_threads=1):
        result = train_sae(sample, N_VISIBLE, N_LATENTS, activation=activation, k=k,
                           sparsity_weight=sparsity_weight, n_steps=N_STEPS, batch_size=BATCH_SIZE,
                           learning_rate=LEARNING_RATE, dead_window=DEAD_WINDOW,
                           resample_every=RESAMPLE_EVERY if resample else None,
                           resample_until=RESAMPLE_UNTIL, rng=seed, dtype=np.float32)
    row = evaluate(F, result.params, X_eval, activation, k)
    row.update(seconds=time.perf_counter() - start, resampled=result.resampled)
    print(f"{activation} k={k} λ={sparsity_weight:g} resample={resample}: L0 {row['l0']:.2f}, "
          f"MMCS {row['mmcs']:.3f} in {row['seconds']:.0f} s", flush=True)
    return row, result.history


# %% TopK at several k, and L1 at several λ, all with resampling
rows, histories = {}, {}
for k in TOPK_KS:
    rows[f"TopK k={k}"], histories[f"TopK k={k}"] = run("topk", k=k)
for sparsity_weight in L1_WEIGHTS:
    rows[f"L1 λ={sparsity_weight:g}"], _ = run("relu", sparsity_weight=sparsity_weight)

# %% Dead latents: TopK without resampling
k_mid = TOPK_KS[len(TOPK_KS) // 2]
name = f"TopK k={k_mid}, no resampling"
rows[name], histories[name] = run("topk", k=k_mid, resample=False)

# %% The table
print(f"{'model':<28}{'MMCS':>7}{'recovered':>11}{'L0':>8}{'FVU':>8}{'dead':>6}"
      f"{'resampled':>11}{'s':>6}")
for name, r in rows.items():
    print(f"{name:<28}{r['mmcs']:>7.3f}{r['recovered']:>10.1%}{r['l0']:>8.2f}{r['fvu']:>8.3f}"
          f"{r['dead']:>6d}{r['resampled']:>11d}{r['seconds']:>6.0f}")

# %% Figure: the sparsity–reconstruction frontier, TopK against L1
fig = Figure(figsize=(11, 4), layout="constrained")
ax_fvu, ax_mmcs = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
for family, marker in (("TopK k=", "o-"), ("L1 λ=", "s--")):
    family_rows = sorted((r for n, r in rows.items() if n.startswith(family)
                          and "no resampling" not in n), key=lambda r: r["l0"])
    ax_fvu.plot([r["l0"] for r in family_rows], [r["fvu"] for r in family_rows], marker,
                label=family.split()[0])
    ax_mmcs.plot([r["l0"] for r in family_rows], [r["mmcs"] for r in family_rows], marker,
                 label=family.split()[0])
    for name, r in rows.items():
        if name.startswith(family) and "no resampling" not in name:
            ax_fvu.annotate(name.split()[1], (r["l0"], r["fvu"]), fontsize=7)
            ax_mmcs.annotate(name.split()[1], (r["l0"], r["mmcs"]), fontsize=7)
ax_fvu.set(xlabel="L0 (latents active per example)", ylabel="FVU", yscale="log",
           title="Reconstruction at a given sparsity")
ax_mmcs.set(xlabel="L0 (latents active per example)", ylabel="MMCS", title="Feature recovery")
ax_fvu.legend()
fig.savefig(args.out / "09_frontier.png", dpi=120)

# %% Figure: dead latents during training, with and without resampling
fig = Figure(figsize=(6, 4), layout="constrained")
ax = fig.add_subplot(1, 1, 1)
for name in (f"TopK k={k_mid}", f"TopK k={k_mid}, no resampling"):
    ax.plot(histories[name]["step"], histories[name]["dead"], label=name)
ax.axvline(RESAMPLE_UNTIL * N_STEPS, color="grey", ls="--", lw=0.8)
ax.annotate("resampling stops", (RESAMPLE_UNTIL * N_STEPS, 0), fontsize=8, rotation=90,
            va="bottom", ha="right")
ax.set(xlabel="Adam step", ylabel=f"dead latents (silent for {DEAD_WINDOW} examples)",
       title=f"{N_LATENTS} latents")
ax.legend()
fig.savefig(args.out / "09_dead.png", dpi=120)
print(f"figures written to {args.out}")
