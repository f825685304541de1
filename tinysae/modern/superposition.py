"""Synthetic data in superposition: more sparse features than dimensions, with known ground truth.

Shapes, defined once for this module::

    m    number of examples        n_v  dimensions of each example (e.g. 256)
    n_f  ground-truth features (e.g. 512, more than n_v: they cannot all be orthogonal)

Each example is a sparse, non-negative mix of the features (Sharkey, Braun & Millidge 2022,
"Taking features out of superposition with sparse autoencoders")::

    x_i = Σ_f c_if F_f,   c_if = s_if · u_if,   s_if ~ Bernoulli(p_f),   u_if ~ U[0, 1)

The features ``F`` (n_f, n_v) are unit-norm random directions, one per row; their firing
probabilities decay geometrically, p_f ∝ decay^f, scaled so that Σ_f p_f = mean_active
features fire in an average example. A sparse autoencoder should find the rows of ``F``.
"""

import numpy as np
import scipy.sparse

from tinysae.checks import check_data, check_int, check_real, check_vector, fail
from tinysae.validation import validated


@validated
def ground_truth_features(n_features, n_visible, rng=None):
    """Random unit-norm feature directions, one per row.

    Parameters
    ----------
    n_features : int
        n_f, how many features.
    n_visible : int
        n_v, the dimension they live in.
    rng : numpy.random.Generator, int or None
        Source of randomness (an int is used as a seed).

    Returns
    -------
    ndarray of shape (n_f, n_v)
        Gaussian directions divided by their norms (uniform on the unit sphere).
    """
    rng = np.random.default_rng(rng)
    F = rng.standard_normal((n_features, n_visible))  # (n_f, n_v)
    return F / np.linalg.norm(F, axis=1, keepdims=True)  # (n_f, n_v)


@validated
def firing_probabilities(n_features, mean_active=5.0, decay=0.99):
    """p_f = c · decay^f, with c chosen so that Σ_f p_f = ``mean_active``.

    Parameters
    ----------
    n_features : int
        n_f.
    mean_active : float, default 5.0
        Expected number of features firing per example, in (0, n_f].
    decay : float, default 0.99
        The geometric decay in (0, 1]; 1 gives equal probabilities.

    Returns
    -------
    ndarray of shape (n_f,)
        Probabilities in (0, 1], most frequent feature first.
    """
    mean_active = check_real("mean_active", mean_active, 0.0, float(n_features), "right")
    decay = check_real("decay", decay, 0.0, 1.0, "right")
    p = decay ** np.arange(n_features)  # (n_f,)
    p = mean_active * p / p.sum()  # (n_f,)
    if p[0] > 1.0:
        fail("mean_active", f"small enough that no probability exceeds 1 with decay={decay}",
             mean_active)
    return p


@validated
def sample_superposition(features, probabilities, n_examples, rng=None):
    """Draw examples x_i = Σ_f s_if u_if F_f with s_if ~ Bernoulli(p_f), u_if ~ U[0, 1).

    Parameters
    ----------
    features : ndarray of shape (n_f, n_v)
        Ground-truth directions, one per row (see :func:`ground_truth_features`).
    probabilities : ndarray of shape (n_f,)
        Firing probability of each feature (see :func:`firing_probabilities`).
    n_examples : int
        m, how many examples to draw.
    rng : numpy.random.Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (m, n_v)
        The examples, one per row.
    C : ndarray of shape (m, n_f)
        Their true coefficients c_if (zero where the feature is off).
    """
    features, probabilities = _checked(features, probabilities)  # (n_f, n_v), (n_f,)
    n_examples = check_int("n_examples", n_examples)
    rows, firing, u = draw_firings(probabilities, n_examples, np.random.default_rng(rng))
    C = np.zeros((n_examples, features.shape[0]))  # (m, n_f)
    C[rows, firing] = u  # c_if = u_if where s_if = 1
    return mix(features, rows, firing, u, n_examples), C  # (m, n_v), (m, n_f)


def draw_firings(probabilities, n_examples, rng):
    """The non-zero coefficients c_if of ``n_examples`` examples, in row order.

    Drawing s_if for every one of the m × n_f cells would cost m·n_f random numbers, though
    only about m·Σ_f p_f of them fire (5 of 512 per example in lesson 08). Instead, cells
    (in row-major order) become *candidates* at the largest rate p_max = max_f p_f, found
    by the gaps between them, which are geometric; a candidate in column f is kept with
    probability p_f / p_max. Every cell then fires independently with probability exactly
    p_f, at a cost of about m·n_f·p_max random numbers.

    Returns
    -------
    rows, features : ndarray of int, shape (n,)
        Example i and feature f of each firing, sorted by i then f.
    u : ndarray of shape (n,)
        Its coefficient u_if ~ U[0, 1).
    """
    n_f = probabilities.size
    cells, p_max = n_examples * n_f, float(probabilities.max())
    if p_max == 0.0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    expected = cells * p_max  # candidates, on average
    position = np.cumsum(_gaps(p_max, int(expected + 6 * expected ** 0.5 + 16), rng)) - 1
    while position[-1] < cells:  # (rare) not past the last cell yet: draw further gaps
        more = np.cumsum(_gaps(p_max, int(expected ** 0.5 + 16), rng)) + position[-1]
        position = np.concatenate([position, more])
    position = position[:np.searchsorted(position, cells)]  # (n_candidates,) cell numbers
    rows, firing = np.divmod(position, n_f)  # (n_candidates,), (n_candidates,)
    kept = rng.random(position.size) * p_max < probabilities[firing]  # with prob. p_f / p_max
    rows, firing = rows[kept], firing[kept]
    return rows, firing, rng.random(rows.size)  # (n,), (n,), (n,)


def _gaps(p, n, rng):
    """n draws of the geometric distribution on 1, 2, ... with success probability p, as
    ⌊E / λ⌋ + 1 with E ~ Exp(1) and λ = −log(1 − p) (twice as fast as ``rng.geometric``)."""
    with np.errstate(divide="ignore"):  # p = 1: λ = inf, every gap is 1
        rate = -np.log1p(-p)
    return np.floor(rng.standard_exponential(n) / rate).astype(np.int64) + 1  # (n,)


def mix(features, rows, firing, u, n_examples):
    """x_i = Σ_f c_if F_f from the non-zero c_if (rows sorted): (m, n_v), as a sparse product."""
    C = scipy.sparse.csr_array((u, firing, np.searchsorted(rows, np.arange(n_examples + 1))),
                               shape=(n_examples, features.shape[0]))  # (m, n_f), sparse
    return C @ features  # (m, n_v)


def sampler(features, probabilities):
    """``sample(n, rng)`` giving fresh examples (n, n_v) of :func:`sample_superposition`: the
    minibatch source :func:`tinysae.modern.train_sae` asks for."""
    features, probabilities = _checked(features, probabilities)  # (n_f, n_v), (n_f,)

    def sample(n, rng):
        return mix(features, *draw_firings(probabilities, n, rng), n)  # (n, n_v)
    return sample


def _checked(features, probabilities):
    """``features`` (n_f, n_v) and their firing ``probabilities`` (n_f,), each in [0, 1]."""
    features = check_data("features", features)  # (n_f, n_v)
    probabilities = check_vector("probabilities", probabilities, features.shape[0])  # (n_f,)
    if not np.all((probabilities >= 0) & (probabilities <= 1)):
        fail("probabilities", "probabilities, each in [0, 1]", probabilities)
    return features, probabilities
