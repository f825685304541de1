"""The F1 bars and the relative-norm histogram: what they draw, checked on small inputs."""

import numpy as np

from tinysae import plot_detection_table, plot_relative_norms
from tinysae.measures import Detector


def test_detection_bars_one_per_unit_set_and_property():
    table = {"digit": {"frequency": 0.01, "neuron": Detector(3, 0.3, 0.3, 0.3),
                       "feature": Detector(7, 0.8, 0.8, 0.8)},
             "prose": {"frequency": 0.4, "neuron": Detector(1, 0.6, 0.5, 0.7),
                       "feature": Detector(2, 0.5, 0.8, 0.4)}}
    fig = plot_detection_table(table)
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 3) for p in ax.patches)
    assert widths == [0.3, 0.5, 0.6, 0.8]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["digit (1.0%)", "prose (40.0%)"]
    ticks = ax.collections[0].get_segments()  # the "predicting it everywhere" marks
    np.testing.assert_allclose([seg[0][0] for seg in ticks], [0.02 / 1.01, 0.8 / 1.4])


def test_relative_norm_histogram_counts_the_three_kinds():
    r = np.array([0.0, 0.05, 0.5, 0.6, 0.95, 1.0, 1.0])
    fig = plot_relative_norms(r, low=0.1, high=0.9, title="seven latents")
    assert fig.axes[0].get_title() == ("seven latents\nlayer 1 only (r < 0.1, blue): 2   "
                                       "shared: 2   layer 2 only (r > 0.9, green): 3")
    bars = fig.axes[0].containers[0]  # the histogram's bars (the bands are not in it)
    assert sum(bar.get_height() for bar in bars) == 7
