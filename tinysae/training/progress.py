"""What a training run records and shows as it goes: loss history, progress lines, checkpoints.

A run's state lives in its **config** (JSON, saved with every checkpoint, see
:mod:`tinysae.training.model_files`): ``n_visible``, ``n_hidden``, the hyperparameters
(``weight_decay``, ``sparsity_target``, ``sparsity_weight``, ``sparsity``, ``decoder``),
``max_iter``, ``seed`` (the ``rng`` if it was an int, else null), ``dtype``, ``data`` (the
caller's ``metadata``: where X came from), ``versions``, and the state: ``status``
("running", "finished", "interrupted" or "non-finite"), ``iteration``, ``loss`` (J of the
saved parameters), ``elapsed`` (seconds, summed over resumes) and ``history`` (one J per
iteration, ``history[0]`` the start).
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from tinysae.checks import check_path, fail
from tinysae.model.parameters import unpack
from tinysae.training.model_files import save_run

#: The hyperparameters of the model, as a run's config and :func:`tinysae.train` name them.
HYPERPARAMETERS = ("weight_decay", "sparsity_target", "sparsity_weight", "sparsity", "decoder")


class OptimizerStoppedEarlyWarning(UserWarning):
    """L-BFGS stopped before ``max_iter`` without converging (usually its line search failed)."""


class NonFiniteLossError(FloatingPointError):
    """The loss or its gradient became NaN or inf; ``params`` holds the last finite parameters."""

    def __init__(self, message, params=None, checkpoint=None):
        super().__init__(message)
        self.params, self.checkpoint = params, checkpoint


@dataclass
class TrainResult:
    """What :func:`tinysae.train` returns.

    ``params`` (dict: W1, W2, b1, b2) are the final parameters, or on Ctrl-C the best seen;
    ``history`` the loss per iteration; ``optimize_result`` scipy's result (None when
    interrupted); ``checkpoint`` the model file written last (None without checkpoint_dir).
    """

    params: dict
    history: list
    iteration: int
    elapsed: float
    start_loss: float
    interrupted: bool = False
    optimize_result: object = None
    checkpoint: Path = None
    config: dict = field(default_factory=dict, repr=False)

    def __repr__(self):
        return (f"TrainResult(iteration={self.iteration}, loss={self.loss!r}, "
                f"elapsed={self.elapsed:.2f}, interrupted={self.interrupted}, "
                f"checkpoint={str(self.checkpoint) if self.checkpoint else None!r})")

    @property
    def loss(self):
        """J of ``params``."""
        return self.config["loss"]


class Run:
    """The record of one run: it updates the config's ``iteration``, ``history``, ``loss``,
    ``status`` and ``elapsed``, prints progress, writes checkpoints, calls the callback."""

    def __init__(self, config, callback, verbose, print_every, checkpoint_dir,
                 checkpoint_every):
        if callback is not None and not callable(callback):
            fail("callback", "None or a callable", callback, TypeError)
        if checkpoint_dir is not None and not Path(check_path("checkpoint_dir",
                                                              checkpoint_dir)).is_dir():
            fail("checkpoint_dir", "None or an existing folder", str(checkpoint_dir))
        self.config, self.callback = config, callback
        self.verbose, self.print_every = verbose, print_every
        self.checkpoint_every = checkpoint_every
        self.folder = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.elapsed_before = config["elapsed"]
        self.t0 = time.perf_counter()

    def begin(self, theta0, J, grad_norm):
        """The starting point: J in the history (a fresh run), the table's head, a first save."""
        self.t0 = time.perf_counter()
        if self.config["iteration"] == 0:
            self.config["history"] = [J]
        if self.verbose:
            self.say(f"{'iter':>6} {'J':>14} {'|grad J|':>10} {'elapsed':>9}")
            self.progress(self.config["iteration"], J, grad_norm)
        if self.folder is not None and self.config["iteration"] == 0:
            self.save(theta0, J, "running")

    def record(self, theta, J, grad_norm):
        """After an iteration: the history, a progress line, a checkpoint, the callback."""
        self.config["history"].append(J)
        self.config["iteration"] += 1
        it = self.config["iteration"]
        if self.verbose and it % self.print_every == 0:
            self.progress(it, J, grad_norm)
        if self.folder is not None and it % self.checkpoint_every == 0:
            self.save(theta, J, "running")
        if self.callback is not None:
            self.callback({"iteration": it, "loss": J, "grad_norm": grad_norm,
                           "elapsed": self.clock(), "params": self.params_of(theta)})

    def finish(self, theta, J, status, res, start_loss):
        """The final checkpoint, a last line, the result."""
        path = self.save(theta, J, status)
        it = self.config["iteration"]
        if self.verbose:
            how = "Interrupted" if res is None else f"Stopped ({res.message})"
            self.say(f"{how} after iteration {it}, {self.clock():.1f} s: J = {J}"
                     + (f"; saved {path}" if path else ""))
        return TrainResult(self.params_of(theta), list(self.config["history"]), it,
                           self.clock(), start_loss, interrupted=res is None,
                           optimize_result=res, checkpoint=path, config=self.config)

    def save(self, theta, J, status):
        """Record the state in the config; write a checkpoint if there is a folder."""
        self.config.update(status=status, loss=J, elapsed=self.elapsed_before + self.clock())
        if self.folder is not None:
            return save_run(self.folder, self.params_of(theta), self.config)
        return None

    def params_of(self, theta):
        """The four arrays of theta as copies, safe to hand to the caller."""
        views = unpack(theta, self.config["n_visible"], self.config["n_hidden"])
        return {k: v.copy() for k, v in views.items()}

    def clock(self):
        return time.perf_counter() - self.t0

    def progress(self, it, J, grad_norm):
        self.say(f"{it:6d} {J:14.6f} {grad_norm:10.3e} {self.clock():8.1f}s")

    def say(self, text):
        print(text, flush=True)
