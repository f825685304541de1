"""The properties of a position in Python source, on hand-written snippets.

Each test names the characters it expects marked, as the substrings they form.
"""

import re

import numpy as np
import pytest

from tinysae.networks import FILE_SEPARATOR, PROPERTIES, corpus_properties, position_properties

SOURCE = '''"""A module docstring."""
import os

LIMIT = 0x1F  # the Largest


class Point:
    """A point."""

    def norm(self, p=2):
        text = "p is %d" % p
        return (self.x ** p + self.y ** 2.5e3) ** (1 / p)
'''


def marked(source, labels):
    """The runs of marked characters, as the substrings they form."""
    flags = "".join("1" if flag else "0" for flag in labels)
    return [source[m.start():m.end()] for m in re.finditer("1+", flags)]


@pytest.fixture(scope="module")
def labels():
    return position_properties(SOURCE)


def test_every_property_is_a_bool_per_character(labels):
    assert tuple(labels) == PROPERTIES or set(labels) == set(PROPERTIES)
    assert all(v.dtype == bool and v.shape == (len(SOURCE),) for v in labels.values())


def test_strings_and_docstrings_are_told_apart(labels):
    assert marked(SOURCE, labels["docstring"]) == ['"""A module docstring."""', '"""A point."""']
    assert marked(SOURCE, labels["string"]) == ['"p is %d"']


def test_comments_and_prose(labels):
    assert marked(SOURCE, labels["comment"]) == ["# the Largest"]
    assert marked(SOURCE, labels["prose"]) == ['"""A module docstring."""', "# the Largest",
                                               '"""A point."""', '"p is %d"']


def test_numbers_and_digits(labels):
    assert marked(SOURCE, labels["number"]) == ["0x1F", "2", "2.5e3", "1"]
    assert marked(SOURCE, labels["digit"]) == ["0", "1", "2", "2", "5", "3", "1"]


def test_uppercase_letters(labels):
    assert "".join(marked(SOURCE, labels["uppercase"])) == "ALIMITFLPA"


def test_indentation_is_the_leading_whitespace_of_lines_with_code(labels):
    assert marked(SOURCE, labels["indentation"]) == ["    ", "    ", "        ", "        "]


def test_brackets_hold_what_is_between_them(labels):
    assert marked(SOURCE, labels["brackets"]) == ["self, p=2", "self.x ** p + self.y ** 2.5e3",
                                                  "1 / p"]


def test_just_after_def_and_self(labels):
    after_def = np.flatnonzero(labels["after_def"])
    assert [SOURCE[i - 3:i + 2] for i in after_def] == ["def n"]  # the space of "def norm"
    after_self = np.flatnonzero(labels["after_self"])
    assert [SOURCE[i - 4:i + 2] for i in after_self] == ["self.x", "self.y"]


def test_keywords(labels):
    assert marked(SOURCE, labels["keyword"]) == ["import", "class", "def", "return"]


def test_brackets_and_quotes_inside_strings_and_comments_do_not_count():
    source = 'x = "(not [a bracket"  # nor ( this\ny = 1\n'
    labels = position_properties(source)
    assert not labels["brackets"].any()
    assert marked(source, labels["string"]) == ['"(not [a bracket"']


def test_a_cut_file_keeps_what_was_found_before_the_cut():
    source = '# complete comment\nx = (1, 2\ny = """never closed'
    labels = position_properties(source)
    assert marked(source, labels["comment"]) == ["# complete comment"]
    assert not labels["docstring"].any()  # the file does not parse


def test_corpus_properties_line_up_with_the_joined_text():
    texts = ["# a\n", "x = 1\n"]
    labels = corpus_properties(texts)
    joined = FILE_SEPARATOR.join(texts)
    assert all(v.shape == (len(joined),) for v in labels.values())
    assert marked(joined, labels["comment"]) == ["# a"]
    assert marked(joined, labels["number"]) == ["1"]


def test_a_non_string_source_is_named():
    with pytest.raises(TypeError, match="'source'"):
        position_properties(b"x = 1")
