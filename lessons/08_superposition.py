"""Lesson 08 — features out of superposition: a ReLU + L1 sparse autoencoder finds them; 2008's, on a far smaller budget, does not.

Goal: today's main use of sparse autoencoders is to decompose a network's activations into
interpretable features. A network can store more features than it has dimensions if each is
rarely active ("superposition"). We build such data with a known answer — 512 random unit
directions in 256 dimensions, each example a sparse non-negative mix of about 5 of them, the
features' firing probabilities decaying as 0.99^f — and ask two autoencoders to find them:

- the modern one (tinysae.modern): ReLU latents, an L1 penalty, a pre-encoder bias, tied
  initialisation, unit-norm decoder columns, hand-written Adam on fresh minibatches, dead
  latents resampled at badly reconstructed examples;
- the 2008 one (tinysae.model.sparse_autoencoder): sigmoid units and the KL penalty, with a linear
  decoder because these inputs are not in [0, 1], trained by L-BFGS.

The comparison is not like for like, and the lesson does not pretend it is: L-BFGS takes the
whole batch at every iteration, so the 2008 model gets 2000 examples and 100 iterations,
where each modern run sees 2 M fresh examples over 4000 Adam steps. What it shows is that
the 2008 recipe, at the budget it was made for, does not find features in superposition;
whether it would with a thousand times the data is a question to try.

A true feature counts as found when some decoder column points the same way (cosine > 0.9);
MMCS is the mean, over the true features, of the best cosine.

Command:   python lessons/08_superposition.py        (add --quick for the test suite)
Full run:  1 min 50 s on 2 cores, 3 min 1 s of CPU (`tinysae bench --lessons 08`).

What you will see (full run: 2 × 4000 Adam steps, a 9-run sweep and an L-BFGS fit). The
metrics table:

    model                                        MMCS  recovered   L0    FVU   dead
    ReLU+L1 SAE, 1024 latents                   0.997     99.6%   8.3   0.020   258
    ReLU+L1 SAE,  512 latents                   0.940     91.0%   6.8   0.022     1
    2008 sigmoid+KL, 512 hidden (2000 examples) 0.240      0.0%   n/a   0.232   n/a

The 1024-latent SAE finds all but 2 of the 512 features. It has 512 latents more than there
are features; those that find none fall silent, hence the dead count. With 512 latents there is none to
spare and the rarest features are missed. The 2008 model reconstructs part of the data
(FVU 0.23), but its decoder columns are blends: its MMCS is barely above that of a random
dictionary of as many columns (0.19; tests/test_modern_metrics.py derives ≈ 0.20).
08_recovery.png plots each true feature's best cosine against how often it fires, the
random dictionary's range as a grey band: the SAE misses only rare features, and the 2008
model rises above the band on the most frequent ones only. 08_tradeoff.png sweeps
dictionary size × β with shorter runs (the stars: the 4000-step runs above). MMCS peaks at
β = 0.05 for every size: too small a β leaves codes dense and features blended, too large a
β costs reconstruction; at a given L0, 256 latents reconstruct worse than 512 or 1024.

With --quick, the same experiment on a problem 4 times smaller (128 features in 64
dimensions) with short runs takes seconds: the SAE already finds most features (MMCS about
0.93), the 2008 model, with 1000 examples and 50 iterations, does not (about 0.39, against
0.32 for a random dictionary in 64 dimensions). Reference picture:
lessons/figures/08_recovery.png; lessons/README.md has it with the full run's numbers and
questions to try.
"""

# %%
import time

import numpy as np

import tinysae
from tinysae.lessonkit import lesson_args
from tinysae.modern import (
    RECOVERY_THRESHOLD,
    evaluate,
    firing_probabilities,
    ground_truth_features,
    max_cosines,
    sample_superposition,
    sampler,
    summary,
    train_2008,
    train_sae,
)
from tinysae.pictures import metrics_table, plot_dictionary_sweep, plot_recovery

# %% [markdown]
# ## Hyperparameters

# %%
N_FEATURES = 512          # n_f: ground-truth features
N_VISIBLE = 256           # n_v: dimensions of each example
MEAN_ACTIVE = 5.0         # features firing in an average example
DECAY = 0.99              # firing probability p_f ∝ DECAY^f
L1_WEIGHT = 0.05          # β: weight of the L1 penalty on the latents
DICTIONARY_SIZES = (1024, 512)  # n_h of the two headline runs
N_STEPS = 4000            # Adam steps of a headline run (2M examples)
BATCH_SIZE = 512          # fresh examples per step
LEARNING_RATE = 3e-3      # Adam's α (decays linearly to 0 over the last 20% of steps)
DEAD_WINDOW = 20_000      # a latent silent this many examples is dead ...
RESAMPLE_EVERY = 50       # ... and is resampled every this many steps ...
RESAMPLE_UNTIL = 0.6      # ... during this leading share of the training
SWEEP_SIZES = (256, 512, 1024)   # dictionary sizes of the trade-off sweep
SWEEP_L1 = (0.02, 0.05, 0.2)  # L1 weights of the trade-off sweep
SWEEP_STEPS = 1000        # Adam steps of each sweep run
BASELINE_EXAMPLES = 2000  # m for the 2008 model (L-BFGS uses the full batch)
BASELINE_HIDDEN = 512     # n_h of the 2008 model
BASELINE_ITER = 100       # L-BFGS iterations
BASELINE_HYPER = dict(weight_decay=1e-4, sparsity_target=0.05, sparsity_weight=3.0)  # λ, ρ, β
EVAL_EXAMPLES = 8192      # held-out examples for L0, FVU and dead latents
SEED = 0

args = lesson_args(__doc__, "08_superposition")
if args.quick:  # a smaller problem (128 features in 64 dimensions) and shorter runs
    N_FEATURES, N_VISIBLE, EVAL_EXAMPLES = 128, 64, 2048        # the problem
    DICTIONARY_SIZES, L1_WEIGHT = (256, 128), 0.15               # the headline runs ...
    N_STEPS, BATCH_SIZE = 600, 256                               # ... and their training
    SWEEP_SIZES, SWEEP_L1, SWEEP_STEPS = (128, 256), (0.05, 0.15, 0.5), 200  # the sweep
    BASELINE_EXAMPLES, BASELINE_HIDDEN, BASELINE_ITER = 1000, 128, 50        # the 2008 model
    print("quick run: 128 features in 64 dimensions, short runs; the full run's problem\n"
          "  is 4 times larger and its numbers are in the docstring")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The data: known features in superposition
# 512 unit directions in 256 dimensions; each example a sparse non-negative mix of a few.

# %%
F = ground_truth_features(N_FEATURES, N_VISIBLE, rng)  # (n_f, n_v) one unit feature per row
p = firing_probabilities(N_FEATURES, MEAN_ACTIVE, DECAY)  # (n_f,)
X_eval, _ = sample_superposition(F, p, EVAL_EXAMPLES, rng)  # (m, n_v) held out
sample = sampler(F, p)  # sample(n, generator): a fresh minibatch (n, n_v) for training

print(f"{N_FEATURES} features in {N_VISIBLE} dimensions; p_f from {p[0]:.4f} down to "
      f"{p[-1]:.5f}; {MEAN_ACTIVE:g} active per example on average")


# %% [markdown]
# ## One run of the modern SAE: train on fresh minibatches, measure on held-out data

# %%
def train_and_measure(n_latents, sparsity_weight, n_steps, seed):
    """Train one ReLU + L1 SAE; its metrics on X_eval and its decoder."""
    start = time.perf_counter()
    result = train_sae(sample, N_VISIBLE, n_latents, sparsity_weight=sparsity_weight,
                       n_steps=n_steps, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                       dead_window=DEAD_WINDOW, resample_every=RESAMPLE_EVERY,
                       resample_until=RESAMPLE_UNTIL, rng=seed, dtype=np.float32)
    row = evaluate(F, result.params, X_eval)
    return {**row, "seconds": time.perf_counter() - start}, result.params["W2"]


# %% [markdown]
# ## The modern SAE at two dictionary sizes

# %%
rows, decoders, headline = {}, {}, {}  # headline: the same rows by dictionary size
for n_latents in DICTIONARY_SIZES:
    name = f"ReLU+L1 SAE, {n_latents} latents"
    rows[name], decoders[name] = train_and_measure(n_latents, L1_WEIGHT, N_STEPS, SEED + n_latents)
    headline[n_latents] = rows[name]
    print(f"{name}: MMCS {rows[name]['mmcs']:.3f} in {rows[name]['seconds']:.0f} s")

# %% [markdown]
# ## The 2008 model on the same data
# Sigmoid units, the KL penalty, a linear decoder, L-BFGS on a fixed batch. Not like for
# like: L-BFGS takes the whole batch at every iteration, so it gets BASELINE_EXAMPLES
# examples and BASELINE_ITER iterations, where each modern run sees N_STEPS × BATCH_SIZE
# fresh examples.

# %%
start = time.perf_counter()
X_train, _ = sample_superposition(F, p, BASELINE_EXAMPLES, rng)  # (m, n_v)
params_2008 = train_2008(X_train, BASELINE_HIDDEN, max_iter=BASELINE_ITER, rng=SEED,
                         **BASELINE_HYPER)
cache = tinysae.forward(params_2008, X_eval, decoder="linear")
name = f"2008 sigmoid+KL, {BASELINE_HIDDEN} hidden ({BASELINE_EXAMPLES} examples)"
rows[name] = {**summary(F, params_2008["W2"], X_eval, cache["a2"], cache["a3"]),
              "seconds": time.perf_counter() - start}
rows[name].update(l0=None, dead=None)  # undefined: a sigmoid unit is never exactly 0
decoders[name] = params_2008["W2"]

# %% [markdown]
# ## The metrics table
# MMCS: mean over true features of the best cosine with a decoder column; recovered: the
# share above 0.9; L0: latents active per example; FVU: the fraction of variance unexplained.

# %%
print(metrics_table(rows))
print("(the 2008 model's L0 and dead latents are undefined: sigmoid units are never exactly 0)")

# %% [markdown]
# ## Which features are found: best cosine against firing probability

# %%
chance = max_cosines(F, np.random.default_rng(SEED).standard_normal((N_VISIBLE,
                                                                    BASELINE_HIDDEN)))  # (n_f,)
print(f"a random dictionary of {BASELINE_HIDDEN} columns: best cosines "
      f"{np.quantile(chance, 0.025):.2f}–{np.quantile(chance, 0.975):.2f} (95% of features), "
      f"MMCS {chance.mean():.3f}")
args.save(plot_recovery(p, {name: max_cosines(F, W2) for name, W2 in decoders.items()},
                        threshold=RECOVERY_THRESHOLD,
                        chance=np.quantile(chance, [0.025, 0.975])), "08_recovery.png", main=True)

# %% [markdown]
# ## The dictionary-size × L1 trade-off
# Shorter runs of every size at every β; the stars are the longer runs above.

# %%
sweep = {}
for n_latents in SWEEP_SIZES:
    for sparsity_weight in SWEEP_L1:
        r, _ = train_and_measure(n_latents, sparsity_weight, SWEEP_STEPS, SEED + 7 * n_latents)
        sweep[n_latents, sparsity_weight] = r
        print(f"sweep n_h={n_latents:5d} β={sparsity_weight:<5g} MMCS {r['mmcs']:.3f}  "
              f"L0 {r['l0']:5.2f}  FVU {r['fvu']:.3f}  dead {r['dead']:4d}")
args.record(**{name: {key: row[key] for key in ("mmcs", "recovered", "l0", "fvu", "dead")}
               for name, row in rows.items()},
            chance_mmcs=float(chance.mean()),
            sweep={f"{n} {w:g}": row["mmcs"] for (n, w), row in sweep.items()})
args.save(plot_dictionary_sweep(sweep, headline=headline, headline_weight=L1_WEIGHT,
                                title=f"Dictionary size × L1 weight (dots: {SWEEP_STEPS} steps "
                                      f"each; stars: the {N_STEPS}-step runs)"),
          "08_tradeoff.png")
print(f"figures written to {args.out}")
