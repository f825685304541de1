"""``tinysae grade DIR [DIR ...]``: grade exercise folders, one row per step; a class in one command.

For each folder, grades ``DIR/sparse_autoencoder.py`` and, once the student has started it,
the optional ``DIR/modern_sae.py`` (or just the one file, if DIR is a file). The student's
code runs in a process of its own (:mod:`tinysae.exercises.student_code`); this process
draws the problems, computes the reference's answers, compares, and prints. One folder:
its table, then what the student's code printed. Several: one line per folder (``--jobs
N`` grades N at once, each in a process of its own). ``--json FILE`` writes one record per
folder; ``--gradescope FILE`` writes Gradescope's ``results.json`` for one folder.

Exit status: 0 when every graded step of every folder passes, 1 otherwise, 2 when the
command line is wrong or a folder or file is missing.
"""

import json
import sys
import time
from pathlib import Path

import tinysae
from tinysae.commands import Parser, path_argument
from tinysae.exercises.grading import (EXERCISES, FAIL, PASS, SKIPPED, grade_path, next_step)
from tinysae.exercises.student_code import TIME_LIMIT, UnusableFile
from tinysae.runtime.atomic_write import atomic_write
from tinysae.validation.constraints import check_option

#: Width of the function column of the table.
TITLE_WIDTH = 30


def main(argv):
    """``tinysae grade DIR [DIR ...] [--seed N] [--time-limit S] [--jobs N] [--json FILE]
    [--gradescope FILE]``; returns the exit status."""
    parser = Parser(prog="tinysae grade",
                    description="Grade exercise folders made by 'tinysae exercises DIR': each "
                                "step's function against tinysae's reference, on random sizes "
                                "and data. The student's code runs in a process of its own.")
    parser.add_argument("folders", metavar="DIR", type=path_argument, nargs="+",
                        help="an exercise folder (or one of its exercise files); several "
                             "grade a class, one line each")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the random sizes and data [default: 0]")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, metavar="S",
                        help=f"seconds each step's calls may take [default: {TIME_LIMIT:g}]")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="folders graded at once [default: 1]")
    parser.add_argument("--json", type=path_argument, metavar="FILE",
                        help="write one record per folder (steps, points, diagnosis, total, "
                             "seed, version, seconds)")
    parser.add_argument("--gradescope", type=path_argument, metavar="FILE",
                        help="write Gradescope's results.json for the one folder given")
    args = parser.parse_args(argv)
    check_option("--seed", args.seed)
    check_option("--time-limit", args.time_limit)
    check_option("--jobs", args.jobs)
    if args.gradescope and len(args.folders) != 1:
        parser.error("--gradescope grades one submission: give one DIR")
    settings = (args.seed, args.time_limit)
    if len(args.folders) == 1:
        record, text = grade_folder(args.folders[0], *settings)
        print(text, file=sys.stderr if record["status"] == "missing" else sys.stdout)
        records = [record]
    else:
        records = []
        for record, _ in _each(args.folders, settings, args.jobs):
            print(summary(record))
            records.append(record)
    if args.json:
        _write_json(args.json, records)
    if args.gradescope:
        _write_json(args.gradescope, gradescope(records[0]))
    return max(_status(record) for record in records)


def _write_json(path, value):
    text = json_text(value) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def json_text(value, indent=""):
    """JSON, indented, with each step's record (or Gradescope test) on one line."""
    inner = indent + "  "
    if isinstance(value, dict) and value and not ("number" in value and "status" in value):
        items = [f"{inner}{json.dumps(k)}: {json_text(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join(inner + json_text(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)


def _each(folders, settings, jobs):
    """``(record, text)`` per folder, in the order given."""
    if jobs == 1:
        for folder in folders:
            yield grade_folder(folder, *settings)
        return
    import concurrent.futures
    import multiprocessing
    with concurrent.futures.ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(grade_folder, folders, *[[s] * len(folders) for s in settings])


def _status(record):
    if record["status"] == "missing":
        return 2
    return 0 if all(step["status"] == PASS for entry in record["files"].values()
                    if entry["graded"] for step in entry["steps"]) else 1


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


def grade_folder(target, seed=0, time_limit=TIME_LIMIT):
    """``(record, text)``: the folder's record (see :func:`record_of`) and its printed grade."""
    target = Path(target)
    began = time.monotonic()
    base = {"folder": str(target), "seed": seed, "time_limit": time_limit,
            "tinysae_version": tinysae.__version__}
    try:
        paths = _files(target)
    except UnusableFile as error:
        record = {**base, "status": "missing", "error": str(error), "total": 0,
                  "max": sum(s.points for s in EXERCISES["sparse_autoencoder.py"].steps),
                  "seconds": round(time.monotonic() - began, 2), "files": {}}
        return record, f"tinysae grade: error: {error}"
    files, texts = {}, []
    for path in paths:
        only = len(paths) == 1 or path.name == "sparse_autoencoder.py"
        outcomes, seconds = grade_path(path, seed, time_limit, only=only)
        files[path.name] = file_record(EXERCISES[path.name], outcomes, seconds)
        texts.append(file_text(path, seed, outcomes))
    required = [f for name, f in files.items() if not EXERCISES[name].optional]
    record = {**base, "status": "graded",
              "total": sum(f["total"] for f in required),
              "max": sum(f["max"] for f in required),
              "seconds": round(time.monotonic() - began, 2), "files": files}
    return record, "\n".join(texts)


def file_record(exercise, outcomes, seconds):
    """One exercise file's part of a record: its steps with status, points and diagnosis."""
    steps = [{"number": s.number, "key": s.key, "status": outcomes[s.key].status,
              "points": outcomes[s.key].points, "max_points": s.points,
              "diagnosis": outcomes[s.key].lines, "output": outcomes[s.key].output}
             for s in exercise.steps] if outcomes else []
    return {"optional": exercise.optional, "graded": outcomes is not None,
            "total": sum(step["points"] for step in steps),
            "max": sum(s.points for s in exercise.steps),
            "passed": sum(step["status"] == PASS for step in steps),
            "seconds": round(seconds, 2), "steps": steps}


def file_text(path, seed, outcomes):
    """The printed grade of one exercise file: its table, then the student's output."""
    exercise = EXERCISES[path.name]
    if outcomes is None:
        return (f"\n{path.name}, {exercise.title}: not started (graded once you write one "
                "of its functions).")
    lines = [f"\n{path}: {exercise.title}  (seed {seed})"] + report(exercise, outcomes)
    printed = [(s, outcomes[s.key].output) for s in exercise.steps if outcomes[s.key].output]
    if printed:
        lines.append(f"\nWhat your code printed (its print() calls and warnings; the grade "
                     f"above is the grader's own):")
        for step, text in printed:
            lines.append(f"  step {step.number} ({step.function}):")
            lines += [f"  | {line}" for line in text.rstrip("\n").split("\n")]
    return "\n".join(lines)


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
    todo = next_step(exercise, outcomes)
    lines.append(f"\n{passed} of {total} steps pass. Next: step {todo.number}, {todo.function} "
                 f"({exercise.label} {todo.stage.number} in README.md).")
    return lines


def summary(record):
    """One line per folder: points, steps passed, the optional exercise, time."""
    if record["status"] == "missing":
        return f"{record['folder']}: error: {record['error']}"
    parts = []
    for name, entry in record["files"].items():
        if not entry["graded"]:
            parts.append(f"{name} not started")
            continue
        parts.append(f"{name} {entry['passed']}/{len(entry['steps'])} steps "
                     f"{entry['total']}/{entry['max']} points")
    return (f"{record['folder']}: {record['total']}/{record['max']} points  ("
            + "; ".join(parts) + f"; {record['seconds']:.1f} s)")


def gradescope(record):
    """Gradescope's ``results.json`` for one record: the score, and one test per step with
    its name, number, score, max_score, status and output. The optional exercise's steps
    are listed with a max_score of 0 (shown, not counted)."""
    tests = []
    for name, entry in record["files"].items():
        counted = not EXERCISES[name].optional
        for step in entry["steps"]:
            output = "\n".join(step["diagnosis"])
            if step["output"]:
                output += "\nWhat your code printed:\n" + step["output"]
            title = next(s.title for s in EXERCISES[name].steps if s.key == step["key"])
            tests.append({"name": f"{name} step {step['number']}: {title}",
                          "number": f"{Path(name).stem}.{step['number']}",
                          "score": step["points"] if counted else 0,
                          "max_score": step["max_points"] if counted else 0,
                          "status": "passed" if step["status"] == PASS else "failed",
                          "output": f"{step['status']}\n{output}".strip()})
    output = record.get("error") or f"{record['total']} of {record['max']} points " \
        f"(seed {record['seed']}, tinysae {record['tinysae_version']})"
    return {"score": record["total"], "execution_time": round(record["seconds"]),
            "output": output, "tests": tests,
            "extra_data": {"seed": record["seed"],
                           "tinysae_version": record["tinysae_version"]}}
