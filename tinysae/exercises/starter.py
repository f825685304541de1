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
The fixed texts (the files' headers, the scripts) are in :mod:`tinysae.exercises.starter_texts`.
"""

import inspect
import re
from pathlib import Path

from tinysae.exercises.grading import EXERCISES
from tinysae.exercises.starter_texts import (CLASSIC_DOC, CLASSIC_IMPORTS, MODERN_DOC, TEST_FILE,
                                             TOPK_LOSS_AND_GRAD_DOC, TRAIN_FILE,
                                             TRAIN_MODERN_FILE)
from tinysae.model import gradient_check, sparse_autoencoder as classic
from tinysae.modern import jumprelu, sae as modern

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

#: The modern exercise: ReLU latents, L1, a pre-encoder bias, a linear decoder (lesson 08);
#: then TopK (lesson 09) and JumpReLU (lesson 13). A third entry is the blank's docstring,
#: where the reference writes the function as a variant of a general one (TopK is
#: ``sae_loss_and_grad`` with ``activation="topk"``).
MODERN = [
    (modern.sae_forward, "sae_forward(params, X)"),
    (modern.reconstruction_cost, "reconstruction_cost(a3, X)"),
    (modern.l1_cost, "l1_cost(a2, sparsity_weight)"),
    (modern.output_delta, "output_delta(a3, X)"),
    (modern.hidden_delta, "hidden_delta(delta3, W2, mask, sparsity_term)"),
    (modern.parameter_gradients, "parameter_gradients(cache, delta2, delta3, W1)"),
    (modern.sae_loss_and_grad, "sae_loss_and_grad(params, X, sparsity_weight)"),
    (modern.topk_mask, "topk_mask(z2, k)"),
    (modern.sae_loss_and_grad, "topk_loss_and_grad(params, X, k)", TOPK_LOSS_AND_GRAD_DOC),
    (jumprelu.jumprelu_forward, "jumprelu_forward(params, threshold, X)"),
    (jumprelu.l0_cost, "l0_cost(z2, threshold, sparsity_weight)"),
    (jumprelu.rectangle, "rectangle(u)"),
    (jumprelu.step_pseudo_derivative, "step_pseudo_derivative(z2, threshold, bandwidth)"),
    (jumprelu.l0_threshold_gradient,
     "l0_threshold_gradient(z2, threshold, sparsity_weight, bandwidth)"),
    (jumprelu.jump_threshold_gradient,
     "jump_threshold_gradient(z2, threshold, delta_a2, bandwidth)"),
    (jumprelu.jumprelu_loss_and_grad,
     "jumprelu_loss_and_grad(params, threshold, X, sparsity_weight, bandwidth)"),
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
    if "activation" in left_out:  # sae_loss_and_grad is ReLU + L1 in the exercise
        text = re.sub(r" or TopK\b", "", text)
    text = re.sub(r":\w+:`~?([\w.]+)`", r"``\1``", text)  # :func:`x` -> ``x``
    return re.sub(r"``tinysae\.modern\.(\w+)``", r"``\1``", text)  # the student's own


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


def blank_function(reference, signature, message, doc=None):
    """The source of one blank: ``def signature:``, the docstring (``doc``, else the
    reference's, adapted), the raise."""
    doc = inspect.cleandoc(doc) if doc else adapted_docstring(reference, signature)
    body = "\n".join(("    " + line).rstrip() for line in doc.split("\n")).lstrip()
    end = '"""' if "\n" not in doc else '\n    """'
    return (f'def {signature}:\n    """{body}{end}\n'
            f"    raise NotImplementedError({message!r})\n")


def blank_file(docstring, imports, functions, step_of):
    """A whole exercise file: a docstring, the imports, and one blank per function.

    ``step_of(name)`` says where the README explains the function (for the error message).
    """
    blanks = []
    for reference, signature, *doc in functions:
        name = signature.split("(")[0]
        blanks.append(blank_function(reference, signature,
                                     f"{name}: write it ({step_of(name)} in README.md)", *doc))
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

## Optional: today's sparse autoencoders (`modern_sae.py`, lessons 08, 09 and 13)

Sparse autoencoders are back, to find the features a language model's activations are made
of. Today's version has ReLU latents, an L1 penalty, a linear decoder and a pre-encoder
bias (the input is centred by b2 before encoding, so b2 reaches J along two paths).
`tinysae grade .` grades `modern_sae.py` as soon as you have written one of its functions.
"""

TRAIN_MODERN = """
**Part 4 — train it.** When the steps of Parts 1–3 pass, `python train_modern.py` trains
your `sae_loss_and_grad` with Adam on data made of known features (lesson 08's
superposition) and says how many of them your dictionary found. Parts 5 and 6 then write
the two sparsities the field uses since 2024, TopK and JumpReLU, forward and backward.
"""

def step_table(exercise, label="STEP", stages=None):
    """A markdown section per stage (those numbered in ``stages``, else all): its title,
    lessons and what to do, then its steps."""
    out, stage = [], None
    for step in exercise.steps:
        if stages is not None and step.stage.number not in stages:
            continue
        if step.stage != stage:
            stage = step.stage
            out += ["", f"**{label} {stage.number} — {stage.title}** ({stage.lessons}). "
                    + stage.note, "", "| step | function | checked |", "|---|---|---|"]
        out.append(f"| {step.number} | `{step.function}` | {_what(step)} |")
    return "\n".join(out) + "\n"


def _what(step):
    """What the row checks, from its title: ``parameter_gradients (λ = 0)`` → ``λ = 0``."""
    inside = step.title[len(step.function):].strip(" ()")
    return step.checked or inside or "on its own"


def readme():
    """The text of the starter folder's README.md."""
    classic, modern = EXERCISES["sparse_autoencoder.py"], EXERCISES["modern_sae.py"]
    return (HEAD + step_table(classic) + TAIL + step_table(modern, "Part", stages=(1, 2, 3))
            + TRAIN_MODERN + step_table(modern, "Part", stages=(5, 6)))


# ----------------------------------------------------------------------------- the folder

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
    that exists is never overwritten, and a link at one of their names is refused
    (FileExistsError) before anything is written. Returns ``(written, kept)``."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    texts = files()
    links = [name for name in texts if (folder / name).is_symlink()]
    if links:  # a planted link: writing through it would write elsewhere
        raise FileExistsError(f"{folder / links[0]} exists already, as a link; tinysae "
                              "exercises never writes through or over a link")
    folder.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for name, text in texts.items():
        path = folder / name
        if path.exists():
            kept.append(path)
            continue
        with open(path, "x", encoding="utf-8") as file:  # O_EXCL: a link planted meanwhile
            file.write(text)                            # is refused, never followed
        written.append(path)
    return written, kept
