"""What a training run records and shows as it goes: loss history, progress lines, checkpoints.

A run's state lives in its **config** (JSON, saved with every checkpoint, see
:mod:`tinysae.training.model_files`): ``n_visible``, ``n_hidden``, the hyperparameters
(``weight_decay``, ``sparsity_target``, ``sparsity_weight``, ``sparsity``, ``decoder``),
``max_iter``, ``seed`` (the ``rng`` if it was an int, else null), ``dtype``, ``data`` (the
caller's ``metadata``: where X came from), ``versions``, and the state: ``status``
("running"; "finished"; "interrupted" when Ctrl-C, a signal or an error ended
it, with the best parameters saved; or "non-finite"), ``iteration``, ``loss`` (J of the
saved parameters), ``elapsed`` (seconds, summed over resumes) and ``history`` (one J per
iteration, ``history[0]`` the start).
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinysae.validation.checks import check_path, fail
from tinysae.validation.constraints import check
from tinysae.model.parameters import unpack
from tinysae.training.model_files import MODEL_FILE, check_size, save_run

#: The hyperparameters of the model, as a run's config and :func:`tinysae.train` name them.
HYPERPARAMETERS = ("weight_decay", "sparsity_target", "sparsity_weight", "sparsity", "decoder")


class OptimizerStoppedEarlyWarning(UserWarning):
    """L-BFGS stopped before ``max_iter`` without converging (usually its line search failed)."""


#: scipy's status when the callback raised StopIteration (a request, not a failure).
STOPPED_BY_CALLBACK = 99


class NonFiniteLossError(ValueError):
    """The loss or its gradient became NaN or inf; ``params`` holds the last finite parameters.

    A ``ValueError``: the cause is in the values given (data, hyperparameters), and every
    error tinysae raises about values is one.
    """

    def __init__(self, message, params=None, checkpoint=None):
        super().__init__(message)
        self.params, self.checkpoint = params, checkpoint


@dataclass
class TrainResult:
    """What :func:`tinysae.train` returns.

    ``params`` (dict: W1, W2, b1, b2) are the final parameters, or on Ctrl-C the best seen;
    ``history`` a dict of lists, as every training result here has: ``iteration`` (0 the
    start) and ``loss``, J after each iteration; ``optimize_result`` scipy's result (None when
    interrupted); ``checkpoint`` the model file written last (None without checkpoint_dir).
    """

    params: dict
    history: dict
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
        if checkpoint_dir is not None:  # refused now, not at the first checkpoint
            check_size(config["n_visible"], config["n_hidden"], name="n_hidden")
        self.config, self.callback = config, callback
        self.verbose, self.print_every = verbose, print_every
        self.checkpoint_every = checkpoint_every
        self.folder = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.elapsed_before = config["elapsed"]
        self.t0 = time.perf_counter()
        self.started = False  # True once begin() has recorded the starting point

    def begin(self, theta0, J, grad_norm):
        """The starting point: J in the history (a fresh run), the table's head, a first save."""
        self.t0 = time.perf_counter()
        self.started = True
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

    def finish(self, theta, J, status, res, start_loss, saved=False):
        """The final checkpoint (unless already ``saved``), a last line, the result."""
        path = self.save(theta, J, status) if not saved else (
            None if self.folder is None else self.folder / MODEL_FILE)
        it = self.config["iteration"]
        if self.verbose:
            loss = "J not evaluated yet" if J is None else f"J = {J:.6g}"
            self.say(f"{self.ending(res)} after {it} iterations, {self.clock():.1f} s: {loss}"
                     + (f"; saved {path}" if path else ""))
        losses = list(self.config["history"])
        history = {"iteration": list(range(len(losses))), "loss": losses}
        return TrainResult(self.params_of(theta), history, it,
                           self.clock(), start_loss, interrupted=res is None,
                           optimize_result=res, checkpoint=path, config=self.config)

    def ending(self, res):
        """How the run ended, in words (``res`` is scipy's result, None if interrupted)."""
        if res is None:
            return "Interrupted"
        if res.status == STOPPED_BY_CALLBACK:
            return "Stopped by the callback"
        if self.config["iteration"] >= self.config["max_iter"]:
            return "Reached max_iter"
        if res.status == 0:
            return "Converged"
        return "L-BFGS stopped early"  # see OptimizerStoppedEarlyWarning

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


# ----------------------------------------------------------------------------- what a run is given

def check_checkpoint_config(config, path):
    """A checkpoint's config comes from a file: check what resuming relies on, with the
    rules of :mod:`tinysae.validation.constraints`."""
    def bad(why):
        raise ValueError(f"'{path}' holds a model but not a usable training checkpoint: {why}.")
    missing = [k for k in HYPERPARAMETERS + ("max_iter", "iteration", "history", "dtype",
                                             "elapsed", "loss") if k not in config]
    if missing:
        bad(f"its config has no {', '.join(missing)}")
    if not all(type(config[k]) is int and config[k] >= 0 for k in ("max_iter", "iteration")):
        bad("its 'max_iter' and 'iteration' are not non-negative integers")
    history = config["history"]
    expected = {config["iteration"] + 1} | ({0} if config["iteration"] == 0 else set())
    if not isinstance(history, list) or len(history) not in expected or not all(
            isinstance(J, (int, float)) and np.isfinite(J) for J in history):
        bad("its 'history' is not one finite loss per iteration (plus the start)")
    if not isinstance(config["elapsed"], (int, float)) or not (
            config["loss"] is None or isinstance(config["loss"], (int, float))):
        bad("its 'elapsed' or 'loss' is not a number")
    try:
        for name in HYPERPARAMETERS + ("dtype",):
            check(name, config[name])
    except (TypeError, ValueError) as error:
        bad(str(error))


def check_metadata(metadata):
    """None or a dict that JSON can hold exactly; returns a dict."""
    expected = "None or a dict of JSON values (no NaN, inf or numpy types)"
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        fail("metadata", expected, metadata, TypeError)
    try:
        json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError):
        fail("metadata", expected, metadata, TypeError)
    return metadata
