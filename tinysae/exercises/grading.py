"""Grading: run an exercise's steps in order on the student's module, each to an outcome.

A step's outcome is PASS, FAIL (with a diagnosis), "not written yet" (its function still
raises NotImplementedError) or skipped (a step it needs has not passed, or its function
calls one that is not written yet). Each step is checked on :data:`CASES` random problems,
from a generator seeded by the seed, the step's number and the case: the same seed gives
the same grade, and no step's data depends on another's outcome.
"""

import functools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinysae.exercises import classic_steps, modern_steps
from tinysae.exercises.compare import Wrong
from tinysae.exercises.student_code import (TIME_LIMIT, NotWritten, StudentError,
                                            StudentProcess)

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
        "modern_sae.py", "today's sparse autoencoders: ReLU + L1, TopK, JumpReLU (optional)",
        modern_steps.STEPS, optional=True, problem=modern_steps.problem, label="Part",
        done="Your ReLU + L1, TopK and JumpReLU autoencoders agree with tinysae.modern."),
}


@dataclass
class Outcome:
    """A step's verdict: ``status``, the diagnosis ``lines``, what the student's code printed
    meanwhile (``output``), and the step's ``points`` earned."""
    status: str
    lines: list = field(default_factory=list)
    output: str = ""
    points: float = 0


#: The environment variables that give the pytest route (``test_exercises.py``) its seed
#: and time limit, as ``tinysae grade --seed N --time-limit S`` does.
SEED_VARIABLE, TIME_LIMIT_VARIABLE = "TINYSAE_GRADE_SEED", "TINYSAE_GRADE_TIME_LIMIT"


def grade(student, exercise, seed=0):
    """``{step.key: Outcome}`` for every step of ``exercise``, in order, on ``student``
    (a :class:`~tinysae.exercises.student_code.StudentProcess`)."""
    outcomes, unusable_at = {}, None
    for step in exercise.steps:
        outcome = _outcome(student, exercise, step, outcomes, seed)
        if student.unusable and outcome.status == FAIL:
            if unusable_at:  # said once, in full, at the first step it failed
                outcome.lines = [f"(your file cannot be imported: see step {unusable_at})"]
            unusable_at = unusable_at or step.number
        outcome.output = student.take_output()
        outcome.points = step.points if outcome.status == PASS else 0
        outcomes[step.key] = outcome
    return outcomes


def _outcome(student, exercise, step, outcomes, seed):
    first_of = {s.function: s for s in reversed(exercise.steps)}
    blocking = [key for key in step.needs if outcomes[key].status != PASS]
    if blocking:
        if step.function in student.blanks:
            return Outcome(NOT_WRITTEN)
        need = next(s for s in exercise.steps if s.key == blocking[0])
        return Outcome(SKIPPED, [f"needs step {need.number} ({need.function}) to pass first"])
    problem = None
    student.begin_step()
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
        sizes = ", ".join(f"{k} = {v}" for k, v in problem.sizes.items()) if problem else ""
        return Outcome(FAIL, error.lines + ([f"(here {sizes})"] if error.crashed else []))


def untouched(student, exercise):
    """True if every function the exercise grades is still blank."""
    return all(s.function in student.blanks for s in exercise.steps)


def next_step(exercise, outcomes):
    """The first step that does not pass and can run now (the steps it needs pass), else
    the first that does not pass; None when all pass."""
    failing = [s for s in exercise.steps if outcomes[s.key].status != PASS]
    ready = [s for s in failing if outcomes[s.key].status != SKIPPED]
    return (ready or failing or [None])[0]


def grade_path(path, seed=0, time_limit=TIME_LIMIT, only=True):
    """``(outcomes, seconds)`` for the exercise file at ``path``: outcomes is None for an
    optional exercise not started (unless ``only``: it was asked for by name). Raises
    :class:`~tinysae.exercises.student_code.UnusableFile` when the file is missing."""
    path = Path(path)
    exercise = EXERCISES[path.name]
    began = time.monotonic()
    with StudentProcess(path, time_limit, steps=len(exercise.steps)) as student:
        if exercise.optional and not only and untouched(student, exercise):
            return None, time.monotonic() - began
        student.start()  # so that a file that cannot be imported says so at once
        outcomes = grade(student, exercise, seed)
    return outcomes, time.monotonic() - began


@functools.lru_cache(maxsize=None)
def outcomes_of(path, seed=0, time_limit=TIME_LIMIT):
    """The grade of the file at ``path`` (cached: ``pytest`` in the starter folder asks once
    per step). Raises :class:`~tinysae.exercises.student_code.UnusableFile`."""
    return grade_path(path, seed, time_limit, only=False)[0]


def pytest_params(folder):
    """The parameters of ``test_exercises.py`` in a starter folder: one per step."""
    import pytest
    return [pytest.param(name, step.key, id=f"{Path(name).stem}-{step.number:02d}-{step.key}")
            for name, exercise in EXERCISES.items() for step in exercise.steps]


def pytest_step(path, key, seed=None, time_limit=None):
    """Pass, fail or skip the pytest test of one step, as the grader's row says. The seed
    and time limit come from :data:`SEED_VARIABLE` and :data:`TIME_LIMIT_VARIABLE` unless
    given."""
    import pytest
    from tinysae.exercises.student_code import UnusableFile
    try:
        seed = int(os.environ.get(SEED_VARIABLE, 0)) if seed is None else seed
        time_limit = float(os.environ.get(TIME_LIMIT_VARIABLE, TIME_LIMIT)) \
            if time_limit is None else time_limit
    except ValueError as error:
        pytest.fail(f"{SEED_VARIABLE} / {TIME_LIMIT_VARIABLE}: {error}", pytrace=False)
    try:
        outcomes = outcomes_of(Path(path).resolve(), seed, time_limit)
    except UnusableFile as error:
        pytest.fail(str(error), pytrace=False)
    if outcomes is None:
        pytest.skip(f"{Path(path).name} is optional and not started yet")
    outcome = outcomes[key]
    if outcome.status == SKIPPED:
        pytest.skip(" ".join(outcome.lines))
    if outcome.output:
        print(outcome.output)  # the student's own output, which pytest shows with a failure
    if outcome.status != PASS:
        pytest.fail("\n".join([outcome.status] + outcome.lines), pytrace=False)
