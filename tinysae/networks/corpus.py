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
"""

import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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


def text_to_ids(text):
    """The id of every character of ``text``: a uint8 array of shape (len(text),)."""
    if not isinstance(text, str):
        fail("text", "a str", text, TypeError)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # (N,) code points
    ids = np.full(codes.shape, len(CHARACTERS), dtype=np.uint8)  # (N,)
    ascii_ = codes < 128
    ids[ascii_] = _LOOKUP[codes[ascii_]]
    return ids


def ids_to_text(ids):
    """The text of an array of ids (OTHER where the original character was not in CHARACTERS)."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= len(VOCABULARY))):
        fail("ids", f"a 1-D array of ids in [0, {len(VOCABULARY)})", ids)
    return "".join(VOCABULARY[i] for i in ids)


def stdlib_files(directory=None):
    """The sorted ``*.py`` files at the top of the standard library (or of ``directory``),
    less the ``_sysconfigdata*`` file that each installation generates for itself."""
    folder = Path(sysconfig.get_paths()["stdlib"] if directory is None else directory)
    files = sorted(f for f in folder.glob("*.py") if not f.name.startswith("_sysconfigdata"))
    if not files:
        fail("directory", "a folder holding Python files", str(folder))
    return files


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
    """
    corpus = Corpus()
    for part in dict.fromkeys(PARTS.values()):
        corpus.files[part], corpus.texts[part] = [], []
    for i, path in enumerate(stdlib_files(directory)[:max_files]):
        part = PARTS[i % len(PARTS)]
        text = path.read_text(encoding="utf-8", errors="replace")
        corpus.files[part].append(path.name)
        corpus.texts[part].append(text)
    for part in corpus.files:
        corpus.ids[part] = text_to_ids(corpus.text(part))  # (N_part,)
    return corpus
