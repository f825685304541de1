"""Lesson 06 — sparsity knobs: β, ρ, and an L1 penalty instead of KL.

Goal: see what the two sparsity hyperparameters of the CS294A notes (§3) do to the
filters and to the hidden units, on the edge-filter problem of lesson 04 (8×8 whitened
grayscale patches, 64 visible, 25 hidden units). The KL penalty β Σ_j KL(ρ‖ρ̂_j) pulls
each unit's *average* activation ρ̂_j to the target ρ; β says how hard. The L1 penalty
β (1/m) Σ_ij |a2_ij| (``sparsity="l1"``, today's usual choice) instead pushes every
activation towards 0 and sets no target at all.

Command:   python lessons/06_sparsity_knobs.py          (add --quick for the test suite)

What you will see (numbers from a full run; a "dead" unit never fires, i.e. never has
a2 > ½ — see tinysae.pictures.hidden_unit_stats; "live edges" counts live units that pass
tinysae.edge_scores):
- 06_beta_sweep.png: filters and the histogram of ρ̂ for β = 0, 0.3, 3, 30 at ρ = 0.01.
  With β = 0 nothing asks for sparsity: every ρ̂ sits near 0.5, half the units fire on
  each example, the reconstruction is the best of all runs, and the filters are
  high-frequency speckle, none edge-like. With β = 0.3 the ρ̂ are pulled down to
  about 0.02 and the filters turn into edges (23 of 25; 2 units idle at a2 ≈ ρ, which
  satisfies the KL term without detecting anything). At β = 3 and 30 every ρ̂ is
  pinned to 0.01 and all 25 filters are localised, oriented edges.
- 06_rho_sweep.png: ρ = 0.01, 0.05, 0.2 at β = 3. A larger ρ lets each unit fire more
  often and the reconstruction improves, but the filters get larger and less clean
  (16 edges at ρ = 0.05), and at ρ = 0.2 they are back to speckle.
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
"""

import numpy as np
from matplotlib.figure import Figure

from tinysae import (activation_stats, cost_terms, default_images, edge_scores,
                     hidden_activations, pack, plot_filter_grid, plot_rho_hat_histogram,
                     sample_patches, save_figure, train, whiten_images)
from tinysae.lessonkit import lesson_args

# %% Hyperparameters
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
if args.quick:  # a smoke test: tiny runs, two values per knob
    N_PATCHES, MAX_ITER, BETAS, RHOS, L1_WEIGHTS = 500, 5, BETAS[::3], RHOS[::2], L1_WEIGHTS[1:2]
rng = np.random.default_rng(SEED)

# %% Data: whitened photo, normalised 8×8 patches in [0.1, 0.9] (lessons 03 and 04)
X = sample_patches(whiten_images(default_images()), N_PATCHES, PATCH_SIZE, rng)  # (m, 64)
print(f"X: {X.shape}, values in [{X.min():.2f}, {X.max():.2f}]")


# %% One run: train, then measure the hidden units and the filters
def run(sparsity, weight, target=BASE_TARGET):
    """Train one model (same initial weights every time) and summarise it."""
    knobs = dict(weight_decay=WEIGHT_DECAY, sparsity_target=target, sparsity_weight=weight,
                 sparsity=sparsity)
    result = train(X, N_HIDDEN, max_iter=MAX_ITER, rng=SEED, verbose=False, **knobs)
    stats = activation_stats(hidden_activations(result.params, X))
    terms = cost_terms(pack(result.params), X, N_HIDDEN, **knobs)
    edges = edge_scores(result.params["W1"])
    n_edges = int(np.sum(edges.is_edge_like & ~stats.dead))  # a dead unit detects nothing
    label = f"KL β={weight:g} ρ={target:g}" if sparsity == "kl" else f"L1 β={weight:g}"
    print(f"{label:>18} | recon {terms['reconstruction']:.4f} | mean ρ̂ {stats.rho_hat.mean():.3f}"
          f" | firing/example {stats.mean_firing:5.2f} | dead {stats.n_dead:2d}"
          f" | always on {stats.n_always_on:2d} | live and edge-like {n_edges:2d}/{N_HIDDEN}")
    return {"label": label, "W1": result.params["W1"], "stats": stats,
            "recon": terms["reconstruction"], "n_edges": n_edges, "target": target}


def grids_and_histograms(runs, path, title):
    """One column per run: its filter grid above its histogram of ρ̂."""
    fig = Figure(figsize=(3.2 * len(runs), 6.4), layout="constrained")
    axes = fig.subplots(2, len(runs), height_ratios=[3, 2], squeeze=False)
    for (top, bottom), r in zip(axes.T, runs):
        s = r["stats"]
        plot_filter_grid(r["W1"], ax=top, title=f"{r['label']}\ndead {s.n_dead}, "
                         f"live edges {r['n_edges']}/{N_HIDDEN}")
        plot_rho_hat_histogram(s.rho_hat, target=r["target"], ax=bottom, bins=20,
                               title=f"{s.mean_firing:.2f} units fire per example")
    fig.suptitle(title)
    save_figure(fig, args.out / path)


# %% β: how hard ρ̂ is pulled to ρ
print(f"\nβ sweep at ρ = {BASE_TARGET}")
beta_runs = [run("kl", beta) for beta in BETAS]
grids_and_histograms(beta_runs, "06_beta_sweep.png", f"KL penalty: β sweep at ρ = {BASE_TARGET}")

# %% ρ: how often a unit may fire
print(f"\nρ sweep at β = {BASE_WEIGHT}")
done = {(r["target"], weight): r for r, weight in zip(beta_runs, BETAS)}
rho_runs = [done.get((rho, BASE_WEIGHT)) or run("kl", BASE_WEIGHT, rho) for rho in RHOS]
grids_and_histograms(rho_runs, "06_rho_sweep.png", f"KL penalty: ρ sweep at β = {BASE_WEIGHT}")

# %% L1 against KL
print("\nL1 penalty on the activations (no target ρ)")
l1_runs = [run("l1", beta) for beta in L1_WEIGHTS]
compared = [done.get((BASE_TARGET, BASE_WEIGHT), beta_runs[-1])] + l1_runs
fig = Figure(figsize=(3.2 * len(compared), 7.0), layout="constrained")
top_row, bottom_row = fig.subfigures(2, 1, height_ratios=[1, 1])
for ax, r in zip(top_row.subplots(1, len(compared)), compared):
    plot_filter_grid(r["W1"], ax=ax, title=f"{r['label']}\ndead {r['stats'].n_dead}, "
                     f"live edges {r['n_edges']}/{N_HIDDEN}")
hist_ax, trade_ax = bottom_row.subplots(1, 2)
bins = np.linspace(0, max(r["stats"].rho_hat.max() for r in compared) * 1.05, 30)
for i, r in enumerate(compared):
    hist_ax.hist(r["stats"].rho_hat, bins=bins, histtype="step", lw=2, color=f"C{i}",
                 label=r["label"])
hist_ax.set_xlabel("ρ̂ (mean activation of a hidden unit)")
hist_ax.set_ylabel("hidden units")
hist_ax.legend()
kl_runs = beta_runs + [r for r in rho_runs if all(r is not b for b in beta_runs)]
for runs, marker, name in ((kl_runs, "o", "KL"), (l1_runs, "s", "L1")):
    mean_rho = [r["stats"].rho_hat.mean() for r in runs]
    trade_ax.plot(mean_rho, [r["recon"] for r in runs], marker, ms=8, label=name)
    for r, x in zip(runs, mean_rho):
        trade_ax.annotate(r["label"].split(" ", 1)[1], (x, r["recon"]), fontsize=7,
                          xytext=(4, 4), textcoords="offset points")
trade_ax.set_xscale("log")
trade_ax.set_xlabel("mean activation, averaged over units (mean ρ̂)")
trade_ax.set_ylabel("reconstruction error (1/m) Σ ½‖a3 − x‖²")
trade_ax.set_title("the sparsity trade-off")
trade_ax.legend()
save_figure(fig, args.out / "06_kl_vs_l1.png")
print(f"\nfigures in {args.out}")
