"""Text already on every machine: the Python standard library's own source, as character ids.

The corpus is the ``*.py`` files at the top of the running Python's standard library
(found with :func:`sysconfig.get_paths`), sorted by name, so a given Python version always
gives the same text (the one file an installation writes for itself, ``_sysconfigdata*``,
is left out). Whole files go to one part each, by their place in that sorted list::

    file i  →  "sae"  if i % 5 == 3      text the language model never sees: the SAE's data
               "test" if i % 5 == 4      seen by neither: every number a lesson reports
               "train" otherwise         the language model's training text (60%)

The vocabulary is the newline, the 95 printable ASCII characters and one symbol ``¤`` for
everything else (tabs, accented letters, …): V = 97 characters, one id each. Files are
joined by :data:`FILE_SEPARATOR` into one stream per part; a window of context that
crosses a file boundary reads the end of the previous file, as in any concatenated corpus.

A corpus folder is read as untrusted files: only regular files (a FIFO named ``a.py``, or a
link to ``/dev/zero``, is refused), each at most
:data:`~tinysae.runtime.budgets.MAX_CORPUS_FILE_BYTES` and all together at most
:data:`~tinysae.runtime.budgets.MAX_CORPUS_BYTES`, their sizes taken from ``stat`` before
any is read.
"""

import os
import stat
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinysae.runtime import budgets
from tinysae.validation.checks import fail

#: The characters the model knows, in id order: newline, then ASCII 32 (space) to 126 (~).
CHARACTERS = "\n" + "".join(chr(c) for c in range(32, 127))

#: Every other character (tab, non-ASCII) is read as this one symbol, the last id.
OTHER = "¤"

#: The vocabulary: CHARACTERS then OTHER; V = len(VOCABULARY) = 97.
VOCABULARY = CHARACTERS + OTHER

#: Between two files of a part (a blank line).
FILE_SEPARATOR = "\n\n"

#: A file's part, by its index i in the sorted list: i % 5.
PARTS = {0: "train", 1: "train", 2: "train", 3: "sae", 4: "test"}

_LOOKUP = np.full(128, len(CHARACTERS), dtype=np.uint8)  # ASCII code → id (OTHER if absent)
_LOOKUP[[ord(c) for c in CHARACTERS]] = np.arange(len(CHARACTERS))

_CHUNK = 1 << 20  # characters encoded at a time: the peak is the ids, not 4 bytes a character


def text_to_ids(text):
    """The id of every character of ``text``: a uint8 array of shape (len(text),)."""
    if not isinstance(text, str):
        fail("text", "a str", text, TypeError)
    ids = np.empty(len(text), dtype=np.uint8)  # (N,)
    for start in range(0, len(text), _CHUNK):
        piece = text[start:start + _CHUNK]
        codes = np.frombuffer(piece.encode("utf-32-le"), dtype=np.uint32)  # (n,) code points
        ascii_ = codes < 128  # (n,)
        ids[start:start + len(piece)] = np.where(ascii_, _LOOKUP[np.where(ascii_, codes, 0)],
                                                 len(CHARACTERS))  # (n,)
    return ids


def ids_to_text(ids):
    """The text of an array of ids (OTHER where the original character was not in CHARACTERS)."""
    ids = np.asarray(ids)
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        fail("ids", f"an array of integer ids in [0, {len(VOCABULARY)})", ids, TypeError)
    if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= len(VOCABULARY))):
        fail("ids", f"a 1-D array of ids in [0, {len(VOCABULARY)})", ids)
    return "".join(VOCABULARY[i] for i in ids.astype(np.intp))


def stdlib_files(directory=None):
    """The sorted ``*.py`` files at the top of the standard library (or of ``directory``),
    less the ``_sysconfigdata*`` file that each installation generates for itself."""
    folder = Path(sysconfig.get_paths()["stdlib"] if directory is None else directory)
    files = sorted(f for f in folder.glob("*.py") if not f.name.startswith("_sysconfigdata"))
    if not files:
        fail("directory", "a folder holding Python files", str(folder))
    return files


def check_corpus_files(files):
    """The size of each file from ``stat``, before any is read; a ``ValueError`` naming the
    first file that is not a regular file (a FIFO, ``/dev/zero``) or is over its cap, or
    the total if the files are over theirs (:mod:`tinysae.runtime.budgets`)."""
    total = 0
    for path in files:
        info = os.stat(path)  # follows a link: what it points at must be a regular file
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"The corpus file '{path}' is not a regular file (a FIFO, a "
                             "device or a socket): tinysae reads only regular files.")
        if info.st_size > budgets.MAX_CORPUS_FILE_BYTES:
            raise ValueError(f"The corpus file '{path}' holds {info.st_size:,} bytes, "
                             + budgets.over("MAX_CORPUS_FILE_BYTES", info.st_size) + ".")
        total += info.st_size
    if total > budgets.MAX_CORPUS_BYTES:
        raise ValueError(f"The corpus files ({len(files)} of them, from '{files[0]}') hold "
                         f"{total:,} bytes in all, " + budgets.over("MAX_CORPUS_BYTES", total)
                         + "; or pass max_files=.")


def read_corpus_file(path):
    """One file's text as ``Path.read_text`` gives it (UTF-8, errors replaced, universal
    newlines), read within :data:`~tinysae.runtime.budgets.MAX_CORPUS_FILE_BYTES`."""
    raw = budgets.read_within(path, "MAX_CORPUS_FILE_BYTES", "corpus file")
    return raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Corpus:
    """The three parts: ``files[part]`` (names), ``texts[part]`` (one str per file),
    ``ids[part]`` (the part's files joined by FILE_SEPARATOR, encoded)."""
    files: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def text(self, part):
        """The part as one string (what ``ids[part]`` encodes)."""
        return FILE_SEPARATOR.join(self.texts[part])

    def describe(self):
        """One line per part: files and characters."""
        return "\n".join(f"{part:>5}: {len(self.files[part]):3d} files, "
                         f"{self.ids[part].size:9,d} characters" for part in self.files)


def stdlib_corpus(directory=None, max_files=None):
    """Read the standard library's top-level files and split them into train / sae / test.

    Parameters
    ----------
    directory : str or Path, optional
        Where to read ``*.py`` files (default: the running Python's standard library).
    max_files : int, optional
        Read only the first this many files of the sorted list (for quick runs).

    Returns
    -------
    Corpus

    Raises
    ------
    ValueError
        If a file is not a regular file, or the files are over the caps of
        :mod:`tinysae.runtime.budgets` (see the module docstring).
    """
    corpus = Corpus()
    for part in dict.fromkeys(PARTS.values()):
        corpus.files[part], corpus.texts[part] = [], []
    files = stdlib_files(directory)[:max_files]
    check_corpus_files(files)  # every size, before any file is read
    for i, path in enumerate(files):
        part = PARTS[i % len(PARTS)]
        text = read_corpus_file(path)
        corpus.files[part].append(path.name)
        corpus.texts[part].append(text)
    for part in corpus.files:
        corpus.ids[part] = text_to_ids(corpus.text(part))  # (N_part,)
    return corpus
