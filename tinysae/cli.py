"""The ``tinysae`` command: one word picks the command, and every command fails alike.

``tinysae train`` runs the UFLDL experiment (:mod:`tinysae.commands.train`); ``tinysae
bench`` times the kernels (:mod:`tinysae.commands.bench`); ``tinysae --help`` lists every command.
Each command is a module with ``main(argv) -> exit status``, imported only when it is
asked for. Errors in the options, the files or the data print one line on stderr and exit
with status 1 (2 for a malformed command line); they never show a traceback. Ctrl-C exits
with status 130.
"""

import argparse
import importlib
import sys
import warnings

from tinysae import __version__
from tinysae.commands import EXIT_BROKEN_PIPE, Parser, UsageError, one_line, silence_stdout

#: Each command: the module whose ``main(argv)`` runs it, and one line for ``tinysae --help``.
COMMANDS = {
    "train": ("tinysae.commands.train", "learn edge detectors from natural images (UFLDL)"),
    "bench": ("tinysae.commands.bench", "time each kernel against the BLAS floor; --lessons: the lessons"),
    "exercises": ("tinysae.commands.exercises", "write the model yourself: a folder of exercises"),
    "grade": ("tinysae.commands.grade", "grade your exercise folder, step by step"),
    "gradcheck": ("tinysae.commands.gradcheck", "the class demo: gradient checks term by term"),
    "lessons": ("tinysae.commands.lessons", "copy the lesson scripts and their figures into DIR"),
    "show": ("tinysae.commands.show", "draw a saved model: filter grid, loss curve, ρ̂ histogram"),
    "notebooks": ("tinysae.commands.notebooks", "write the lessons as Jupyter notebooks"),
}

#: Exit status after Ctrl-C (128 + SIGINT, the shell's convention).
EXIT_INTERRUPTED = 130


def main(argv=None):
    """Run the ``tinysae`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    prog = f"tinysae {command}" if command else "tinysae"
    try:
        if command is None:
            return _top_level(argv)
        module = importlib.import_module(COMMANDS[command][0])
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return module.main(argv[1:])
    except SystemExit as done:  # --help and --version
        return done.code or 0
    except UsageError as error:
        print(str(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # not an error of ours: stop quietly, as SIGPIPE would
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except (ValueError, TypeError, OSError, ImportError, FloatingPointError,
            MemoryError) as error:  # bad input, files, a missing extra, NaN, too big a run
        print(f"{prog}: error: {one_line(error)}", file=sys.stderr)
        return 1


def _top_level(argv):
    """``tinysae``, ``tinysae --help``, ``tinysae --version``, or an unknown command."""
    parser = Parser(prog="tinysae", description="A small, exact sparse autoencoder (UFLDL).",
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    epilog="commands:\n" + "\n".join(f"  {name:<12}{text}" for name, (_, text)
                                                     in COMMANDS.items())
                    + "\n\n'tinysae COMMAND --help' tells more.")
    parser.add_argument("--version", action="version", version=f"tinysae {__version__}")
    parser.add_argument("command", nargs="?", metavar="COMMAND", choices=list(COMMANDS),
                        help="one of the commands below")
    parser.parse_args(argv)
    parser.print_help()
    return 2


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"tinysae: warning: {one_line(message)}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
