"""What a graded step is, the random problem it is checked on, and the checks steps share.

A step grades one function of the student's file on a random problem: sizes m, n_v, n_h
drawn anew for every step and case (all different, so that a transposed array cannot pass),
data and parameters drawn from a seeded generator. Its check returns the lines of a
diagnosis, or [] when the student's output equals the reference's.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from tinysae.exercises.compare import (Hint, Wrong, as_output, close, diagnose,
                                       diagnose_blocks, numbers, same_numbers_reordered,
                                       theta_blocks)
from tinysae.exercises.mistakes import planted
from tinysae.exercises.student_code import call
from tinysae.model.parameters import pack


@dataclass(frozen=True)
class Stage:
    """A group of steps, as the student's README.md numbers them (UFLDL's STEP 1, 2, ...);
    ``note`` says there what to do."""
    number: int
    title: str
    lessons: str
    note: str


@dataclass(frozen=True)
class Step:
    """One graded step: ``check(student, problem)`` grades the student's ``function``.

    ``needs`` are the keys of earlier steps that must pass first; ``points`` are earned
    when the step passes (the README's "For instructors" lists them); ``checked`` says in
    the student's README how the step is checked, where the title does not.
    """
    number: int
    key: str
    function: str
    title: str
    stage: Stage
    check: Callable
    needs: tuple = field(default=())
    points: int = 1
    checked: str = ""  # how, for the README's table, when not by comparing outputs alone


@dataclass
class Problem:
    """Random sizes, data and parameters for one check."""
    rng: np.random.Generator
    m: int
    n_v: int
    n_h: int
    X: np.ndarray
    params: dict
    weight_decay: float
    sparsity_target: float
    sparsity_weight: float

    @property
    def sizes(self):
        return {"m": self.m, "n_v": self.n_v, "n_h": self.n_h}

    @property
    def theta(self):
        return pack(self.params)


def check_value(student, function, args, reference, sizes, mistakes=(), what=None,
                factors=()):
    """Grade ``function(*args)`` against ``reference(*args)``, naming the ``mistakes`` it
    shows (and the step's own ``factors``, see :func:`~tinysae.exercises.compare.diagnose`).
    The reference's answer is computed once the student's has arrived."""
    got = call(student, function, *args)
    wrongs = [(mistake, mistake.wrong(*args)) for mistake in mistakes]
    return diagnose(what or function, got, reference(*args), sizes, wrongs, factors)


def check_dict(student, function, args, reference, sizes, keys, mistakes=()):
    """Grade a function that returns a dict: the first of ``keys`` that differs (naming the
    ``mistakes`` whose entry it equals)."""
    got = call(student, function, *args)
    if not isinstance(got, dict):
        raise Wrong(f"{function}: expected a dict with keys {', '.join(keys)}, got a "
                    f"{type(got).__name__}")
    expected = reference(*args)
    wrongs = [(mistake, mistake.wrong(*args)) for mistake in mistakes]
    for key in keys:
        if key not in got:
            return [f"{function}: the dict has no '{key}'"]
        lines = diagnose(key, got[key], expected[key], sizes,
                         [(mistake, out[key]) for mistake, out in wrongs])
        if lines:
            return lines
    return []


def check_gradients(student, function, args, reference, sizes, mistakes=(), decay=None):
    """Grade a function that returns the gradient as a dict of blocks. ``decay``: (λ,
    params) when the gradient has weight decay, to name λW missing or halved."""
    got = call(student, function, *args)
    wrongs = [(mistake, mistake.wrong(*args)) for mistake in mistakes]
    expected = reference(*args)
    if decay and decay[0]:
        lam, params = decay
        for share, says in ((1.0, "λW missing from the gradient: ∇W1 = (1/m) δ2ᵀX + λW1, "
                                  "∇W2 = (1/m) δ3ᵀa2 + λW2"),
                            (0.5, "λW halved: J has (λ/2)‖W‖², whose derivative is λW")):
            wrongs.append((Hint(says), {**expected,
                                        "W1": expected["W1"] - share * lam * params["W1"],
                                        "W2": expected["W2"] - share * lam * params["W2"]}))
    return diagnose_blocks(got, expected, sizes, wrongs)


def check_cost_and_gradient(student, function, args, reference, mistakes, sizes, packed,
                            terms):
    """Grade ``function(*args) -> (J, gradient)`` against ``reference(*args)``.

    The reference is also run with each of ``mistakes`` planted, to name the one the
    student's numbers show. ``packed``: the gradient is θ-shaped (else a dict of blocks).
    ``terms()`` gives J's terms, ``{equation: value}``, to say which one a wrong J lacks,
    and its β-weighted terms with β = 1, to say when one lacks its β.
    Calling the student's own ``numerical_gradient`` is not allowed here.
    """
    got = call(student, function, *args, forbidden=("numerical_gradient",))
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Wrong(f"{function}: expected a pair (J, grad), got a {type(got).__name__}")
    J, grad = reference(*args)
    wrongs = []
    for mistake in mistakes:
        with planted(mistake):
            wrongs.append((mistake, reference(*args)))
    lines = diagnose("J", got[0], J, sizes, [(m, out[0]) for m, out in wrongs])
    if lines:
        (values, unweighted), yours = terms(), as_output(got[0], J, sizes, "J")
        lines.append("   expected J = " + " + ".join(f"{numbers(v, 0.0)[0]} ({term})"
                                                      for term, v in values.items()))
        lines += [f"→ J lacks its term {term}" for term, value in values.items()
                  if value and close(yours, J - value)]
        beta = args[5] if packed else args[2]
        lines += [f"→ J's term {term} without its β (here β = {beta:g})"
                  for term, raw in unweighted.items()
                  if beta != 1 and close(yours, J - values[term] + raw)]
    your_grad = got[1]
    if packed:
        if isinstance(your_grad, dict):
            raise Wrong("grad: a dict; return it packed like theta: pack(grads)")
        flat = as_output(your_grad, grad, sizes, "grad")
        lines += same_numbers_reordered(flat, grad)
        your_grad = theta_blocks(flat, sizes)
        grad = theta_blocks(grad, sizes)
        wrongs = [(m, (out[0], theta_blocks(out[1], sizes))) for m, out in wrongs]
    return lines + diagnose_blocks(your_grad, grad, sizes, [(m, out[1]) for m, out in wrongs])
