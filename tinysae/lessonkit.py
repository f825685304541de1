"""What every lesson script shares: its command line (``--quick``, ``--out``) and its output folder."""

import argparse
import sys
from pathlib import Path


def default_output_root():
    """``data/lessons`` of the checkout the running lesson lives in (git-ignored, see
    data/README.md); ``./data/lessons`` when the script is not under a ``lessons/`` folder."""
    script = Path(sys.argv[0]).resolve()
    if script.suffix == ".py" and script.parent.name == "lessons":
        return script.parent.parent / "data" / "lessons"
    return Path("data") / "lessons"


def lesson_args(doc, name, argv=None):
    """Parse a lesson's command line and create its output folder.

    Parameters
    ----------
    doc : str
        The lesson's docstring (shown by ``--help``).
    name : str
        The lesson's file stem, e.g. ``"04_training"``; the default folder is
        ``data/lessons/<name>``.
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    argparse.Namespace
        ``quick`` (bool): a small, fast run for the test suite; ``out`` (Path): where
        figures go, already created.
    """
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a small, fast run (used by the test suite)")
    parser.add_argument("--out", type=Path, default=default_output_root() / name,
                        help="folder for the figures (default: %(default)s)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args
