"""Hostile values: refused up front, blamed on what causes them, never passed on as NaN.

- ``tinysae train`` refuses option values that cannot work before it reads a photo: empty
  paths, patches too small for the pictures, a model, patch set or activations over its
  memory cap; every command refuses an empty path alike;
- ``--resume`` on changed photos refuses (writing nothing) unless ``--force``;
- an overflow names the hyperparameter or input that causes it, and the float type in use;
- the modern helpers refuse NaN, and every minibatch of ``train_sae`` is checked.
"""

import numpy as np
import pytest
from PIL import Image

import tinysae.modern as modern
from tinysae.training.adam import adam_init, adam_step
from tinysae import init_params, loss_and_grad, make_loss_and_grad, pack
from tinysae.cli import main
from tinysae.training.model_files import load


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- options

@pytest.mark.parametrize("argv, words", [
    (["--out", ""], "argument --out: an empty path"),
    (["--resume", ""], "argument --resume: an empty path"),
    (["--images", ""], "argument --images: an empty path"),
    (["--patch-size", "1"], "'--patch-size' parameter must be large enough for filters of at least 9"),
    (["--patch-size", "2"], "not of shape (2, 2)"),
    (["--n-patches", "100000000"], "MAX_PATCH_BYTES"),
    (["--n-hidden", "100000"], "MAX_ACTIVATION_BYTES"),
    (["--n-hidden", "10000000"], "'--n-hidden' parameter must be a model of at most"),
    (["--patch-size", "5000"], "'--patch-size' parameter must be a model of at most"),
    (["--force"], "--force only goes with --resume"),
], ids=["out ''", "resume ''", "images ''", "patch-size 1", "patch-size 2", "n-patches 1e8",
        "n-hidden 1e5 (a2)", "n-hidden 1e7", "patch-size 5000", "force alone"])
def test_options_that_cannot_work_are_refused_before_any_photo_is_read(
        argv, words, capsys, tmp_path, monkeypatch):
    def no_photos(*args, **kwargs):
        raise AssertionError("the photos were read before the options were checked")
    monkeypatch.setattr("tinysae.ufldl_experiment.load_images", no_photos)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["train", *argv], capsys)
    print(f"exit {code}: {err.strip()}")
    assert code in (1, 2) and err.count("\n") == 1 and words in err
    assert list(tmp_path.iterdir()) == []  # no folder made, nothing written


@pytest.mark.parametrize("argv", [
    ["train", "--out", ""], ["train", "--resume", ""], ["train", "--images", ""],
    ["lessons", ""], ["notebooks", ""], ["notebooks", "nb", "--lessons", ""],
    ["exercises", ""], ["show", ""], ["show", "run", "--out", ""], ["grade", ""],
], ids=lambda argv: " ".join(repr(a) if not a else a for a in argv))
def test_every_command_refuses_an_empty_path_alike(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    print(f"exit {code}: {err.strip()}")
    assert code == 2 and err.count("\n") == 1 and "an empty path names no file or folder" in err
    assert err.startswith(f"tinysae {argv[0]}: error: argument ")
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_resume_refuses_changed_photos_unless_forced(tmp_path, capsys):
    rng = np.random.default_rng(0)
    photos, folder = tmp_path / "photos", tmp_path / "run"
    photos.mkdir()
    for name in ("a.png", "b.png"):
        Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(photos / name)
    small = ["train", "--images", str(photos), "--n-patches", "300", "--n-hidden", "4",
             "--max-iter", "5", "-q", "--out", str(folder)]
    assert run(small, capsys)[0] == 0
    before = (folder / "model.npz").read_bytes()
    Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(photos / "b.png")
    resume = ["train", "--resume", str(folder), "--max-iter", "8", "-q"]
    code, _, err = run(resume, capsys)
    print(f"exit {code}: {err.strip()}")
    assert code == 1 and err.count("\n") == 1 and "not the data" in err and "--force" in err
    assert (folder / "model.npz").read_bytes() == before
    code, _, err = run(resume + ["--force"], capsys)
    assert code == 0 and "warning" in err and load(folder)[1]["iteration"] == 8


# ----------------------------------------------------------------------------- overflow

@pytest.fixture
def problem():
    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(50, 16))  # (m, n_v)
    return pack(init_params(16, 4, rng=0)), X  # max |theta| is about 0.5


@pytest.mark.parametrize("kwargs, blamed", [
    ({"weight_decay": 1e308}, "the 'weight_decay' parameter must be smaller"),
    ({"sparsity_weight": 1e308}, "the 'sparsity_weight' parameter must be smaller"),
], ids=["lambda", "beta"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the reference overflows aloud
def test_an_overflow_is_blamed_on_the_hyperparameter_that_causes_it(problem, kwargs, blamed):
    theta, X = problem
    for compute in (lambda: loss_and_grad(theta, X, 4, **kwargs),
                    lambda: make_loss_and_grad(X, 4, **kwargs)(theta)):
        with pytest.raises(ValueError, match=blamed) as error:
            compute()
        print(error.value)
        assert "overflows float64" in str(error.value) and "'theta'" not in str(error.value)


def test_a_float32_overflow_says_float32_and_blames_x(problem):
    theta, X = problem
    with pytest.raises(ValueError, match="overflows float32 .*: the 'X' parameter") as error:
        make_loss_and_grad(X * 1e20, 4, decoder="linear", dtype=np.float32)(theta)
    print(error.value)


# ----------------------------------------------------------------------------- modern helpers

@pytest.mark.parametrize("call, name", [
    (lambda p: adam_step(p, {**p, "b1": p["b1"] * np.nan}, adam_init(p)),
     r"'grads\['b1'\]'"),
    (lambda p: adam_step({**p, "W2": p["W2"] * np.inf}, p, adam_init(p)),
     r"'params\['W2'\]'"),
    (lambda p: modern.sae_loss_and_grad({**p, "b1": p["b1"] * np.nan}, np.ones((2, 5))),
     r"'params\['b1'\]'"),
    (lambda p: modern.sae_loss_and_grad(p, np.full((2, 5), np.nan), activation="topk", k=1),
     "'X'"),
    (lambda p: modern.kink_margin(np.array([[1.0, np.nan]])), "'z2'"),
    (lambda p: modern.sae_loss_and_grad({**p, "W2": p["W2"] * np.nan}, np.ones((2, 5))),
     r"'params\['W2'\]'"),
], ids=["adam grads", "adam params", "relu", "topk", "kink margin", "decoder W2"])
def test_the_modern_doors_refuse_nan(call, name):
    """NaN is refused where it comes in: Adam's own door, and the doors in front of the
    activation and the tangent projection (which trust their arguments)."""
    params = modern.init_sae(5, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match=f"{name} parameter must be finite"):
        call(params)


def test_activate_keeps_float32():
    z2 = np.array([[1.0, -2.0]], dtype=np.float32)
    assert modern.activate(z2)[0].dtype == np.float32


def test_train_sae_checks_every_minibatch_not_only_the_first():
    calls = []

    def sample(B, rng):
        calls.append(B)
        X = rng.random((B, 5))
        return X if len(calls) < 4 else np.where(X > 0.5, np.nan, X)  # batch 3 turns bad
    with pytest.raises(ValueError, match="'sample' parameter must be finite"):
        modern.train_sae(sample, 5, 3, n_steps=10, batch_size=8, rng=0)
    assert len(calls) == 4  # the first (checked) draw, then steps 0, 1, 2
