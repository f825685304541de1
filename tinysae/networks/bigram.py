"""The baseline to beat: a bigram model, p(next character | this character), from counts.

With V = 97 characters and counts n(a, b) of "a followed by b" in the training text, and
add-one (Laplace) smoothing so that an unseen pair is not impossible::

    p(b | a) = (n(a, b) + 1) / (Σ_b' n(a, b') + V)

Its bits per character on held-out text is what a model knows from one character of context;
a language model that reads more should do clearly better. The unigram model p(b) (the same
counts without the context, also add-one smoothed) is what a model knows from none.
"""

import numpy as np

from tinysae.networks.corpus import VOCABULARY
from tinysae.networks.training import check_ids


def fit_bigram(ids):
    """log p(b | a) from the text ``ids``: (V, V), row a the distribution after a."""
    ids = check_ids(ids, 1)
    V = len(VOCABULARY)
    counts = np.bincount(ids[:-1].astype(np.int64) * V + ids[1:], minlength=V * V)  # (V·V,)
    counts = counts.reshape(V, V) + 1.0  # (V, V)  add-one smoothing
    return np.log(counts / counts.sum(axis=1, keepdims=True))  # (V, V)


def bigram_bits_per_character(log_p, ids, positions=None):
    """Mean −log₂ p(ids[p+1] | ids[p]) over ``positions`` of the text ``ids`` (default: all)."""
    ids = check_ids(ids, 1)
    positions = np.arange(ids.size - 1) if positions is None else np.asarray(positions)
    return float(-np.mean(log_p[ids[positions], ids[positions + 1]]) / np.log(2))


def fit_unigram(ids):
    """log p(b) from the text ``ids``, add-one smoothed: (V,)."""
    ids = check_ids(ids, 1)
    counts = np.bincount(ids, minlength=len(VOCABULARY)) + 1.0  # (V,)
    return np.log(counts / counts.sum())  # (V,)


def unigram_bits_per_character(log_p, ids, positions=None):
    """Mean −log₂ p(ids[p+1]) over ``positions`` of the text ``ids`` (default: all)."""
    ids = check_ids(ids, 1)
    positions = np.arange(ids.size - 1) if positions is None else np.asarray(positions)
    return float(-np.mean(log_p[ids[positions + 1]]) / np.log(2))
