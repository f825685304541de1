"""Hidden-unit statistics: a known answer for dead, always-on and firing rates."""

import numpy as np
import pytest

from tinysae.measures.hidden_unit_stats import FIRING_LEVEL, activation_stats


def test_known_answer_for_four_units_on_four_examples():
    a2 = np.array([[0.01, 0.9, 0.6, 0.4],
                   [0.02, 0.8, 0.1, 0.6],
                   [0.01, 0.7, 0.2, 0.5],  # exactly 0.5 does not fire
                   [0.02, 0.95, 0.3, 0.2]])  # (m=4, n_h=4)
    s = activation_stats(a2)
    np.testing.assert_allclose(s.rho_hat, [0.015, 0.8375, 0.3, 0.425])
    np.testing.assert_array_equal(s.firing_rate, [0.0, 1.0, 0.25, 0.25])
    np.testing.assert_array_equal(s.dead, [True, False, False, False])
    np.testing.assert_array_equal(s.always_on, [False, True, False, False])
    assert (s.n_dead, s.n_always_on) == (1, 1)
    assert s.mean_firing == pytest.approx((2 + 2 + 1 + 1) / 4)


def test_firing_level_is_the_middle_of_the_sigmoid():
    assert FIRING_LEVEL == 0.5
    s = activation_stats(np.full((3, 2), 0.3), firing_level=0.2)
    assert s.n_always_on == 2 and s.n_dead == 0


def test_bad_activations_name_the_parameter():
    with pytest.raises(ValueError, match="'a2'"):
        activation_stats(np.ones(5))
