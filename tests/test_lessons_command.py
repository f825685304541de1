"""``tinysae lessons DIR``: the lessons a pip user gets, copied out whole, never overwriting
(a rerun completes a partial copy), and runnable where they land."""

import os
import subprocess
import sys
from pathlib import Path

from tinysae.cli import main
from tinysae.commands.lessons import lesson_files, shipped_lessons

CHECKOUT_LESSONS = Path(__file__).resolve().parent.parent / "lessons"


def test_the_lessons_shipped_are_the_checkouts_lessons():
    shipped = shipped_lessons()  # tinysae/lessons from a wheel; lessons/ in an editable install
    files = lesson_files(CHECKOUT_LESSONS)
    assert lesson_files(shipped) == files
    assert Path("figures/default_filters.png") in files
    assert all((shipped / f).read_bytes() == (CHECKOUT_LESSONS / f).read_bytes() for f in files)


def test_copies_every_lesson_and_figure_and_a_rerun_completes_without_overwriting(
        tmp_path, capsys):
    assert main(["lessons", str(tmp_path / "mine")]) == 0
    copied = tmp_path / "mine" / "lessons"
    assert lesson_files(copied) == lesson_files(CHECKOUT_LESSONS)
    assert f"cd {tmp_path / 'mine'} && python lessons/01_forward_pass.py" in capsys.readouterr().out
    (copied / "04_training.py").write_text("# my notes\n")  # edited
    (copied / "01_forward_pass.py").unlink()  # as if the first copy had stopped half-way
    (copied / "figures" / "default_filters.png").unlink()
    assert main(["lessons", str(tmp_path / "mine")]) == 0
    out = capsys.readouterr().out
    assert "Copied 2 files" in out and f"Kept {len(lesson_files(CHECKOUT_LESSONS)) - 2} files" in out
    assert lesson_files(copied) == lesson_files(CHECKOUT_LESSONS)
    assert (copied / "04_training.py").read_text() == "# my notes\n"
    assert (copied / "01_forward_pass.py").read_bytes() == \
        (CHECKOUT_LESSONS / "01_forward_pass.py").read_bytes()
    assert not [p for p in copied.rglob(".*") if p.is_file()]  # no temporary file left


def test_a_file_where_the_folder_should_be_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["lessons", str(tmp_path / "file")]) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_a_copied_lesson_runs_from_anywhere_and_writes_beside_its_folder(tmp_path):
    assert main(["lessons", str(tmp_path / "mine")]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    lesson = tmp_path / "mine" / "lessons" / "01_forward_pass.py"
    run = subprocess.run([sys.executable, str(lesson), "--quick"], cwd=elsewhere,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert list((tmp_path / "mine" / "data" / "lessons" / "01_forward_pass").glob("*.png"))
    assert not any(elsewhere.iterdir())
