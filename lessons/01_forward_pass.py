"""Lesson 01 — the forward pass and the three terms of the cost.

Goal: compute, by hand, what a sparse autoencoder does with a few inputs — the hidden
activations a2, the reconstruction a3, the average activation ρ̂ of each hidden unit —
and the three terms of the cost J of the CS294A notes (§2–§3):

    J = (1/m) Σ ½‖a3 − x‖²  +  (λ/2)(‖W1‖² + ‖W2‖²)  +  β Σ_j KL(ρ‖ρ̂_j)

Command:   python lessons/01_forward_pass.py          (add --quick for the test suite)

What you will see: the shapes of every array, the three cost terms printed and drawn as
bars (figure 01_cost_terms.png), and the hidden activations of every example as a
heat map next to ρ̂ and the target ρ (figure 01_activations.png). With random weights
the units fire about half the time (ρ̂ ≈ 0.5), far from ρ = 0.01, so the sparsity term
dominates J: training will have to push ρ̂ down.
"""

import numpy as np
from matplotlib.figure import Figure

from tinysae import cost_terms, forward, init_params, pack
from tinysae.lessonkit import lesson_args

# %% Hyperparameters
N_VISIBLE = 16          # n_v: a 4×4 patch
N_HIDDEN = 5            # n_h: hidden units
N_EXAMPLES = 10         # m: examples, one per row of X
WEIGHT_DECAY = 1e-4     # λ
SPARSITY_TARGET = 0.01  # ρ, the average activation we want
SPARSITY_WEIGHT = 3.0   # β
SEED = 0

args = lesson_args(__doc__, "01_forward_pass")
rng = np.random.default_rng(SEED)

# %% Data and parameters
X = rng.uniform(0.1, 0.9, size=(N_EXAMPLES, N_VISIBLE))  # (m, n_v): rows are examples
params = init_params(N_VISIBLE, N_HIDDEN, rng)
for name, value in params.items():
    print(f"{name}: shape {value.shape}")

# %% Forward pass: a2 = f(X W1ᵀ + b1), a3 = f(a2 W2ᵀ + b2), ρ̂ = mean of a2 over examples
cache = forward(params, X)
print(f"z2, a2: {cache['a2'].shape}   z3, a3: {cache['a3'].shape}   rho_hat: {cache['rho_hat'].shape}")
print("rho_hat =", np.round(cache["rho_hat"], 3), f"(target rho = {SPARSITY_TARGET})")

# %% The three terms of J
terms = cost_terms(pack(params), X, N_HIDDEN, weight_decay=WEIGHT_DECAY,
                   sparsity_target=SPARSITY_TARGET, sparsity_weight=SPARSITY_WEIGHT)
for name in ("reconstruction", "weight_decay", "sparsity", "total"):
    print(f"{name:>15}: {terms[name]:.6f}")

fig = Figure(figsize=(6, 3.5), layout="constrained")
ax = fig.add_subplot()
names = ["reconstruction", "weight_decay", "sparsity"]
ax.bar(names, [terms[n] for n in names], color=["tab:blue", "tab:orange", "tab:green"])
ax.set_ylabel("contribution to J")
ax.set_title(f"J = {terms['total']:.4f} with random weights")
fig.savefig(args.out / "01_cost_terms.png", dpi=100)

# %% Hidden activations of every example, and their average ρ̂
fig = Figure(figsize=(7, 3.5), layout="constrained")
left, right = fig.subplots(1, 2, width_ratios=[2, 1])
image = left.imshow(cache["a2"], vmin=0, vmax=1, cmap="viridis", aspect="auto")
left.set_xlabel("hidden unit j")
left.set_ylabel("example i")
left.set_title("a2 (m, n_h)")
fig.colorbar(image, ax=left)
right.bar(range(N_HIDDEN), cache["rho_hat"], color="tab:green", label="ρ̂_j")
right.axhline(SPARSITY_TARGET, color="k", linestyle="--", label="ρ")
right.set_ylim(0, 1)
right.set_xlabel("hidden unit j")
right.legend()
fig.savefig(args.out / "01_activations.png", dpi=100)
print(f"figures written to {args.out}")

# %% Now write it yourself: `tinysae exercises my-sae`
# That folder holds the forward pass and the cost's terms as functions with blanks, each with
# its equation; its README.md walks the steps, and `tinysae grade my-sae` checks each one.
print("Now write it yourself:  tinysae exercises my-sae   (then: tinysae grade my-sae)")
