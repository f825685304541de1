"""Lesson 07 — a linear decoder on ZCA-whitened colour patches.

Goal: train the UFLDL "Linear decoders" exercise. A sigmoid output a3 = f(z3) can only
produce values in (0, 1), which is why lessons 03–06 squeezed every patch into
[0.1, 0.9]. ZCA-whitened data is not in [0, 1], so the output layer becomes linear,
a3 = z3 (``decoder="linear"``); the output delta loses its f′ factor, δ3 = a3 − x, and
the hidden layer stays sigmoid and sparse. The data are 8×8×3 colour patches from the
bundled photo, each patch flattened channel-last into 192 values, whitened with ZCA:
x_ZCA = U diag(1/√(σ² + ε)) Uᵀ (x − x̄) with ε = 0.1 (tinysae.fit_zca).

Command:   python lessons/07_linear_decoder.py          (add --quick for the test suite)
Full run:  59 s on 2 cores, 1 min 48 s of CPU (`tinysae bench --lessons 07`).

What you will see (numbers from a full run):
- The PCA of the patches: 5 of 192 components keep 90% of the variance and 40 keep 99%
  (mean colour and slow gradients hold almost all of it). After ZCA only the first 8 or
  so directions (those with variance σ² > ε) keep more than half their whitened variance; ε damps
  the rest, which is mostly JPEG and sensor noise.
- 07_pca.png: the cumulative share of variance against k and the whitened variance
  σ²/(σ² + ε) of each direction. 07_patches.png: the same 64 patches raw and after ZCA (each
  drawn at its own contrast): edges keep their shape, flat patches turn into faint speckle.
- The training log, then J and its terms (J = 1.234 after 300 iterations); mean ρ̂ ends
  at the target 0.035.
- 07_colour_filters.png: all 400 features, drawn as UFLDL does in the space of the raw
  patches (rows of W1 · ZCA): 343 live units, from the greyest to the most chromatic, then
  57 dead ones (never a2 > ½), faded. 275 of the live ones are edge-like: small oriented
  light/dark edges and bars, then, in the last rows, 48 mostly chromatic ones,
  colour-opponent edges and bars (blue against orange, yellow against blue, red–magenta
  against cyan).
- 07_loss.png: J against iteration.

The weight decay is the one setting changed from UFLDL's exercise: λ = 1e-3 instead of
3e-3. A dead unit meets the sparsity target by idling at a2 ≈ ρ with weights near 0, which
weight decay rewards; one photo gives 400 units less to do than the exercise's 100000
STL-10 patches, and with λ = 3e-3 184 of the 400 units die (216 live, 31 chromatic). Tried
on the way (full runs, 300 iterations): λ = 2e-3 leaves 138 dead; 30000 patches at λ = 1e-3
leave 68 (no better, three times slower); β = 3 instead of 5 leaves 48; scikit-image's
colour photos (IMAGE_SOURCE = "skimage", 10000 patches) leave more dead, not fewer: 266 at
λ = 3e-3 and 132 at λ = 1e-3 (those photos at full resolution, downsample_by=1).

Reference picture: lessons/figures/07_colour_filters.png; lessons/README.md has it with the
full run's numbers and questions to try.
"""

# %%
import numpy as np

from tinysae import (CHROMATIC_SHARE, activation_stats, chromatic_share, cost_terms, edge_scores,
                     fit_pca, fit_zca, hidden_activations, load_images, pack, plot_filter_grid,
                     plot_loss_curve, plot_patches_side_by_side, plot_variance_kept,
                     sample_patches, train)
from tinysae.lessonkit import lesson_args

# %% [markdown]
# ## Hyperparameters (UFLDL's "Linear decoders" exercise, on our photos)

# %%
IMAGE_SOURCE = "default"  # "default": Grace Hopper, averaged to 300×256; "skimage": more
PATCH_SIZE = 8            # p: 8×8×3 patches, n_v = 192
N_PATCHES = 10000         # m (UFLDL: 100000 from STL-10; fewer keep this lesson short)
N_HIDDEN = 400            # n_h
ZCA_EPSILON = 0.1         # ε of the ZCA whitening
SPARSITY_TARGET = 0.035   # ρ
WEIGHT_DECAY = 1e-3       # λ (UFLDL: 3e-3, which leaves 184 of the 400 units dead here)
SPARSITY_WEIGHT = 5.0     # β
MAX_ITER = 300            # L-BFGS iterations (UFLDL: 400; J changes < 1% after 200)
SEED = 0

args = lesson_args(__doc__, "07_linear_decoder")
if args.quick:
    N_PATCHES, N_HIDDEN, MAX_ITER = 500, 25, 5
    print("quick run: too little training for colour edges (the filters stay noise);\n"
          "  the full run's are in lessons/figures/07_colour_filters.png")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Colour patches, not normalised
# ZCA will centre and scale them; each patch is flattened channel-last into 192 values.

# %%
photos = load_images(IMAGE_SOURCE, colour=True)  # list of (H, W, 3) in [0, 1]
X = sample_patches(photos, N_PATCHES, PATCH_SIZE, rng, normalize=False)  # (m, 192)
print(f"{len(photos)} photo(s), X: {X.shape}, values in [{X.min():.2f}, {X.max():.2f}]")

# %% [markdown]
# ## PCA: the share of variance kept by the first k components

# %%
pca = fit_pca(X)
for share in (0.9, 0.99):
    k = pca.n_components(share)
    print(f"{k:3d} of {X.shape[1]} components keep {pca.variance_kept(k):.2%} of the "
          f"variance (≥ {share:.0%})")
whitened_share = pca.variances / (pca.variances + ZCA_EPSILON)  # (192,) σ²/(σ²+ε)
print(f"after ZCA (ε = {ZCA_EPSILON}): {np.sum(whitened_share > 0.5)} directions keep more "
      f"than half their whitened variance; the rest (σ² < ε) are damped as noise")
args.save(plot_variance_kept(pca.variances, ZCA_EPSILON), "07_pca.png")

# %% [markdown]
# ## ZCA whitening
# x_ZCA = U diag(1/√(σ² + ε)) Uᵀ (x − x̄): decorrelated, yet still looking like the patch.

# %%
zca = fit_zca(X, ZCA_EPSILON)
X_zca = zca.apply(X)  # (m, 192)
print(f"X_zca: mean {X_zca.mean():.1e}, std {X_zca.std():.3f}, "
      f"range [{X_zca.min():.2f}, {X_zca.max():.2f}] — not in [0, 1]: a linear decoder")
args.save(plot_patches_side_by_side({"raw colour patches": X,
                                     "the same patches after ZCA": X_zca}, n_show=64),
          "07_patches.png")

# %% [markdown]
# ## Train: sigmoid hidden layer, linear output layer

# %%
knobs = dict(weight_decay=WEIGHT_DECAY, sparsity_target=SPARSITY_TARGET,
             sparsity_weight=SPARSITY_WEIGHT, decoder="linear")
result = train(X_zca, N_HIDDEN, max_iter=MAX_ITER, rng=SEED, print_every=50, **knobs)
terms = cost_terms(pack(result.params), X_zca, N_HIDDEN, **knobs)
print(f"J = {terms['total']:.4f}: reconstruction {terms['reconstruction']:.4f}, weight decay "
      f"{terms['weight_decay']:.4f}, sparsity {terms['sparsity']:.4f}; mean ρ̂ "
      f"{terms['rho_hat'].mean():.4f} (ρ = {SPARSITY_TARGET})")
args.save(plot_loss_curve(result.history), "07_loss.png")

# %% [markdown]
# ## The features in the space of the raw patches
# UFLDL draws the rows of W1 · ZCA: what each unit responds to, in the raw patches' colours.
# Live units first, from the greyest to the most chromatic; dead units (never a2 > ½) last,
# faded.

# %%
features = result.params["W1"] @ zca.matrix  # (n_h, 192)
stats = activation_stats(hidden_activations(result.params, X_zca))
live = features[~stats.dead]  # (n_live, 192)
print(f"{stats.n_dead} of {N_HIDDEN} units are dead (never a2 > ½: they idle at a2 ≈ ρ, "
      f"which meets the sparsity target without detecting anything); "
      f"{N_HIDDEN - stats.n_dead} are live, {stats.mean_firing:.1f} fire per patch")
colour = chromatic_share(features)  # (n_h,) the share of each feature that is colour
n_edges = edge_scores(live).n_edge_like if len(live) else 0
n_chromatic = int(np.sum(colour[~stats.dead] > CHROMATIC_SHARE))
print(f"of the live features, {n_edges} are edge-like and {n_chromatic} mostly chromatic "
      f"(more than {CHROMATIC_SHARE:.0%} of their variance is colour)")
order = np.lexsort((colour, stats.dead))  # (n_h,) live units first, each group greyest first
args.save(plot_filter_grid(features[order], dead=stats.dead[order], width=10,
                           title=f"{N_HIDDEN} features (rows of W1·ZCA): {len(live)} live, "
                           f"{n_edges} of them edge-like, {n_chromatic} chromatic; "
                           f"{stats.n_dead} dead (faded)"),
          "07_colour_filters.png", main=True)
print(f"figures in {args.out}")
