"""Training by L-BFGS, as UFLDL's ``train.m`` does with minFunc; here scipy's L-BFGS-B.

:func:`train` minimises the cost J(θ) of :mod:`tinysae.model.sparse_autoencoder` (through
the fast kernel, :func:`tinysae.make_loss_and_grad`) and looks after the person waiting:

- a progress line (iteration, J, ‖∇J‖, elapsed seconds) every ``print_every`` iterations;
- the loss history, one value per iteration (``history[0]`` is the starting loss);
- :class:`OptimizerStoppedEarlyWarning` when L-BFGS gives up before ``max_iter`` without
  converging (reaching ``max_iter`` is the normal end, as in UFLDL, and is not warned about);
- Ctrl-C stops training and keeps the best parameters seen so far;
- with ``checkpoint_dir``, a checkpoint (``model.npz`` + ``config.json``) at the start, every
  ``checkpoint_every`` iterations, on Ctrl-C and at the end, each written atomically; a NaN
  or inf loss stops training with :class:`NonFiniteLossError`, and the last finite
  parameters stay on disk. :mod:`tinysae.training.progress` describes the config.

Resuming: :func:`resume` continues a checkpoint's run, its iteration count and its history.
L-BFGS's curvature memory (the last ``LBFGS_MEMORY`` steps, its picture of the Hessian) is
not saved: the resumed run starts like a fresh L-BFGS from the checkpoint's parameters, so
its first steps are shorter and the loss curve can show a small kink there. It starts from
the checkpoint's loss and, being a descent method, only decreases it.
"""

import json
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from tinysae.blas_threads import limit_blas_threads
from tinysae.checks import check_params, check_path, fail
from tinysae.constraints import check
from tinysae.model.fast_kernel import make_loss_and_grad
from tinysae.model.parameters import init_params as random_params
from tinysae.model.parameters import pack
from tinysae.training.model_files import load, versions
from tinysae.training.progress import (
    HYPERPARAMETERS,
    NonFiniteLossError,
    OptimizerStoppedEarlyWarning,
    Run,
    TrainResult,
)
from tinysae.validation import validated

#: Correction pairs L-BFGS keeps; minFunc's default (``options.Corr``) in UFLDL is 100.
LBFGS_MEMORY = 100

#: A resumed run whose first loss differs from the checkpoint's by more than this (relative)
#: is not seeing the same data; typical agreement is ~1e-15.
RESUME_LOSS_TOLERANCE = 1e-8

#: scipy's status when the callback raised StopIteration (a request, not a failure).
STOPPED_BY_CALLBACK = 99


@validated
def train(X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01, sparsity_weight=3.0,
          sparsity="kl", decoder="sigmoid", max_iter=400, rng=None, init_params=None,
          callback=None, verbose=True, print_every=25, checkpoint_dir=None,
          checkpoint_every=25, metadata=None, dtype=np.float64, chunk_size=None):
    """Train a sparse autoencoder on ``X`` with L-BFGS (UFLDL ``train.m``).

    Parameters
    ----------
    X : ndarray of shape (m, n_visible)
        Training examples, one per row (in [0, 1] for the sigmoid decoder).
    n_hidden : int
        n_h, the number of hidden units.
    weight_decay, sparsity_target, sparsity_weight, sparsity, decoder
        λ, ρ, β and the variants, as in :func:`tinysae.loss_and_grad`.
    max_iter : int, default 400
        L-BFGS iterations.
    rng : numpy.random.Generator, int or None
        For the initial parameters (an int seed is recorded in the checkpoint's config).
    init_params : dict, optional
        Start here (W1, W2, b1, b2) instead of at random parameters.
    callback : callable, optional
        Called after each iteration with a dict: ``iteration``, ``loss``, ``grad_norm``,
        ``elapsed``, ``params`` (copies). Raising ``StopIteration`` in it ends training there
        (no warning).
    verbose : bool, default True
        Print progress every ``print_every`` iterations.
    checkpoint_dir : str or Path, optional
        An existing folder: ``model.npz`` and ``config.json`` are written there every
        ``checkpoint_every`` iterations, on Ctrl-C and at the end.
    metadata : dict, optional
        JSON values describing the data (source, patch size, ...), stored as ``config["data"]``.
    dtype, chunk_size
        Passed to :func:`tinysae.make_loss_and_grad` (float32 trades accuracy for speed).

    Returns
    -------
    TrainResult

    Raises
    ------
    NonFiniteLossError
        If J or ∇J becomes NaN or inf.
    """
    seed = rng if isinstance(rng, int) else None  # recorded: the run can be made again
    if init_params is None:
        init_params = random_params(X.shape[1], n_hidden, rng)
    theta0 = pack(check_params(init_params, X.shape[1], n_hidden, "init_params"))  # (n_params,)
    hyper = dict(weight_decay=weight_decay, sparsity_target=sparsity_target,
                 sparsity_weight=sparsity_weight, sparsity=sparsity, decoder=decoder)
    config = {"n_visible": X.shape[1], "n_hidden": n_hidden, **hyper, "max_iter": max_iter,
              "seed": seed, "dtype": dtype.name, "data": _check_metadata(metadata),
              "versions": versions(), "status": "running", "iteration": 0, "loss": None,
              "elapsed": 0.0, "history": []}
    run = Run(config, callback, verbose, print_every, checkpoint_dir, checkpoint_every)
    return _optimize(run, X, theta0, chunk_size)


@validated
def resume(checkpoint, X, *, max_iter=None, callback=None, verbose=True, print_every=25,
           checkpoint_every=25, chunk_size=None):
    """Continue training from a checkpoint written by :func:`train` (see the module docstring).

    ``checkpoint`` is the checkpoint folder (or its ``model.npz``); new checkpoints go to the same
    folder. ``X`` must be the same data. ``max_iter`` is the total iteration budget (default:
    the checkpoint's); if it is already reached, the checkpoint is returned unchanged.
    """
    params, config = load(check_path("checkpoint", checkpoint))
    folder = Path(checkpoint) if Path(checkpoint).is_dir() else Path(checkpoint).parent
    _check_checkpoint_config(config, checkpoint)
    if X.shape[1] != config["n_visible"]:
        fail("X", f"an array with {config['n_visible']} columns (one per visible unit)", X)
    if max_iter is not None:
        config["max_iter"] = check("max_iter", max_iter)
    run = Run(config, callback, verbose, print_every, folder, checkpoint_every)
    if config["iteration"] >= config["max_iter"]:
        if verbose:
            run.say(f"Nothing to do: the checkpoint is at iteration {config['iteration']} of "
                    f"max_iter={config['max_iter']}.")
        return TrainResult(params, list(config["history"]), config["iteration"], 0.0,
                           config["loss"], checkpoint=folder / "model.npz", config=config)
    return _optimize(run, X, pack(params), chunk_size)


# ----------------------------------------------------------------------------- the L-BFGS call

def _optimize(run, X, theta0, chunk_size):
    """Minimise J from ``theta0`` with scipy's L-BFGS-B, recording into ``run``."""
    config = run.config
    fun = make_loss_and_grad(X, config["n_hidden"], **{k: config[k] for k in HYPERPARAMETERS},
                             dtype=np.dtype(config["dtype"]).type, chunk_size=chunk_size)
    objective = _Objective(fun)
    remaining = config["max_iter"] - config["iteration"]
    start_loss = None

    def after_iteration(intermediate_result):  # scipy's callback
        theta = intermediate_result.x  # (n_params,)
        run.record(theta, float(intermediate_result.fun), objective.grad_norm_at(theta))

    with limit_blas_threads():
        try:
            start_loss = _start(run, objective, theta0)
            res = minimize(objective, theta0, jac=True, method="L-BFGS-B",
                           callback=after_iteration,
                           options={"maxiter": remaining, "maxcor": LBFGS_MEMORY})
        except KeyboardInterrupt:
            J, theta = objective.best if objective.best is not None else (None, theta0)
            return run.finish(theta, J, "interrupted", None, start_loss)
        except _NonFinite as error:
            _stop_non_finite(run, objective, error)
    if res.status not in (0, STOPPED_BY_CALLBACK) and res.nit < remaining:
        warnings.warn(_EARLY_STOP_HINT.format(nit=res.nit, remaining=remaining,
                                              message=str(res.message).rstrip(".")),
                      OptimizerStoppedEarlyWarning, stacklevel=3)
    return run.finish(res.x, float(res.fun), "finished", res, start_loss)


class _Objective:
    """J(θ) as L-BFGS sees it: a NaN or inf stops the run (:class:`_NonFinite`), and the lowest
    point seen so far is kept (``best``, for Ctrl-C), with the latest (``last``)."""

    def __init__(self, fun):
        self.fun, self.best, self.last = fun, None, None  # (J, theta); (J, theta, ‖g‖)

    def __call__(self, theta):
        try:
            J, grad = self.fun(theta)  # float, (n_params,)
        except ValueError as error:  # fun names the overflow (L-BFGS gives it valid thetas)
            reason = str(error).rstrip(".")
            raise _NonFinite(reason[:1].lower() + reason[1:]) from None
        J, theta = float(J), theta.copy()
        if not (np.isfinite(J) and np.all(np.isfinite(grad))):  # a fun that does not say why
            raise _NonFinite(f"J = {J}" if not np.isfinite(J) else "its gradient is not finite")
        self.last = (J, theta, float(np.linalg.norm(grad)))
        if self.best is None or J < self.best[0]:
            self.best = (J, theta)
        return J, grad

    def grad_norm_at(self, theta):
        """‖∇J‖ at ``theta`` if it was the last point evaluated (L-BFGS-B's new x is), else NaN."""
        return self.last[2] if np.array_equal(self.last[1], theta) else float("nan")


class _NonFinite(Exception):
    """Raised inside the objective to get out of scipy's loop; its argument says what."""


def _start(run, objective, theta0):
    """Evaluate J at the start; a resumed run checks it is the checkpoint's loss."""
    J, _ = objective(theta0)
    old = run.config["loss"]
    if run.config["iteration"] > 0 and old is not None and (
            abs(J - old) > RESUME_LOSS_TOLERANCE * max(1.0, abs(old))):
        warnings.warn(f"Resuming at J = {J!r}, but the checkpoint saved J = {old!r}: the "
                      "data is not the data the checkpoint was trained on.", stacklevel=5)
    run.begin(theta0, J, objective.last[2])
    return J


def _stop_non_finite(run, objective, error):
    """A non-finite J: keep the last finite parameters (on disk if checkpointing), and say so."""
    if objective.best is None:
        raise NonFiniteLossError(f"The loss is non-finite at the starting parameters: "
                                 f"{error.args[0]}. Check that X is finite and scaled as "
                                 "the decoder expects.") from None
    J, theta = objective.best
    path = run.save(theta, J, "non-finite")
    where = f"saved in '{path}'" if path else "in the error's .params"
    raise NonFiniteLossError(
        f"The loss became non-finite after iteration {run.config['iteration']}: "
        f"{error.args[0]}; training stopped. The last finite parameters "
        f"(J = {J}) are {where}. Check that X is finite and scaled as the decoder expects "
        "(the sigmoid decoder needs values in [0, 1]), or lower sparsity_weight.",
        run.params_of(theta), path) from None


_EARLY_STOP_HINT = (
    "L-BFGS stopped after {nit} of {remaining} iterations without converging: {message}. "
    "Usually its line search could not lower J: check the gradient (tinysae.gradient_check), "
    "that the data is scaled for the decoder, or whether J is already at rounding level. "
    "The parameters returned are the last L-BFGS accepted.")


# ----------------------------------------------------------------------------- what a run is given

def _check_checkpoint_config(config, path):
    """A checkpoint's config comes from a file: check what resuming relies on, with the
    rules of :mod:`tinysae.constraints`."""
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


def _check_metadata(metadata):
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
