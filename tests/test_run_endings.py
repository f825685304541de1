"""Every way a run ends saves first, and one run per folder.

SIGTERM, SIGHUP, Ctrl-C (once, twice, or before the command has started), a closed output
pipe, an error in the callback: each leaves a checkpoint that ``--resume`` continues. Two
runs on one folder: the second is refused, naming the first. The real command runs in a
subprocess where the kernel's part matters (signals, pipes, locks); the rest runs
``tinysae.cli.main`` in this process, with the signal sent at a chosen evaluation of J.
"""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tinysae import NonFiniteLossError, train
from tinysae.cli import main
from tinysae.runtime.locks import LOCK_FILE, FolderInUseError
from tinysae.training import lbfgs, progress
from tinysae.training.model_files import load, save_run

#: A small but real run: 500 8×8 patches of the default photo, 4 hidden units.
SMALL = ["train", "--n-patches", "500", "--n-hidden", "4", "--max-iter", "30", "-q"]

#: A run that goes on until it is stopped, printing every 25 iterations.
ENDLESS = ["train", "--n-patches", "2000", "--n-hidden", "4", "--max-iter", "100000",
           "--checkpoint-every", "10"]


def start(argv):
    """The real command in a subprocess, reading its stdout; killed after 120 s at most."""
    child = subprocess.Popen([sys.executable, "-m", "tinysae.cli", *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "MPLBACKEND": "Agg"},
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    watchdog = threading.Timer(120, child.kill)  # never hang the test suite
    watchdog.daemon = True
    watchdog.start()
    return child


def wait_for_iteration(child, n):
    """Read the child's progress lines until iteration ``n`` is printed."""
    for line in child.stdout:
        if line.split()[:1] == [str(n)]:
            return
    pytest.fail(f"training never got going: {child.communicate()[1]}")


def signal_at_evaluation(monkeypatch, signum, n, again_during_save=False):
    """Send ``signum`` to this process at the n-th evaluation of J (and once more while the
    final checkpoint is being written, if asked)."""
    real, calls = lbfgs.make_loss_and_grad, []

    def make(*args, **kw):
        fun = real(*args, **kw)

        def fun_with_signal(theta):
            calls.append(1)
            if len(calls) == n:
                os.kill(os.getpid(), signum)
            return fun(theta)
        return fun_with_signal
    monkeypatch.setattr(lbfgs, "make_loss_and_grad", make)
    if again_during_save:
        real_save = progress.save_run

        def save_while_interrupted(folder, params, config):
            if config["status"] == "interrupted":
                os.kill(os.getpid(), signum)  # a second Ctrl-C, mid-save
            return real_save(folder, params, config)
        monkeypatch.setattr(progress, "save_run", save_while_interrupted)


# ----------------------------------------------------------------------------- signals

def test_a_running_train_refuses_a_second_run_and_saves_on_sigterm_then_resumes(
        tmp_path, capsys):
    """Two runs on one folder, then what a job scheduler, ``timeout`` or a closing terminal
    does to the real command (one subprocess serves both: Python's start-up is the cost)."""
    folder = tmp_path / "run"
    child = start(ENDLESS + ["--out", str(folder)])
    wait_for_iteration(child, 25)
    refused = [main(["train", "--resume", str(folder), "-q"]),
               main(SMALL + ["--out", str(folder)])]  # started later: the folder has a model
    second = capsys.readouterr().err
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    _, config = load(folder)
    print(f"second runs: exit {refused}: {second.strip()}\nfirst run: exit "
          f"{child.returncode}: {err.strip()}")
    assert refused == [1, 2] and "in use by another run" in second and f"pid {child.pid}" in second
    assert child.returncode == 128 + signal.SIGTERM and err.count("\n") == 1
    assert "SIGTERM" in err and f"--resume {folder}" in err and "Traceback" not in err
    assert config["status"] == "interrupted" and config["iteration"] >= 25
    target = config["iteration"] + 5
    assert main(["train", "--resume", str(folder), "--max-iter", str(target), "-q"]) == 0
    assert load(folder)[1]["iteration"] == target and not (folder / LOCK_FILE).exists()


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGHUP", "SIGTERM", "SIGINT"])
def test_a_stop_signal_mid_run_saves_and_exits_128_plus_the_signal(
        signum, tmp_path, monkeypatch, capsys):
    signal_at_evaluation(monkeypatch, signum, 8)
    code = main(SMALL + ["--out", str(tmp_path)])
    err = capsys.readouterr().err
    _, config = load(tmp_path)
    assert code == 128 + signum and signal.Signals(signum).name in err
    assert config["status"] == "interrupted" and 0 < config["iteration"] < 30


def test_a_second_ctrl_c_while_saving_does_not_break_the_save(tmp_path, monkeypatch, capsys):
    signal_at_evaluation(monkeypatch, signal.SIGINT, 8, again_during_save=True)
    code = main(SMALL + ["--out", str(tmp_path)])
    err = capsys.readouterr().err
    params, config = load(tmp_path)
    print(err.strip())
    assert code == 130 and err.count("\n") == 1 and "--resume" in err
    assert config["status"] == "interrupted" and np.all(np.isfinite(params["W1"]))


def test_ctrl_c_while_the_command_is_still_starting_prints_no_traceback(tmp_path):
    child = start(["train", "--out", str(tmp_path / "run")])
    time.sleep(0.3)  # Python is importing numpy and scipy now (no timing is asserted)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    print(f"exit {child.returncode}: {err.strip()!r}")
    assert child.returncode in (-signal.SIGINT, 128 + signal.SIGINT)
    assert "Traceback" not in err and err.count("\n") <= 1


def test_a_closed_output_pipe_saves_and_exits_141(tmp_path):
    """``tinysae train | head -3``: the reader goes away; the run saves and says how to go on."""
    folder = tmp_path / "run"
    child = start(ENDLESS + ["--out", str(folder)])
    wait_for_iteration(child, 0)
    child.stdout.close()  # as head does after its lines
    err = child.stderr.read()
    child.wait(timeout=60)
    _, config = load(folder)
    print(f"exit {child.returncode}: {err.strip()}")
    assert child.returncode == 141 and err.count("\n") == 1 and "broken pipe" in err
    assert f"--resume {folder}" in err and "Traceback" not in err and "ignored" not in err
    assert config["status"] == "interrupted" and config["iteration"] >= 25
    assert len(config["history"]) == config["iteration"] + 1


def test_an_error_in_the_callback_saves_the_run_first(tmp_path):
    def fail_at_3(info):
        if info["iteration"] == 3:
            raise RuntimeError("the callback broke")
    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(200, 16))
    with pytest.raises(RuntimeError, match="the callback broke"):
        train(X, 4, rng=0, verbose=False, callback=fail_at_3, checkpoint_dir=tmp_path)
    _, config = load(tmp_path)
    assert config["status"] == "interrupted" and config["iteration"] == 3


def test_non_finite_training_stops_with_a_value_error():
    assert issubclass(NonFiniteLossError, ValueError)


# ----------------------------------------------------------------------------- one run per folder

def test_a_lock_held_elsewhere_refuses_train_and_a_stale_lock_file_does_not(tmp_path):
    import fcntl
    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(100, 16))
    lock = tmp_path / LOCK_FILE
    lock.write_text("pid 999, since 12:00:00: an old run killed by kill -9")  # stale: unlocked
    assert train(X, 4, rng=0, max_iter=3, verbose=False, checkpoint_dir=tmp_path).iteration == 3
    assert not lock.exists()
    with open(lock, "w") as held:  # another open file: as another process would hold it
        held.write("pid 4242, since 12:00:00: tinysae train --out x")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(FolderInUseError, match="in use by another run .pid 4242"):
            train(X, 4, rng=0, max_iter=3, verbose=False, checkpoint_dir=tmp_path)
    assert load(tmp_path)[1]["iteration"] == 3  # untouched


# ----------------------------------------------------------------------------- what a killed write leaves

def test_temporary_files_of_killed_writes_are_removed_at_the_next_save(tmp_path):
    import fcntl
    from tinysae import init_params
    stale = tmp_path / ".model.npz.k1ll3d00.tmp.npz"
    live = tmp_path / ".model.npz.wr1t1ng0.tmp.npz"
    stale.write_bytes(b"half a model")
    live.write_bytes(b"being written")
    with open(live, "rb") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)  # a live write holds its temporary file locked
        save_run(tmp_path, init_params(6, 3, rng=0), {"n_visible": 6, "n_hidden": 3})
        assert not stale.exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "config.json", "model.npz"]
