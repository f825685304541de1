"""The starter folder's fixed texts: the exercise files' headers, the tests for pytest, the two training scripts.

:mod:`tinysae.exercises.starter` writes them into the student's folder with the functions
with blanks. Each script imports the student's own module from the folder and tinysae's
public names (data, optimiser helpers, pictures), never tinysae's model.
"""

CLASSIC_DOC = """\
Your sparse autoencoder: the model of the CS294A notes (Ng, "Sparse autoencoder"), by hand.

Fill in each function below, in the order README.md gives: replace its
``raise NotImplementedError(...)`` by your code. Check each step as you go, in this folder:

    tinysae grade .          (or: pytest -v)

Rows are examples: X is (m, n_v), one example per row. The parameters keep the notes'
shapes: W1 (n_h, n_v), W2 (n_v, n_h), b1 (n_h,), b2 (n_v,). The notes write one example as
a column x, so their W1 x + b1 is X @ W1.T + b1 here. ``params`` is the dict of W1, W2, b1,
b2; ``theta`` is the one vector L-BFGS sees, pack(params), and unpack(theta, n_v, n_h)
gives the dict back.

Symbols: f = sigmoid, λ = weight_decay, ρ = sparsity_target, β = sparsity_weight,
ρ̂ = rho_hat, δ3 = delta3, δ2 = delta2; ∘ multiplies entry by entry (numpy's *).
"""

CLASSIC_IMPORTS = """\
import numpy as np

from tinysae import pack, unpack  # the layout of theta is given: it is not the lesson"""

MODERN_DOC = """\
Optional: today's sparse autoencoders (lessons 08, 09, 13), by hand — ReLU + L1, TopK, JumpReLU.

The sparse autoencoders that find features in language models (Bricken et al. 2023) differ
from the 2008 model in three places: the input is centred by the decoder bias first
(xc = x − b2, a "pre-encoder bias"), the latents are ReLU units, and the decoder is linear.
Then two ways to set the sparsity without an L1 penalty: TopK (Gao et al. 2024) keeps the k
largest pre-activations of each example; JumpReLU (Rajamanoharan et al. 2024) switches a
latent on only above its threshold θ and penalises L0, the count of active latents.
Fill in each function, then check, in this folder:

    tinysae grade .          (or: pytest -v)

Shapes as in sparse_autoencoder.py: X (m, n_v); the encoder W1 (n_h, n_v), b1 (n_h,); the
decoder W2 (n_v, n_h), whose columns are the learned directions, b2 (n_v,). The gradients
are a dict shaped like ``params`` (no theta here: Adam works on the dict).
β = sparsity_weight of L1, λ = sparsity_weight of L0; ∘ multiplies entry by entry.

JumpReLU: H is the step (H(u) = 1 for u > 0, else 0), θ = threshold (n_h,), ε = bandwidth,
K the rectangle kernel. H has no useful derivative, so θ gets a pseudo-derivative
−(1/ε) K((z2 − θ)/ε): only pre-activations within ε/2 of θ move it. z2 keeps its exact
derivative, H(z2 − θ).
"""

#: The blank of topk_loss_and_grad, whose reference is sae_loss_and_grad(activation="topk").
TOPK_LOSS_AND_GRAD_DOC = """\
Cost J of a TopK sparse autoencoder and its hand-written gradient::

        z2   = (x − b2) W1ᵀ + b1        (m, n_h)
        mask = topk_mask(z2, k)         (m, n_h)   the k largest of each row, and z2 > 0
        a2   = z2 ∘ mask                (m, n_h)
        a3   = a2 W2ᵀ + b2              (m, n_v)
        J    = (1/m) Σ_i ½‖a3_i − x_i‖²            β = 0: k alone sets the sparsity
        δ3   = a3 − x                   (m, n_v)
        δ2   = (δ3 W2) ∘ mask           (m, n_h)   only the kept latents pass the gradient

    and ∇W1, ∇W2, ∇b1, ∇b2 from δ3 and δ2 as in ``sae_loss_and_grad``: the same model, with
    TopK's mask where ReLU's was.

    Parameters
    ----------
    params : dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,).
    X : ndarray of shape (m, n_v)
        Examples, one per row.
    k : int
        Latents kept per example, 1 ≤ k ≤ n_h.

    Returns
    -------
    J : float
        (1/m) Σ ½‖a3 − x‖².
    grads : dict of ndarray
        ∂J/∂W1, ∂J/∂W2, ∂J/∂b1, ∂J/∂b2, shaped like ``params``."""

TEST_FILE = """\
\"""The steps of `tinysae grade .`, one test each, for plain pytest:   pytest -v

A step not written yet fails; a step whose earlier steps fail is skipped, with the reason
(`pytest -rs` lists it). The optional modern_sae.py is skipped until you start it. Your
code runs in a process of its own, as with `tinysae grade`; the environment variables
TINYSAE_GRADE_SEED and TINYSAE_GRADE_TIME_LIMIT do what --seed and --time-limit do there.
\"""

from pathlib import Path

import pytest

from tinysae.exercises.grading import pytest_params, pytest_step

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("file, step", pytest_params(HERE))
def test_step(file, step):
    pytest_step(HERE / file, step)
"""

TRAIN_FILE = """\
\"""STEP 6: train your sparse autoencoder on photographs, as UFLDL's train.m does, and look.

    python train.py          (python train.py --help for the options)

Your loss_and_grad, from sparse_autoencoder.py, is minimised by L-BFGS (scipy's, as
minFunc in UFLDL): 400 iterations on 10000 whitened 8×8 patches of a photograph, with
UFLDL's settings. It prints J as it goes and, after one call of your loss_and_grad, how
long the whole run should take. The 25 rows of W1 are saved as a grid in my_filters.png:
with a correct loss_and_grad they are edge detectors, like those of `tinysae train`. The
model is saved as model.npz, so that `tinysae show .` draws it too.
\"""

import argparse
import time

import numpy as np
import scipy.optimize

import tinysae
from sparse_autoencoder import loss_and_grad

PATCH = 8                # 8×8 patches: n_v = 64
N_HIDDEN = 25            # n_h
WEIGHT_DECAY = 1e-4      # λ
SPARSITY_TARGET = 0.01   # ρ
SPARSITY_WEIGHT = 3.0    # β
PRINT_EVERY = 50         # L-BFGS iterations between progress lines

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--n-patches", type=int, default=10000, help="m (default: 10000)")
parser.add_argument("--max-iter", type=int, default=400, help="L-BFGS iterations (400)")
args = parser.parse_args()

photos = tinysae.whiten_images(tinysae.default_images())
X = tinysae.sample_patches(photos, args.n_patches, PATCH, rng=0)  # (m, 64), in [0.1, 0.9]
theta = tinysae.pack(tinysae.init_params(PATCH * PATCH, N_HIDDEN, rng=0))
hyper = (N_HIDDEN, WEIGHT_DECAY, SPARSITY_TARGET, SPARSITY_WEIGHT)
history, last = [], [None]


def cost(t, *hyper):
    \"""Your loss_and_grad, remembering its last J for the progress lines.\"""
    J, grad = loss_and_grad(t, *hyper)
    last[0] = float(J)
    return J, grad


def progress(xk):
    history.append(last[0])  # J at the point the line search accepted: its last call
    if len(history) % PRINT_EVERY == 0:
        print(f"  iteration {len(history):4d}   J = {history[-1]:.6f}   "
              f"({time.perf_counter() - began:.0f} s)", flush=True)


with tinysae.limit_blas_threads():  # scipy's BLAS threads would fight numpy's for the cores
    J0 = loss_and_grad(theta, X, *hyper)[0]  # the first call also warms numpy up
    seconds = float("inf")
    for _ in range(3):  # the fastest of three: the machine's other work only slows a call
        began = time.perf_counter()
        loss_and_grad(theta, X, *hyper)
        seconds = min(seconds, time.perf_counter() - began)
    print(f"J at the start: {J0:.4f}. One call of your loss_and_grad takes {seconds:.3f} s: "
          f"{args.max_iter} iterations should take about {1.1 * args.max_iter * seconds:.0f} "
          "s.", flush=True)
    began = time.perf_counter()
    result = scipy.optimize.minimize(cost, theta, args=(X, *hyper), jac=True,
                                     method="L-BFGS-B", callback=progress,
                                     options={"maxiter": args.max_iter})
print(f"J after {result.nit} L-BFGS iterations: {result.fun:.4f} "
      f"({time.perf_counter() - began:.0f} s)")
if not result.success and result.nit < args.max_iter:
    print(f"L-BFGS stopped abnormally after {result.nit} iterations: {result.message}\\n"
          "  This usually means your gradient does not agree with your J. Run "
          "`tinysae grade .`: each step should pass.")
if not np.isfinite(result.fun):
    raise SystemExit("J is not a finite number: run `tinysae grade .` first.")

params = tinysae.unpack(result.x, PATCH * PATCH, N_HIDDEN)
W1 = params["W1"]  # (25, 64)
title = f"your {N_HIDDEN} filters, {tinysae.edge_scores(W1).n_edge_like} edge-like"
tinysae.save_figure(tinysae.plot_filter_grid(W1, title=title), "my_filters.png")
print(f"{title}: my_filters.png")
tinysae.save("model.npz", {k: np.array(v) for k, v in params.items()}, {
    "n_visible": PATCH * PATCH, "n_hidden": N_HIDDEN, "patch_size": PATCH,
    "weight_decay": WEIGHT_DECAY, "sparsity_target": SPARSITY_TARGET,
    "sparsity_weight": SPARSITY_WEIGHT, "max_iter": args.max_iter, "iteration": result.nit,
    "history": history, "trained_by": "your loss_and_grad (train.py)"})
print("Saved model.npz: `tinysae show .` draws its filters and its loss curve.")
"""

TRAIN_MODERN_FILE = """\
\"""Part 4: train your ReLU + L1 sparse autoencoder on data made of known features, and score it.

    python train_modern.py          (python train_modern.py --help for the options)

The data are lesson 08's superposition: each example is a sum of a few of N_FEATURES unit
directions in N_VISIBLE dimensions, so what a dictionary should find is known. Your
sae_loss_and_grad, from modern_sae.py, is minimised by Adam on fresh minibatches, the
decoder's columns kept at unit length (the gradient's part along each column removed, then
the columns renormalised). It prints J and L0 (latents on per example) as it goes, then the
share of true features that some column of your W2 matches (cosine > 0.9) and the mean best
cosine (MMCS).
\"""

import argparse
import time

import numpy as np

from tinysae.modern import (firing_probabilities, fraction_recovered, ground_truth_features,
                            init_sae, l0, mmcs, normalize_columns, remove_parallel_component,
                            sample_superposition)
from tinysae.training.adam import adam_init, adam_step
from modern_sae import sae_forward, sae_loss_and_grad

N_FEATURES = 64          # n_f: ground-truth features
N_VISIBLE = 32           # n_v: dimensions of each example
N_LATENTS = 128          # n_h: columns of your dictionary
MEAN_ACTIVE = 3.0        # features firing in an average example
SPARSITY_WEIGHT = 0.05   # β of the L1 term
LEARNING_RATE = 3e-3     # Adam's α
BATCH_SIZE = 256         # fresh examples per step
PRINT_EVERY = 200        # steps between progress lines

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--steps", type=int, default=2000, help="Adam steps (2000)")
args = parser.parse_args()

rng = np.random.default_rng(0)
F = ground_truth_features(N_FEATURES, N_VISIBLE, rng)  # (n_f, n_v) one feature per row
p = firing_probabilities(N_FEATURES, MEAN_ACTIVE)  # (n_f,)
X = sample_superposition(F, p, 4096, rng)[0]  # (4096, n_v) to centre b2 on
params = init_sae(N_VISIBLE, N_LATENTS, rng, data_mean=X.mean(axis=0))
state = adam_init(params)
began = time.perf_counter()
for step in range(1, args.steps + 1):
    batch = sample_superposition(F, p, BATCH_SIZE, rng)[0]  # (B, n_v)
    J, grads = sae_loss_and_grad(params, batch, SPARSITY_WEIGHT)
    if not np.isfinite(J):
        raise SystemExit(f"J is {J} at step {step}: run `tinysae grade .` first.")
    grads["W2"] = remove_parallel_component(grads["W2"], params["W2"])  # (n_v, n_h)
    params, state = adam_step(params, grads, state, learning_rate=LEARNING_RATE)
    params["W2"] = normalize_columns(params["W2"])  # (n_v, n_h) unit columns
    if step % PRINT_EVERY == 0 or step == args.steps:
        a2 = sae_forward(params, batch)["a2"]  # (B, n_h)
        print(f"  step {step:5d}   J = {J:.5f}   L0 = {l0(a2):5.2f}   "
              f"({time.perf_counter() - began:.0f} s)", flush=True)
print(f"Your dictionary recovers {fraction_recovered(F, params['W2']):.0%} of the "
      f"{N_FEATURES} true features (MMCS {mmcs(F, params['W2']):.3f}).")
"""
