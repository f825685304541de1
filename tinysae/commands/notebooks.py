"""``tinysae notebooks``: the lessons as Jupyter notebooks (``.ipynb``), by Jupytext.

Each lesson is a script in Jupytext's percent format: ``# %%`` starts a code cell and
``# %% [markdown]`` a cell of prose. Jupytext (the optional extra ``tinysae[notebooks]``)
reads that format; the one thing added here is what sphinx-gallery does too: the lesson's
docstring, which opens the script, becomes the notebook's first Markdown cell (its first
line the title) instead of a code cell that would print a string. In a kernel the lesson
ignores the kernel's command line; ``TINYSAE_QUICK=1`` in the environment asks for the quick
run (see :mod:`tinysae.lessonkit`).

A notebook already in the folder (it may hold your edits) is kept unless ``--force`` is
given; the others are written, each atomically, so a rerun completes a folder that an
interruption or a full disk left half-written. With ``--force`` a notebook is replaced,
never written through: a link planted in its place is replaced by the file.
"""

import argparse
import ast
from pathlib import Path

from tinysae.commands import Parser, path_argument

#: The kernel the notebooks ask for: the Python that ``ipykernel`` installs.
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

NOTEBOOK_NOTE = ("*As a notebook:* run the cells from the top; each figure shows below its "
                 "cell and is saved to `data/lessons/{name}/`. For the quick run, start "
                 "Jupyter with `TINYSAE_QUICK=1` in the environment.")

DESCRIPTION = """\
Write every lesson as a Jupyter notebook (.ipynb) into FOLDER, converted by Jupytext
(pip install "tinysae[notebooks]"). The lessons are read from --lessons, else from
./lessons, else from the ones installed with tinysae.
"""


def main(argv):
    """Run ``tinysae notebooks`` with the arguments after the command word; the exit status."""
    args = build_parser().parse_args(argv)
    lessons = lesson_scripts(args.lessons)
    written, kept = write_notebooks(lessons, args.folder, overwrite=args.force)
    print(f"Wrote {len(written)} notebook{'s' * (len(written) != 1)} into {args.folder}/"
          + (f": {', '.join(p.name for p in written)}" if written else ""))
    if kept:
        print(f"Kept {len(kept)} notebooks already there, as they are (they may hold your "
              f"edits; --force overwrites them): {', '.join(p.name for p in kept)}")
    print("Open them in Jupyter or VS Code; for the quick runs, start it with TINYSAE_QUICK=1 "
          "in the environment.")
    return 0


def build_parser():
    """The argument parser of ``tinysae notebooks``."""
    n = Parser(prog="tinysae notebooks", description=DESCRIPTION,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    n.add_argument("folder", type=path_argument, metavar="FOLDER",
                   help="where to write the notebooks (created if missing)")
    n.add_argument("--lessons", type=path_argument, metavar="FOLDER",
                   help="the folder of lesson scripts [default: ./lessons, else the ones "
                        "installed with tinysae]")
    n.add_argument("--force", action="store_true",
                   help="overwrite notebooks already there [default: keep them]")
    return n


def lesson_scripts(folder=None):
    """The lesson scripts, in order, from ``folder``, else ``./lessons``, else the ones
    installed with tinysae (:func:`tinysae.commands.lessons.shipped_lessons`)."""
    from tinysae.commands.lessons import LESSON_GLOB, lesson_scripts as scripts_in

    if folder is not None:
        scripts = scripts_in(folder) if Path(folder).is_dir() else []
        if not scripts:
            raise FileNotFoundError(f"No lesson scripts ({LESSON_GLOB}) in '{folder}'")
        return scripts
    return scripts_in("lessons") or scripts_in()


def lesson_notebook(script):
    """The lesson ``script`` (a Path) as a notebook (``nbformat.NotebookNode``)."""
    try:
        import jupytext
        from nbformat.v4 import new_markdown_cell
    except ImportError:
        raise ImportError("tinysae notebooks needs Jupytext: pip install "
                          "\"tinysae[notebooks]\"") from None
    notebook = jupytext.read(script, fmt="py:percent")
    first = notebook.cells[0] if notebook.cells else None
    doc = docstring_only(first.source) if first is not None and first.cell_type == "code" else None
    if doc is not None:
        title, _, rest = doc.partition("\n")
        note = NOTEBOOK_NOTE.format(name=Path(script).stem)
        notebook.cells[0] = new_markdown_cell(f"# {title.rstrip('.')}\n{rest}\n\n{note}")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    return notebook


def docstring_only(source):
    """The text of ``source`` if it is nothing but a string literal (a docstring), else None."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    if len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].value.value.strip()
    return None


def write_notebooks(scripts, folder, *, overwrite=False):
    """Write ``<folder>/<lesson>.ipynb`` for each script, each atomically; a notebook (or a
    link) already there is kept unless ``overwrite``. Returns ``(written, kept)``, paths."""
    import nbformat

    from tinysae.runtime.atomic_write import atomic_write

    targets = [Path(folder) / (Path(s).stem + ".ipynb") for s in scripts]
    kept = [] if overwrite else [t for t in targets if t.is_symlink() or t.exists()]
    todo = [(s, t) for s, t in zip(scripts, targets) if t not in kept]
    notebooks = [lesson_notebook(s) for s, _ in todo]  # all converted before any is written
    Path(folder).mkdir(parents=True, exist_ok=True)
    for notebook, (_, target) in zip(notebooks, todo):
        text = nbformat.writes(notebook)
        atomic_write(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return [t for _, t in todo], kept
