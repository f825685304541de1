"""Every lesson runs top to bottom with --quick and writes its figures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_lesson_claims import check_quick_claims

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_quick(lesson, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, str(lesson), "--quick", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    figures = list(tmp_path.glob("*.png"))
    assert figures, f"{lesson.name} wrote no figure into {tmp_path}"
    check_quick_claims(lesson.stem, tmp_path)  # the numbers its docstring quotes for --quick


def test_each_lesson_states_the_run_time_the_gallery_table_gives():
    """The docstring's ``Full run:`` line, the gallery section's ``Run time:`` line and the
    table at the top of lessons/README.md come from one measurement (.ci/lesson_times.py)."""
    import re

    gallery = (LESSONS[0].parent / "README.md").read_text()
    table = dict(re.findall(r"^\| (\d\d)_\w+ \| (.+ \| .+) \|$", gallery, re.M))
    sections = dict(re.findall(r"^## (\d\d) .*?^(Run time: [^\n]*)$", gallery, re.M | re.S))
    assert sorted(table) == sorted(sections) == [lesson.name[:2] for lesson in LESSONS]
    for lesson in LESSONS:
        wall, cpu = table[lesson.name[:2]].split(" | ")
        line = rf"Run time: {re.escape(wall)} on \d+ cores \({re.escape(cpu)} of CPU\)\."
        assert re.fullmatch(line, sections[lesson.name[:2]]), lesson
        stated = re.findall(r"^Full run:  (.*) on \d+ cores, (.*) of CPU", lesson.read_text(),
                            re.M)
        assert stated == [(wall, cpu)], (f"{lesson.name} says {stated}; the gallery {wall}, "
                                          f"{cpu}: run python .ci/lesson_times.py")
