"""Lesson 09 — TopK latents and dead latents, against L1 at the same L0.

Goal: L1 buys sparsity by shrinking every active latent towards zero, so reconstructions
come out too small, and its L0 is only set indirectly through β. TopK (Gao et al. 2024)
sets the sparsity directly: keep the k largest pre-activations of each example, zero the
rest, then ReLU. Its backward pass is just the mask of kept latents (gradient-checked in
tests/test_modern_sae.py). With a hard k, latents that lose every contest stop receiving
gradient and die. Here we detect them (silent on the last DEAD_WINDOW examples) and resample
them at the examples the model reconstructs worst (Bricken et al. 2023). That is one cure,
not the only one: Gao et al. prevent dead latents instead, by initialising the encoder as
the decoder's transpose and adding an auxiliary loss, AuxK, in which the dead latents'
top activations must explain what the live ones leave unexplained (neither is implemented
in tinysae).

Same data as lesson 08: 512 known features in 256 dimensions, about 5 active per example.

Command:   python lessons/09_topk.py        (add --quick for the test suite)
Full run:  32 s on 2 cores, 53 s of CPU (`tinysae bench --lessons 09`).

What you will see (full run, on both cores): a table of TopK runs (k = 3, 5, 8)
and L1 runs whose β (0.3, 0.1, 0.03) spans the same L0 range, all with 600 steps of 1024
examples. 09_frontier.png plots FVU and MMCS against L0: at a matched L0 TopK reconstructs
better (k = 8: L0 6.6, FVU ≈ 0.02; β = 0.1: L0 7.4, FVU ≈ 0.08), because it does not shrink
what it keeps, and in this short run it also finds more features (MMCS ≈ 0.93 against
≈ 0.71). 09_dead.png shows the dead-latent count during training for TopK k = 5: without
resampling about 200 of the 512 latents die and stay dead (MMCS ≈ 0.64); with it almost
none do until resampling stops, after which a few dozen re-pointed latents that found
nothing die again. 09_density.png, the feature-density histogram (log10 of how often each
latent fires) of the same two runs: with resampling, 49 latents never fire on the held-out
examples and 104 fire on under 0.1% of them — the true features' firing probabilities go
down to 0.0003, so rare latents are what a good dictionary needs here; without it, 217
never fire and 20 are that rare.

With --quick, the same runs on a problem 4 times smaller (128 features in 64 dimensions)
take seconds: TopK finds more features than L1 (MMCS about 0.93 against 0.77). Reference
picture: lessons/figures/09_frontier.png; lessons/README.md has it with the full run's
numbers and questions to try.
"""

# %%
import time

import numpy as np

from tinysae.lessonkit import lesson_args
from tinysae.modern import (
    evaluate,
    firing_frequencies,
    firing_probabilities,
    ground_truth_features,
    sae_forward,
    sample_superposition,
    sampler,
    train_sae,
)
from tinysae.pictures import metrics_table, plot_dead_latents, plot_feature_density, plot_frontier

# %% [markdown]
# ## Hyperparameters

# %%
N_FEATURES = 512          # n_f: ground-truth features (as lesson 08)
N_VISIBLE = 256           # n_v: dimensions
MEAN_ACTIVE = 5.0         # features firing in an average example
DECAY = 0.99              # firing probability p_f ∝ DECAY^f
N_LATENTS = 512           # n_h: as many latents as true features, so a dead latent is a lost one
TOPK_KS = (3, 5, 8)       # k of the TopK runs
L1_WEIGHTS = (0.3, 0.1, 0.03)  # β of the L1 runs, chosen to span a similar L0 range
N_STEPS = 600             # Adam steps per run
BATCH_SIZE = 1024         # fresh examples per step
LEARNING_RATE = 3e-3      # Adam's α (decays linearly to 0 over the last 20% of steps)
DEAD_WINDOW = 20_000      # a latent silent on this many examples is dead ...
RESAMPLE_EVERY = 25       # ... and resampled every this many steps ...
RESAMPLE_UNTIL = 0.8      # ... during this leading share of the training
EVAL_EXAMPLES = 8192      # held-out examples for the metrics
SEED = 0

args = lesson_args(__doc__, "09_topk")
if args.quick:  # a smaller problem (128 features in 64 dimensions) and shorter runs
    N_FEATURES, N_VISIBLE, N_LATENTS = 128, 64, 128         # the problem
    N_STEPS, BATCH_SIZE, EVAL_EXAMPLES = 400, 256, 2048     # training and measuring
    TOPK_KS, L1_WEIGHTS = (3, 5), (0.3, 0.1)                # the runs
    DEAD_WINDOW, RESAMPLE_EVERY = 5000, 10                  # resampling
    print("quick run: 128 features in 64 dimensions, short runs; the full run's problem\n"
          "  is 4 times larger and its numbers are in the docstring")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The data (as lesson 08)

# %%
F = ground_truth_features(N_FEATURES, N_VISIBLE, rng)  # (n_f, n_v)
p = firing_probabilities(N_FEATURES, MEAN_ACTIVE, DECAY)  # (n_f,)
X_eval, _ = sample_superposition(F, p, EVAL_EXAMPLES, rng)  # (m, n_v)
sample = sampler(F, p)  # sample(n, generator): a fresh minibatch (n, n_v) for training


# %% [markdown]
# ## One run: train a TopK or L1 SAE, measure it on held-out data

# %%
def run(activation, *, k=None, sparsity_weight=0.0, resample=True, seed=SEED):
    """Train one SAE; return its metrics on X_eval and its training history."""
    start = time.perf_counter()
    result = train_sae(sample, N_VISIBLE, N_LATENTS, activation=activation, k=k,
                       sparsity_weight=sparsity_weight, n_steps=N_STEPS, batch_size=BATCH_SIZE,
                       learning_rate=LEARNING_RATE, dead_window=DEAD_WINDOW,
                       resample_every=RESAMPLE_EVERY if resample else None,
                       resample_until=RESAMPLE_UNTIL, rng=seed, dtype=np.float32)
    row = evaluate(F, result.params, X_eval, activation, k)
    row.update(seconds=time.perf_counter() - start, resampled=result.resampled,
               frequencies=firing_frequencies(sae_forward(result.params, X_eval, activation,
                                                          k)["a2"]))
    print(f"{activation} k={k} β={sparsity_weight:g} resample={resample}: L0 {row['l0']:.2f}, "
          f"MMCS {row['mmcs']:.3f} in {row['seconds']:.0f} s", flush=True)
    return row, result.history


# %% [markdown]
# ## TopK at several k, and L1 at several β, all with resampling

# %%
topk = {k: run("topk", k=k) for k in TOPK_KS}  # k → (row, history)
l1 = {weight: run("relu", sparsity_weight=weight)[0] for weight in L1_WEIGHTS}  # β → row

# %% [markdown]
# ## Dead latents: TopK without resampling

# %%
k_mid = TOPK_KS[len(TOPK_KS) // 2]
no_resampling, no_resampling_history = run("topk", k=k_mid, resample=False)

# %% [markdown]
# ## The table

# %%
rows = {**{f"TopK k={k}": row for k, (row, _) in topk.items()},
        **{f"L1 β={weight:g}": row for weight, row in l1.items()},
        f"TopK k={k_mid}, no resampling": no_resampling}
print(metrics_table(rows, ("mmcs", "recovered", "l0", "fvu", "dead", "resampled", "seconds")))
args.record(**{name: {key: row[key] for key in ("mmcs", "recovered", "l0", "fvu", "dead",
                                                "resampled")}
               | {"rare": int(np.sum((row["frequencies"] > 0) & (row["frequencies"] < 1e-3)))}
               for name, row in rows.items()})

# %% [markdown]
# ## The sparsity–reconstruction frontier, TopK against L1

# %%
args.save(plot_frontier({"TopK": {f"k={k}": row for k, (row, _) in topk.items()},
                         "L1": {f"β={weight:g}": row for weight, row in l1.items()}}),
          "09_frontier.png", main=True)

# %% [markdown]
# ## Dead latents during training, with and without resampling

# %%
args.save(plot_dead_latents({f"TopK k={k_mid}": topk[k_mid][1],
                             f"TopK k={k_mid}, no resampling": no_resampling_history},
                            n_latents=N_LATENTS, window=DEAD_WINDOW,
                            resampling_stops=RESAMPLE_UNTIL * N_STEPS), "09_dead.png")

# %% [markdown]
# ## How often each latent fires: the feature-density histogram
# log10 of each latent's firing frequency on the held-out examples, dead latents counted
# apart; with and without resampling.

# %%
args.save(plot_feature_density({f"TopK k={k_mid}, resampled": topk[k_mid][0]["frequencies"],
                                 f"TopK k={k_mid}, no resampling": no_resampling["frequencies"]},
                                title=f"How often each latent fires on {EVAL_EXAMPLES} held-out "
                                      "examples"), "09_density.png")
print(f"figures written to {args.out}")
