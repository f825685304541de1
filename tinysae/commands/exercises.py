"""``tinysae exercises DIR``: write the student's starter folder (:mod:`tinysae.exercises.starter`)."""

from pathlib import Path

from tinysae.commands import Parser
from tinysae.exercises.starter import write_folder


def main(argv):
    """``tinysae exercises DIR``; returns the exit status."""
    parser = Parser(prog="tinysae exercises",
                    description="Write the exercise folder: the sparse autoencoder with blanks "
                                "to fill in, a README with the steps, and the checks. Then: "
                                "tinysae grade DIR.")
    parser.add_argument("folder", metavar="DIR", type=Path,
                        help="the folder to create (existing files are never overwritten)")
    folder = parser.parse_args(argv).folder
    write_folder(folder)
    print(f"Wrote {folder}/: sparse_autoencoder.py (the exercise), README.md (the steps), "
          "modern_sae.py (optional), test_exercises.py, train.py.\n"
          f"Start with {folder}/README.md; check your work with:  tinysae grade {folder}")
    return 0
