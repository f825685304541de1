"""The commands of ``tinysae`` (see :mod:`tinysae.cli`), one module each with ``main(argv)``:
``train``, ``show``, ``lessons``, ``notebooks``, ``exercises``, ``grade``, ``gradcheck``, and
``bench`` (a package: the command, its timing, its kernels).

What every command shares is here, below them all: :class:`Parser` (a bad command line is
one line, exit status 2), :func:`path_argument` (an empty path refused alike everywhere) and
the ways a command ends quietly.
"""

import argparse
import os
import sys
from pathlib import Path

#: Exit status when the reader of the output goes away (``tinysae … | head``): 128 + SIGPIPE.
EXIT_BROKEN_PIPE = 128 + 13


class UsageError(Exception):
    """A bad command line: reported in one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line raises :class:`UsageError` (one line, exit 2)
    instead of printing the usage and exiting."""

    def error(self, message):
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def path_argument(text):
    """An argparse ``type`` for a file or folder: an empty path is refused, alike in every
    command (it would silently mean the current folder)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no file or folder")
    return Path(text)


def silence_stdout():
    """Point stdout at /dev/null, so that no later write (nor the flush at exit) fails again
    after the reader of the output went away."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture)
        pass


def one_line(error):
    """An exception's message on one line (its type's name if it has none)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__
