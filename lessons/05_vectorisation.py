"""Lesson 05 — vectorisation: one example at a time, then all of them at once.

Goal: see that the per-example backpropagation of the CS294A notes (§2: for each
example, a forward pass, δ3, δ2, and the outer products δ2 xᵀ and δ3 a2ᵀ added up) and
the vectorised cost (every example a row of X, every sum over examples a matrix product)
compute the same J and the same gradient — and how much faster the second one is. Then
the fast kernel (buffers reused, sigmoid in place, rows in cache-sized blocks) and its
floor: the time of its five matrix products alone.

Command:   python lessons/05_vectorisation.py          (add --quick for the test suite)
Full run:  2.9 s on 2 cores, 3.9 s of CPU (`tinysae bench --lessons 05`).

What you will see: the largest difference between the gradients (about 1e-14 of the
largest entry: rounding only), a table of milliseconds per call for the loop, the
vectorised reference, the fast kernel and the matrix products alone, and the same as bars
on a log scale (figure 05_timings.png). The loop is tens to hundreds of times slower: Python pays
per example what numpy pays once per matrix. `tinysae bench` measures all sizes.

Reference picture: lessons/figures/05_timings.png; lessons/README.md has it with the full
run's numbers and questions to try.
"""

# %%
import time

import numpy as np

from tinysae import (init_params, loss_and_grad, loss_and_grad_loop, make_loss_and_grad, pack,
                     plot_timings)
from tinysae.commands.bench import gemm_floor
from tinysae.lessonkit import lesson_args

# %% [markdown]
# ## Hyperparameters
# The size of lesson 04's problem (S1 in `tinysae bench`).

# %%
N_VISIBLE = 64          # n_v: 8×8 patches, as in the edge-filter lesson
N_HIDDEN = 25           # n_h: hidden units
N_EXAMPLES = 10_000     # m: examples, one per row of X
WEIGHT_DECAY = 1e-4     # λ
SPARSITY_TARGET = 0.01  # ρ
SPARSITY_WEIGHT = 3.0   # β
REPEATS = 5             # timed calls per implementation (the median is shown)
SEED = 0

args = lesson_args(__doc__, "05_vectorisation")
if args.quick:
    N_EXAMPLES, REPEATS = 500, 2
    print("quick run: 500 examples, 2 calls each — timings this small are noise; the\n"
          "  full run's ratios are in lessons/figures/05_timings.png")
rng = np.random.default_rng(SEED)
HYPER = dict(weight_decay=WEIGHT_DECAY, sparsity_target=SPARSITY_TARGET,
             sparsity_weight=SPARSITY_WEIGHT)

# %% [markdown]
# ## Data and parameters

# %%
X = rng.uniform(0.1, 0.9, size=(N_EXAMPLES, N_VISIBLE))  # (m, n_v): rows are examples
theta = pack(init_params(N_VISIBLE, N_HIDDEN, rng))  # (2·n_h·n_v + n_h + n_v,)
print(f"X: {X.shape}, theta: {theta.shape}")

# %% [markdown]
# ## The same J and gradient, three ways
# One example at a time, all at once, and the fast kernel: they agree to rounding.

# %%
J_loop, g_loop = loss_and_grad_loop(theta, X, N_HIDDEN, **HYPER)
J_ref, g_ref = loss_and_grad(theta, X, N_HIDDEN, **HYPER)
fast = make_loss_and_grad(X, N_HIDDEN, **HYPER)
J_fast, g_fast = fast(theta)
scale = np.max(np.abs(g_ref))
print(f"J: loop {J_loop:.12f}, vectorised {J_ref:.12f}, fast {J_fast:.12f}")
print(f"max |g_loop − g_ref| / max |g_ref| = {np.max(np.abs(g_loop - g_ref)) / scale:.1e}")
print(f"max |g_fast − g_ref| / max |g_ref| = {np.max(np.abs(g_fast - g_ref)) / scale:.1e}")

# %% [markdown]
# ## Timing, round-robin
# Each round calls every implementation once, so that a slow spell of the machine hits all.

# %%
calls = {
    "per-example loop": lambda: loss_and_grad_loop(theta, X, N_HIDDEN, **HYPER),
    "vectorised reference": lambda: loss_and_grad(theta, X, N_HIDDEN, **HYPER),
    "fast kernel": lambda: fast(theta),
    "5 matrix products only": gemm_floor(X, N_HIDDEN),
}
times = {name: [] for name in calls}
for _ in range(REPEATS):
    for name, call in calls.items():
        start = time.perf_counter()
        call()
        times[name].append((time.perf_counter() - start) * 1e3)
median_ms = {name: float(np.median(t)) for name, t in times.items()}
for name, ms in median_ms.items():
    print(f"{name:>24}: {ms:10.2f} ms   ({ms / median_ms['5 matrix products only']:6.1f}× floor)")

args.save(plot_timings(median_ms, title=f"S1: n_v={N_VISIBLE}, n_h={N_HIDDEN}, "
                                       f"m={N_EXAMPLES}: one loss-and-gradient call"),
          "05_timings.png", main=True)
print(f"figure saved to {args.out / '05_timings.png'}")
