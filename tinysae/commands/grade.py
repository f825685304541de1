"""``tinysae grade DIR``: grade the student's exercise folder, one row per step.

Grades ``DIR/sparse_autoencoder.py`` and, once the student has started it, the optional
``DIR/modern_sae.py`` (or just the one file, if DIR is a file). Exit status: 0 when every
graded step passes, 1 otherwise, 2 when the command line is wrong or a file is missing or
cannot be imported (then the student's line that failed is shown).
"""

import sys
from pathlib import Path

from tinysae.commands import Parser
from tinysae.validation.constraints import check_option
from tinysae.exercises.grading import (EXERCISES, FAIL, PASS, SKIPPED, grade, untouched)
from tinysae.exercises.student_code import UnusableFile, load

#: Width of the function column of the table.
TITLE_WIDTH = 30


def main(argv):
    """``tinysae grade DIR [--seed N]``; returns the exit status."""
    parser = Parser(prog="tinysae grade",
                    description="Grade the exercise folder made by 'tinysae exercises DIR': "
                                "each step's function against tinysae's reference, on random "
                                "sizes and data.")
    parser.add_argument("folder", metavar="DIR", type=Path,
                        help="the exercise folder (or one of its exercise files)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the random sizes and data [default: 0]")
    args = parser.parse_args(argv)
    check_option("--seed", args.seed)
    try:
        paths = _files(args.folder)
        return max(grade_file(path, args.seed, only=len(paths) == 1 or path.name ==
                              "sparse_autoencoder.py") for path in paths)
    except UnusableFile as error:
        print(f"tinysae grade: error: {error}", file=sys.stderr)
        return 2


def _files(target):
    """The exercise files to grade: DIR's two, or the one file given."""
    if target.is_file() or target.name in EXERCISES:
        if target.name not in EXERCISES:
            raise UnusableFile(f"{target} is not an exercise file ({', '.join(EXERCISES)})")
        return [target]
    if not target.is_dir():
        raise UnusableFile(f"there is no folder {target} (make one with: tinysae exercises "
                           f"{target})")
    if not (target / "sparse_autoencoder.py").is_file():
        raise UnusableFile(f"there is no file {target / 'sparse_autoencoder.py'} (make the "
                           "folder with: tinysae exercises DIR)")
    return [target / name for name in EXERCISES if (target / name).is_file()]


def grade_file(path, seed, only=True):
    """Print the grade of one exercise file; return 0 if every step passes, else 1.

    An optional exercise that is not started is one line, and does not count, unless it
    was asked for by name (``only``).
    """
    exercise = EXERCISES[path.name]
    student = load(path)
    if exercise.optional and not only and untouched(student, exercise):
        print(f"\n{path.name}, {exercise.title}: not started (graded once you write one "
              "of its functions).")
        return 0
    outcomes = grade(student, exercise, seed)
    print(f"\n{path}: {exercise.title}  (seed {seed})")
    for line in report(exercise, outcomes):
        print(line)
    return 0 if all(o.status == PASS for o in outcomes.values()) else 1


def report(exercise, outcomes):
    """The table's lines: a heading per stage, a row per step, a diagnosis under a FAIL,
    then how many steps pass and which to do next."""
    lines, stage = [], None
    for step in exercise.steps:
        if step.stage != stage:
            stage = step.stage
            lines.append(f"\n {exercise.label} {stage.number}  {stage.title} ({stage.lessons})")
        outcome = outcomes[step.key]
        status = outcome.status
        if status == SKIPPED:
            status = f"skipped: {outcome.lines[0]}"
        lines.append(f"  {step.number:>2}  {step.title:<{TITLE_WIDTH}}  {status}")
        if outcome.status == FAIL:
            lines += [f"{'':>6}{line}" for line in outcome.lines]
    passed = sum(o.status == PASS for o in outcomes.values())
    total = len(exercise.steps)
    if passed == total:
        lines.append(f"\nAll {total} steps pass. {exercise.done}")
        return lines
    todo = next(s for s in exercise.steps if outcomes[s.key].status != PASS)
    lines.append(f"\n{passed} of {total} steps pass. Next: step {todo.number}, {todo.function} "
                 f"({exercise.label} {todo.stage.number} in README.md).")
    return lines
