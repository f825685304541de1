"""The ``tinysae`` command: a small real training run, one-line errors, Ctrl-C and --resume.

Most tests call ``tinysae.cli.main`` in this process; the Ctrl-C test runs the real console
command in a subprocess and sends it SIGINT.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import types
import warnings

import numpy as np
import pytest

import tinysae
from tinysae import ufldl_experiment as experiment
from tinysae.training import lbfgs
from tinysae.training.model_files import load
from tinysae.cli import EXIT_INTERRUPTED, main
from tinysae import OptimizerStoppedEarlyWarning

# The CLI shows every warning that reaches it, on one line. Outside pytest, Python's default
# filters hide other packages' DeprecationWarnings (matplotlib 3.7 calls pyparsing's old
# names); pytest shows them. Hide them here too, so these tests see tinysae's own warnings.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: A small but real run: 500 8×8 patches of the default photo, 4 hidden units.
SMALL = ["train", "--n-patches", "500", "--n-hidden", "4", "--max-iter", "10", "-q"]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """One small training run in a fresh folder, shared by the tests that only read it."""
    folder = tmp_path_factory.mktemp("cli") / "run"
    code = main(SMALL + ["--out", str(folder)])
    assert code == 0
    return folder


def test_version_and_help(capsys):
    assert run(["--version"], capsys)[1].strip() == f"tinysae {tinysae.__version__}"
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "train" in out and "bench" in out
    code, out, _ = run(["train", "--help"], capsys)
    for words in ("--images", "--resume", "--checkpoint-every", "[default: 10000]",
                  "[default: 25]", "[default: 0.01]", "[default: 1e-4]", "[default: 400]"):
        assert words in out, words


def test_train_writes_model_config_and_pictures(small_run):
    assert {p.name for p in small_run.iterdir()} == {"model.npz", "config.json", "filters.png",
                                                     "loss.png"}
    params, config = load(small_run)
    assert json.loads((small_run / "config.json").read_text()) == config
    assert params["W1"].shape == (4, 64) and config["iteration"] == 10
    assert config["status"] == "finished" and config["seed"] == 0
    assert config["data"] == {"images": "default", "path": None, "whiten": True,
                              "patch_size": 8, "n_patches": 500, "seed": 0,
                              "downsample": [2]}
    assert config["edges"]["n_filters"] == 4 and len(config["edges"]["score"]) == 4


def test_default_folder_is_under_runs_and_same_seed_gives_same_model(
        small_run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(SMALL, capsys)
    assert code == 0 and err == ""
    folder = next((tmp_path / "runs").iterdir())
    assert f"Output folder: {os.path.join('runs', folder.name)}" in out
    assert "Edge-like filters:" in out and " of 4 " in out
    a, b = load(small_run)[0], load(folder)[0]
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_resume_extends_a_finished_run(small_run, tmp_path, capsys):
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in ("model.npz", "config.json"):
        (folder / name).write_bytes((small_run / name).read_bytes())
    code, out, _ = run(["train", "--resume", str(folder), "--max-iter", "15", "-q"], capsys)
    _, config = load(folder)
    assert code == 0 and config["iteration"] == 15 and len(config["history"]) == 16
    assert config["history"][-1] < load(small_run)[1]["loss"]


@pytest.mark.parametrize("argv, words", [
    (["train", "--n-hidden", "0"], "'--n-hidden'"),
    (["train", "--sparsity-target", "1.5"], "'--sparsity-target'"),
    (["train", "--weight-decay", "-1"], "'--weight-decay'"),
    (["train", "--n-patches", "ten"], "--n-patches"),
    (["train", "--checkpoint-every", "0"], "'--checkpoint-every'"),
    (["train", "--seed", "-3"], "'--seed'"),
    (["train", "--bogus"], "unrecognized arguments"),
    (["train", "--images", "no/such/place"], "'--images'"),
    (["train", "--patch-size", "5000"], "patch"),
    (["train", "--resume", "no/such/run"], "No model file"),
    (["train", "--resume", ".", "--n-hidden", "3"], "drop --n-hidden"),
    (["train", "--downsample", "0"], "'--downsample'"),
    (["train", "--downsample", "half"], "--downsample"),
    (["train", "--resume", ".", "--downsample", "1"], "drop --downsample"),
    (["fly"], "invalid choice"),
], ids=["n-hidden 0", "sparsity-target 1.5", "weight-decay -1", "n-patches ten",
        "checkpoint-every 0", "seed -3", "bogus", "images missing", "patch-size 5000",
        "resume missing", "resume with n-hidden", "downsample 0", "downsample half",
        "resume with downsample", "unknown command"])
def test_bad_options_give_one_line_and_nonzero_exit(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    print(f"exit {code}: {err.strip()}")
    assert code != 0 and err.count("\n") == 1 and words in err
    assert "Traceback" not in err and not (tmp_path / "runs").exists()


def test_unreadable_images_and_unwritable_output_give_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-file").write_text("")
    (tmp_path / "broken.mat").write_bytes(b"MATLAB 5.0 and then nothing")
    errors = []
    for argv, words in [(["--images", str(tmp_path / "empty")], "at least one png"),
                        (["--images", str(tmp_path / "missing.mat")], "missing.mat"),
                        (["--images", str(tmp_path / "broken.mat")], "broken.mat"),
                        (["--out", str(tmp_path / "a-file" / "run")], "cannot write")]:
        code, _, err = run(SMALL + argv, capsys)
        errors.append(f"exit {code}: {err.strip()}")
        assert code == 1 and err.count("\n") == 1 and words in err.lower(), err
    print("\n".join(errors))


def test_downsample_is_recorded_and_1_keeps_the_photo_as_it_is(tmp_path, capsys):
    out = tmp_path / "full"
    code, _, err = run(["train", "--downsample", "1", "--n-patches", "200", "--n-hidden", "4",
                        "--max-iter", "2", "-q", "--out", str(out)], capsys)
    assert code == 0 and "Traceback" not in err
    config = json.loads((out / "config.json").read_text())
    assert config["data"]["downsample"] == [1]


def test_existing_model_is_not_overwritten(small_run, capsys):
    before = (small_run / "model.npz").read_bytes()
    code, _, err = run(SMALL + ["--out", str(small_run)], capsys)
    assert code == 2 and "--resume" in err
    assert (small_run / "model.npz").read_bytes() == before


def test_non_finite_loss_is_one_line_and_keeps_a_checkpoint(tmp_path, monkeypatch, capsys):
    real = lbfgs.make_loss_and_grad

    def make(*args, **kw):
        fun, calls = real(*args, **kw), []

        def nan_after_five(theta):
            calls.append(1)
            J, grad = fun(theta)
            return (np.nan if len(calls) > 5 else J), grad
        return nan_after_five
    monkeypatch.setattr(lbfgs, "make_loss_and_grad", make)
    code, _, err = run(SMALL + ["--out", str(tmp_path)], capsys)
    assert code == 1 and err.count("\n") == 1 and "non-finite" in err
    assert load(tmp_path)[1]["status"] == "non-finite"


def test_optimizer_warning_is_one_line_on_stderr(tmp_path, monkeypatch, capsys):
    real = experiment.start_run

    def warn_then_train(*args, **kw):  # what train() says when L-BFGS gives up early
        warnings.warn("L-BFGS stopped after 3 of 10 iterations: ABNORMAL_TERMINATION.\n"
                      "Check the gradient with tinysae.gradient_check.",
                      OptimizerStoppedEarlyWarning)
        return real(*args, **kw)
    monkeypatch.setattr(experiment, "start_run", warn_then_train)
    code, _, err = run(SMALL + ["--out", str(tmp_path)], capsys)
    assert code == 0 and err.startswith("tinysae: warning: L-BFGS stopped after")
    assert err.count("\n") == 1


def test_ctrl_c_before_training_exits_130(monkeypatch, capsys):
    def interrupted(settings):
        raise KeyboardInterrupt
    monkeypatch.setattr("tinysae.ufldl_experiment.patches_for", interrupted)
    code, _, err = run(SMALL, capsys)
    assert code == EXIT_INTERRUPTED and "interrupted" in err


def test_bench_is_dispatched_with_its_arguments(monkeypatch):
    seen = []
    fake = types.SimpleNamespace(main=lambda argv: seen.append(argv) or 7)
    monkeypatch.setitem(sys.modules, "tinysae.commands.bench", fake)
    monkeypatch.setattr("tinysae.commands.bench", fake, raising=False)
    assert main(["bench", "--size", "S1"]) == 7 and seen == [["--size", "S1"]]


def _start_and_stop(folder, how):
    """Run the real command in a subprocess; send it ``how`` once iteration 25 is printed."""
    command = [sys.executable, "-m", "tinysae.cli", "train", "--n-patches", "2000",
               "--n-hidden", "4", "--max-iter", "100000", "--checkpoint-every", "10",
               "--out", str(folder)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                       signal.SIG_DFL))
    watchdog = threading.Timer(120, child.kill)  # never hang the test suite
    watchdog.start()
    for line in child.stdout:  # L-BFGS is running and has written checkpoints 0, 10 and 20
        if line.split()[:1] == ["25"]:
            break
    else:
        pytest.fail(f"training never got going: {child.communicate()[1]}")
    child.send_signal(how)
    _, err = child.communicate(timeout=60)
    watchdog.cancel()
    return child.returncode, err


def test_sigint_saves_a_checkpoint_and_resume_finishes(tmp_path):
    """The real command: Ctrl-C mid-run, a final checkpoint and a message, then --resume."""
    folder = tmp_path / "run"
    code, err = _start_and_stop(folder, signal.SIGINT)
    params, config = load(folder)
    print(f"exit {code}; {err.strip()}; checkpoint at iteration {config['iteration']}")
    assert code == EXIT_INTERRUPTED and "Traceback" not in err
    assert "--resume" in err and str(folder) in err
    assert config["status"] == "interrupted" and config["iteration"] >= 25
    target = config["iteration"] + 5  # resume in this process (saves a Python start-up)
    assert main(["train", "--resume", str(folder), "--max-iter", str(target), "-q"]) == 0
    _, config = load(folder)
    assert config["status"] == "finished" and config["iteration"] == target
    assert (folder / "filters.png").exists()


def test_sigkill_leaves_the_last_periodic_checkpoint_and_resume_finishes(tmp_path):
    """kill -9 gives no chance to save: the last periodic checkpoint must be whole."""
    folder = tmp_path / "run"
    code, _ = _start_and_stop(folder, signal.SIGKILL)
    params, config = load(folder)
    print(f"exit {code}; checkpoint at iteration {config['iteration']} ({config['status']})")
    assert code == -signal.SIGKILL
    assert config["status"] == "running" and config["iteration"] % 10 == 0
    assert config["iteration"] >= 20 and len(config["history"]) == config["iteration"] + 1
    assert (folder / ".tinysae.lock").exists()  # stale: the kernel dropped its lock at the kill
    target = config["iteration"] + 5
    assert main(["train", "--resume", str(folder), "--max-iter", str(target), "-q"]) == 0
    assert load(folder)[1]["iteration"] == target
