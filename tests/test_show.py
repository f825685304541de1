"""`tinysae show` and the pictures of a model: W2ᵀ, sorting, labels, dead units, colour, bad paths."""

import warnings

import matplotlib
import numpy as np
import pytest

from tinysae import init_params, save
from tinysae.cli import main
from tinysae.pictures.filter_grid import FADED_CONTRAST, tile_corner, tile_filters
from tinysae.pictures.model_pictures import plot_model, unit_order

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A small run written by `tinysae train` (its data record lets show remake the patches)."""
    folder = tmp_path_factory.mktemp("show") / "run"
    assert main(["train", "--n-patches", "500", "--n-hidden", "9", "--max-iter", "15", "-q",
                 "--out", str(folder)]) == 0
    return folder


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def failed(err):
    """Whether stderr says the command failed (a library's deprecation warning, such as the
    oldest matplotlib's about pyparsing, may show there and is no failure)."""
    return "error" in err or "Traceback" in err


def shown_tiles(fig):
    (image,) = fig.axes[0].images
    return np.asarray(image.get_array())


def gabor_like_filters(rng, k=6, p=8):
    """k filters of p×p: oriented gratings of decreasing contrast under noise, so that their
    edge scores differ and are known to fall with the index."""
    yy, xx = np.mgrid[0:p, 0:p] - (p - 1) / 2
    envelope = np.exp(-(xx ** 2 + yy ** 2) / 8)
    W = [np.cos(1.2 * (xx * np.cos(a) + yy * np.sin(a))) * envelope
         for a in np.linspace(0, np.pi, k, endpoint=False)]
    noise = np.linspace(0.0, 1.5, k)[:, None] * rng.normal(size=(k, p * p))
    return np.array(W).reshape(k, -1) + noise


# ----------------------------------------------------------------------------- the command

def test_show_writes_the_three_pictures_of_a_trained_run(trained_run, tmp_path, capsys):
    plt.close("all")
    code, out, err = run(["show", str(trained_run), "--out", str(tmp_path)], capsys)
    assert code == 0 and not failed(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filters.png", "loss.png", "rho_hat.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in tmp_path.iterdir())
    assert plt.get_fignums() == [], "the command closes the figures it saved"


def test_show_never_overwrites_what_train_wrote(trained_run, capsys):
    """Without --out the pictures go into RUN/show/; the run's own stay byte for byte."""
    plt.close("all")
    before = {name: (trained_run / name).read_bytes() for name in ("filters.png", "loss.png")}
    for argv in ([str(trained_run)], [str(trained_run / "model.npz"), "--sort", "edge"]):
        code, out, err = run(["show"] + argv, capsys)
        assert code == 0 and not failed(err)
        assert {name: (trained_run / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in (trained_run / "show").iterdir()) == [
        "filters.png", "loss.png", "rho_hat.png"]
    assert str(trained_run / "show") in out


def test_show_creates_a_new_out_folder(trained_run, tmp_path, capsys):
    plt.close("all")
    out_dir = tmp_path / "new" / "dir"
    code, out, err = run(["show", str(trained_run), "--out", str(out_dir)], capsys)
    assert code == 0 and not failed(err)
    assert sorted(p.name for p in out_dir.iterdir()) == ["filters.png", "loss.png", "rho_hat.png"]


def test_show_options_on_a_trained_run(trained_run, tmp_path, capsys):
    argv = ["show", str(trained_run / "model.npz"), "--out", str(tmp_path), "--weights", "W2T",
            "--sort", "activation", "--labels", "--fade-dead"]
    code, out, err = run(argv, capsys)
    assert code == 0 and not failed(err)
    assert {p.name for p in tmp_path.iterdir()} == {"decoder_filters.png", "loss.png",
                                                    "rho_hat.png"}


def test_show_a_colour_model_without_records_of_data_or_loss(tmp_path, capsys):
    params = init_params(192, 16, np.random.default_rng(0))  # 8×8×3 filters
    save(tmp_path / "colour.npz", params, {"n_visible": 192, "n_hidden": 16})
    code, out, err = run(["show", str(tmp_path / "colour.npz"), "--sort", "edge"], capsys)
    assert code == 0 and not failed(err)
    assert "no loss curve" in out and "no ρ̂ histogram" in out
    assert sorted(p.name for p in (tmp_path / "show").glob("*.png")) == ["filters.png"]
    code, _, err = run(["show", str(tmp_path / "colour.npz"), "--fade-dead"], capsys)
    assert code == 1 and err.count("\n") == 1 and "--fade-dead needs the training patches" in err


def test_show_a_non_square_patch_shape(tmp_path, capsys):
    params = init_params(60, 4, np.random.default_rng(1))  # 6×10 filters: not p², not 3p²
    save(tmp_path / "model.npz", params, {"n_visible": 60, "n_hidden": 4})
    code, _, err = run(["show", str(tmp_path)], capsys)
    assert code == 1 and err.count("\n") == 1 and "patch_shape" in err
    code, _, err = run(["show", str(tmp_path), "--patch-shape", "6x10", "--labels"], capsys)
    assert code == 0 and not failed(err) and (tmp_path / "show" / "filters.png").is_file()


@pytest.mark.parametrize("case", ["missing", "not_a_model", "empty_folder", "bad_out",
                                  "run_as_out", "bad_shape", "window"])
def test_bad_paths_and_options_are_one_line(case, trained_run, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a model")
    (tmp_path / "empty").mkdir()
    argv = {"missing": [str(tmp_path / "nothing")],
            "not_a_model": [str(tmp_path / "notes.txt")],
            "empty_folder": [str(tmp_path / "empty")],
            "bad_out": [str(trained_run), "--out", str(tmp_path / "notes.txt")],
            "run_as_out": [str(trained_run), "--out", str(trained_run)],
            "bad_shape": [str(trained_run), "--patch-shape", "8 by 8"],
            "window": [str(trained_run), "--window"]}[case]
    code, out, err = run(["show"] + argv, capsys)
    assert code in (1, 2) and err.count("\n") == 1 and err.startswith("tinysae show: error:")
    assert "Traceback" not in err


# ----------------------------------------------------------------------------- the pictures

def test_decoder_filters_are_the_columns_of_W2():
    params = init_params(64, 9, np.random.default_rng(2))
    fig = plot_model(params, weights="W2T")["filters"]
    np.testing.assert_array_equal(shown_tiles(fig), tile_filters(params["W2"].T))
    assert not np.array_equal(shown_tiles(fig), tile_filters(params["W1"]))


def test_sorting_by_edge_score_puts_the_cleanest_filter_first_with_its_label():
    rng = np.random.default_rng(3)
    params = init_params(64, 6, rng)
    params["W1"] = gabor_like_filters(rng)[::-1].copy()  # noisiest first
    from tinysae import edge_scores

    scores = edge_scores(params["W1"]).score
    order = unit_order(scores)
    assert np.all(np.diff(scores[order]) <= 0) and order[0] == 5
    fig = plot_model(params, sort="edge", labels=True)["filters"]
    np.testing.assert_array_equal(shown_tiles(fig), tile_filters(params["W1"][order]))
    assert [t.get_text() for t in fig.axes[0].texts] == [f"{s:.2f}" for s in scores[order]]


def test_unit_order_is_descending_and_keeps_ties_in_unit_order():
    np.testing.assert_array_equal(unit_order([0.1, 0.5, 0.5, 0.3]), [1, 2, 3, 0])


def test_sorting_by_mean_activation_and_fading_dead_units():
    params = init_params(64, 4, np.random.default_rng(4))
    a2 = np.array([[0.9, 0.2, 0.1, 0.6],
                   [0.7, 0.3, 0.2, 0.8]])  # unit 1 and 2 never fire (a2 <= 1/2): dead
    fig = plot_model(params, a2=a2, sort="activation", fade_dead=True)["filters"]
    order = [0, 3, 1, 2]  # ρ̂ = 0.8, 0.25, 0.15, 0.7 → largest first
    expected = tile_filters(params["W1"][order], faded=np.array([False, False, True, True]))
    np.testing.assert_array_equal(shown_tiles(fig), expected)
    tiles = shown_tiles(fig)
    top, left = tile_corner(2, 2, (8, 8))  # the third tile: unit 1, dead, faded
    faded = tiles[top:top + 8, left:left + 8]
    assert np.max(np.abs(faded - 0.5)) == pytest.approx(0.5 * FADED_CONTRAST)
    assert "2 dead (faded)" in fig.axes[0].get_title()


def test_colour_filters_keep_three_channels_and_get_edge_labels():
    rng = np.random.default_rng(5)
    params = init_params(192, 4, rng)
    figures = plot_model(params, labels=True, history=[3.0, 2.0, 1.0])
    assert shown_tiles(figures["filters"]).shape[-1] == 3
    assert len(figures["filters"].axes[0].texts) == 4
    assert set(figures) == {"filters", "loss"}


def test_plot_without_ax_is_a_pyplot_figure_that_shows_inline():
    params = init_params(64, 4, np.random.default_rng(6))
    fig = plot_model(params)["filters"]
    assert fig.number in plt.get_fignums()  # managed by pyplot: plt.show() and Jupyter display it
    with warnings.catch_warnings():  # Agg cannot open a window and says so; it must not raise
        warnings.simplefilter("ignore", UserWarning)
        fig.show()  # raised "works only for figures managed by pyplot" for a bare Figure


