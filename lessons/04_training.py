"""Lesson 04 — training: natural images in, edge detectors out (the UFLDL exercise).

Goal: run the whole experiment of the UFLDL sparse autoencoder exercise, step by step —
photographs → whitening → 10000 random 8×8 patches → L-BFGS on the cost J of lessons 01
and 02 → the learned filters — and check that the hidden units have become detectors of
oriented, localised edges, like the simple cells of the visual cortex.

Command:   python lessons/04_training.py          (add --quick for a few-second run)
Full run:  5.3 s on 2 cores, 6.9 s of CPU (`tinysae bench --lessons 04`).

What you will see: L-BFGS's progress lines (iteration, J, ‖∇J‖, seconds) as J falls from
about 57 (the sparsity term of random weights, lesson 01) to about 0.33; then
04_filters.png, the 25 filters (rows of W1) in UFLDL's display_network look, most of them
a light bar beside a dark one at some orientation and position; 04_loss.png, J against
iteration on a log scale; 04_rho_hat.png, the mean activations ρ̂ of the hidden units,
close to the target ρ = 0.01; and the number of filters that the edge measure
(tinysae.edge_scores) calls edge-like — 25 of 25 on the full run (scores 0.35 to 0.72).
The measure counts a filter as edge-like when a 2-D Gabor fits it (R²), its spectrum is
oriented, and it is localised: few stripes under the Gabor's envelope across them, so
that a grating filling the patch is not an edge. Its controls score 0 of 200 random
filters and 0 of the 63 DCT basis images (a JPEG block's gratings). With --quick (a few
patches, a few iterations) the filters are still blurry: that is what too little
training looks like. The model and its checkpoints are in the output folder's 04_run/
(04_run-2/, 04_run-3/, ... on later runs: no run overwrites another's model);
`tinysae show` draws them again (sorted, labelled, with dead units faded).

This is the experiment of `tinysae train`, through the same code (tinysae.ufldl_experiment):
with the same settings and seed, the full run and `tinysae train` learn the same W1.

Reference picture: lessons/figures/04_filters.png; lessons/README.md has it with the full
run's numbers and questions to try.
"""

# %%
import numpy as np

from tinysae import (cost_terms, dct_basis, edge_scores, load, pack, plot_filter_grid,
                     plot_loss_curve, plot_rho_hat_histogram)
from tinysae.lessonkit import lesson_args
from tinysae.ufldl_experiment import make_patches, new_run_folder, start_run

# %% [markdown]
# ## Hyperparameters (UFLDL's train.m)

# %%
IMAGE_SOURCE = "default"  # the photo that ships with matplotlib; "skimage" adds more photos
PATCH_SIZE = 8            # p: patches are p × p pixels, n_v = p² = 64 visible units
N_PATCHES = 10000         # m: training examples
N_HIDDEN = 25             # n_h: hidden units, one filter each
SPARSITY_TARGET = 0.01    # ρ: the average activation each hidden unit should have
WEIGHT_DECAY = 1e-4       # λ
SPARSITY_WEIGHT = 3.0     # β
MAX_ITER = 400            # L-BFGS iterations
SEED = 0                  # seeds the patch positions and the initial weights
N_CONTROL = 200           # random filters scored as a control for the edge measure

args = lesson_args(__doc__, "04_training")
if args.quick:  # a smoke test: too little data and too few steps for clean edges
    N_PATCHES, MAX_ITER, N_CONTROL = 1000, 25, 20
    print("quick run: 1000 patches, 25 iterations — the filters stay blurry; the full\n"
          "  run's are edges (lessons/figures/04_filters.png)")

# %% [markdown]
# ## Photographs → whitening → patches
# Whitening (lesson 03) flattens the 1/f spectrum, so edges stand out. Patches at uniform
# positions; each patch's mean removed, clipped to ±3σ, scaled into [0.1, 0.9].

# %%
X, data = make_patches(IMAGE_SOURCE, patch_size=PATCH_SIZE, n_patches=N_PATCHES, seed=SEED)
print(f"X: {X.shape}, values in [{X.min():.2f}, {X.max():.2f}] (the sigmoid's output range)")

# %% [markdown]
# ## Train with L-BFGS
# Checkpoints go to the run folder every 25 iterations: if you stop this with Ctrl-C (in a
# notebook: interrupt the kernel), `tinysae train --resume FOLDER` continues (L-BFGS's
# curvature memory restarts there).

# %%
run_folder = new_run_folder(args.out / "04_run")
result = start_run(X, data, {"n_hidden": N_HIDDEN, "weight_decay": WEIGHT_DECAY,
                             "sparsity_target": SPARSITY_TARGET,
                             "sparsity_weight": SPARSITY_WEIGHT, "max_iter": MAX_ITER,
                             "seed": SEED}, run_folder)
W1 = result.params["W1"]  # (n_h, p²): row j is hidden unit j's filter
print(f"{result.iteration} iterations in {result.elapsed:.1f} s, J = {result.loss:.4f}")

# %% [markdown]
# ## The three terms of J at the end
# Compare with lesson 01's random weights.

# %%
terms = cost_terms(pack(result.params), X, N_HIDDEN, weight_decay=WEIGHT_DECAY,
                   sparsity_target=SPARSITY_TARGET, sparsity_weight=SPARSITY_WEIGHT)
for name in ("reconstruction", "weight_decay", "sparsity", "total"):
    print(f"{name:>15}: {terms[name]:.5f}")

# %% [markdown]
# ## How many filters are edge-like?
# The edge score is a Gabor fit's R² (how well a sinusoid under a Gaussian envelope explains
# the filter) × the orientation selectivity of its spectrum × its localisation,
# exp(−(f σ_u / 0.7)²): f σ_u counts the stripes' cycles within one envelope width, so one
# dark–light pair scores near 1 and a grating that fills the patch near 0. Two controls
# show what the measure rejects: random filters, and the DCT basis images (the gratings a
# JPEG's 8 × 8 blocks are made of).

# %%
scores = edge_scores(W1, (PATCH_SIZE, PATCH_SIZE))
print("edge score per filter:", np.round(scores.score, 2))
print("localisation per filter:", np.round(scores.localisation, 2))
print(f"edge-like filters: {scores.n_edge_like} of {N_HIDDEN} ({scores.fraction_edge_like:.0%}), "
      f"score >= {scores.threshold}")
random_filters = np.random.default_rng(SEED).standard_normal((N_CONTROL, PATCH_SIZE ** 2))
controls = {"random filters": random_filters,  # (N_CONTROL, p²)
            "DCT basis images": dct_basis(PATCH_SIZE)[1:]}  # (63, p²) without the flat one
for name, W in controls.items():
    s = edge_scores(W, (PATCH_SIZE, PATCH_SIZE))
    print(f"control, {name}: {s.n_edge_like} of {len(W)} edge-like "
          f"(median score {np.median(s.score):.3f})")

# %% [markdown]
# ## Pictures: the filters, the loss curve, the mean activations

# %%
args.save(plot_filter_grid(W1, (PATCH_SIZE, PATCH_SIZE),
                           title=f"{N_HIDDEN} filters, {scores.n_edge_like} edge-like"),
          "04_filters.png", main=True)
args.save(plot_loss_curve(result.history), "04_loss.png")
args.save(plot_rho_hat_histogram(terms["rho_hat"], SPARSITY_TARGET), "04_rho_hat.png")

# %% [markdown]
# ## The saved model
# Plain arrays plus a JSON config: load it back and compare.

# %%
params, config = load(run_folder)
assert all(np.array_equal(params[k], result.params[k]) for k in params)
print(f"saved: {result.checkpoint} (iteration {config['iteration']}, status {config['status']})")
print(f"figures in {args.out}")
