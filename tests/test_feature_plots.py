"""The F1 bars, the relative-norm histogram, feature density, the frontier and absorption: what
they draw, checked on small inputs."""

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


def test_held_out_bars_carry_their_intervals_and_verdicts():
    from tinysae.measures import held_out_table

    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.2
    scores = {"neuron": rng.random((400, 3)), "feature": (y + rng.random(400))[:, None]}
    table = held_out_table(scores, {"p": y}, np.arange(200), np.arange(200, 400), rng=0)
    fig = plot_detection_table(table, verdicts={"p": "feature ahead"},
                               labels={"feature": "the feature"}, indexed=("feature",))
    ax = fig.axes[0]
    assert ax.get_yticklabels()[0].get_text().endswith("\nfeature ahead")
    assert [t.get_text() for t in ax.get_legend().get_texts()][1:] == ["best single neuron",
                                                                      "the feature"]
    assert [t.get_text() for t in ax.texts] == [f"#{table['p']['feature'].unit}"]
    errorbars = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(errorbars) == 2 and len(errorbars[1].lines[2][0].get_segments()) == 1
    low, high = table["p"]["feature"].low, table["p"]["feature"].high
    np.testing.assert_allclose(errorbars[1].lines[2][0].get_segments()[0][:, 0], [low, high])


def test_feature_density_counts_the_dead_and_the_rare_apart():
    from tinysae.pictures import plot_feature_density

    frequencies = np.array([0.0, 0.0, 0.0005, 0.01, 0.1, 0.2])
    fig = plot_feature_density({"six latents": frequencies, "again": frequencies})
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == ("six latents\n6 latents: 2 never fire (not drawn), "
                                       "1 fire on under 0.1%")
    assert sum(bar.get_height() for bar in fig.axes[0].containers[0]) == 4


def test_the_frontier_draws_one_panel_per_metric_with_l0_on_a_log_axis():
    from tinysae.pictures import plot_frontier

    rows = {"TopK": {f"k={k}": {"l0": k, "fvu": 1 / k, "loss_recovered": 1 - 1 / k}
                     for k in (4, 8, 16)}}
    fig = plot_frontier(rows, metrics=("fvu", "loss_recovered"), log_l0=True)
    assert [ax.get_xscale() for ax in fig.axes] == ["log", "log"]
    assert fig.axes[1].get_ylabel().startswith("loss recovered")
    assert len(plot_frontier({"a": {"x": {"l0": 1, "fvu": 0.5, "mmcs": 0.9}}}).axes) == 2


def test_attention_beside_a_feature_shares_its_rows():
    from tinysae.pictures.transformer_plots import plot_attention_beside_feature

    pattern = np.tril(np.ones((4, 4))) / np.arange(1, 5)[:, None]
    fig = plot_attention_beside_feature(pattern, list("abcd"), np.arange(4.0))
    assert len(fig.axes) == 2


def test_absorption_bars_are_the_seed_means_with_every_seed_drawn():
    from tinysae.pictures import plot_absorption

    runs = {"TopK": {"absorbed": np.array([0.5, 0.7]), "alone": np.array([0.1, 0.2])},
            "Matryoshka": {"absorbed": np.array([0.0, 0.02]), "alone": np.array([0.0, 0.0])}}
    fig = plot_absorption(runs)
    ax = fig.axes[0]
    heights = [bar.get_height() for container in ax.containers for bar in container]
    np.testing.assert_allclose(heights, [0.6, 0.15, 0.01, 0.0])
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert sum(len(line.get_ydata()) for line in dots) == 8  # 2 seeds × 2 bars × 2 runs
    assert [t.get_text() for t in ax.get_xticklabels()] == ["TopK", "Matryoshka"]
