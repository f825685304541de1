"""Feature absorption on data with a known hierarchy: the sampler keeps every child with its
parent, and the measure gives 0 for a dictionary of the true features, 1 for one whose child
latents took their parent in, and the same miss rate with and without a child for a latent
that misses at random (the control)."""

import numpy as np
import pytest

from tinysae.measures import absorption
from tinysae.modern import hierarchy_sampler

P, N_CHILDREN, N_OTHER = 3, 4, 5
N_F = P * (1 + N_CHILDREN) + N_OTHER  # 20 features


@pytest.fixture(scope="module")
def drawn():
    """Orthonormal features (F = I), so each latent below is exactly one feature or two."""
    sampler = hierarchy_sampler(np.eye(N_F), P, N_CHILDREN, 0.3, 0.6, 0.1)
    X, C = sampler.draw(6000, np.random.default_rng(0))  # (m, n_f) both
    return sampler, X, C


def test_a_child_is_on_only_with_its_parent_and_one_at_a_time(drawn):
    sampler, X, C = drawn
    parent_of = sampler.parent_of  # (n_f,)
    assert list(parent_of[:P]) == [-1] * P and list(parent_of[-N_OTHER:]) == [-1] * N_OTHER
    assert np.array_equal(np.bincount(parent_of[parent_of >= 0]), [N_CHILDREN] * P)
    np.testing.assert_array_equal(X, C)  # F = I: the examples are their coefficients
    for p in range(P):
        children_on = C[:, parent_of == p].sum(axis=1)  # (m,)
        assert np.all(children_on <= 1) and np.all(C[children_on > 0, p] == 1)
        assert abs(C[:, p].mean() - 0.3) < 0.03  # P(parent on)
        assert abs(children_on[C[:, p] == 1].mean() - 0.6) < 0.04  # P(a child | parent)
    assert abs(C[:, -N_OTHER:].mean() - 0.1) < 0.02
    again = sampler(6000, np.random.default_rng(0))
    np.testing.assert_array_equal(again, X)  # the same rng draws the same examples


def test_the_true_features_absorb_nothing(drawn):
    sampler, X, C = drawn
    out = absorption(C, np.eye(N_F), np.eye(N_F), C, sampler.parent_of)  # a2 = C, W2 = F
    assert list(out["parents"]) == list(range(P))
    np.testing.assert_array_equal(out["absorbed"], 0.0)
    np.testing.assert_array_equal(out["alone"], 0.0)
    np.testing.assert_array_equal(out["lean"], 0.0)


def test_child_latents_that_took_their_parent_in_absorb_it_all(drawn):
    """d_child = (F_child + F_parent)/√2 and the parent's latent on only where no child is:
    the same reconstruction with one latent fewer, and every with-child example absorbed."""
    sampler, X, C = drawn
    parent_of = sampler.parent_of
    W2, a2 = np.eye(N_F), C.copy()  # (n_v, n_h), (m, n_h)
    for c in np.flatnonzero(parent_of >= 0):
        W2[:, c] = (np.eye(N_F)[c] + np.eye(N_F)[parent_of[c]]) / np.sqrt(2)
        a2[:, c] = C[:, c] * np.sqrt(2)
    for p in range(P):
        a2[:, p] = C[:, p] * (C[:, parent_of == p].sum(axis=1) == 0)
    np.testing.assert_allclose(a2 @ W2.T, X, atol=1e-12)  # nothing lost
    assert np.mean(np.count_nonzero(a2, axis=1)) < np.mean(np.count_nonzero(C, axis=1))
    out = absorption(a2, W2, np.eye(N_F), C, parent_of)
    np.testing.assert_array_equal(out["absorbed"], 1.0)
    np.testing.assert_array_equal(out["alone"], 0.0)
    np.testing.assert_allclose(out["lean"], 1 / np.sqrt(2), rtol=1e-12)


def test_a_latent_that_misses_at_random_misses_as_often_alone_the_control(drawn):
    sampler, X, C = drawn
    a2 = C * (np.random.default_rng(1).random(C.shape) > 0.3)  # each firing lost 30% of the time
    out = absorption(a2, np.eye(N_F), np.eye(N_F), C, sampler.parent_of)
    np.testing.assert_allclose(out["absorbed"], 0.3, atol=0.05)
    np.testing.assert_allclose(out["alone"], 0.3, atol=0.05)
    assert np.all(np.abs(out["absorbed"] - out["alone"]) < 0.07)


def test_the_parent_latent_is_the_closest_decoder_column_wherever_it_stands(drawn):
    sampler, X, C = drawn
    order = np.random.default_rng(2).permutation(N_F)  # latent j is feature order[j]
    W2, a2 = np.eye(N_F)[:, order], C[:, order].copy()  # (n_v, n_h), (m, n_h)
    first = int(np.flatnonzero(order == 0)[0])  # parent 0's latent
    a2[:, first] *= C[:, sampler.parent_of == 0].sum(axis=1) == 0  # silent with a child
    out = absorption(a2, W2, np.eye(N_F), C, sampler.parent_of)
    np.testing.assert_array_equal(out["absorbed"], [1.0, 0.0, 0.0])
