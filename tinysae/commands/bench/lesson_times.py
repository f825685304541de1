"""``tinysae bench --lessons``: every lesson's full run, timed, one after another.

Each lesson runs as its own process (``python lessons/NN_name.py``, figures into a temporary
folder), as a student would run it. The table gives its wall time, and the CPU time of the
process and its threads: on a quiet machine wall time is what a student waits; on a busy
one, CPU time still says how much work the lesson is.
"""

import os
import subprocess
import sys
import tempfile
import time

from tinysae.commands.lessons import lesson_scripts as scripts_in


def lesson_scripts(selection=None):
    """The lesson scripts ``NN_*.py`` in order, or those whose number ``NN`` is in ``selection``."""
    return [s for s in scripts_in() if not selection or s.name[:2] in selection]


def lesson_numbers():
    """``["01", "02", ...]``: the numbers of the lessons this tinysae has."""
    try:
        return [s.name[:2] for s in scripts_in()]
    except FileNotFoundError:  # an installation without lessons
        return []


def children_cpu_seconds():
    """CPU seconds used so far by this process's finished children (NaN where the system
    does not say: the ``resource`` module is Unix only)."""
    try:
        import resource
    except ImportError:
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_lesson(script, quick=False):
    """(wall seconds, CPU seconds, exit status, last line of stderr) of one lesson run."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(script), "--out", out] + (["--quick"] if quick else [])
        cpu, start = children_cpu_seconds(), time.perf_counter()
        run = subprocess.run(command, capture_output=True, text=True,
                             env={**os.environ, "MPLBACKEND": "Agg"})
        wall, cpu = time.perf_counter() - start, children_cpu_seconds() - cpu
    last = run.stderr.strip().splitlines()[-1] if run.returncode and run.stderr.strip() else ""
    return wall, cpu, run.returncode, last


def lessons_table(selection=None, quick=False):
    """Run and time the lessons one after another, printing a row as each ends; returns the
    exit status (1 if a lesson failed)."""
    scripts = lesson_scripts(selection)
    print(f"\n## Lessons: {'--quick' if quick else 'full'} runs, one at a time, "
          f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f} at the start")
    print(f"{'lesson':<28} {'wall s':>8} {'CPU s':>8}  status")
    total, failed = 0.0, False
    for script in scripts:
        wall, cpu, status, last = time_lesson(script, quick)
        total += wall
        failed |= status != 0
        print(f"{script.stem:<28} {wall:>8.1f} {cpu:>8.1f}  "
              f"{'ok' if status == 0 else f'failed ({status}): {last}'}", flush=True)
    print(f"{'all':<28} {total:>8.1f}")
    return 1 if failed else 0
