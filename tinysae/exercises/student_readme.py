"""The starter folder's README.md: the steps in order, as UFLDL's ``train.m`` walks STEP 0–5.

The tables of steps are made from the graded steps themselves, so the README, the grader's
rows and ``pytest -v`` in the folder always agree.
"""

from tinysae.exercises.grading import EXERCISES

HEAD = """\
# Your sparse autoencoder

Write the sparse autoencoder of Andrew Ng's CS294A notes ("Sparse autoencoder", the UFLDL
tutorial) yourself, one equation at a time, and have each one checked.

| file | what |
|---|---|
| `sparse_autoencoder.py` | the exercise: functions with blanks, each with its equation, shapes and a hint |
| `modern_sae.py` | optional: today's ReLU + L1 sparse autoencoder (lesson 08) |
| `train.py` | STEP 6: train your model on photographs and look at its filters |
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
should be edge detectors, like the ones `tinysae train` learns.

## Optional: today's sparse autoencoder (`modern_sae.py`, lesson 08)

Sparse autoencoders are back, to find the features a language model's activations are made
of. Today's version has ReLU latents, an L1 penalty, a linear decoder and a pre-encoder
bias (the input is centred by b2 before encoding, so b2 reaches J along two paths).
`tinysae grade .` grades `modern_sae.py` as soon as you have written one of its functions.
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
