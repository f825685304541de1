"""One experiment, one answer: lesson 04 and ``tinysae train`` learn the same W1 from the same seed.

Both are run as a person runs them (the lesson's full run, ``tinysae train`` with no
options) up to L-BFGS; there each is cut to 3 iterations, which is enough for any
difference in the patches, the initial weights or λ, β, ρ, n_h to show in W1. The number of
iterations each asked for is compared as well.
"""

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import tinysae
from tinysae import ufldl_experiment
from tinysae.cli import main
from tinysae.training import lbfgs

LESSON = Path(__file__).resolve().parent.parent / "lessons" / "04_training.py"
TRAIN = lbfgs.train


class Stopped(Exception):
    """Raised in place of the rest of a run, carrying what it asked for and what it learned."""


def run_cut_short(monkeypatch, start):
    """Run ``start()`` with every way to ``train`` cut to 3 iterations; returns
    ``(X, max_iter asked for, W1 after 3 iterations)``."""
    def short_train(X, n_hidden, **options):
        asked = options.get("max_iter")
        result = TRAIN(X, n_hidden, **{**options, "max_iter": 3, "verbose": False})
        raise Stopped(X, asked, result.params["W1"])

    for module in (lbfgs, ufldl_experiment, tinysae):
        monkeypatch.setattr(module, "train", short_train)
    with pytest.raises(Stopped) as stopped:
        start()
    return stopped.value.args


def test_lesson_04_and_tinysae_train_learn_the_same_w1(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", [str(LESSON), "--out", str(tmp_path / "lesson")])
    X_lesson, asked_lesson, W1_lesson = run_cut_short(
        monkeypatch, lambda: runpy.run_path(str(LESSON), run_name="__main__"))
    X_cli, asked_cli, W1_cli = run_cut_short(
        monkeypatch, lambda: main(["train", "-q", "--out", str(tmp_path / "cli")]))
    assert X_lesson.shape == X_cli.shape == (10000, 64)
    assert np.array_equal(X_lesson, X_cli), "lesson 04 and tinysae train sample different patches"
    assert asked_lesson == asked_cli == 400
    assert np.array_equal(W1_lesson, W1_cli)


def test_a_second_lesson_run_keeps_the_first_runs_model(tmp_path):
    first = ufldl_experiment.new_run_folder(tmp_path / "04_run")
    (first / "model.npz").write_bytes(b"a model")
    second = ufldl_experiment.new_run_folder(tmp_path / "04_run")
    assert first == tmp_path / "04_run" and second == tmp_path / "04_run-2" and second.is_dir()
    assert (first / "model.npz").read_bytes() == b"a model"
    assert ufldl_experiment.new_run_folder(tmp_path / "04_run") == tmp_path / "04_run-3"
