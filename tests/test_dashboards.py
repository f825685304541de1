"""Feature dashboards: the contexts gathered around the top activations, and the picture."""

import numpy as np
import pytest

from tinysae import plot_dashboards
from tinysae.networks import best_units, detection_title, text_to_ids, top_positions, unit_dashboard
from tinysae.measures import Detector
from tinysae.networks.dashboards import AFTER, BEFORE

TEXT = ("x = 1\n" * 30) + "def norm(self):\n" + ("y = 2\n" * 30)


def test_top_positions_are_the_largest_and_spaced_apart():
    values = np.array([0.0, 5.0, 4.9, 0.0, 3.0, 0.0, 1.0])
    positions = np.array([0, 100, 101, 150, 200, 250, 300])
    assert top_positions(values, positions, 3, spacing=10).tolist() == [100, 200, 300]
    assert top_positions(values, positions, 5, spacing=1).tolist() == [100, 101, 200, 300]


def test_dashboard_shows_the_context_around_the_top_position():
    ids = text_to_ids(TEXT)
    where = TEXT.index("def") + 3  # the space after "def"
    positions = np.arange(10, ids.size - 2)
    values = (positions == where).astype(float)
    board = unit_dashboard(lambda p: (np.asarray(p) == where).astype(float), ids, positions,
                           values, np.arange(97.0), "feature 7", n_examples=3, n_characters=4,
                           n_intervals=0)
    assert len(board.contexts) == 1  # only one position fires
    text = board.contexts[0]
    assert len(text) == BEFORE + 1 + AFTER and text[BEFORE - 3:BEFORE + 5] == "def norm"
    assert "⏎" in text and "\n" not in text
    assert board.context_values[0, BEFORE] == 1.0 and board.context_values.sum() == 1.0
    assert [c for c, _ in board.promoted] == ["¤", "~", "}", "|"]  # the largest logit effects
    assert board.suppressed[0] == ("⏎", 0.0)


def test_random_interval_contexts_come_one_from_each_part_of_the_range():
    ids = text_to_ids(TEXT)
    positions = np.arange(10, ids.size - 2)
    values = np.random.default_rng(0).random(positions.size) * 3.0  # (m,) in [0, 3)
    at = dict(zip(positions.tolist(), values))
    board = unit_dashboard(lambda p: np.array([at.get(int(q), 0.0) for q in p]), ids,
                           positions, values, None, "unit", n_examples=2, n_intervals=3,
                           rng=1, no_effect="reaches the logits through layer 2 only")
    assert board.kinds[:2] == ["top", "top"] and len(board.kinds) == 5
    peak = values.max()
    for row, kind in zip(board.context_values[2:], board.kinds[2:]):
        part = board.kinds.index(kind) - 2  # parts in order: (0, peak/3], (peak/3, 2peak/3], …
        assert part * peak / 3 < row[BEFORE] <= (part + 1) * peak / 3 + 1e-12
    assert board.promoted == [] and "layer 2" in board.no_effect
    again = unit_dashboard(lambda p: np.array([at.get(int(q), 0.0) for q in p]), ids,
                           positions, values, None, "unit", n_examples=2, rng=1)
    assert again.contexts == board.contexts  # the draw is seeded


def test_plot_has_three_panels_per_dashboard():
    pytest.importorskip("matplotlib")
    ids = text_to_ids(TEXT)
    positions = np.arange(10, ids.size - 2)
    values = np.random.default_rng(0).random(positions.size)
    boards = [unit_dashboard(lambda p: np.ones(len(p)), ids, positions, values, np.zeros(97),
                             f"unit {j}", n_examples=2) for j in range(2)]
    fig = plot_dashboards(boards, title="two units")
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title(loc="left") == "unit 0"


def test_best_units_show_a_unit_once_with_every_property_it_is_best_for():
    table = {"after_def": {"neuron": Detector(97, 0.28, 0.2, 0.48)},
             "after_self": {"neuron": Detector(97, 0.27, 0.17, 0.78)},
             "digit": {"neuron": Detector(59, 0.32, 0.29, 0.35)}}
    units = best_units(table, "neuron", ["after_def", "digit", "after_self"])
    assert list(units) == [97, 59] and [name for name, _ in units[97]] == ["after_def", "after_self"]
    assert detection_title("neuron", 59, units[59]) == (
        "neuron 59: best for digit (F1 0.32, precision 0.29, recall 0.35)")
