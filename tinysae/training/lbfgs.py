"""Training by L-BFGS, as UFLDL's ``train.m`` does with minFunc; here scipy's L-BFGS-B.

:func:`train` minimises the cost J(θ) of :mod:`tinysae.model.sparse_autoencoder` (through
the fast kernel, :func:`tinysae.make_loss_and_grad`) and looks after the person waiting:

- a progress line (iteration, J, ‖∇J‖, elapsed seconds) every ``print_every`` iterations;
- the loss history, one value per iteration (``history[0]`` is the starting loss);
- :class:`OptimizerStoppedEarlyWarning` when L-BFGS gives up before ``max_iter`` without
  converging (reaching ``max_iter`` is the normal end, as in UFLDL, and is not warned about);
- Ctrl-C stops training and keeps the best parameters seen so far;
- with ``checkpoint_dir``, a checkpoint (``model.npz`` + ``config.json``) at the start, every
  ``checkpoint_every`` iterations and at the end, each written atomically. However the run
  ends, it saves first: Ctrl-C (or a signal the CLI turns into one) returns the result
  with the best parameters saved; any other exception (a closed pipe under the progress
  lines, an error in the callback) saves them and is raised again; a NaN or inf loss
  stops training with :class:`NonFiniteLossError` (a ``ValueError``), the last finite
  parameters on disk. :mod:`tinysae.training.progress` describes the config.
- one run per folder: the checkpoint folder is locked (:mod:`tinysae.runtime.locks`) while a run
  trains into it; another process's run there is refused with ``FolderInUseError``.

Resuming: :func:`resume` continues a checkpoint's run, its iteration count and its history.
It first checks that the data give the checkpoint's loss again, and refuses to go on
(writing nothing) if they do not, unless ``force=True``.
L-BFGS's curvature memory (the last ``LBFGS_MEMORY`` steps, its picture of the Hessian) is
not saved: the resumed run starts like a fresh L-BFGS from the checkpoint's parameters, so
its first steps are shorter and the loss curve can show a small kink there. It starts from
the checkpoint's loss and, being a descent method, only decreases it.
"""

import contextlib
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.validation.checks import check_path, fail
from tinysae.validation.constraints import check
from tinysae.runtime.locks import run_folder_lock
from tinysae.model.fast_kernel import make_loss_and_grad
from tinysae.model.parameters import check_params, pack
from tinysae.model.sparse_autoencoder import init_params as random_params
from tinysae.training.model_files import load, versions
from tinysae.training.progress import (
    HYPERPARAMETERS,
    STOPPED_BY_CALLBACK,
    NonFiniteLossError,
    OptimizerStoppedEarlyWarning,
    Run,
    TrainResult,
    check_checkpoint_config,
    check_metadata,
)
from tinysae.validation.validated import validated

#: Correction pairs L-BFGS keeps; minFunc's default (``options.Corr``) in UFLDL is 100.
LBFGS_MEMORY = 100

#: A resumed run whose first loss differs from the checkpoint's by more than this (relative)
#: is not seeing the same data; typical agreement is ~1e-15.
RESUME_LOSS_TOLERANCE = 1e-8


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
        If J or ∇J becomes NaN or inf (a ``ValueError``; the last finite parameters are
        saved, and in its ``params``).
    tinysae.runtime.locks.FolderInUseError
        If another process is training into ``checkpoint_dir``.
    """
    seed = rng if isinstance(rng, int) else None  # recorded: the run can be made again
    if init_params is None:
        init_params = random_params(X.shape[1], n_hidden, rng)
    theta0 = pack(check_params(init_params, X.shape[1], n_hidden, "init_params"))  # (n_params,)
    hyper = dict(weight_decay=weight_decay, sparsity_target=sparsity_target,
                 sparsity_weight=sparsity_weight, sparsity=sparsity, decoder=decoder)
    config = {"n_visible": X.shape[1], "n_hidden": n_hidden, **hyper, "max_iter": max_iter,
              "seed": seed, "dtype": dtype.name, "data": check_metadata(metadata),
              "versions": versions(), "status": "running", "iteration": 0, "loss": None,
              "elapsed": 0.0, "history": []}
    run = Run(config, callback, verbose, print_every, checkpoint_dir, checkpoint_every)
    return _optimize(run, X, theta0, chunk_size)


@validated
def resume(checkpoint, X, *, max_iter=None, callback=None, verbose=True, print_every=25,
           checkpoint_every=25, chunk_size=None, force=False):
    """Continue training from a checkpoint written by :func:`train` (see the module docstring).

    ``checkpoint`` is the checkpoint folder (or its ``model.npz``); new checkpoints go to the same
    folder. ``X`` must be the same data: if J at the checkpoint's parameters is not the loss
    it saved, ``resume`` raises ValueError and writes nothing, unless ``force=True`` (then it
    warns and trains on). ``max_iter`` is the total iteration budget (default: the
    checkpoint's); if it is already reached, the checkpoint is returned unchanged.
    """
    folder = Path(check_path("checkpoint", checkpoint))
    folder = folder if folder.is_dir() else folder.parent
    with run_folder_lock(folder) if folder.is_dir() else contextlib.nullcontext():
        return _resume(checkpoint, folder, X, max_iter, callback, verbose, print_every,
                       checkpoint_every, chunk_size, force)


def _resume(checkpoint, folder, X, max_iter, callback, verbose, print_every,
            checkpoint_every, chunk_size, force):
    params, config = load(checkpoint)
    check_checkpoint_config(config, checkpoint)
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
    return _optimize(run, X, pack(params), chunk_size, force)


# ----------------------------------------------------------------------------- the L-BFGS call

def _optimize(run, X, theta0, chunk_size, force=False):
    """Minimise J from ``theta0`` with scipy's L-BFGS-B, recording into ``run``; however it
    ends, the best parameters are saved first (see the module docstring)."""
    config = run.config
    fun = make_loss_and_grad(X, config["n_hidden"], **{k: config[k] for k in HYPERPARAMETERS},
                             dtype=np.dtype(config["dtype"]).type, chunk_size=chunk_size)
    objective = _Objective(fun)
    remaining = config["max_iter"] - config["iteration"]
    start_loss = None

    def after_iteration(intermediate_result):  # scipy's callback
        theta = intermediate_result.x  # (n_params,)
        run.record(theta, float(intermediate_result.fun), objective.grad_norm_at(theta))

    locked = run_folder_lock(run.folder) if run.folder else contextlib.nullcontext()
    with limit_blas_threads(), locked:
        try:
            start_loss = _start(run, objective, theta0, force)
            res = minimize(objective, theta0, jac=True, method="L-BFGS-B",
                           callback=after_iteration,
                           options={"maxiter": remaining, "maxcor": LBFGS_MEMORY})
            run.save(res.x, float(res.fun), "finished")  # a Ctrl-C here saves the best instead
        except KeyboardInterrupt:
            J, theta = objective.best or (run.config["loss"], theta0)  # a resumed run's loss
            return run.finish(theta, J, "interrupted", None, start_loss)
        except _NonFinite as error:
            _stop_non_finite(run, objective, error)
        except BaseException:  # a broken pipe, the callback's error, ...: save, then raise
            if run.started:  # before that, the folder holds the previous state unchanged
                run.save(objective.best[1], objective.best[0], "interrupted")
            raise
    if res.status not in (0, STOPPED_BY_CALLBACK) and res.nit < remaining:
        warnings.warn(_EARLY_STOP_HINT.format(nit=res.nit, remaining=remaining,
                                              message=str(res.message).rstrip(".")),
                      OptimizerStoppedEarlyWarning, stacklevel=3)
    return run.finish(res.x, float(res.fun), "finished", res, start_loss, saved=True)


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


def _start(run, objective, theta0, force):
    """Evaluate J at the start; a resumed run checks it is the checkpoint's loss."""
    J, _ = objective(theta0)
    old = run.config["loss"]
    if run.config["iteration"] > 0 and old is not None and (
            abs(J - old) > RESUME_LOSS_TOLERANCE * max(1.0, abs(old))):
        why = (f"at the checkpoint's parameters J = {J:.10g}, but the checkpoint saved "
               f"J = {old:.10g}: the data is not the data it was trained on")
        if not force:
            raise ValueError(f"Not resuming: {why}. Nothing was written. To train on these "
                             "data anyway, pass force=True (tinysae train --resume FOLDER "
                             "--force).")
        warnings.warn(f"Resuming although {why} (force=True).", stacklevel=5)
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
