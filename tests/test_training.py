"""Training by L-BFGS: the loss goes down, progress is shown, and nothing is lost on the way.

A tiny problem (200 random "patches" of 16 pixels, 4 hidden units) keeps each run in the
tens of milliseconds. Interruptions and numerical failures are staged by wrapping the
objective that :func:`tinysae.model.fast_kernel.make_loss_and_grad` returns.
"""

import contextlib
import re
import warnings

import numpy as np
import pytest

from tinysae import loss_and_grad, pack
from tinysae.training import lbfgs
from tinysae.training.model_files import load, save
from tinysae import (NonFiniteLossError, OptimizerStoppedEarlyWarning, resume, train)

N_HIDDEN = 4


@pytest.fixture
def X():
    return np.random.default_rng(0).uniform(0.1, 0.9, size=(200, 16))  # (m, n_v)


def _quiet(X, **kw):
    return train(X, N_HIDDEN, rng=0, verbose=False, **kw)


def _wrap_objective(monkeypatch, change):
    """Make training see ``change(n, J, grad)`` instead of the n-th evaluation (n from 1)."""
    real = lbfgs.make_loss_and_grad
    seen = []

    def make(*args, **kw):
        fun = real(*args, **kw)

        def wrapped(theta):
            J, grad = fun(theta)
            seen.append(J)
            return change(len(seen), J, grad)
        return wrapped
    monkeypatch.setattr(lbfgs, "make_loss_and_grad", make)
    return seen


# ----------------------------------------------------------------------------- the happy path

def test_loss_decreases_every_iteration_and_history_is_recorded(X):
    result = _quiet(X, max_iter=30)
    h = np.array(result.history["loss"])
    print(f"J: {h[0]:.4f} -> {h[-1]:.4f} in {result.iteration} iterations")
    assert result.iteration == 30 and h.size == 31  # history[0] is the starting loss
    assert np.all(np.diff(h) <= 0) and h[-1] < 0.1 * h[0]
    assert result.loss == h[-1] and result.start_loss == h[0]
    J, _ = loss_and_grad(pack(result.params), X, N_HIDDEN)
    assert J == pytest.approx(result.loss, rel=1e-10)  # the params are the ones of that loss
    assert not result.interrupted and result.optimize_result.nit == 30


def test_same_seed_gives_the_same_model(X):
    a, b = _quiet(X, max_iter=10), _quiet(X, max_iter=10)
    assert a.history == b.history
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


def test_progress_lines_show_iteration_loss_gradient_and_time(X, capsys):
    train(X, N_HIDDEN, rng=0, max_iter=10, print_every=5)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["iter", "J", "|grad", "J|", "elapsed"]
    assert [line.split()[0] for line in lines[1:4]] == ["0", "5", "10"]
    assert lines[1].endswith("s") and "e" in lines[1].split()[2]  # ‖g‖ in scientific notation
    # the last line in plain words, J to 6 significant digits (the table above has J already)
    assert re.fullmatch(r"Reached max_iter after 10 iterations, \d+\.\d s: J = 0\.\d{6}",
                        lines[-1]), lines[-1]
    _quiet(X, max_iter=10)
    assert capsys.readouterr().out == ""


def test_callback_sees_every_iteration(X):
    seen = []
    result = _quiet(X, max_iter=8, callback=lambda info: seen.append(info))
    assert [s["iteration"] for s in seen] == list(range(1, 9))
    assert [s["loss"] for s in seen] == result.history["loss"][1:]
    assert all(np.isfinite(s["grad_norm"]) and s["params"]["W1"].shape == (N_HIDDEN, 16)
               for s in seen)


def test_float32_arithmetic_trains_too(X):
    result = _quiet(X, max_iter=15, dtype=np.float32)
    assert result.config["dtype"] == "float32" and result.history["loss"][-1] < 0.2 * result.history["loss"][0]


def test_training_runs_inside_limit_blas_threads(X, monkeypatch):
    inside = []

    @contextlib.contextmanager
    def recording():
        inside.append(True)
        yield
        inside.append(False)
    monkeypatch.setattr(lbfgs, "limit_blas_threads", recording)
    _wrap_objective(monkeypatch, lambda n, J, g: (assert_inside(inside), (J, g))[1])
    _quiet(X, max_iter=3)
    assert inside[0] is True and inside[-1] is False


def assert_inside(inside):
    assert inside and inside[-1] is True, "the objective ran outside limit_blas_threads()"


# ----------------------------------------------------------------------------- checkpoints

def test_checkpoints_are_written_every_n_iterations_and_at_the_end(X, tmp_path):
    on_disk = []
    result = _quiet(X, max_iter=12, checkpoint_dir=tmp_path, checkpoint_every=5,
                    callback=lambda info: on_disk.append(load(tmp_path)[1]["iteration"]))
    assert on_disk == [0, 0, 0, 0, 5, 5, 5, 5, 5, 10, 10, 10]
    params, config = load(tmp_path)
    assert config["iteration"] == 12 and config["status"] == "finished"
    assert config["history"] == result.history["loss"] and config["loss"] == result.loss
    assert all(np.array_equal(params[k], result.params[k]) for k in params)
    assert {"weight_decay", "sparsity_target", "sparsity_weight", "seed", "versions"} <= set(config)


def test_resume_starts_from_the_checkpoint_loss_and_keeps_decreasing(X, tmp_path):
    first = _quiet(X, max_iter=15, checkpoint_dir=tmp_path)
    again = resume(tmp_path, X, max_iter=30, verbose=False)
    print(f"checkpoint J = {first.loss:.6f}, resumed from {again.start_loss:.6f} "
          f"to {again.loss:.6f}")
    assert again.start_loss == pytest.approx(first.loss, rel=1e-12)
    assert again.history["loss"][:16] == first.history["loss"]  # the history continues
    new = np.array(again.history["loss"][15:])
    assert again.iteration == 30 and new.size == 16
    assert np.all(np.diff(new) <= 0) and new[-1] < first.loss
    assert load(tmp_path)[1]["iteration"] == 30


def test_resume_with_other_data_refuses_and_writes_nothing_unless_forced(X, tmp_path):
    _quiet(X, max_iter=5, checkpoint_dir=tmp_path)
    before = (tmp_path / "model.npz").read_bytes()
    with pytest.raises(ValueError, match="not the data .* force=True") as error:
        resume(tmp_path, X[::-1] * 0.9, max_iter=6, verbose=False)
    print(error.value)
    assert (tmp_path / "model.npz").read_bytes() == before
    with pytest.warns(UserWarning, match="not the data"):
        result = resume(tmp_path, X[::-1] * 0.9, max_iter=6, verbose=False, force=True)
    assert result.iteration == 6


def test_resume_when_the_budget_is_spent_changes_nothing(X, tmp_path, capsys):
    _quiet(X, max_iter=5, checkpoint_dir=tmp_path)
    before = (tmp_path / "model.npz").read_bytes()
    result = resume(tmp_path, X)
    assert result.iteration == 5 and "Nothing to do" in capsys.readouterr().out
    assert (tmp_path / "model.npz").read_bytes() == before


def test_resume_refuses_a_model_that_is_not_a_checkpoint(X, tmp_path):
    params, config = load(_quiet(X, max_iter=3, checkpoint_dir=tmp_path).checkpoint)
    save(tmp_path / "plain.npz", params, {"n_visible": 16, "n_hidden": N_HIDDEN})
    with pytest.raises(ValueError, match="not a usable training checkpoint.*no weight_decay"):
        resume(tmp_path / "plain.npz", X)
    save(tmp_path / "odd.npz", params, {**config, "history": [1.0]})
    with pytest.raises(ValueError, match="'history'"):
        resume(tmp_path / "odd.npz", X)
    with pytest.raises(ValueError, match="'X'"):
        resume(tmp_path, X[:, :8])


# ----------------------------------------------------------------------------- when things go wrong

def test_ctrl_c_stops_and_keeps_the_best_parameters(X, tmp_path, monkeypatch):
    def interrupt_at_20(n, J, grad):
        if n == 20:
            raise KeyboardInterrupt
        return J, grad
    seen = _wrap_objective(monkeypatch, interrupt_at_20)
    result = _quiet(X, max_iter=100, checkpoint_dir=tmp_path, checkpoint_every=1000)
    assert result.interrupted and result.optimize_result is None
    assert result.loss == min(seen[:19])  # the best of the finished evaluations
    params, config = load(tmp_path)
    assert config["status"] == "interrupted" and config["loss"] == result.loss
    assert all(np.array_equal(params[k], result.params[k]) for k in params)
    J, _ = loss_and_grad(pack(params), X, N_HIDDEN)
    assert J == pytest.approx(result.loss, rel=1e-10)


def test_ctrl_c_before_the_first_evaluation_keeps_the_start_and_can_resume(
        X, tmp_path, monkeypatch):
    def interrupt_first(n, J, grad):
        if n == 1:
            raise KeyboardInterrupt
        return J, grad
    _wrap_objective(monkeypatch, interrupt_first)
    result = _quiet(X, max_iter=10, checkpoint_dir=tmp_path)
    assert result.interrupted and result.loss is None and result.iteration == 0
    monkeypatch.undo()
    assert resume(tmp_path, X, verbose=False).iteration == 10


def test_non_finite_loss_stops_with_a_clear_error_and_keeps_the_last_finite_params(
        X, tmp_path, monkeypatch):
    seen = _wrap_objective(monkeypatch, lambda n, J, g: (np.nan, g) if n >= 12 else (J, g))
    with pytest.raises(NonFiniteLossError, match="non-finite") as error:
        _quiet(X, max_iter=100, checkpoint_dir=tmp_path)
    print(error.value)
    assert "model.npz" in str(error.value)
    params, config = load(tmp_path)  # the file on disk is loadable and finite
    assert config["status"] == "non-finite" and config["loss"] == min(seen[:11])
    assert all(np.array_equal(params[k], error.value.params[k]) for k in params)


def test_a_kernel_overflow_at_the_start_says_which_input_is_too_large():
    X = np.full((50, 16), 1e200)  # finite, but J overflows float64
    with pytest.raises(NonFiniteLossError, match="overflows float64") as error:
        train(X, 5, decoder="linear", verbose=False)
    print(error.value)
    assert "max |X| = 1e+200" in str(error.value) and "starting parameters" in str(error.value)


def test_non_finite_gradient_is_caught_too(X, monkeypatch):
    _wrap_objective(monkeypatch, lambda n, J, g: (J, g * np.inf) if n == 5 else (J, g))
    with pytest.raises(NonFiniteLossError) as error:
        _quiet(X, max_iter=50)
    assert np.all(np.isfinite(error.value.params["W1"]))


def test_optimizer_giving_up_early_warns_with_a_hint(X, monkeypatch):
    _wrap_objective(monkeypatch, lambda n, J, g: (J, -g))  # a gradient pointing uphill
    with pytest.warns(OptimizerStoppedEarlyWarning, match="gradient_check"):
        result = _quiet(X, max_iter=50)
    assert result.iteration < 50


def test_reaching_max_iter_or_stopping_from_the_callback_is_not_a_warning(X):
    def stop_at_3(info):
        if info["iteration"] == 3:
            raise StopIteration
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _quiet(X, max_iter=5).iteration == 5
        assert _quiet(X, max_iter=50, callback=stop_at_3).iteration == 3


@pytest.mark.parametrize("kwargs, error, words", [
    ({"n_hidden": 0}, ValueError, "'n_hidden'"),
    ({"max_iter": 0}, ValueError, "'max_iter'"),
    ({"sparsity_target": 1.0}, ValueError, "'sparsity_target'"),
    ({"weight_decay": -1.0}, ValueError, "'weight_decay'"),
    ({"sparsity": "l2"}, ValueError, "'sparsity'"),
    ({"dtype": np.int32}, ValueError, "'dtype'"),
    ({"rng": "seed"}, TypeError, "'rng'"),
    ({"print_every": 0}, ValueError, "'print_every'"),
    ({"checkpoint_every": -1}, ValueError, "'checkpoint_every'"),
    ({"checkpoint_dir": "/no/such/folder"}, ValueError, "'checkpoint_dir'"),
    ({"callback": 3}, TypeError, "'callback'"),
    ({"metadata": [1]}, TypeError, "'metadata'"),
    ({"init_params": {"W1": np.zeros((4, 16))}}, TypeError, "'init_params'"),
    ({"init_params": {"W1": np.zeros((4, 15)), "W2": np.zeros((16, 4)), "b1": np.zeros(4),
                      "b2": np.zeros(16)}}, ValueError, r"'init_params\['W1'\]'"),
], ids=["n_hidden=0", "max_iter=0", "sparsity_target=1", "weight_decay<0", "sparsity=l2",
        "dtype=int32", "rng=str", "print_every=0", "checkpoint_every<0", "no-checkpoint_dir",
        "callback=3", "metadata=list", "init_params-missing-keys", "init_params-wrong-shape"])
def test_bad_parameters_are_named_in_the_error(X, kwargs, error, words):
    kwargs = {"n_hidden": N_HIDDEN, "verbose": False, **kwargs}
    with pytest.raises(error, match=words):
        train(X, **kwargs)


def test_bad_data_is_named_in_the_error():
    with pytest.raises(ValueError, match="'X'"):
        train(np.full((5, 4), np.nan), 2)
