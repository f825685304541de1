"""``tinysae exercises DIR``: write the student's starter folder (:mod:`tinysae.exercises.starter`)."""

from pathlib import Path

from tinysae.commands import Parser, path_argument
from tinysae.exercises.starter import write_folder


def main(argv):
    """``tinysae exercises DIR``; returns the exit status."""
    parser = Parser(prog="tinysae exercises",
                    description="Write the exercise folder: the sparse autoencoder with blanks "
                                "to fill in, a README with the steps, and the checks. Then: "
                                "tinysae grade DIR. In an existing folder, only the files "
                                "that are missing are written (a deleted starter file comes "
                                "back; your work is never overwritten).")
    parser.add_argument("folder", metavar="DIR", type=path_argument,
                        help="the folder to create, or to complete (existing files are never "
                             "overwritten)")
    folder = parser.parse_args(argv).folder
    written, kept = write_folder(folder)
    names = ", ".join(path.name for path in written)
    if not written:
        print(f"{folder}/ has every starter file already; nothing written (a file is never "
              "overwritten: delete one to have it written again).")
    elif kept:
        print(f"Wrote the missing {names} into {folder}/; kept the "
              f"{len(kept)} files already there untouched.")
    else:
        print(f"Wrote {folder}/: sparse_autoencoder.py (the exercise), README.md (the steps), "
              "modern_sae.py and train_modern.py (optional), test_exercises.py, train.py.\n"
              f"Start with {folder}/README.md; check your work with:  tinysae grade {folder}")
    return 0
