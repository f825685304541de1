"""Grading: run an exercise's steps in order on the student's module, each to an outcome.

A step's outcome is PASS, FAIL (with a diagnosis), "not written yet" (its function still
raises NotImplementedError) or skipped (a step it needs has not passed, or its function
calls one that is not written yet). Each step is checked on :data:`CASES` random problems,
from a generator seeded by the seed, the step's number and the case: the same seed gives
the same grade, and no step's data depends on another's outcome.
"""

import ast
import functools
import inspect
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinysae.exercises import classic_steps, modern_steps
from tinysae.exercises.compare import Wrong
from tinysae.exercises.student_code import NotWritten, StudentError, load

PASS, FAIL, NOT_WRITTEN, SKIPPED = "PASS", "FAIL", "not written yet", "skipped"

#: Random problems per step, with different sizes each.
CASES = 2


@dataclass(frozen=True)
class Exercise:
    """A file of the starter folder and its graded steps: ``problem(rng)`` draws a random
    problem; the README calls its stages ``label`` 1, 2, ...; ``done`` is said when every
    step passes."""
    file: str
    title: str
    steps: list
    optional: bool
    problem: object
    label: str
    done: str


EXERCISES = {
    "sparse_autoencoder.py": Exercise(
        "sparse_autoencoder.py", "the sparse autoencoder of the CS294A notes",
        classic_steps.STEPS, optional=False, problem=classic_steps.problem, label="STEP",
        done="Your sparse autoencoder agrees with the notes. STEP 6: python train.py"),
    "modern_sae.py": Exercise(
        "modern_sae.py", "today's ReLU + L1 sparse autoencoder (optional)",
        modern_steps.STEPS, optional=True, problem=modern_steps.problem, label="Part",
        done="Your ReLU + L1 sparse autoencoder agrees with tinysae.modern."),
}


@dataclass
class Outcome:
    status: str
    lines: list = field(default_factory=list)


def grade(student, exercise, seed=0):
    """``{step.key: Outcome}`` for every step of ``exercise``, in order."""
    outcomes = {}
    for step in exercise.steps:
        outcomes[step.key] = _outcome(student, exercise, step, outcomes, seed)
    return outcomes


def _outcome(student, exercise, step, outcomes, seed):
    first_of = {s.function: s for s in reversed(exercise.steps)}
    blocking = [key for key in step.needs if outcomes[key].status != PASS]
    if blocking:
        if is_blank(getattr(student, step.function, None)):
            return Outcome(NOT_WRITTEN)
        need = next(s for s in exercise.steps if s.key == blocking[0])
        return Outcome(SKIPPED, [f"needs step {need.number} ({need.function}) to pass first"])
    try:
        for case in range(CASES):
            problem = exercise.problem(np.random.default_rng([seed, step.number, case]))
            lines = step.check(student, problem)
            if lines:
                return Outcome(FAIL, lines)
        return Outcome(PASS)
    except NotWritten as blank:
        if blank.function == step.function:
            return Outcome(NOT_WRITTEN)
        other = first_of.get(blank.function)
        where = f" (step {other.number})" if other else ""
        return Outcome(SKIPPED, [f"{step.function} calls {blank.function}{where}, which is not "
                                 "written yet"])
    except Wrong as error:
        return Outcome(FAIL, error.lines)
    except StudentError as error:
        sizes = ", ".join(f"{k} = {v}" for k, v in problem.sizes.items())
        return Outcome(FAIL, error.lines + ([f"(here {sizes})"] if error.crashed else []))


def is_blank(function):
    """True if ``function``'s body is only a docstring and ``raise NotImplementedError``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (TypeError, OSError, SyntaxError):
        return False
    body = tree.body[0].body if tree.body and hasattr(tree.body[0], "body") else []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def untouched(student, exercise):
    """True if every function the exercise grades is still blank."""
    return all(is_blank(getattr(student, s.function, None)) for s in exercise.steps)


@functools.lru_cache(maxsize=None)
def outcomes_of(path, seed=0):
    """The grade of the file at ``path`` (cached: ``pytest`` in the starter folder asks once
    per step). Raises :class:`~tinysae.exercises.student_code.UnusableFile`."""
    path = Path(path)
    exercise = EXERCISES[path.name]
    student = load(path)
    if exercise.optional and untouched(student, exercise):
        return None
    return grade(student, exercise, seed)


def pytest_params(folder):
    """The parameters of ``test_exercises.py`` in a starter folder: one per step."""
    import pytest
    return [pytest.param(name, step.key, id=f"{Path(name).stem}-{step.number:02d}-{step.key}")
            for name, exercise in EXERCISES.items() for step in exercise.steps]


def pytest_step(path, key, seed=0):
    """Pass, fail or skip the pytest test of one step, as the grader's row says."""
    import pytest
    from tinysae.exercises.student_code import UnusableFile
    try:
        outcomes = outcomes_of(Path(path).resolve(), seed)
    except UnusableFile as error:
        pytest.fail(str(error), pytrace=False)
    if outcomes is None:
        pytest.skip(f"{Path(path).name} is optional and not started yet")
    outcome = outcomes[key]
    if outcome.status == SKIPPED:
        pytest.skip(" ".join(outcome.lines))
    if outcome.status != PASS:
        pytest.fail("\n".join([outcome.status] + outcome.lines), pytrace=False)
