"""Held-out detection: chosen on one half, scored on the other; random directions as control."""

import numpy as np

from tinysae.measures.held_out import held_out_table, random_direction_units
from tinysae.pictures.transformer_plots import (log_density, plot_attention_beside_feature,
                                                plot_feature_density)


def test_a_unit_that_fits_noise_on_one_half_scores_low_on_the_other():
    rng = np.random.default_rng(0)
    m = 2000
    labels = rng.random(m) < 0.1  # (m,)
    choose = np.arange(m) < m // 2
    noise = rng.random((m, 300))  # (m, 300)  300 units that know nothing
    real = np.where(labels, 1.0, 0.0)[:, None] + 0.3 * rng.random((m, 1))  # a true detector
    table = held_out_table({"noise": noise, "real": real}, {"p": labels}, choose)
    assert table["p"]["real"].f1 > 0.9
    assert table["p"]["noise"].f1 < 0.3
    assert abs(table["p"]["frequency"] - labels[~choose].mean()) < 1e-12


def test_random_directions_are_relu_projections_of_the_centred_data():
    X = np.random.default_rng(1).standard_normal((50, 6)) + 3
    units = random_direction_units(X, 10, np.random.default_rng(2))
    assert units.shape == (50, 10) and units.min() == 0 and 0.3 < np.mean(units > 0) < 0.7


def test_density_and_pictures():
    latents = np.zeros((100, 3))
    latents[:10, 0], latents[:, 1] = 1.0, 2.0
    density = log_density(latents)
    np.testing.assert_allclose(density[:2], [-1, 0])
    assert density[2] == -np.inf
    fig = plot_feature_density({"a": density})
    assert "1 never fire" in fig.axes[0].get_legend().get_texts()[0].get_text()
    pattern = np.tril(np.ones((4, 4))) / np.arange(1, 5)[:, None]
    fig = plot_attention_beside_feature(pattern, list("abcd"), np.arange(4.0))
    assert len(fig.axes) == 2
