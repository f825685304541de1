"""Filter grids: the tiling formula, borders, mid-grey zero, per-filter contrast; thin plots."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from tinysae.pictures.filter_grid import (
    BORDER_VALUE,
    filter_shape,
    grid_shape,
    plot_filter_grid,
    plot_patch_montage,
    tile_filters,
)
from tinysae.pictures.plots import plot_loss_curve, plot_rho_hat_histogram, save_figure


def tile_of(tiles, i, cols, h, w, border=1):
    """The i-th tile of a grid built by tile_filters (row-major)."""
    r, c = divmod(i, cols)
    top, left = border + r * (h + border), border + c * (w + border)
    return tiles[top:top + h, left:left + w]


# ----------------------------------------------------------------------------- the grid

@pytest.mark.parametrize("k, expected", [(1, (1, 1)), (25, (5, 5)), (24, (4, 6)),
                                         (10, (3, 4)), (400, (20, 20)), (7, (2, 4))])
def test_grid_is_near_square_like_display_network(k, expected):
    assert grid_shape(k) == expected


@settings(max_examples=40, deadline=None, derandomize=True)
@given(k=st.integers(1, 60), p=st.integers(1, 9), border=st.integers(0, 3))
def test_tile_shape_formula(k, p, border):
    W = np.random.default_rng(k).normal(size=(k, p * p))
    rows, cols = grid_shape(k)
    tiles = tile_filters(W, border=border)
    assert rows * cols >= k > (rows - 1) * cols
    assert tiles.shape == (rows * (p + border) + border, cols * (p + border) + border)


def test_borders_are_black_lines_between_tiles():
    tiles = tile_filters(np.random.default_rng(0).normal(size=(6, 16)))  # 2 × 3 grid of 4 × 4
    for line in (0, 5, 10):  # rows and columns 0, 5, 10 are border lines
        assert np.all(tiles[line, :] == BORDER_VALUE)
    for line in (0, 5, 10, 15):
        assert np.all(tiles[:, line] == BORDER_VALUE)


def test_zero_is_mid_grey_and_each_filter_uses_its_own_contrast():
    W = np.zeros((4, 9))
    W[1, 0], W[1, 1] = 2.0, -1.0  # peak |value| 2
    W[2, 4] = -1e-6  # a tiny filter still reaches full black
    tiles = tile_filters(W)  # 2 × 2 grid of 3 × 3
    np.testing.assert_array_equal(tile_of(tiles, 0, 2, 3, 3), 0.5)  # all-zero: mid-grey
    assert tile_of(tiles, 1, 2, 3, 3)[0, 0] == 1.0  # +peak → white
    assert tile_of(tiles, 1, 2, 3, 3)[0, 1] == 0.25  # −peak/2 → a quarter
    assert tile_of(tiles, 2, 2, 3, 3)[1, 1] == 0.0  # −peak → black
    assert tile_of(tiles, 2, 2, 3, 3)[0, 0] == 0.5


def test_scaling_a_filter_does_not_change_its_tile():
    W = np.random.default_rng(1).normal(size=(3, 64))
    np.testing.assert_allclose(tile_filters(W * [[1.0], [10.0], [1e-3]]), tile_filters(W))


def test_tile_holds_the_filter_in_row_major_order():
    W = np.arange(1.0, 7.0).reshape(1, 6)  # one 2 × 3 filter, peak 6
    tiles = tile_filters(W, patch_shape=(2, 3))
    np.testing.assert_allclose(tiles[1:3, 1:4], 0.5 + 0.5 * W.reshape(2, 3) / 6)


def test_colour_filters_keep_their_hue():
    p = 4
    red_green = np.zeros((p, p, 3))
    red_green[..., 0], red_green[..., 1] = 1.0, -1.0  # a red-minus-green filter
    tiles = tile_filters(red_green.reshape(1, -1))
    assert tiles.shape == (p + 2, p + 2, 3)
    inside = tiles[1:-1, 1:-1]  # (p, p, 3)
    np.testing.assert_allclose(inside[..., 0], 1.0)  # red full on
    np.testing.assert_allclose(inside[..., 1], 0.0)  # green full off
    np.testing.assert_allclose(inside[..., 2], 0.5)  # blue untouched, mid-grey
    assert tiles.min() >= 0 and tiles.max() <= 1


def test_patch_shape_is_guessed_grey_or_colour():
    assert filter_shape(64) == (8, 8)
    assert filter_shape(192) == (8, 8, 3)
    assert filter_shape(12, (2, 6)) == (2, 6)


@pytest.mark.parametrize("n, patch_shape", [(50, None), (64, (4, 4)), (48, (4, 4, 2))])
def test_bad_patch_shape_names_the_parameter(n, patch_shape):
    with pytest.raises(ValueError, match="'patch_shape'"):
        tile_filters(np.ones((2, n)), patch_shape)


def test_bad_filters_name_the_parameter():
    with pytest.raises(ValueError, match="'W'"):
        tile_filters(np.ones(64))
    with pytest.raises(ValueError, match="'W'"):
        tile_filters(np.full((1, 4), np.nan))


# ----------------------------------------------------------------------------- thin plots

def test_filter_grid_figure_shows_the_tiled_array():
    W = np.random.default_rng(2).normal(size=(25, 64))
    fig = plot_filter_grid(W, title="filters")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), tile_filters(W))
    assert image.get_clim() == (0.0, 1.0)


def test_plots_can_share_one_figure():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    W = np.random.default_rng(3).normal(size=(4, 16))
    assert plot_filter_grid(W, ax=left) is fig
    assert plot_patch_montage(W + 5, ax=right, n_show=3) is fig
    assert len(left.images) == len(right.images) == 1


def test_loss_curve_and_histogram_figures():
    fig = plot_loss_curve({"loss": [3.0, 1.0, 0.5]})
    assert fig.axes[0].get_yscale() == "log"
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [3.0, 1.0, 0.5])
    fig = plot_rho_hat_histogram(np.full(25, 0.01), target=0.01)
    assert sum(p.get_height() for p in fig.axes[0].patches) == 25


def test_loss_curve_takes_a_training_result():
    class Result:  # what tinysae.train returns: .history, and .loss the final J
        history, loss = [2.0, 1.0], 1.0

    np.testing.assert_array_equal(plot_loss_curve(Result()).axes[0].lines[0].get_ydata(),
                                  [2.0, 1.0])


def test_empty_loss_history_is_a_clear_error():
    with pytest.raises(ValueError, match="'history'"):
        plot_loss_curve([])


def test_save_figure_writes_the_file_and_leaves_no_temporary(tmp_path):
    path = save_figure(plot_filter_grid(np.eye(4)), tmp_path / "grid.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]


def test_failed_save_leaves_nothing_behind(tmp_path):
    with pytest.raises(ValueError):
        save_figure(plot_filter_grid(np.eye(4)), tmp_path / "grid.notaformat")
    assert list(tmp_path.iterdir()) == []
