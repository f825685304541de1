"""``tinysae lessons DIR``: copy the lesson scripts and their reference figures out of the package.

A pip user has no checkout: the wheel carries the checkout's ``lessons/`` folder as
``tinysae/lessons``. This command writes it to ``DIR/lessons/``, the checkout's layout, so
that each lesson's own command works in DIR (``python lessons/04_training.py``) and its
figures go to ``DIR/data/lessons/<lesson>/`` (the rule of :mod:`tinysae.lessonkit`).

It never overwrites a file, nor writes through a link: a file (or link) already there is
kept, and the others are copied, each atomically (:mod:`tinysae.runtime.atomic_write`). So
a copy that was interrupted, or ran out of disk, is completed by running it again.
"""

import argparse
import shutil
from pathlib import Path

from tinysae.runtime.atomic_write import atomic_write
from tinysae.validation.checks import check_path
from tinysae.commands import Parser, path_argument

DESCRIPTION = """\
Copy the numbered lesson scripts and their reference figures into DIR/lessons/
(DIR is created if needed). A file already there is kept, never overwritten; run it
again to complete a copy that was interrupted. Then, in DIR:

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
    """Copy the shipped lessons into ``folder/lessons``, keeping every file already there.

    Returns ``(copied, kept)``: the relative paths copied, and those already there (a file
    or a link, left as it is). Each file is written atomically, so a rerun completes a copy
    that was stopped half-way.
    """
    source, target = shipped_lessons(), Path(check_path("DIR", folder)) / "lessons"
    copied, kept = [], []
    for name in lesson_files(source):
        destination = target / name
        if destination.is_symlink() or destination.exists():
            kept.append(name)
            continue
        make_folder(target, destination.parent)
        atomic_write(destination, lambda tmp: shutil.copyfile(source / name, tmp))
        copied.append(name)
    return copied, kept


def make_folder(top, folder):
    """Create ``folder`` (inside ``top``, which is created too) refusing any folder from ``top``
    down that is a symbolic link, which could point anywhere."""
    for part in [folder, *folder.parents]:
        if part.is_symlink():
            raise FileExistsError(f"{part} is a symbolic link; tinysae lessons writes only into "
                                  "folders of its own: remove it or choose another folder")
        if part == top:
            break
    folder.mkdir(parents=True, exist_ok=True)


def main(argv):
    """Run ``tinysae lessons`` with the arguments after the command word; the exit status."""
    parser = Parser(prog="tinysae lessons", description=DESCRIPTION,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", metavar="DIR", type=path_argument, help="where to put lessons/")
    folder = parser.parse_args(argv).folder
    copied, kept = copy_lessons(folder)
    scripts = sorted(f for f in copied + kept if f.parent == Path(".") and f.suffix == ".py")
    print(f"Copied {len(copied)} files into {folder / 'lessons'}/: "
          f"{sum(f in scripts for f in copied)} lesson scripts, the rest their reference figures")
    if kept:
        print(f"Kept {len(kept)} files already there, as they are (tinysae lessons never "
              f"overwrites a file), e.g. {folder / 'lessons' / kept[0]}")
    print(f"Start with:  cd {folder} && python lessons/{scripts[0]}")
    return 0
