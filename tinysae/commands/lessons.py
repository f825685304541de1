"""``tinysae lessons DIR``: copy the lesson scripts and their reference figures out of the package.

A pip user has no checkout: the wheel carries the checkout's ``lessons/`` folder as
``tinysae/lessons``. This command writes it to ``DIR/lessons/``, the checkout's layout, so
that each lesson's own command works in DIR (``python lessons/04_training.py``) and its
figures go to ``DIR/data/lessons/<lesson>/`` (the rule of :mod:`tinysae.lessonkit`). It never
overwrites a file: if any of them is already there, it copies nothing and says which.
"""

import argparse
import shutil
from pathlib import Path

from tinysae.validation.checks import check_path
from tinysae.commands import Parser

DESCRIPTION = """\
Copy the numbered lesson scripts and their reference figures into DIR/lessons/
(DIR is created if needed; no file is ever overwritten). Then, in DIR:

  python lessons/01_forward_pass.py            (add --quick for a few-second run)

Each lesson's docstring (--help) says what it shows; its figures go to
DIR/data/lessons/<lesson>/ unless --out says otherwise.
"""


#: The names of the lesson scripts: two digits, an underscore, a name (``04_training.py``).
LESSON_GLOB = "[0-9][0-9]_*.py"


def shipped_lessons():
    """The folder of lesson scripts: ``tinysae/lessons`` in an installed wheel, or the
    checkout's ``lessons/`` when tinysae runs from a checkout (an editable install)."""
    package = Path(__file__).resolve().parents[1]  # tinysae/
    for folder in (package / "lessons", package.parent / "lessons"):
        if any(folder.glob(LESSON_GLOB)):
            return folder
    raise FileNotFoundError("this installation of tinysae holds no lessons (tinysae/lessons "
                            "is missing): reinstall it from a wheel or a checkout")


def lesson_scripts(folder=None):
    """The lesson scripts in ``folder`` (default: the shipped ones), in order."""
    return sorted(Path(shipped_lessons() if folder is None else folder).glob(LESSON_GLOB))


def lesson_files(folder):
    """Every file under ``folder`` (scripts, figures), as relative paths, without caches."""
    return sorted(p.relative_to(folder) for p in Path(folder).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def copy_lessons(folder):
    """Copy the shipped lessons into ``folder/lessons``; returns the relative paths copied.

    Raises FileExistsError, copying nothing, if any of the files is already there.
    """
    source, target = shipped_lessons(), Path(check_path("DIR", folder)) / "lessons"
    files = lesson_files(source)
    for name in files:
        if (target / name).exists():
            raise FileExistsError(f"{target / name} already exists; tinysae lessons never "
                                  "overwrites a file: choose another folder")
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target / name)
    return files


def main(argv):
    """Run ``tinysae lessons`` with the arguments after the command word; the exit status."""
    parser = Parser(prog="tinysae lessons", description=DESCRIPTION,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", metavar="DIR", help="where to put lessons/")
    folder = parser.parse_args(argv).folder
    files = copy_lessons(folder)
    scripts = [f for f in files if f.parent == Path(".") and f.suffix == ".py"]
    print(f"Copied {len(files)} files into {Path(folder) / 'lessons'}/: {len(scripts)} lesson "
          "scripts, the rest their reference figures")
    print(f"Start with:  cd {folder} && python lessons/{scripts[0]}")
    return 0
