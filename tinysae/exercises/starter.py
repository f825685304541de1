"""The student's starter folder (``tinysae exercises DIR``): its files with blanks, its README, its checks.

The folder holds the exercise (``sparse_autoencoder.py``, functions with blanks), the
optional modern one (``modern_sae.py``), ``README.md`` (the steps in order), 
``test_exercises.py`` (the graded steps for ``pytest -v``) and ``train.py`` (train your
model on photographs and see its filters). An existing file is never overwritten; a
deleted one is written again.

Each blank is a reference function's docstring (the equation, the shapes, a hint) under the
exercise's signature, with ``raise NotImplementedError`` for a body. The exercise's
signatures leave out the reference's variants (``decoder``, ``sparsity``, ``activation``
...), so their docstrings are adapted: the entries and paragraphs about a left-out
parameter are dropped, defaults the exercise does not have are not mentioned, and reST
roles become plain code. The README's tables of steps are made from the graded steps
themselves, so the README, the grader's rows and ``pytest -v`` in the folder always agree.
"""

import inspect
import re
from pathlib import Path

from tinysae.exercises.grading import EXERCISES
from tinysae.model import gradient_check, sparse_autoencoder as classic
from tinysae.modern import sae as modern

# ----------------------------------------------------------------------------- the files with blanks

#: The classic exercise: (reference function, the exercise's signature), in the notes' order.
CLASSIC = [
    (classic.sigmoid, "sigmoid(z)"),
    (classic.forward, "forward(params, X)"),
    (classic.reconstruction_cost, "reconstruction_cost(a3, X)"),
    (classic.output_delta, "output_delta(a3, X)"),
    (classic.weight_decay_cost, "weight_decay_cost(W1, W2, weight_decay)"),
    (classic.kl_divergence, "kl_divergence(rho, rho_hat)"),
    (classic.sparsity_delta, "sparsity_delta(rho_hat, sparsity_target, sparsity_weight)"),
    (classic.hidden_delta, "hidden_delta(delta3, W2, a2, sparsity_term)"),
    (classic.parameter_gradients,
     "parameter_gradients(params, X, a2, delta2, delta3, weight_decay)"),
    (classic.loss_and_grad,
     "loss_and_grad(theta, X, n_hidden, weight_decay, sparsity_target, sparsity_weight)"),
    (gradient_check.numerical_gradient, "numerical_gradient(f, x, eps=1e-4)"),
]

#: The modern exercise (lesson 08): ReLU latents, L1, a pre-encoder bias, a linear decoder.
MODERN = [
    (modern.sae_forward, "sae_forward(params, X)"),
    (modern.reconstruction_cost, "reconstruction_cost(a3, X)"),
    (modern.l1_cost, "l1_cost(a2, sparsity_weight)"),
    (modern.output_delta, "output_delta(a3, X)"),
    (modern.hidden_delta, "hidden_delta(delta3, W2, mask, sparsity_term)"),
    (modern.parameter_gradients, "parameter_gradients(cache, delta2, delta3, W1)"),
    (modern.sae_loss_and_grad, "sae_loss_and_grad(params, X, sparsity_weight)"),
]


def parameters_of(signature):
    """``{name: has a default}`` from ``"f(a, b, eps=1e-4)"``."""
    inside = signature[signature.index("(") + 1:-1]
    return {part.split("=")[0].strip(): "=" in part for part in inside.split(",") if part.strip()}


def adapted_docstring(reference, signature):
    """The reference's docstring, for a student's function with ``signature``.

    Dropped: the paragraphs that name a parameter the exercise leaves out (``decoder``,
    ...) or point into the library (``:mod:``), and the Parameters entries of left-out
    parameters; a default the exercise does not have is not mentioned.
    """
    kept = parameters_of(signature)
    left_out = [n for n in inspect.signature(reference).parameters if n not in kept]
    mentions_left_out = re.compile(r"``(%s)\b" % "|".join(left_out)) if left_out else None
    paragraphs, section = [], None
    for paragraph in inspect.getdoc(reference).split("\n\n"):
        lines = paragraph.split("\n")
        if len(lines) > 1 and re.fullmatch(r"-+", lines[1]):
            section = lines[0]
        if section == "Parameters":
            paragraph = _keep_entries(lines, kept)
        elif ":mod:" in paragraph or (mentions_left_out and mentions_left_out.search(paragraph)):
            continue
        paragraphs.append(paragraph)
    text = "\n\n".join(paragraphs)
    if "activation" in left_out:  # the exercise is ReLU + L1 only
        text = re.sub(r" or TopK\b", "", text)
    return re.sub(r":\w+:`~?([\w.]+)`", r"``\1``", text)  # :func:`x` -> ``x``


def _keep_entries(lines, kept):
    """A numpydoc Parameters block with only the entries of ``kept`` parameters."""
    out, keep = [], True
    for line in lines:
        entry = re.match(r"^(\w+(?:, \w+)*) : ", line)
        if entry:
            names = [n.strip() for n in entry[1].split(",")]
            keep = any(n in kept for n in names)
            if keep and not any(kept.get(n) for n in names):
                line = re.sub(r", default .+$", "", line)
        elif not line.startswith(" "):
            keep = True  # the heading and its underline
        if keep:
            out.append(line)
    return "\n".join(out)


def blank_function(reference, signature, message):
    """The source of one blank: ``def signature:``, the docstring, the raise."""
    doc = adapted_docstring(reference, signature)
    body = "\n".join(("    " + line).rstrip() for line in doc.split("\n")).lstrip()
    end = '"""' if "\n" not in doc else '\n    """'
    return (f'def {signature}:\n    """{body}{end}\n'
            f"    raise NotImplementedError({message!r})\n")


def blank_file(docstring, imports, functions, step_of):
    """A whole exercise file: a docstring, the imports, and one blank per function.

    ``step_of(name)`` says where the README explains the function (for the error message).
    """
    blanks = []
    for reference, signature in functions:
        name = signature.split("(")[0]
        blanks.append(blank_function(reference, signature,
                                     f"{name}: write it ({step_of(name)} in README.md)"))
    return f'"""{docstring}"""\n\n{imports}\n\n\n' + "\n\n".join(blanks)


# ----------------------------------------------------------------------------- README.md

HEAD = """\
# Your sparse autoencoder

Write the sparse autoencoder of Andrew Ng's CS294A notes ("Sparse autoencoder", the UFLDL
tutorial) yourself, one equation at a time, and have each one checked.

| file | what |
|---|---|
| `sparse_autoencoder.py` | the exercise: functions with blanks, each with its equation, shapes and a hint |
| `modern_sae.py` | optional: today's ReLU + L1 sparse autoencoder (lesson 08) |
| `train.py` | STEP 6: train your model on photographs and look at its filters |
| `train_modern.py` | optional, Part 4: train your modern model on data of known features |
| `test_exercises.py` | the same checks as `tinysae grade`, for `pytest -v` |

## Check your work

```bash
tinysae grade .       # in this folder: one row per step, PASS / FAIL / not written yet
pytest -v             # the same steps, one test each (pip install pytest first)
```

The grader imports your file and compares each function with tinysae's reference on
random sizes and random data (seeded: the same at every run, different for every step;
`--seed N` draws others). For a FAIL it says where and why: the worst entry (expected,
yours, their ratio), for a gradient UFLDL's ratio ‖expected − yours‖ / ‖expected + yours‖
for each block W1, W2, b1 and b2, and the usual mistake your numbers show, by name ("did
you divide by m?", "f′(z3) missing in δ3", ...). A step that needs an earlier one waits until that one passes. Your
code may use numpy and `tinysae.pack` / `tinysae.unpack`; calling tinysae's own model does
not count.

## The steps

In the order of the notes' advice: first get the reconstruction right with λ = β = 0, then
add weight decay, then sparsity. Each stage adds one term to J and one to its gradient, so
a mistake shows up in the stage that made it. The lessons walk the same path:
`tinysae lessons .` copies them here (then `python lessons/01_forward_pass.py`).

**STEP 0 — read.** The notes §2.1–2.2 (the forward pass, backpropagation) and §3 (the
sparsity penalty); the docstring at the top of `sparse_autoencoder.py` (shapes and
symbols). Run `tinysae grade .` once: every step says "not written yet".
"""

TAIL = """
**STEP 6 — train it.** When every step passes, `python train.py` trains your `loss_and_grad`
with L-BFGS on 10000 whitened 8×8 patches of a photograph (UFLDL's settings: 25 hidden
units, λ = 1e-4, ρ = 0.01, β = 3) and saves the 25 rows of W1 as `my_filters.png`. They
should be edge detectors, like the ones `tinysae train` learns. It prints J as it goes and
how long the run should take, says so if L-BFGS stops abnormally (then run `tinysae grade
.` again), and saves `model.npz`: `tinysae show .` draws its filters and loss curve.

What `tinysae grade` does with your file: it runs your code in a process of its own, with a
time limit per step (`--time-limit S`, 5 s by default: an endless loop is that step's FAIL)
and a memory limit. Your inputs come from the grader and must not be changed in place (a
step that changes an input fails: make a new array). What your code prints, and its
warnings, are shown after the table, step by step, apart from the grade. In that process
`import tinysae` gives only `pack` and `unpack`.

## Optional: today's sparse autoencoder (`modern_sae.py`, lesson 08)

Sparse autoencoders are back, to find the features a language model's activations are made
of. Today's version has ReLU latents, an L1 penalty, a linear decoder and a pre-encoder
bias (the input is centred by b2 before encoding, so b2 reaches J along two paths).
`tinysae grade .` grades `modern_sae.py` as soon as you have written one of its functions.
When its steps pass, **Part 4 — train it**: `python train_modern.py` trains your
`sae_loss_and_grad` with Adam on data made of known features (lesson 08's superposition)
and says how many of them your dictionary found.
"""

def step_table(exercise, label="STEP"):
    """A markdown section per stage: its title, lessons and what to do, then its steps."""
    out, stage = [], None
    for step in exercise.steps:
        if step.stage != stage:
            stage = step.stage
            out += ["", f"**{label} {stage.number} — {stage.title}** ({stage.lessons}). "
                    + stage.note, "", "| step | function | checked |", "|---|---|---|"]
        out.append(f"| {step.number} | `{step.function}` | {_what(step)} |")
    return "\n".join(out) + "\n"


def _what(step):
    """What the row checks, from its title: ``parameter_gradients (λ = 0)`` → ``λ = 0``."""
    inside = step.title[len(step.function):].strip(" ()")
    return inside or "on its own"


def readme():
    """The text of the starter folder's README.md."""
    classic, modern = EXERCISES["sparse_autoencoder.py"], EXERCISES["modern_sae.py"]
    return HEAD + step_table(classic) + TAIL + step_table(modern, label="Part")


# ----------------------------------------------------------------------------- the folder

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


def step_of(exercise):
    """``name -> "step N"`` (the first step that grades the function); for the optional
    exercise ``"Part P, step N"``, apart from the classic exercise's numbers."""
    def where(name):
        step = next((s for s in exercise.steps if s.function == name), None)
        if step is None:
            return "README.md"
        if exercise.optional:
            return f"{exercise.label} {step.stage.number}, step {step.number} of {exercise.file}"
        return f"step {step.number}"
    return where


def files():
    """``{file name: text}`` of the starter folder."""
    classic, modern = EXERCISES["sparse_autoencoder.py"], EXERCISES["modern_sae.py"]
    return {
        "sparse_autoencoder.py": blank_file(CLASSIC_DOC, CLASSIC_IMPORTS, CLASSIC,
                                            step_of(classic)),
        "modern_sae.py": blank_file(MODERN_DOC, "import numpy as np", MODERN, step_of(modern)),
        "README.md": readme(),
        "test_exercises.py": TEST_FILE,
        "train.py": TRAIN_FILE,
        "train_modern.py": TRAIN_MODERN_FILE,
    }


def write_folder(folder):
    """Write the starter folder's files that are not there (creating the folder); a file
    that exists is never overwritten. Returns ``(written, kept)``: the paths of each."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for name, text in files().items():
        path = folder / name
        if path.exists() or path.is_symlink():
            kept.append(path)
            continue
        with open(path, "x", encoding="utf-8") as file:  # never follows or replaces a file
            file.write(text)
        written.append(path)
    return written, kept
