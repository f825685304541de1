"""The modern lessons say only what their code gives.

A full run with ``--reference`` records its headline numbers in
``lessons/figures/NN_name_numbers.json`` (:meth:`tinysae.lessonkit.Lesson.record`). Here each
sentence of a lesson's docstring and gallery section that quotes a number is rebuilt from
that record, to the digits quoted, and must be found in both texts: a rerun that moves a
number, or an edit of the text alone, fails. The quick runs of tests/test_lessons.py check
the numbers the docstrings quote for ``--quick`` against a fresh run
(:func:`check_quick_claims`), within the spread stated here.
"""

import json
import re
from pathlib import Path

import pytest

LESSONS = Path(__file__).resolve().parent.parent / "lessons"

#: Per lesson: sentences as format strings over the record ``r``; each must appear in the
#: docstring and in the gallery section (whitespace and line breaks aside).
FULL_CLAIMS = {
    "08_superposition": [
        "ReLU+L1 SAE, 1024 latents (4000 Adam steps) | {r[ReLU+L1 SAE, 1024 latents][mmcs]:.3f}",
    ],
}

#: Per lesson: (pattern of the docstring's quick-run sentence, its numbers' keys in the quick
#: run's record, the spread allowed).
QUICK_CLAIMS = {}


def normalised(text):
    return re.sub(r"\s+", " ", text)


def gallery_section(number):
    gallery = (LESSONS / "README.md").read_text()
    return re.search(rf"^## {number} .*?(?=^## |\Z)", gallery, re.M | re.S).group(0)


def docstring(name):
    text = (LESSONS / f"{name}.py").read_text()
    return text[:text.index('"""', 3)]


def lookup(record, path):
    for key in path:
        record = record[key]
    return record


@pytest.mark.parametrize("name", sorted(FULL_CLAIMS))
def test_the_text_quotes_the_recorded_full_run(name):
    record = json.loads((LESSONS / "figures" / f"{name}_numbers.json").read_text())
    texts = {"docstring": normalised(docstring(name)),
             "gallery": normalised(gallery_section(name[:2]))}
    for claim in FULL_CLAIMS[name]:
        places, sentence = claim if isinstance(claim, tuple) else (("docstring", "gallery"),
                                                                    claim)
        sentence = normalised(sentence.format(r=record))
        for place in places:
            assert sentence in texts[place], f"{name}'s {place} does not say: {sentence}"


def check_quick_claims(name, out):
    """The numbers ``name``'s docstring quotes for ``--quick``, against the quick run's record
    in the folder ``out``."""
    if name not in QUICK_CLAIMS:
        return
    record = json.loads((Path(out) / f"{name}_numbers.json").read_text())
    text = normalised(docstring(name))
    for pattern, keys, spread in QUICK_CLAIMS[name]:
        found = re.search(pattern, text)
        assert found, f"{name}'s docstring no longer says {pattern!r}"
        for quoted, path in zip(found.groups(), keys):
            value = lookup(record, path)
            assert abs(float(quoted) - value) <= spread, (
                f"{name}'s docstring quotes {quoted} for a quick run, which gives {value:.3f}")
