"""Minibatch training of the ReLU / TopK sparse autoencoder: Adam, unit-norm decoder, resampling.

Shapes, defined once for this module::

    B    examples in a minibatch     n_v  input dimensions     n_h  latents

One step (Bricken et al. 2023, "Towards monosemanticity", appendix on training)::

    J, g   = sae_loss_and_grad(θ, X_batch)       hand-written backward (tinysae.modern.sae)
    g_W2  ← g_W2 − W2 diag(W2ᵀ g_W2)             no gradient along a decoder column
    θ     ← apply_adam(θ, g)                     tinysae.training.adam
    W2    ← W2 / ‖W2‖ (per column)               back onto the unit sphere

:func:`projected_step` is this step as written here. :func:`train_sae` shows both paths in
its loop, side by side: ``fast=False`` runs ``sae_loss_and_grad`` then ``projected_step``,
these very lines; ``fast=True`` (the default) runs the same update in place, near the BLAS
floor, through :class:`tinysae.modern.fast_step.FastStep`. A test holds the two together
to 1e-12 in float64.

A latent is *dead* when it has not fired on any of the last ``dead_window`` examples. With
``resample_every`` set, dead latents are re-pointed every so often at what the model
reconstructs worst: an example is drawn with probability ∝ the square of its squared error,
‖x − a3‖⁴ (as Bricken et al. do: the worst examples count for more than under ‖x − a3‖²), the
latent's decoder column becomes that residual's direction, its encoder row the same
direction scaled to the mean alive encoder norm, its bias −RESAMPLE_THRESHOLD times that
norm (so it starts as a detector of that direction, not a unit firing on half of all
inputs), and its Adam moments 0. (Bricken et al. use 0.2 × the norm and bias 0.) Resampling
is one cure for dead latents; Gao et al. (2024) instead initialise the encoder as the
decoder's transpose and add an auxiliary loss (AuxK) that asks the dead latents to explain
the residual, which this module does not implement.

Threads: :func:`train_sae` runs numpy's BLAS on one thread (the fast step's worker threads
share the cores among themselves), and its step is cut into shares fixed by the problem's
size, not by the cores (:mod:`tinysae.modern.fast_step`): a seed gives the same parameters,
bit for bit, on one core or many.
"""

from dataclasses import dataclass, field

import contextlib

import numpy as np

from tinysae.validation.checks import check_data, fail
from tinysae.training.adam import adam_init, apply_adam, learning_rate_at
from tinysae.modern.fast_step import FastStep
from tinysae.modern.sae import (init_sae, normalize_columns, remove_parallel_component,
                                sae_loss_and_grad)
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.validation.validated import validated

#: A resampled latent fires only where the input's projection on its direction exceeds this
#: (the coefficients are U[0, 1); without a threshold it would fire on half of all inputs).
RESAMPLE_THRESHOLD = 0.2


@dataclass
class SAEResult:
    """What :func:`train_sae` returns: final ``params`` and the logged ``history``."""
    params: dict
    history: dict = field(default_factory=dict)
    resampled: int = 0


def projected_step(params, grads, state, learning_rate):
    """Adam on the tangent-projected gradient, then renormalise the decoder columns."""
    grads = {**grads, "W2": remove_parallel_component(grads["W2"], params["W2"])}
    params, state = apply_adam(params, grads, state, learning_rate)
    params["W2"] = normalize_columns(params["W2"])  # (n_v, n_h)
    return params, state


@validated
def resample_dead(params, state, dead, X, a3, rng):
    """Re-point the ``dead`` latents (bool (n_h,)) at badly reconstructed examples of ``X``.

    Returns new ``params`` and Adam ``state`` (the arguments are not modified).
    """
    rng = np.random.default_rng(rng)
    dead = np.asarray(dead)  # (n_h,)
    expected = f"a bool array of shape {np.shape(params['b1'])} (one flag per latent)"
    if dead.dtype != bool:
        fail("dead", expected, dead, TypeError)
    if dead.shape != np.shape(params["b1"]):
        fail("dead", expected, dead)
    W1_rows, W2_columns, b1 = resampled_latents(params["W1"], dead, X - a3, rng)
    params = {name: p.copy() for name, p in params.items()}
    params["W2"][:, dead] = W2_columns  # (n_v, n_dead)
    params["W1"][dead] = W1_rows  # (n_dead, n_v)
    params["b1"][dead] = b1
    moments = {key: {name: a.copy() for name, a in state[key].items()} for key in ("m", "v")}
    for moment in moments.values():
        moment["W2"][:, dead] = 0.0
        moment["W1"][dead] = 0.0
        moment["b1"][dead] = 0.0
    return params, {"t": state["t"], **moments}


def resampled_latents(W1, dead, residual, rng):
    """New encoder rows (n_dead, n_v), decoder columns (n_v, n_dead) and biases (n_dead,)
    for the ``dead`` latents, from the ``residual`` x − a3 (B, n_v) of a minibatch."""
    weight = np.sum(residual ** 2, axis=1) ** 2  # (B,)  ‖x − a3‖⁴: squared error, squared
    chosen = rng.choice(residual.shape[0], size=int(dead.sum()), p=weight / weight.sum())
    direction = residual[chosen]  # (n_dead, n_v)
    direction = direction / np.linalg.norm(direction, axis=1, keepdims=True)  # (n_dead, n_v)
    alive_norm = np.linalg.norm(W1[~dead], axis=1).mean() if (~dead).any() else 1.0
    return alive_norm * direction, direction.T, -RESAMPLE_THRESHOLD * alive_norm


@validated
@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def train_sae(sample, n_visible, n_latents, *, activation="relu", sparsity_weight=0.0, k=None,
              n_steps=1000, batch_size=1024, learning_rate=1e-3, dead_window=50_000,
              resample_every=None, resample_until=0.5, log_every=50, rng=None,
              dtype=np.float64, verbose=False, n_threads=None, fast=True):
    """Train a sparse autoencoder on freshly drawn minibatches.

    Parameters
    ----------
    sample : callable
        ``sample(B, rng) -> X_batch`` of shape (B, n_v), e.g. a wrapper around
        :func:`tinysae.modern.superposition.sample_superposition`. If it also has a method
        ``fill(out, rng)`` that draws ``out.shape[0]`` examples into ``out`` (as
        :func:`tinysae.modern.sampler`'s does), minibatches are drawn into one buffer of
        the training dtype instead.
    n_visible, n_latents : int
        n_v and n_h.
    activation : {"relu", "topk"}, default "relu"
        Latent nonlinearity; TopK needs ``k``.
    sparsity_weight : float, default 0.0
        β of the L1 penalty (use 0 with TopK).
    k : int, optional
        Latents kept per example for TopK.
    n_steps, batch_size : int
        Adam steps and examples per step.
    learning_rate : float, default 1e-3
        Adam's α (decayed to 0 over the last steps: :func:`tinysae.training.adam.learning_rate_at`).
    dead_window : int, default 50_000
        A latent silent on this many consecutive examples counts as dead.
    resample_every : int, optional
        Every so many steps, resample dead latents (never if None) ...
    resample_until : float, default 0.5
        ... but only during this leading share of the steps.
    log_every : int, default 50
        Record the minibatch loss, L0 and dead count every so many steps.
    rng : numpy.random.Generator, int or None
        Source of randomness for initialisation, data and resampling.
    dtype : numpy dtype, default float64
        Arithmetic precision (float32 moves half the bytes: faster).
    verbose : bool, default False
        Print each logged row.
    n_threads : int, optional
        Worker threads of the step (:class:`tinysae.modern.fast_step.FastStep`), each with a
        one-thread BLAS; None: one per available core (fewer on a small problem). The
        result does not depend on it.
    fast : bool, default True
        Run each step through :class:`~tinysae.modern.fast_step.FastStep`; with False, the
        readable step of the module docstring (``sae_loss_and_grad``, then
        ``projected_step``, in float64 whatever ``dtype`` says): the same parameters, slower.

    Returns
    -------
    SAEResult
        ``params`` (as in :func:`tinysae.modern.sae.init_sae`), ``history`` (lists under
        ``step, loss, l0, dead``) and ``resampled`` (how many re-pointings there were; a
        latent that dies again can be re-pointed more than once).
    """
    rng = np.random.default_rng(rng)
    data_mean = _first_batch(sample, 4 * batch_size, n_visible, rng).mean(axis=0)  # (n_v,)
    fill = getattr(sample, "fill", None)  # a Sampler draws into one buffer, in the dtype
    buffer = np.empty((batch_size, n_visible), dtype) if fill else None  # (B, n_v)
    params = init_sae(n_visible, n_latents, rng, data_mean)  # θ, float64
    state = None if fast else adam_init(params)  # Adam's t, m, v (FastStep keeps its own)
    silent_for = np.zeros(n_latents, dtype=np.int64)  # (n_h,) examples since last firing
    history, resampled = {"step": [], "loss": [], "l0": [], "dead": []}, 0
    in_place = FastStep(params, batch_size, activation=activation, k=k,
                        sparsity_weight=sparsity_weight, dtype=dtype,
                        n_threads=n_threads) if fast else contextlib.nullcontext()
    with in_place:  # (on leaving: the fast path's last update is done)
        for step in range(n_steps):
            X = fill(buffer, rng) if fill else check_data(  # (B, n_v) each batch
                "sample", sample(batch_size, rng), n_visible, dtype)
            alpha = learning_rate_at(step, n_steps, learning_rate)
            if fast:  # the same update, in place on buffers made once
                J = in_place.step(X, alpha)
                fired, l0 = in_place.fired, in_place.l0  # (n_h,), a number
            else:  # the readable step: the module docstring's four lines
                J, grads, cache = sae_loss_and_grad(params, X, sparsity_weight=sparsity_weight,
                                                    activation=activation, k=k,
                                                    return_cache=True)
                params, state = projected_step(params, grads, state, alpha)
                fired = cache["mask"].any(axis=0)  # (n_h,)
                l0 = float(cache["mask"].sum(axis=1).mean())
            silent_for = np.where(fired, 0, silent_for + batch_size)  # (n_h,)
            dead = silent_for >= dead_window  # (n_h,)
            if (resample_every and step % resample_every == resample_every - 1
                    and step < resample_until * n_steps and dead.any()):
                # the residual of this batch, from the parameters before this step's update
                if fast:
                    in_place.finish()  # (the update may still be running on the workers)
                    in_place.reset_latents(dead, *resampled_latents(
                        in_place.W1, dead, in_place.residual(), rng))
                else:
                    params, state = resample_dead(params, state, dead, X, cache["a3"], rng)
                resampled += int(dead.sum())
                silent_for[dead] = 0
            if step % log_every == 0 or step == n_steps - 1:
                row = (step, J, l0, int(dead.sum()))
                for key, value in zip(history, row):
                    history[key].append(value)
                if verbose:
                    print("step {:6d}  loss {:.5f}  L0 {:6.2f}  dead {:5d}".format(*row))
    return SAEResult(params=in_place.params() if fast else params, history=history,
                     resampled=resampled)


def _first_batch(sample, B, n_visible, rng):
    """``sample(B, rng)``, checked once: a finite real array of shape (B, n_visible)."""
    if not callable(sample):
        fail("sample", "a callable sample(B, rng) -> array of shape (B, n_visible)", sample,
             TypeError)
    batch = sample(B, rng)  # (B, n_v)
    if np.shape(batch) != (B, n_visible):
        fail("sample", f"a callable whose sample({B}, rng) has shape ({B}, {n_visible})",
             np.asarray(batch))
    return check_data("sample", batch)  # (B, n_v)

