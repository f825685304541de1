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

:class:`HierarchySampler` draws the same kind of mix from features with relatives: parents
whose children are on only with them, the toy on which feature absorption is measured
(:mod:`tinysae.measures.absorption`).
"""

import numpy as np
import scipy.sparse

from tinysae.validation.checks import check_data, check_vector, fail
from tinysae.validation.validated import validated

#: The largest rate r_f = −log(1 − p_f) used by :func:`draw_firings` (it caps p_f = 1's infinity).
MAX_RATE = 40.0


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
    rows, firing, u = draw_firings(probabilities, n_examples, np.random.default_rng(rng))
    C = np.zeros((n_examples, features.shape[0]))  # (m, n_f)
    C[rows, firing] = u  # c_if = u_if where s_if = 1
    X = mix(features, rows, firing, u, np.empty((n_examples, features.shape[1])))  # (m, n_v)
    return X, C


def draw_firings(probabilities, n_examples, rng):
    """The non-zero coefficients c_if of ``n_examples`` examples, feature by feature.

    Drawing s_if for every one of the m × n_f cells would cost m·n_f random numbers, though
    only about m·Σ_f p_f of them fire (5 of 512 per example in lesson 08). Instead the cells
    are laid end to end on a line, feature by feature, cell (f, i) an interval of length
    r_f = −log(1 − p_f), and the points of a Poisson process of rate 1 are drawn on it (its
    gaps are exponential): a cell holds a point with probability 1 − e^{−r_f} = p_f,
    independently of every other cell, and the cells that hold one fire. That costs about
    m·Σ_f r_f ≈ m·Σ_f p_f random numbers. (For p_f = 1, r_f is capped at MAX_RATE: a miss
    then has probability e^{−40}, below the resolution of a float64 probability.)

    Returns
    -------
    rows, features : ndarray of int, shape (n,)
        Example i and feature f of each firing, sorted by f then i.
    u : ndarray of shape (n,)
        Its coefficient u_if ~ U[0, 1).
    """
    with np.errstate(divide="ignore"):  # p_f = 1: r_f = inf, capped below
        rate = np.minimum(-np.log1p(-probabilities), MAX_RATE)  # (n_f,)  r_f
    length = n_examples * rate  # (n_f,)  each feature's m cells
    ends = np.cumsum(length)  # (n_f,)
    total = float(ends[-1])
    points = np.cumsum(rng.standard_exponential(int(total + 6 * total ** 0.5 + 16)))
    while points.size == 0 or points[-1] < total:  # (rare) not past the end yet: draw on
        more = np.cumsum(rng.standard_exponential(int(total ** 0.5 + 16)))
        points = np.concatenate([points, more + (points[-1] if points.size else 0.0)])
    points = points[:np.searchsorted(points, total)]  # (n_points,)
    firing = np.searchsorted(ends, points, side="right")  # (n_points,)  the feature's run
    offset = points - (ends[firing] - length[firing])  # (n_points,)  from the run's start
    rows = np.minimum((offset / rate[firing]).astype(np.int64), n_examples - 1)  # the cell
    cell = firing * n_examples + rows  # (n_points,)  nondecreasing
    first = np.ones(cell.size, bool)
    first[1:] = cell[1:] != cell[:-1]  # a cell with several points fires once
    rows, firing = rows[first], firing[first]
    return rows, firing, rng.random(rows.size)  # (n,), (n,), (n,)


def mix(features, rows, firing, u, out):
    """x_i = Σ_f c_if F_f from the non-zero c_if (sorted by f), into ``out`` (m, n_v), in its
    dtype, by a sparse product."""
    m, n_f = out.shape[0], features.shape[0]
    C = scipy.sparse.csc_array((u.astype(out.dtype, copy=False), rows,
                                np.searchsorted(firing, np.arange(n_f + 1))),
                               shape=(m, n_f))  # (m, n_f), sparse, column by column
    np.copyto(out, C @ features.astype(out.dtype, copy=False))  # (m, n_v)
    return out


class Sampler:
    """Fresh examples of :func:`sample_superposition`, the minibatch source
    :func:`tinysae.modern.train_sae` asks for: ``sampler(n, rng)`` is (n, n_v), float64.

    ``sampler.fill(out, rng)`` draws ``out.shape[0]`` examples into ``out`` instead, in its
    dtype (``train_sae`` reuses one buffer of the training dtype). Both draw the same
    examples from the same ``rng`` state.
    """

    def __init__(self, features, probabilities):
        self.features, self.probabilities = _checked(features, probabilities)
        self.cast = {np.dtype(np.float64): self.features}  # the features in each dtype used

    def __call__(self, n, rng):
        return self.fill(np.empty((n, self.features.shape[1])), rng)  # (n, n_v)

    def fill(self, out, rng):
        if out.dtype not in self.cast:
            self.cast[out.dtype] = self.features.astype(out.dtype)
        firings = draw_firings(self.probabilities, out.shape[0], rng)
        return mix(self.cast[out.dtype], *firings, out)  # (n, n_v)


def sampler(features, probabilities):
    """A :class:`Sampler`: ``sample(n, rng)`` gives fresh examples (n, n_v) of
    :func:`sample_superposition`, the minibatch source :func:`tinysae.modern.train_sae`
    asks for."""
    return Sampler(features, probabilities)


def _checked(features, probabilities):
    """``features`` (n_f, n_v) and their firing ``probabilities`` (n_f,), each in [0, 1]."""
    features = check_data("features", features)  # (n_f, n_v)
    probabilities = check_vector("probabilities", probabilities, features.shape[0])  # (n_f,)
    if not np.all((probabilities >= 0) & (probabilities <= 1)):
        fail("probabilities", "probabilities, each in [0, 1]", probabilities)
    return features, probabilities


class HierarchySampler:
    """Superposition data with a known hierarchy, the toy of feature absorption (Chanin et al.
    2024, "A is for absorption"): each parent feature has children, and a child is never on
    without its parent ("snake" implies "starts with s").

    The rows of ``features`` (n_f, n_v) are read as: parents 0 … P−1; then parent p's C
    children, rows P + pC … P + pC + C − 1; then features with no relative. In an example,
    parent p is on with probability ``parent_probability``; when it is, one of its children
    (each equally likely) is on with it with probability ``child_probability``; every other
    feature is on with probability ``other_probability``. A feature that is on has
    coefficient 1 (as in Chanin et al.'s toy, so that a child latent can take its parent's
    direction in with it exactly)::

        x_i = Σ_f c_if F_f,   c_if ∈ {0, 1}

    ``sampler(n, rng)`` gives (n, n_v), the minibatch source of the training functions;
    ``sampler.draw(n, rng)`` gives the examples and their coefficients C (n, n_f);
    ``sampler.parent_of`` (n_f,) names each feature's parent (−1: none).
    """

    def __init__(self, features, n_parents, n_children, parent_probability,
                 child_probability, other_probability):
        self.features = features  # (n_f, n_v)
        self.n_parents, self.n_children = n_parents, n_children
        self.p = (parent_probability, child_probability, other_probability)
        n_f, first_other = features.shape[0], n_parents * (1 + n_children)
        self.parent_of = np.full(n_f, -1)  # (n_f,)
        self.parent_of[n_parents:first_other] = np.repeat(np.arange(n_parents), n_children)
        self.first_other = first_other

    def __call__(self, n, rng):
        return self.draw(n, rng)[0]  # (n, n_v)

    def draw(self, n, rng):
        """``n`` examples (n, n_v) and their coefficients C (n, n_f), from ``rng``."""
        P, nc = self.n_parents, self.n_children
        p_parent, p_child, p_other = self.p
        C = np.zeros((n, self.features.shape[0]))  # (n, n_f)
        parent_on = rng.random((n, P)) < p_parent  # (n, P)
        child_on = parent_on & (rng.random((n, P)) < p_child)  # (n, P) one child of p is on
        which = rng.integers(0, nc, size=(n, P))  # (n, P) which child, where one is on
        C[:, :P] = parent_on
        rows, parents = np.nonzero(child_on)
        C[rows, P + parents * nc + which[rows, parents]] = 1.0
        C[:, self.first_other:] = rng.random((n, C.shape[1] - self.first_other)) < p_other
        return C @ self.features, C  # (n, n_v), (n, n_f)


@validated
def hierarchy_sampler(features, n_parents, n_children, parent_probability=0.15,
                      child_probability=0.6, other_probability=0.05):
    """A :class:`HierarchySampler`: parents, their children (on only with their parent) and
    unrelated features, the rows of ``features`` (n_f, n_v) in that order.

    Parameters
    ----------
    features : ndarray of shape (n_f, n_v)
        The directions (:func:`ground_truth_features`); n_f ≥ n_parents (1 + n_children).
    n_parents, n_children : int
        P parents, each with C children.
    parent_probability, child_probability, other_probability : float in [0, 1]
        P(parent on); P(one of its children on | parent on); P(an unrelated feature on).
    """
    features = check_data("features", features)  # (n_f, n_v)
    if features.shape[0] < n_parents * (1 + n_children):
        fail("features", f"at least n_parents (1 + n_children) = "
             f"{n_parents * (1 + n_children)} rows", features)
    return HierarchySampler(features, n_parents, n_children, parent_probability,
                            child_probability, other_probability)
