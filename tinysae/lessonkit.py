"""What every lesson shares: its settings (``--quick``, ``--out``), its output folder, its figures.

A lesson runs unchanged as a script (``python lessons/04_training.py --quick``) and in a
Jupyter kernel (a notebook written by ``tinysae notebooks``, or the ``.py`` opened as a
notebook in VS Code or with Jupytext). A kernel's command line is the kernel's own
(``-f kernel-….json``), so there it is not read: the environment says what the flags say,

    TINYSAE_QUICK=1      the same as ``--quick`` (also honoured by scripts)
    TINYSAE_OUT=FOLDER   the same as ``--out FOLDER``

and the output folder defaults to ``data/lessons/<lesson>`` of the checkout (or of the
current folder). :meth:`Lesson.save` writes each figure there in both modes; in a notebook it
also shows the figure in the cell's output. Either way it then closes the figure, so a lesson
that draws many never keeps them all open.
"""

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

#: Environment variables read by every lesson (see the module docstring).
QUICK_VARIABLE, OUT_VARIABLE = "TINYSAE_QUICK", "TINYSAE_OUT"

#: Resolution of the figures a lesson writes, and of the small reference copies in
#: ``lessons/figures/`` (small files, still legible).
LESSON_DPI, REFERENCE_DPI = 100, 72


def in_notebook():
    """True when running inside a Jupyter kernel (a notebook, VS Code's interactive window)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def quick_from_environment():
    """``TINYSAE_QUICK``: ``1`` asks for a quick run, ``0`` or unset for the full one."""
    value = os.environ.get(QUICK_VARIABLE, "0").strip()
    if value not in ("0", "1", ""):
        raise ValueError(f"The environment variable {QUICK_VARIABLE} must be 1 (a quick run) "
                         f"or 0 (the full run). Got {value!r} instead.")
    return value == "1"


def default_output_root():
    """``data/lessons`` of the checkout the lesson lives in (git-ignored, see data/README.md).

    A script under a ``lessons/`` folder writes beside that folder; a notebook whose kernel
    runs in a ``lessons/`` folder likewise; anything else writes under ``./data/lessons``.
    """
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if not in_notebook() and script is not None and script.suffix == ".py" \
            and script.parent.name == "lessons":
        return script.parent.parent / "data" / "lessons"
    here = Path.cwd()
    return (here.parent if here.name == "lessons" else here) / "data" / "lessons"


@dataclass
class Lesson:
    """One run of a lesson: its name, whether it is quick, and where its figures go.

    ``reference`` is the folder that receives the lesson's main figure, small, when the
    full run is asked to refresh ``lessons/figures/`` (``--reference``); None otherwise.
    """

    name: str
    quick: bool
    out: Path
    notebook: bool = False
    reference: Path | None = None

    def record(self, **numbers):
        """Write the run's headline numbers to ``out/<name>_numbers.json`` (and, with
        ``--reference``, to ``lessons/figures/``, where tests/test_lesson_claims.py holds the
        docstring and the gallery to them). Values: numbers, strings, or lists of them."""
        import json

        from tinysae.runtime.atomic_write import atomic_write

        text = json.dumps(numbers, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        for folder in (self.out, self.reference):
            if folder is not None:
                atomic_write(folder / f"{self.name}_numbers.json",
                             lambda tmp: Path(tmp).write_text(text))

    def save(self, fig, filename, *, main=False):
        """Save ``fig`` as ``out/filename``, show it in a notebook, then close it.

        ``main=True`` marks the lesson's main figure: with ``--reference`` it is also
        written, at a small resolution, to ``lessons/figures/<filename>``.
        """
        import matplotlib.pyplot as plt

        from tinysae.pictures.plots import save_figure

        save_figure(fig, self.out / filename, dpi=LESSON_DPI)
        if main and self.reference is not None:
            print(f"reference picture: {save_figure(fig, self.reference / filename, dpi=REFERENCE_DPI)}")
        if self.notebook:
            from IPython.display import display

            display(fig)
        plt.close(fig)


def lesson_args(doc, name, argv=None):
    """The settings of one lesson run, from its command line or, in a notebook, the environment.

    Parameters
    ----------
    doc : str
        The lesson's docstring (shown by ``--help``).
    name : str
        The lesson's file stem, e.g. ``"04_training"``; the default folder is
        ``data/lessons/<name>``.
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``, or none at all inside a Jupyter kernel).

    Returns
    -------
    Lesson
        ``quick`` (bool): a small, fast run for the test suite; ``out`` (Path): where the
        figures go, already created; ``save(fig, filename)`` saves (and in a notebook shows)
        a figure.
    """
    notebook = in_notebook()
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"a small, fast run (used by the test suite; or {QUICK_VARIABLE}=1)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the figures (default: "
                             f"{default_output_root() / name}; or {OUT_VARIABLE}=FOLDER)")
    parser.add_argument("--reference", action="store_true",
                        help="also write the main figure, small, to lessons/figures/ "
                             "(the gallery's reference pictures; full runs only)")
    args = parser.parse_args([] if notebook and argv is None else argv)
    try:
        quick = quick_from_environment() or args.quick
    except ValueError as error:
        if notebook:
            raise
        parser.error(str(error))  # a script's bad setting: one line and exit status 2
    if args.reference and quick:
        parser.error("--reference keeps the pictures of full runs; drop --quick "
                     f"(and {QUICK_VARIABLE})")
    out = args.out or Path(os.environ.get(OUT_VARIABLE) or default_output_root() / name)
    out.mkdir(parents=True, exist_ok=True)
    reference = None
    if args.reference:
        reference = Path(sys.argv[0]).resolve().parent / "figures"
        reference.mkdir(exist_ok=True)
    return Lesson(name=name, quick=quick, out=out, notebook=notebook, reference=reference)
