"""Lesson 08 — features out of superposition: a ReLU + L1 sparse autoencoder finds them, 2008's does not.

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

A true feature counts as found when some decoder column points the same way (cosine > 0.9);
MMCS is the mean, over the true features, of the best cosine.

Command:   python lessons/08_superposition.py        (add --quick for the test suite)

What you will see (full run: 2 × 4000 Adam steps, a 9-run sweep and an L-BFGS fit, on both
cores; `tinysae bench --lessons 08` times it: 343 s on a busy 2-core machine, load about 5,
with 254 s of CPU). The metrics table:

    model                         MMCS  recovered   L0    FVU   dead
    ReLU+L1 SAE, 1024 latents    0.998    100%     8.2   0.020   272
    ReLU+L1 SAE,  512 latents    0.941     91%     6.8   0.022     1
    2008 sigmoid+KL, 512 hidden  0.240      0%     n/a   0.232   n/a

The 1024-latent SAE finds every feature. It has about 500 latents more than there are
features; those that find none fall silent, hence the dead count. With 512 latents there
is none to spare and the rarest features are missed. The 2008 model reconstructs part
of the data (FVU 0.23), but its decoder columns are blends: its MMCS is close to the
chance level of about 0.2 for random directions (see tests/test_modern_metrics.py).
08_recovery.png plots each true feature's best cosine against how often it fires: the SAE
misses only rare features, and the 2008 model gets up to about 0.5 on the most frequent
ones only. 08_tradeoff.png sweeps dictionary size × λ with shorter runs. MMCS peaks at an
intermediate λ for every size: too small a λ leaves codes dense (L0 25–34) and features
blended, too large a λ (L0 ≈ 4) costs reconstruction and kills latents; at a given L0,
256 latents reconstruct worse than 512 or 1024.
"""

import time

import numpy as np

import tinysae
from matplotlib.figure import Figure

from tinysae.lessonkit import lesson_args
from tinysae.modern import (RECOVERY_THRESHOLD, evaluate, firing_probabilities,
                            ground_truth_features, max_cosines, sample_superposition, sampler,
                            summary, train_2008, train_sae)
from tinysae.blas_threads import limit_blas_threads

# %% Hyperparameters
N_FEATURES = 512          # n_f: ground-truth features
N_VISIBLE = 256           # n_v: dimensions of each example
MEAN_ACTIVE = 5.0         # features firing in an average example
DECAY = 0.99              # firing probability p_f ∝ DECAY^f
L1_WEIGHT = 0.05          # λ: weight of the L1 penalty on the latents
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
if args.quick:
    DICTIONARY_SIZES, N_STEPS, SWEEP_SIZES, SWEEP_L1, SWEEP_STEPS = (128, 64), 40, (64, 128), (0.1, 0.3), 20
    BATCH_SIZE = 128
    BASELINE_EXAMPLES, BASELINE_HIDDEN, BASELINE_ITER, EVAL_EXAMPLES = 200, 64, 10, 1024
rng = np.random.default_rng(SEED)

# %% The data: known features in superposition
F = ground_truth_features(N_FEATURES, N_VISIBLE, rng)  # (n_f, n_v) one unit feature per row
p = firing_probabilities(N_FEATURES, MEAN_ACTIVE, DECAY)  # (n_f,)
X_eval, _ = sample_superposition(F, p, EVAL_EXAMPLES, rng)  # (m, n_v) held out
sample = sampler(F, p)  # sample(n, generator): a fresh minibatch (n, n_v) for training

print(f"{N_FEATURES} features in {N_VISIBLE} dimensions; p_f from {p[0]:.4f} down to "
      f"{p[-1]:.5f}; {MEAN_ACTIVE:g} active per example on average")


def train_and_measure(n_latents, sparsity_weight, n_steps, seed):
    """Train one ReLU + L1 SAE; its metrics on X_eval and its decoder."""
    start = time.perf_counter()
    with limit_blas_threads(numpy_threads=1):
        result = train_sae(sample, N_VISIBLE, n_latents, sparsity_weight=sparsity_weight, n_steps=n_steps,
                           batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                           dead_window=DEAD_WINDOW, resample_every=RESAMPLE_EVERY,
                           resample_until=RESAMPLE_UNTIL, rng=seed, dtype=np.float32)
    row = evaluate(F, result.params, X_eval)
    return {**row, "seconds": time.perf_counter() - start}, result.params["W2"]


# %% The modern SAE at two dictionary sizes
rows, decoders = {}, {}
for n_latents in DICTIONARY_SIZES:
    name = f"ReLU+L1 SAE, {n_latents} latents"
    rows[name], decoders[name] = train_and_measure(n_latents, L1_WEIGHT, N_STEPS, SEED + n_latents)
    print(f"{name}: MMCS {rows[name]['mmcs']:.3f} in {rows[name]['seconds']:.0f} s")

# %% The 2008 model on the same data
start = time.perf_counter()
X_train, _ = sample_superposition(F, p, BASELINE_EXAMPLES, rng)  # (m, n_v)
with limit_blas_threads(numpy_threads=1):
    params_2008 = train_2008(X_train, BASELINE_HIDDEN, max_iter=BASELINE_ITER, rng=SEED,
                             **BASELINE_HYPER)
cache = tinysae.forward(params_2008, X_eval, decoder="linear")
name = f"2008 sigmoid+KL, {BASELINE_HIDDEN} hidden"
rows[name] = {**summary(F, params_2008["W2"], X_eval, cache["a2"], cache["a3"]),
              "seconds": time.perf_counter() - start}
rows[name].update(l0=float("nan"), dead=-1)  # undefined: a sigmoid unit is never exactly 0
decoders[name] = params_2008["W2"]

# %% The metrics table
print(f"\n{'model':<32}{'MMCS':>7}{'recovered':>11}{'L0':>8}{'FVU':>8}{'dead':>6}{'s':>6}")
for name, r in rows.items():
    l0, dead = (f"{r['l0']:>8.2f}", f"{r['dead']:>6d}") if r["dead"] >= 0 else ("n/a", "n/a")
    print(f"{name:<32}{r['mmcs']:>7.3f}{r['recovered']:>10.1%}{l0:>8}{r['fvu']:>8.3f}"
          f"{dead:>6}{r['seconds']:>6.0f}")
print("(the 2008 model's L0 and dead latents are undefined: sigmoid units are never exactly 0)")

# %% Which features are found: best cosine against firing probability
fig = Figure(figsize=(10, 4), layout="constrained")
ax = fig.add_subplot(1, 1, 1)
for name, W2 in decoders.items():
    ax.plot(p, max_cosines(F, W2), ".", ms=4, alpha=0.7, label=name)
ax.axhline(RECOVERY_THRESHOLD, color="grey", lw=0.8, ls="--")
ax.set(xscale="log", xlabel="firing probability p_f of the true feature",
       ylabel="best cosine with a decoder column", ylim=(0, 1.02),
       title=f"Which true features are found (dashed: the {RECOVERY_THRESHOLD} recovery line)")
ax.legend(loc="center left", markerscale=3)
fig.savefig(args.out / "08_recovery.png", dpi=120)

# %% The dictionary-size × L1 trade-off
sweep = {}
for n_latents in SWEEP_SIZES:
    for sparsity_weight in SWEEP_L1:
        sweep[n_latents, sparsity_weight], _ = train_and_measure(n_latents, sparsity_weight, SWEEP_STEPS,
                                                           SEED + 7 * n_latents)
        r = sweep[n_latents, sparsity_weight]
        print(f"sweep n_h={n_latents:5d} λ={sparsity_weight:<5g} MMCS {r['mmcs']:.3f}  L0 {r['l0']:5.2f}"
              f"  FVU {r['fvu']:.3f}  dead {r['dead']:4d}")
fig = Figure(figsize=(11, 4), layout="constrained")
ax_mmcs, ax_fvu = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
for n_latents in SWEEP_SIZES:
    runs = [sweep[n_latents, l1] for l1 in SWEEP_L1]
    line, = ax_mmcs.plot(SWEEP_L1, [r["mmcs"] for r in runs], "o-", label=f"{n_latents} latents")
    headline = rows.get(f"ReLU+L1 SAE, {n_latents} latents")
    if headline:  # the same size trained longer, at λ = L1_WEIGHT
        ax_mmcs.plot(L1_WEIGHT, headline["mmcs"], "*", ms=14, color=line.get_color(),
                     label=f"{n_latents} latents, {N_STEPS} steps")
    ax_fvu.plot([r["l0"] for r in runs], [r["fvu"] for r in runs], "o-", label=f"{n_latents} latents")
    for l1, r in zip(SWEEP_L1, runs):
        ax_fvu.annotate(f"λ={l1:g}", (r["l0"], r["fvu"]), fontsize=7)
ax_mmcs.set(xscale="log", xlabel="L1 weight λ", ylabel="MMCS", title="Feature recovery")
ax_mmcs.set_xticks(SWEEP_L1, [f"{l1:g}" for l1 in SWEEP_L1])
ax_mmcs.minorticks_off()
ax_fvu.set(xscale="log", yscale="log", xlabel="L0 (latents active per example)",
           ylabel="FVU", title="Sparsity vs reconstruction")
ax_mmcs.legend()
fig.suptitle(f"Dictionary size × L1 weight (dots: {SWEEP_STEPS} steps each; stars: the headline runs)")
fig.savefig(args.out / "08_tradeoff.png", dpi=120)
print(f"figures written to {args.out}")
