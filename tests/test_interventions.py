"""Editing the language model's neurons while it runs (tinysae.networks.interventions)."""

import numpy as np
import pytest

from tinysae.networks import (ablate_direction, clamp_direction, generate, init_lm, kl_bits,
                              next_character_probabilities, random_unit_directions)


@pytest.fixture(scope="module")
def lm():
    model = init_lm(8, 4, 16, rng=0)
    ids = np.random.default_rng(1).integers(0, model["E"].shape[0], 400)
    return model, ids


def test_ablation_removes_the_component_and_clamping_sets_it():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 7))
    d = random_unit_directions(1, 7, rng)[0]
    along = lambda x: x @ d  # noqa: E731
    np.testing.assert_allclose(along(ablate_direction(along, d)(a)), 0, atol=1e-12)
    np.testing.assert_allclose(along(clamp_direction(along, d, 3.0)(a)), 3.0, rtol=1e-12)
    rest = a - np.outer(along(a), d)  # the part orthogonal to d is untouched
    edited = clamp_direction(along, d, 3.0)(a)
    np.testing.assert_allclose(edited - np.outer(along(edited), d), rest, atol=1e-12)


def test_kl_is_zero_for_the_same_distribution_and_positive_otherwise(lm):
    model, ids = lm
    positions = np.arange(20, 60)
    p = next_character_probabilities(model, ids, positions, 1)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(kl_bits(p, p), 0, atol=1e-12)
    q = next_character_probabilities(model, ids, positions, 1, lambda a: 0 * a)
    assert np.all(kl_bits(p, q) > 0)


def test_generation_is_seeded_and_an_identity_edit_changes_nothing(lm):
    model, ids = lm
    runs = [generate(model, ids[:8], 30, np.random.default_rng(3), edit=edit)
            for edit in (None, None, lambda a: a)]
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0], runs[2])
    other = generate(model, ids[:8], 30, np.random.default_rng(3), edit=lambda a: a + 50.0)
    assert not np.array_equal(runs[0], other)
