"""Properties of a position in Python source that code can compute: inside a string, a comment, …

Each property is a boolean per character of a source text: True at the characters where it
holds. A language model's position p (it has read up to character p) has the properties of
character p. Python's own :mod:`tokenize` and :mod:`ast` find the spans, so the labels are
exact, not guessed from the characters around.

The properties (:data:`PROPERTIES`, in the order tables print them):

=============== ==========================================================================
string          inside a string literal (quotes and prefix included) that is not a docstring
docstring       inside a docstring: the string that opens a module, class or function body
comment         inside a comment, from ``#`` to the end of the line
prose           inside a string, a docstring or a comment: text rather than code
number          inside a number literal (``3``, ``0x1F``, ``1e-9``, ``2_000``)
digit           the character is a digit 0–9 (in a number, a name like ``x2``, or a string)
uppercase       the character is an uppercase letter A–Z
indentation     in the leading whitespace of a line that holds more than whitespace
brackets        between an opening bracket ( [ { and its closing one (brackets in strings
                and comments do not count)
after_def       just after ``def``: the character is the space of ``def name``
after_self      just after ``self``: the character is the ``.`` of ``self.name``
keyword         in a keyword (``if``, ``return``, ``None``, …: :data:`keyword.kwlist`)
=============== ==========================================================================

Source that does not tokenize to its end (a cut file) keeps the spans found before the error;
source that does not parse has no docstrings.
"""

import ast
import io
import keyword
import re
import tokenize

import numpy as np

from tinysae.validation.checks import fail
from tinysae.networks.corpus import FILE_SEPARATOR

#: The property names, in table order.
PROPERTIES = ("string", "docstring", "comment", "prose", "number", "digit", "uppercase",
              "indentation", "brackets", "after_def", "after_self", "keyword")

_OPEN, _CLOSE = "([{", ")]}"


class _Spans:
    """Half-open spans [start, end) per property, turned into boolean arrays at the end."""

    def __init__(self, size):
        self.size, self.diff = size, {name: np.zeros(size + 1, np.int32) for name in PROPERTIES}

    def add(self, name, start, end):
        if end > start:
            self.diff[name][start] += 1
            self.diff[name][end] -= 1

    def arrays(self):
        return {name: np.cumsum(d[:-1]) > 0 for name, d in self.diff.items()}  # (N,) each


def _tokens(source):
    """The tokens of ``source``, up to the first tokenize error (for cut files)."""
    tokens = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            tokens.append(token)
    except (tokenize.TokenError, SyntaxError):
        pass
    return tokens


def _docstring_spans(source, offset):
    """(start, end) character offsets of the docstrings of ``source`` (none if it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    lines = source.split("\n")

    def char_offset(row, byte_col):  # ast columns count UTF-8 bytes
        return offset(row, len(lines[row - 1].encode()[:byte_col].decode(errors="ignore")))
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                spans.append((char_offset(first.lineno, first.col_offset),
                              char_offset(first.end_lineno, first.end_col_offset)))
    return spans


def position_properties(source):
    """Every property of :data:`PROPERTIES` at every character of ``source``.

    Parameters
    ----------
    source : str
        Python source text.

    Returns
    -------
    dict of str → bool ndarray of shape (len(source),)
    """
    if not isinstance(source, str):
        fail("source", "a str of Python source", source, TypeError)
    line_starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(
        source.encode("utf-32-le"), np.uint32) == ord("\n")) + 1])  # offset of each line

    def offset(row, col):
        return int(line_starts[row - 1]) + col
    spans = _Spans(len(source))
    docstrings = _docstring_spans(source, offset)
    doc_starts = {start for start, _ in docstrings}
    for start, end in docstrings:
        spans.add("docstring", start, end)
    tokens, opened, fstrings = _tokens(source), [], []
    for i, tok in enumerate(tokens):
        start, end = offset(*tok.start), offset(*tok.end)
        before = [t.string for t in tokens[max(0, i - 2):i]]  # the two tokens before
        if tok.type == tokenize.STRING and start not in doc_starts:
            spans.add("string", start, end)
        elif tok.type == getattr(tokenize, "FSTRING_START", None):  # Python ≥ 3.12
            fstrings.append(start)
        elif tok.type == getattr(tokenize, "FSTRING_END", None) and fstrings:
            spans.add("string", fstrings.pop(), end)
        elif tok.type == tokenize.COMMENT:
            spans.add("comment", start, end)
        elif tok.type == tokenize.NUMBER:
            spans.add("number", start, end)
        elif tok.type == tokenize.OP and tok.string in _OPEN:
            opened.append(end)
        elif tok.type == tokenize.OP and tok.string in _CLOSE and opened:
            spans.add("brackets", opened.pop(), start)
        elif tok.type == tokenize.NAME:
            if keyword.iskeyword(tok.string):
                spans.add("keyword", start, end)
            if before[-1:] == ["def"] and source[start - 1] == " ":
                spans.add("after_def", start - 1, start)
            elif before == ["self", "."] and source[start - 1] == ".":
                spans.add("after_self", start - 1, start)
    for match in re.finditer(r"^[ \t\f]+(?=\S)", source, re.M):
        spans.add("indentation", match.start(), match.end())
    labels = spans.arrays()
    labels["prose"] = labels["string"] | labels["docstring"] | labels["comment"]
    codes = np.frombuffer(source.encode("utf-32-le"), np.uint32)  # (N,)
    labels["digit"] = (codes >= ord("0")) & (codes <= ord("9"))
    labels["uppercase"] = (codes >= ord("A")) & (codes <= ord("Z"))
    return labels


def corpus_properties(texts):
    """:func:`position_properties` of files joined by FILE_SEPARATOR (False on the separators),
    aligned with :attr:`tinysae.networks.corpus.Corpus.ids` of the same part."""
    per_file = [position_properties(text) for text in texts]
    gap = np.zeros(len(FILE_SEPARATOR), dtype=bool)
    return {name: np.concatenate([part for labels in per_file
                                  for part in (labels[name], gap)][:-1] or [gap[:0]])
            for name in PROPERTIES}
