"""Training by L-BFGS, as UFLDL's ``train.m`` does with minFunc; here scipy's L-BFGS-B.

:func:`train` minimises the cost J(θ) of :mod:`tinysae.autoencoder` (through the fast path,
:func:`tinysae.kernels.make_loss_and_grad`) and looks after the person waiting for it:

- a progress line (iteration, J, ‖∇J‖, elapsed seconds) every ``print_every`` iterations;
- the loss history, one value per iteration (``history[0]`` is the starting loss);
- :class:`OptimizerStoppedEarlyWarning` when L-BFGS gives up before ``max_iter`` without
  converging (reaching ``max_iter`` is the normal end, as in UFLDL, and is not warned about);
- Ctrl-C stops training and keeps the best parameters seen so far;
- with ``checkpoint_dir``, a checkpoint (``model.npz`` + ``config.json``, see
  :mod:`tinysae.checkpoint`) at the start, every ``checkpoint_every`` iterations, on Ctrl-C and
  at the end, each written atomically; a NaN or inf loss or gradient stops training with
  :class:`NonFiniteLossError` and the last finite parameters stay on disk.

The checkpoint's config (JSON, see :mod:`tinysae.checkpoint`) holds ``n_visible``,
``n_hidden``, the hyperparameters (``weight_decay``, ``sparsity_target``, ``sparsity_weight``,
``sparsity``, ``decoder``), ``max_iter``, ``seed`` (the ``rng`` if it was an int, else null),
``dtype``, ``data`` (the caller's ``metadata``: where X came from), ``versions``, and the
state: ``status`` ("running", "finished", "interrupted" or "non-finite"), ``iteration``,
``loss`` (J of the saved parameters), ``elapsed`` (seconds, summed over resumes) and
``history``.

Resuming: :func:`resume` continues a checkpoint's run, its iteration count and its history.
L-BFGS's curvature memory (the last ``LBFGS_MEMORY`` steps, its picture of the Hessian) is
not saved: the resumed run starts like a fresh L-BFGS from the checkpoint's parameters, so
its first steps are shorter and the loss curve can show a small kink there. It starts from
the checkpoint's loss and, being a descent method, only decreases it; it does not retrace
the exact path an uninterrupted run would have taken.
"""

import json
import numbers
from pathlib import Path

import numpy as np

from tinysae._validation import (check_choice, check_data, check_float_dtype, check_int,
                                 check_path, check_real, check_rng, fail)
from tinysae.autoencoder import DECODERS, SPARSITY_PENALTIES, init_params as random_params
from tinysae.autoencoder import pack
from tinysae.checkpoint import check_params, load, versions
from tinysae.lbfgs import (  # noqa: F401  (public names of training live here)
    HYPERPARAMETERS,
    LBFGS_MEMORY,
    NonFiniteLossError,
    OptimizerStoppedEarlyWarning,
    TrainResult,
    Run,
)


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
        Passed to :func:`tinysae.kernels.make_loss_and_grad` (float32 trades accuracy for speed).

    Returns
    -------
    TrainResult

    Raises
    ------
    NonFiniteLossError
        If J or ∇J becomes NaN or inf.
    """
    X = check_data("X", X)  # (m, n_v)
    n_hidden = check_int("n_hidden", n_hidden)
    hyper = _check_hyperparameters(dict(weight_decay=weight_decay, sparsity_target=sparsity_target,
                                        sparsity_weight=sparsity_weight, sparsity=sparsity,
                                        decoder=decoder))
    seed = int(rng) if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) else None
    if init_params is None:
        init_params = random_params(X.shape[1], n_hidden, check_rng("rng", rng))
    theta0 = pack(check_params(init_params, X.shape[1], n_hidden, "init_params"))  # (n_params,)
    config = {"n_visible": X.shape[1], "n_hidden": n_hidden, **hyper,
              "max_iter": check_int("max_iter", max_iter), "seed": seed,
              "dtype": check_float_dtype("dtype", dtype).name,
              "data": _check_metadata(metadata), "versions": versions(),
              "status": "running", "iteration": 0, "loss": None, "elapsed": 0.0, "history": []}
    return Run(X, config, callback, verbose, print_every, checkpoint_dir, checkpoint_every,
                chunk_size).optimize(theta0)


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
    X = check_data("X", X, n_columns=config["n_visible"])  # (m, n_v)
    if max_iter is not None:
        config["max_iter"] = check_int("max_iter", max_iter)
    run = Run(X, config, callback, verbose, print_every, folder, checkpoint_every, chunk_size)
    if config["iteration"] >= config["max_iter"]:
        if verbose:
            run.say(f"Nothing to do: the checkpoint is at iteration {config['iteration']} of "
                    f"max_iter={config['max_iter']}.")
        return TrainResult(params, list(config["history"]), config["iteration"], 0.0,
                           config["loss"], checkpoint=folder / "model.npz", config=config)
    return run.optimize(pack(params))


def _check_checkpoint_config(config, path):
    """A checkpoint's config comes from a file: check what resuming relies on."""
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
        _check_hyperparameters({k: config[k] for k in HYPERPARAMETERS})
        check_float_dtype("dtype", config["dtype"])
    except (TypeError, ValueError) as error:
        bad(str(error))


def _check_hyperparameters(hyper):
    """λ ≥ 0, ρ in (0, 1), β ≥ 0 and the two variant names; returns them as plain values."""
    return {"weight_decay": check_real("weight_decay", hyper["weight_decay"], low=0.0),
            "sparsity_target": check_real("sparsity_target", hyper["sparsity_target"], low=0.0,
                                          high=1.0, low_open=True, high_open=True),
            "sparsity_weight": check_real("sparsity_weight", hyper["sparsity_weight"], low=0.0),
            "sparsity": check_choice("sparsity", hyper["sparsity"], SPARSITY_PENALTIES),
            "decoder": check_choice("decoder", hyper["decoder"], DECODERS)}


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

