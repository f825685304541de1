"""Features that do something: edit a hidden layer, watch the next character change.

Shapes, defined once for this module::

    m   positions      n_h  neurons of the edited layer      V  characters
    n   characters generated

Every measure of what a sparse autoencoder finds elsewhere is correlational (a feature
fires where a property holds). Here the model's own neurons a are edited while it runs, and
what it predicts next is compared with what it predicted before::

    ablate feature j:  a' = a − a2_j(a) d_j         its contribution removed (d_j = W2[:, j])
    clamp feature j:   a' = a + (c − a2_j(a)) d_j   its value set to c, at every step
    control:           a' = a − ‖a2_j(a) d_j‖ r     the same size, a random unit direction r

An *edit* is a function a (m, n_h) ↦ a' (m, n_h); the functions here run the model with it.
The shift of the next-character distribution is measured by the KL divergence
KL(p ‖ p') = Σ_c p_c log(p_c / p'_c), in bits, per position. The model runs with numpy's
BLAS on one thread, so that an edit's effect is the same number on any number of cores.
"""

import numpy as np

from tinysae.networks.char_mlp import context_of, lm_forward, logits_from
from tinysae.networks.training import EVAL_CHUNK, windows_at
from tinysae.runtime.blas_threads import limit_blas_threads


def softmax(logits):
    """p = softmax(logits) row by row: (m, V)."""
    shifted = logits - logits.max(axis=1, keepdims=True)  # (m, V)
    p = np.exp(shifted)  # (m, V)
    return p / p.sum(axis=1, keepdims=True)  # (m, V)


@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def next_character_probabilities(model, ids, positions, layer, edit=None):
    """p(next character) at ``positions`` of ``ids``, with layer ``layer``'s neurons passed
    through ``edit`` (None: the clean model): (m, V)."""
    T, positions, out = context_of(model), np.asarray(positions), []
    for start in range(0, positions.size, EVAL_CHUNK):
        windows, _ = windows_at(ids, positions[start:start + EVAL_CHUNK], T)
        a = lm_forward(model, windows)[f"a{layer}"]  # (m, n_h)
        out.append(softmax(logits_from(model, a if edit is None else edit(a), layer)))
    return np.concatenate(out)  # (m, V)


def kl_bits(p, q):
    """KL(p ‖ q) in bits for each row of two distributions (m, V): (m,)."""
    return np.sum(p * (np.log2(np.maximum(p, 1e-300)) - np.log2(np.maximum(q, 1e-300))),
                  axis=1)  # (m,)


def ablate_direction(values_of, direction):
    """The edit a ↦ a − values_of(a) dᵀ: remove ``direction`` (n_h,) scaled by
    ``values_of(a)`` (m,) from each row, e.g. a feature's activation times its decoder column."""
    def edit(a):
        return a - np.outer(values_of(a), direction)  # (m, n_h)
    return edit


def clamp_direction(values_of, direction, value):
    """The edit a ↦ a + (c − values_of(a)) dᵀ: the feature along ``direction`` set to c."""
    def edit(a):
        return a + np.outer(value - values_of(a), direction)  # (m, n_h)
    return edit


def random_unit_directions(n, n_h, rng):
    """n directions drawn uniformly on the unit sphere of R^n_h: (n, n_h)."""
    r = rng.standard_normal((n, n_h))  # (n, n_h)
    return r / np.linalg.norm(r, axis=1, keepdims=True)  # (n, n_h)


@limit_blas_threads(numpy_threads=1)
def generate(model, prompt_ids, n, rng, layer=1, edit=None, temperature=1.0):
    """``n`` characters sampled one at a time after ``prompt_ids`` (at least T of them), with
    the neurons of ``layer`` passed through ``edit`` at every step: ids (n,).

    Sampling is seeded by ``rng`` (a numpy Generator), so a clean and an edited run with the
    same seed differ only where the edit changes the distribution.
    """
    T = context_of(model)
    ids = list(np.asarray(prompt_ids)[-T:])
    out = []
    for _ in range(n):
        window = np.asarray(ids[-T:])[None, :]  # (1, T)
        a = lm_forward(model, window)[f"a{layer}"]  # (1, n_h)
        p = softmax(logits_from(model, a if edit is None else edit(a), layer) / temperature)[0]
        c = int(np.searchsorted(np.cumsum(p), rng.random() * p.sum()))  # inverse CDF
        c = min(c, p.size - 1)
        ids.append(c)
        out.append(c)
    return np.array(out, dtype=np.int64)  # (n,)
