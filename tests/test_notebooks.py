"""Lessons run as notebooks in a real Jupyter kernel (quick mode), and `tinysae notebooks`.

Needs the extra ``tinysae[notebooks]`` (jupytext, nbclient, ipykernel); skipped without it.
The kernel is the ``python3`` kernel of this Python (ipykernel's own), started by nbclient
as Jupyter starts it, so the lesson sees a kernel's command line (``-f kernel-….json``)
and the inline backend, as a student's notebook does.
"""

from pathlib import Path

import pytest

from tinysae.cli import main
from tinysae.commands.notebooks import docstring_only, lesson_notebook, lesson_scripts

LESSONS = Path(__file__).resolve().parent.parent / "lessons"

#: The lessons executed in a kernel: the first steps and the training (about 20 s together).
IN_KERNEL = ("01_forward_pass", "02_backprop_gradient_check", "04_training")


@pytest.mark.parametrize("name", IN_KERNEL)
def test_lesson_runs_as_a_notebook_in_a_kernel(name, tmp_path, monkeypatch):
    pytest.importorskip("jupytext")
    pytest.importorskip("ipykernel")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("TINYSAE_QUICK", "1")  # the kernel inherits this environment
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own: inline figures
    monkeypatch.delenv("TINYSAE_OUT", raising=False)
    notebook = lesson_notebook(LESSONS / f"{name}.py")
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith(f"# Lesson {name[:2]} — ")
    assert any(c.cell_type == "markdown" for c in notebook.cells[1:]), "no prose cells"
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o for o in outputs if "image/png" in o.get("data", {})]
    saved = sorted((tmp_path / "data" / "lessons" / name).glob("*.png"))
    assert saved, f"{name} saved no figure under the kernel's folder"
    assert len(shown) == len(saved), "each saved figure is shown inline once"


def test_docstring_becomes_the_first_markdown_cell():
    pytest.importorskip("jupytext")
    notebook = lesson_notebook(LESSONS / "01_forward_pass.py")
    first = notebook.cells[0]
    assert first.source.startswith("# Lesson 01 — the forward pass")
    assert "TINYSAE_QUICK=1" in first.source
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert not any(docstring_only(source) for source in code)
    assert docstring_only('"""A docstring."""') == "A docstring."
    assert docstring_only('"""A docstring."""\nimport os') is None


def test_notebooks_command_writes_every_lesson_and_keeps_edits(tmp_path, capsys):
    pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    assert main(["notebooks", str(tmp_path / "nb"), "--lessons", str(LESSONS)]) == 0
    written = sorted(p.name for p in (tmp_path / "nb").iterdir())
    assert written == [p.stem + ".ipynb" for p in lesson_scripts(LESSONS)]
    assert len(written) >= 9
    nbformat.validate(nbformat.read(tmp_path / "nb" / written[0], as_version=4))
    (tmp_path / "nb" / written[0]).write_text("my edits")
    (tmp_path / "nb" / written[1]).unlink()  # as if the first run had stopped half-way
    capsys.readouterr()
    assert main(["notebooks", str(tmp_path / "nb"), "--lessons", str(LESSONS)]) == 0
    out = capsys.readouterr().out
    assert "Wrote 1 notebook into" in out and "--force" in out
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == written  # completed
    assert (tmp_path / "nb" / written[0]).read_text() == "my edits"  # kept
    assert main(["notebooks", str(tmp_path / "nb"), "--lessons", str(LESSONS), "--force"]) == 0
    nbformat.validate(nbformat.read(tmp_path / "nb" / written[0], as_version=4))


def test_notebooks_command_bad_lessons_folder_is_one_line(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path / "nb"), "--lessons", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No lesson scripts" in err
    assert not (tmp_path / "nb").exists()


def test_quick_mode_from_the_environment(monkeypatch, tmp_path, capsys):
    from tinysae.lessonkit import lesson_args

    monkeypatch.setenv("TINYSAE_QUICK", "1")
    monkeypatch.setenv("TINYSAE_OUT", str(tmp_path / "figs"))
    args = lesson_args("doc", "00_test", argv=[])
    assert args.quick and args.out == tmp_path / "figs" and args.out.is_dir()
    monkeypatch.setenv("TINYSAE_QUICK", "yes please")
    with pytest.raises(SystemExit):  # a script: one line on stderr, exit status 2
        lesson_args("doc", "00_test", argv=[])
    err = capsys.readouterr().err
    assert "TINYSAE_QUICK must be 1" in err and "Traceback" not in err
    monkeypatch.setenv("TINYSAE_QUICK", "0")
    assert not lesson_args("doc", "00_test", argv=[]).quick
