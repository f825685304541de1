"""Lesson 02 — backpropagation, checked term by term against centred differences.

Goal: trust the gradient. Backpropagation (notes §2.2) gives ∂J/∂θ in one backward pass;
centred differences (UFLDL "Gradient checking") estimate it one parameter at a time:

    ∂J/∂θ_i ≈ (J(θ + ε e_i) − J(θ − ε e_i)) / (2ε)

and the two must agree: ‖num − ana‖ / ‖num + ana‖ below 1e-9 in float64. We check the
cost one term at a time — reconstruction, + weight decay, + sparsity, full — then break
the gradient on purpose to see the check fail, and finally vary ε.

Command:   python lessons/02_backprop_gradient_check.py      (add --quick for the test suite)
Full run:  1.6 s on 2 cores, 1.7 s of CPU (`tinysae bench --lessons 02`).

What you will see: a table of ratios, every one near 1e-11 and below the 1e-9 threshold;
a deliberately broken b1 gradient giving a ratio around 0.2, far above it; and the figure
02_epsilon.png, where the ratio against ε makes a V: too large an ε and the ε² truncation
error dominates, too small and floating-point rounding (≈ 1e-16/ε) does.

Reference picture: lessons/figures/02_epsilon.png; lessons/README.md has it with the full
run's numbers and questions to try.
"""

# %%
import numpy as np

from tinysae import (CHECK_EPSILON, GRADIENT_CHECK_THRESHOLD, gradient_check, init_params,
                     loss_and_grad, pack, plot_gradient_check_epsilon)
from tinysae.lessonkit import lesson_args

# %% [markdown]
# ## Hyperparameters
# The tiny model of lesson 01: a gradient check costs two evaluations of J per parameter.

# %%
N_VISIBLE = 16          # n_v: a 4×4 patch
N_HIDDEN = 5            # n_h: hidden units
N_EXAMPLES = 10         # m: examples
SEED = 0
EPSILONS_PER_DECADE = 2  # ε values per decade in the V plot, from 1e-9 to 1e-1

args = lesson_args(__doc__, "02_backprop_gradient_check")
EPSILONS = np.logspace(-9, -1, 8 * (1 if args.quick else EPSILONS_PER_DECADE) + 1)
rng = np.random.default_rng(SEED)

X = rng.uniform(0.1, 0.9, size=(N_EXAMPLES, N_VISIBLE))  # (m, n_v)
theta = pack(init_params(N_VISIBLE, N_HIDDEN, rng))  # (2·n_h·n_v + n_h + n_v,)

# %% [markdown]
# ## Term by term
# Switch the terms of J on one at a time: if a check fails, the term just added is wrong.

# %%
STEPS = [
    ("reconstruction only", dict(weight_decay=0.0, sparsity_weight=0.0)),
    ("+ weight decay", dict(weight_decay=1e-2, sparsity_weight=0.0)),
    ("+ KL sparsity", dict(weight_decay=1e-2, sparsity_weight=3.0, sparsity_target=0.1)),
    ("full cost, UFLDL values", dict(weight_decay=1e-4, sparsity_weight=3.0, sparsity_target=0.01)),
]
print(f"{'term':<26}{'ratio':>10}   threshold {GRADIENT_CHECK_THRESHOLD:.0e}")
for name, hyper in STEPS:
    ratio = gradient_check(lambda t: loss_and_grad(t, X, N_HIDDEN, **hyper), theta,
                           eps=CHECK_EPSILON)
    print(f"{name:<26}{ratio:>10.1e}   {'PASS' if ratio < GRADIENT_CHECK_THRESHOLD else 'FAIL'}")


# %% [markdown]
# ## A bug the check catches
# Forget the sparsity term's contribution to the b1 gradient, and see the ratio jump.

# %%
def buggy(t):
    J, grad = loss_and_grad(t, X, N_HIDDEN)
    J_without, grad_without = loss_and_grad(t, X, N_HIDDEN, sparsity_weight=0.0)
    grad = grad.copy()
    grad[-(N_HIDDEN + N_VISIBLE):-N_VISIBLE] = grad_without[-(N_HIDDEN + N_VISIBLE):-N_VISIBLE]
    return J, grad


ratio = gradient_check(buggy, theta, eps=CHECK_EPSILON)
verdict = "caught" if ratio > GRADIENT_CHECK_THRESHOLD else "missed"
print(f"{'buggy b1 gradient':<26}{ratio:>10.1e}   {verdict}")

# %% [markdown]
# ## The choice of ε: truncation error against rounding error
# The same check of the full cost, for ε from 1e-9 to 1e-1.

# %%
full = dict(weight_decay=1e-4, sparsity_weight=3.0, sparsity_target=0.01)
ratios = [gradient_check(lambda t: loss_and_grad(t, X, N_HIDDEN, **full), theta, eps=e)
          for e in EPSILONS]
args.save(plot_gradient_check_epsilon(EPSILONS, ratios, threshold=GRADIENT_CHECK_THRESHOLD,
                                      eps_used=CHECK_EPSILON), "02_epsilon.png", main=True)
print(f"figure written to {args.out / '02_epsilon.png'}")

# %% Now write it yourself: `tinysae exercises my-sae`
# That folder holds backpropagation (δ3, δ2, the gradients) and the numerical gradient as
# functions with blanks; `tinysae grade my-sae` checks each one and names the usual mistakes,
# and `tinysae gradcheck --bug kl-sign` shows this lesson's check catching one of them.
print("Now write it yourself:  tinysae exercises my-sae   (then: tinysae grade my-sae)")
