"""One L-BFGS run with a person watching; the machinery behind :func:`tinysae.training.train`.

The objective L-BFGS sees is J(θ) from :func:`tinysae.kernels.make_loss_and_grad`, wrapped so
that a NaN or inf stops the run and the lowest point seen so far is kept. After each
iteration the run records J in the history, prints a progress line now and then, writes a
checkpoint now and then, and calls the user's callback. Ctrl-C ends the run cleanly.
"""

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from tinysae import kernels, threads
from tinysae._validation import check_bool, check_int, check_path, fail
from tinysae.autoencoder import unpack
from tinysae.checkpoint import save_run

#: Correction pairs L-BFGS keeps; minFunc's default (``options.Corr``) in UFLDL is 100.
LBFGS_MEMORY = 100

#: A resumed run whose first loss differs from the checkpoint's by more than this (relative)
#: is not seeing the same data; typical agreement is ~1e-15.
RESUME_LOSS_TOLERANCE = 1e-8

#: scipy's status when the callback raised StopIteration (a request, not a failure).
STOPPED_BY_CALLBACK = 99

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
    """What :func:`train` returns.

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
    """One optimisation of ``config``'s model on ``X``, from a given theta, in ``optimize``.

    ``config`` is the checkpoint config (see :func:`tinysae.training.train`); the run updates its
    ``iteration``, ``history``, ``loss``, ``status`` and ``elapsed`` as it goes.
    """

    def __init__(self, X, config, callback, verbose, print_every, checkpoint_dir,
                 checkpoint_every, chunk_size):
        if callback is not None and not callable(callback):
            fail("callback", "None or a callable", callback, TypeError)
        if checkpoint_dir is not None and not Path(check_path("checkpoint_dir",
                                                              checkpoint_dir)).is_dir():
            fail("checkpoint_dir", "None or an existing folder", str(checkpoint_dir))
        self.config, self.callback = config, callback
        self.verbose = check_bool("verbose", verbose)
        self.print_every = check_int("print_every", print_every)
        self.checkpoint_every = check_int("checkpoint_every", checkpoint_every)
        self.folder = None if checkpoint_dir is None else Path(checkpoint_dir)
        hyper = {k: config[k] for k in HYPERPARAMETERS}
        chunk_size = None if chunk_size is None else check_int("chunk_size", chunk_size)
        self.fun = kernels.make_loss_and_grad(X, config["n_hidden"], **hyper,
                                              dtype=np.dtype(config["dtype"]).type,
                                              chunk_size=chunk_size)
        self.best = self.last = None  # (J, theta) lowest seen; (J, theta, ‖g‖) latest
        self.elapsed_before = config["elapsed"]

    # -- the objective L-BFGS sees
    def objective(self, theta):
        try:
            J, grad = self.fun(theta)  # float, (n_params,)
        except ValueError as error:  # fun names the overflow (L-BFGS gives it valid thetas)
            reason = str(error).rstrip(".")
            raise _NonFinite(reason[:1].lower() + reason[1:]) from None
        J, theta = float(J), theta.copy()
        if not (np.isfinite(J) and np.all(np.isfinite(grad))):  # an objective not from kernels
            raise _NonFinite(f"J = {J}" if not np.isfinite(J) else "its gradient is not finite")
        self.last = (J, theta, float(np.linalg.norm(grad)))
        if self.best is None or J < self.best[0]:
            self.best = (J, theta)
        return J, grad

    def after_iteration(self, intermediate_result):
        """scipy's callback: record, report, checkpoint."""
        theta, J = intermediate_result.x, float(intermediate_result.fun)  # (n_params,)
        same = np.array_equal(self.last[1], theta)
        gnorm = self.last[2] if same else float("nan")  # L-BFGS-B's last evaluation is its new x
        self.config["history"].append(J)
        self.config["iteration"] += 1
        it = self.config["iteration"]
        if self.verbose and it % self.print_every == 0:
            self.progress(it, J, gnorm)
        if self.folder is not None and it % self.checkpoint_every == 0:
            self.save(theta, J, "running")
        if self.callback is not None:
            params = self.params_of(theta)
            self.callback({"iteration": it, "loss": J, "grad_norm": gnorm,
                           "elapsed": self.clock(), "params": params})

    # -- the whole run
    def optimize(self, theta0):
        self.t0 = time.perf_counter()
        remaining = self.config["max_iter"] - self.config["iteration"]
        start_loss = None
        with threads.limit_blas_threads():
            try:
                start_loss = self.start(theta0)
                res = minimize(self.objective, theta0, jac=True, method="L-BFGS-B",
                               callback=self.after_iteration,
                               options={"maxiter": remaining, "maxcor": LBFGS_MEMORY})
            except KeyboardInterrupt:
                J, theta = self.best if self.best is not None else (None, theta0)
                return self.finish(theta, J, "interrupted", None, start_loss)
            except _NonFinite as error:
                self.fail(error)
        if res.status not in (0, STOPPED_BY_CALLBACK) and res.nit < remaining:
            warnings.warn(_EARLY_STOP_HINT.format(nit=res.nit, remaining=remaining,
                                                  message=str(res.message).rstrip(".")),
                          OptimizerStoppedEarlyWarning, stacklevel=3)
        return self.finish(res.x, float(res.fun), "finished", res, start_loss)

    def start(self, theta0):
        """Evaluate J at the start; a resumed run checks it is the checkpoint's loss."""
        J, _ = self.objective(theta0)
        old = self.config["loss"]
        if self.config["iteration"] == 0:
            self.config["history"] = [J]
        elif old is not None and abs(J - old) > RESUME_LOSS_TOLERANCE * max(1.0, abs(old)):
            warnings.warn(f"Resuming at J = {J!r}, but the checkpoint saved J = {old!r}: the "
                          "data is not the data the checkpoint was trained on.", stacklevel=4)
        if self.verbose:
            self.say(f"{'iter':>6} {'J':>14} {'|grad J|':>10} {'elapsed':>9}")
            self.progress(self.config["iteration"], J, self.last[2])
        if self.folder is not None and self.config["iteration"] == 0:
            self.save(theta0, J, "running")
        return J

    def finish(self, theta, J, status, res, start_loss):
        """The result; the final checkpoint; a last progress line."""
        path = self.save(theta, J, status)
        it = self.config["iteration"]
        if self.verbose:
            how = "Interrupted" if res is None else f"Stopped ({res.message})"
            self.say(f"{how} after iteration {it}, {self.clock():.1f} s: J = {J}"
                     + (f"; saved {path}" if path else ""))
        params = self.params_of(theta)
        return TrainResult(params, list(self.config["history"]), it, self.clock(), start_loss,
                           interrupted=res is None, optimize_result=res, checkpoint=path,
                           config=self.config)

    def fail(self, error):
        """Stop on a non-finite J: keep the last finite parameters (on disk if checkpointing)."""
        if self.best is None:
            raise NonFiniteLossError(f"The loss is non-finite at the starting parameters: "
                                     f"{error.args[0]}. Check that X is finite and scaled as "
                                     "the decoder expects.") from None
        J, theta = self.best
        path = self.save(theta, J, "non-finite")
        where = f"saved in '{path}'" if path else "in the error's .params"
        raise NonFiniteLossError(
            f"The loss became non-finite after iteration {self.config['iteration']}: "
            f"{error.args[0]}; training stopped. The last finite parameters "
            f"(J = {J}) are {where}. Check that X is finite and scaled as the decoder expects "
            "(the sigmoid decoder needs values in [0, 1]), or lower sparsity_weight.",
            self.params_of(theta), path) from None

    # -- helpers
    def save(self, theta, J, status):
        """Record the state in the config; write a checkpoint if there is a folder."""
        self.config.update(status=status, loss=J, elapsed=self.elapsed_before + self.clock())
        if self.folder is not None:
            return save_run(self.folder, self.unpack(theta), self.config)
        return None

    def unpack(self, theta):
        return unpack(theta, self.config["n_visible"], self.config["n_hidden"])

    def params_of(self, theta):
        """The four arrays of theta as copies, safe to hand to the caller."""
        return {k: v.copy() for k, v in self.unpack(theta).items()}

    def clock(self):
        return time.perf_counter() - self.t0

    def progress(self, it, J, gnorm):
        self.say(f"{it:6d} {J:14.6f} {gnorm:10.3e} {self.clock():8.1f}s")

    def say(self, text):
        print(text, flush=True)


class _NonFinite(Exception):
    """Raised inside the objective to get out of scipy's loop; its argument says what is
    not finite."""


_EARLY_STOP_HINT = (
    "L-BFGS stopped after {nit} of {remaining} iterations without converging: {message}. "
    "Usually its line search could not lower J: check the gradient (tinysae.gradient_check), "
    "that the data is scaled for the decoder, or whether J is already at rounding level. "
    "The parameters returned are the last L-BFGS accepted.")
