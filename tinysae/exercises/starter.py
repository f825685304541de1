"""The student's starter folder, to work in with any editor (``tinysae exercises DIR``).

It holds the exercise (``sparse_autoencoder.py``, functions with blanks), the optional
modern one (``modern_sae.py``), ``README.md`` (the steps in order), ``test_exercises.py``
(the graded steps for ``pytest -v``) and ``train.py`` (train your model on photographs and
see its filters). An existing file is never overwritten.
"""

from pathlib import Path

from tinysae.exercises import blanks
from tinysae.exercises.grading import EXERCISES
from tinysae.exercises.student_readme import readme

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
Optional: today's sparse autoencoder (lesson 08), by hand — ReLU latents and an L1 penalty.

The sparse autoencoders that find features in language models (Bricken et al. 2023) differ
from the 2008 model in three places: the input is centred by the decoder bias first
(xc = x − b2, a "pre-encoder bias"), the latents are ReLU units, and the decoder is linear.
Fill in each function, then check, in this folder:

    tinysae grade .          (or: pytest -v)

Shapes as in sparse_autoencoder.py: X (m, n_v); the encoder W1 (n_h, n_v), b1 (n_h,); the
decoder W2 (n_v, n_h), whose columns are the learned directions, b2 (n_v,). The gradients
are a dict shaped like ``params`` (no theta here: Adam works on the dict).
β = sparsity_weight; ∘ multiplies entry by entry.
"""

TEST_FILE = '''\
"""The steps of `tinysae grade .`, one test each, for plain pytest:   pytest -v

A step not written yet fails; a step whose earlier steps fail is skipped, with the reason
(`pytest -rs` lists it). The optional modern_sae.py is skipped until you start it.
"""

from pathlib import Path

import pytest

from tinysae.exercises.grading import pytest_params, pytest_step

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("file, step", pytest_params(HERE))
def test_step(file, step):
    pytest_step(HERE / file, step)
'''

TRAIN_FILE = '''\
"""STEP 6: train your sparse autoencoder on photographs, as UFLDL's train.m does, and look.

    python train.py          (python train.py --help for the options)

Your loss_and_grad, from sparse_autoencoder.py, is minimised by L-BFGS (scipy's, as
minFunc in UFLDL): 400 iterations on 10000 whitened 8×8 patches of a photograph, with
UFLDL's settings. The 25 rows of W1 are saved as a grid in my_filters.png: with a correct
loss_and_grad they are edge detectors, like those of `tinysae train`.
"""

import argparse

import scipy.optimize

import tinysae
from sparse_autoencoder import loss_and_grad

PATCH = 8                # 8×8 patches: n_v = 64
N_HIDDEN = 25            # n_h
WEIGHT_DECAY = 1e-4      # λ
SPARSITY_TARGET = 0.01   # ρ
SPARSITY_WEIGHT = 3.0    # β

parser = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--n-patches", type=int, default=10000, help="m (default: 10000)")
parser.add_argument("--max-iter", type=int, default=400, help="L-BFGS iterations (400)")
args = parser.parse_args()

photos = tinysae.whiten_images(tinysae.default_images())
X = tinysae.sample_patches(photos, args.n_patches, PATCH, rng=0)  # (m, 64), in [0.1, 0.9]
theta = tinysae.pack(tinysae.init_params(PATCH * PATCH, N_HIDDEN, rng=0))
hyper = (N_HIDDEN, WEIGHT_DECAY, SPARSITY_TARGET, SPARSITY_WEIGHT)
print(f"J at the start: {loss_and_grad(theta, X, *hyper)[0]:.4f}")
with tinysae.limit_blas_threads():  # scipy's BLAS threads would fight numpy's for the cores
    result = scipy.optimize.minimize(loss_and_grad, theta, args=(X, *hyper), jac=True,
                                     method="L-BFGS-B", options={"maxiter": args.max_iter})
print(f"J after {result.nit} L-BFGS iterations: {result.fun:.4f}")

W1 = tinysae.unpack(result.x, PATCH * PATCH, N_HIDDEN)["W1"]  # (25, 64)
title = f"your {N_HIDDEN} filters, {tinysae.edge_scores(W1).n_edge_like} edge-like"
tinysae.save_figure(tinysae.plot_filter_grid(W1, title=title), "my_filters.png")
print(f"{title}: my_filters.png")
'''


def step_of(exercise):
    """``name -> "step N"`` (the first step that grades the function)."""
    def where(name):
        step = next((s for s in exercise.steps if s.function == name), None)
        return f"step {step.number}" if step else "README.md"
    return where


def files():
    """``{file name: text}`` of the starter folder."""
    classic, modern = EXERCISES["sparse_autoencoder.py"], EXERCISES["modern_sae.py"]
    return {
        "sparse_autoencoder.py": blanks.blank_file(CLASSIC_DOC, CLASSIC_IMPORTS, blanks.CLASSIC,
                                                   step_of(classic)),
        "modern_sae.py": blanks.blank_file(MODERN_DOC, "import numpy as np", blanks.MODERN,
                                           step_of(modern)),
        "README.md": readme(),
        "test_exercises.py": TEST_FILE,
        "train.py": TRAIN_FILE,
    }


def write_folder(folder):
    """Write the starter folder (creating it); raise FileExistsError before writing anything
    if one of its files exists already. Returns the paths written."""
    from tinysae.runtime.atomic_write import atomic_write

    folder = Path(folder)
    texts = files()
    taken = [name for name in texts if (folder / name).is_symlink() or (folder / name).exists()]
    if taken:
        raise FileExistsError(f"{folder / taken[0]} exists already; tinysae exercises never "
                              "overwrites a file: choose a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():  # atomically: a link planted meanwhile is replaced
        atomic_write(folder / name, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        written.append(folder / name)
    return written
