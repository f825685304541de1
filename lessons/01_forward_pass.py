"""Lesson 01 — the forward pass and the three terms of the cost.

Goal: compute, by hand, what a sparse autoencoder does with a few inputs — the hidden
activations a2, the reconstruction a3, the average activation ρ̂ of each hidden unit —
and the three terms of the cost J of the CS294A notes (§2–§3):

    J = (1/m) Σ ½‖a3 − x‖²  +  (λ/2)(‖W1‖² + ‖W2‖²)  +  β Σ_j KL(ρ‖ρ̂_j)

Command:   python lessons/01_forward_pass.py          (add --quick for the test suite)
Full run:  0.7 s on 2 cores, 0.8 s of CPU (`tinysae bench --lessons 01`).

What you will see: the shapes of every array, the three cost terms printed and drawn as
bars (figure 01_cost_terms.png), and the hidden activations of every example as a
heat map next to ρ̂ and the target ρ (figure 01_activations.png). With random weights
the units fire about half the time (ρ̂ ≈ 0.5), far from ρ = 0.01, so the sparsity term
dominates J: training will have to push ρ̂ down.

Reference picture: lessons/figures/01_activations.png; lessons/README.md has it with the
full run's numbers and questions to try.
"""

# %%
import numpy as np

from tinysae import cost_terms, forward, init_params, pack, plot_cost_terms, plot_hidden_activations
from tinysae.lessonkit import lesson_args

# %% [markdown]
# ## Hyperparameters
# A 4×4 "patch" of 16 visible units, 5 hidden units, 10 examples: small enough to print.

# %%
N_VISIBLE = 16          # n_v: a 4×4 patch
N_HIDDEN = 5            # n_h: hidden units
N_EXAMPLES = 10         # m: examples, one per row of X
WEIGHT_DECAY = 1e-4     # λ
SPARSITY_TARGET = 0.01  # ρ, the average activation we want
SPARSITY_WEIGHT = 3.0   # β
SEED = 0

args = lesson_args(__doc__, "01_forward_pass")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Data and parameters
# Rows are examples: X is (m, n_v). The weights start small and random, the biases at 0.

# %%
X = rng.uniform(0.1, 0.9, size=(N_EXAMPLES, N_VISIBLE))  # (m, n_v): rows are examples
params = init_params(N_VISIBLE, N_HIDDEN, rng)
for name, value in params.items():
    print(f"{name}: shape {value.shape}")

# %% [markdown]
# ## The forward pass
# a2 = f(X W1ᵀ + b1), a3 = f(a2 W2ᵀ + b2), and ρ̂, the mean of a2 over the examples.

# %%
cache = forward(params, X)
print(f"z2, a2: {cache['a2'].shape}   z3, a3: {cache['a3'].shape}   "
      f"rho_hat: {cache['rho_hat'].shape}")
print("rho_hat =", np.round(cache["rho_hat"], 3), f"(target rho = {SPARSITY_TARGET})")

# %% [markdown]
# ## The three terms of J
# Reconstruction, weight decay and sparsity, as `tinysae.cost_terms` computes them.

# %%
terms = cost_terms(pack(params), X, N_HIDDEN, weight_decay=WEIGHT_DECAY,
                   sparsity_target=SPARSITY_TARGET, sparsity_weight=SPARSITY_WEIGHT)
for name in ("reconstruction", "weight_decay", "sparsity", "total"):
    print(f"{name:>15}: {terms[name]:.6f}")
args.save(plot_cost_terms(terms, title=f"J = {terms['total']:.4f} with random weights"),
          "01_cost_terms.png")

# %% [markdown]
# ## Hidden activations of every example, and their average ρ̂
# With random weights every unit fires about half the time, far above the target ρ.

# %%
args.save(plot_hidden_activations(cache["a2"], SPARSITY_TARGET), "01_activations.png", main=True)
print(f"figures written to {args.out}")

# %% Now write it yourself: `tinysae exercises my-sae`
# That folder holds the forward pass and the cost's terms as functions with blanks, each with
# its equation; its README.md walks the steps, and `tinysae grade my-sae` checks each one.
print("Now write it yourself:  tinysae exercises my-sae   (then: tinysae grade my-sae)")
