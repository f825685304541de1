"""Lesson 06 — sparsity knobs: β, ρ, and an L1 penalty instead of KL.

Goal: see what the two sparsity hyperparameters of the CS294A notes (§3) do to the
filters and to the hidden units, on the edge-filter problem of lesson 04 (8×8 whitened
grayscale patches, 64 visible, 25 hidden units). The KL penalty β Σ_j KL(ρ‖ρ̂_j) pulls
each unit's *average* activation ρ̂_j to the target ρ; β says how hard. The L1 penalty
β (1/m) Σ_ij |a2_ij| (``sparsity="l1"``, today's usual choice) instead pushes every
activation towards 0 and sets no target at all.

Command:   python lessons/06_sparsity_knobs.py          (add --quick for the test suite)
Full run:  27 s on 2 cores, 40 s of CPU (`tinysae bench --lessons 06`).

What you will see (numbers from a full run; a "dead" unit never fires, i.e. never has
a2 > ½ — see tinysae.measures.hidden_unit_stats; "live edges" counts live units that pass
tinysae.edge_scores):
- 06_beta_sweep.png: filters and the histogram of ρ̂ for β = 0, 0.3, 3, 30 at ρ = 0.01.
  With β = 0 nothing asks for sparsity: every ρ̂ sits near 0.5, half the units fire on
  each example, the reconstruction is the best of all runs, and the filters are
  high-frequency speckle, none edge-like. With β = 0.3 the ρ̂ are pulled down to
  about 0.02 and the filters turn into edges (22 of 25; 2 units idle at a2 ≈ ρ, which
  satisfies the KL term without detecting anything). At β = 3 and 30 every ρ̂ is
  pinned to 0.01 and all 25 filters are localised, oriented edges.
- 06_rho_sweep.png: ρ = 0.01, 0.05, 0.2 at β = 3. A larger ρ lets each unit fire more
  often and the reconstruction improves, but the filters get larger and less clean
  (10 edges at ρ = 0.05), and at ρ = 0.2 they are back to speckle.
- 06_kl_vs_l1.png: KL (β = 3, ρ = 0.01) against L1 at β = 0.001, 0.003, 0.01. Top:
  filter grids. Bottom left, the histograms of ρ̂: KL stacks every unit at ρ; L1 has no
  target and finds no sparse middle ground with sigmoid units — each unit either stays
  busy (ρ̂ ≈ 0.4) or is switched off for good (ρ̂ ≈ 0; a sigmoid unit switched off
  has a ≈ 0 gradient, so nothing brings it back), and a larger β only switches more
  units off (1, 5, 21 dead). No L1 run learns edges. Bottom right, the trade-off:
  reconstruction error against the mean ρ̂, one point per run. The KL runs trace a
  curve — the sparser the code, the worse the reconstruction; the L1 runs lie on or
  above it.
- A table of every run: J's reconstruction term, mean ρ̂, units firing per example, dead
  and always-on units, live edge-like filters.

The full run trains ten models. With --quick, four shorter models on fewer patches take
seconds: β = 3 already gives mostly edges, but noisier ones. Reference picture:
lessons/figures/06_beta_sweep.png; lessons/README.md has it with the full run's numbers and
questions to try.
"""

# %%
import numpy as np

from tinysae import (SparsityRun, activation_stats, cost_terms, default_images, edge_scores,
                     hidden_activations, pack, plot_kl_vs_l1, plot_sparsity_runs, sample_patches,
                     train, whiten_images)
from tinysae.lessonkit import lesson_args

# %% [markdown]
# ## Hyperparameters
# Every run starts from the same patches and the same initial weights: only the knobs differ.

# %%
PATCH_SIZE = 8                     # p: 8×8 patches, n_v = 64
N_PATCHES = 10000                  # m: training patches (UFLDL: 10000)
N_HIDDEN = 25                      # n_h: hidden units
WEIGHT_DECAY = 1e-4                # λ, the same in every run
MAX_ITER = 400                     # L-BFGS iterations per run
BASE_TARGET = 0.01                 # ρ of the β sweep (UFLDL's value)
BASE_WEIGHT = 3.0                  # β of the ρ sweep (UFLDL's value)
BETAS = (0.0, 0.3, 3.0, 30.0)      # β swept at ρ = BASE_TARGET
RHOS = (0.01, 0.05, 0.2)           # ρ swept at β = BASE_WEIGHT
L1_WEIGHTS = (0.001, 0.003, 0.01)  # β of the L1 penalty β (1/m) Σ|a2|
SEED = 0                           # one seed for the patches and every initialisation

args = lesson_args(__doc__, "06_sparsity_knobs")
if args.quick:  # fewer, shorter runs: enough for edges to appear, not to be clean
    N_PATCHES, MAX_ITER, BETAS, RHOS, L1_WEIGHTS = 2000, 100, BETAS[::2], RHOS[::2], L1_WEIGHTS[1:2]
    print("quick run: 100 iterations on 2000 patches per model; the full run's filters\n"
          "  are cleaner")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Data
# The whitened photo's normalised 8×8 patches in [0.1, 0.9], as in lessons 03 and 04.

# %%
X = sample_patches(whiten_images(default_images()), N_PATCHES, PATCH_SIZE, rng)  # (m, 64)
print(f"X: {X.shape}, values in [{X.min():.2f}, {X.max():.2f}]")


# %% [markdown]
# ## One run: train, then measure the hidden units and the filters

# %%
def run(sparsity, weight, target=BASE_TARGET):
    """Train one model (same initial weights every time) and summarise it."""
    knobs = dict(weight_decay=WEIGHT_DECAY, sparsity_target=target, sparsity_weight=weight,
                 sparsity=sparsity)
    result = train(X, N_HIDDEN, max_iter=MAX_ITER, rng=SEED, verbose=False, **knobs)
    summary = SparsityRun(
        sparsity, weight, target, W1=result.params["W1"],
        stats=activation_stats(hidden_activations(result.params, X)),
        reconstruction=cost_terms(pack(result.params), X, N_HIDDEN, **knobs)["reconstruction"],
        edges=edge_scores(result.params["W1"]))
    print(summary.row())
    return summary


# %% [markdown]
# ## β: how hard ρ̂ is pulled to ρ

# %%
print(f"β sweep at ρ = {BASE_TARGET}")
beta_runs = [run("kl", beta) for beta in BETAS]
args.save(plot_sparsity_runs(beta_runs, title=f"KL penalty: β sweep at ρ = {BASE_TARGET}"),
          "06_beta_sweep.png", main=True)

# %% [markdown]
# ## ρ: how often a unit may fire
# The run at ρ = 0.01, β = 3 is the β sweep's; it is not trained twice.

# %%
print(f"ρ sweep at β = {BASE_WEIGHT}")
done = {(r.target, r.weight): r for r in beta_runs}
rho_runs = [done.get((rho, BASE_WEIGHT)) or run("kl", BASE_WEIGHT, rho) for rho in RHOS]
args.save(plot_sparsity_runs(rho_runs, title=f"KL penalty: ρ sweep at β = {BASE_WEIGHT}"),
          "06_rho_sweep.png")

# %% [markdown]
# ## L1 against KL
# The L1 penalty has no target: it pushes every activation towards 0.

# %%
print("L1 penalty on the activations (no target ρ)")
l1_runs = [run("l1", beta) for beta in L1_WEIGHTS]
kl_runs = beta_runs + [r for r in rho_runs if r not in beta_runs]
reference = done.get((BASE_TARGET, BASE_WEIGHT), beta_runs[-1])  # UFLDL's KL run
args.save(plot_kl_vs_l1([reference] + l1_runs, kl_runs, l1_runs), "06_kl_vs_l1.png")
print(f"figures in {args.out}")
