"""Minibatch training of the sparse crosscoder: Adam, a warm-up of β, the learning-rate decay.

Shapes: B examples per minibatch, L layers, n_v units per layer, n_h latents.

One step::

    X      = sample(B, rng)                                   (B, L, n_v)
    β_t    = β · min(1, t / (SPARSITY_WARMUP · n_steps))      the penalty grows in at the start
    J, g   = crosscoder_loss_and_grad(θ, X, β_t)             tinysae.modern.crosscoder
    θ     ← apply_adam(θ, g)                                  α decays to 0 at the end

Unlike the SAE of :mod:`tinysae.modern.training`, the decoder columns are not held at unit
length: the penalty already charges each latent its decoder norms, so making a2 small and
the decoder long gains nothing. The warm-up lets latents find directions before the penalty
pushes the weak ones to zero (Anthropic trains its crosscoders and SAEs this way). numpy's
BLAS runs on one thread during training, as in :func:`tinysae.modern.train_sae`.
"""

from dataclasses import dataclass, field

import numpy as np

from tinysae.validation.checks import fail
from tinysae.training.adam import adam_init, apply_adam, learning_rate_at
from tinysae.modern.crosscoder import crosscoder_loss_and_grad, init_crosscoder
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.validation.validated import validated

#: Share of the steps at the start over which β rises linearly from 0.
SPARSITY_WARMUP = 0.05


@dataclass
class CrosscoderResult:
    """What :func:`train_crosscoder` returns: ``params`` (float64) and the logged ``history``."""
    params: dict
    history: dict = field(default_factory=dict)


@validated
@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def train_crosscoder(sample, n_layers, n_visible, n_latents, *, sparsity_weight=1.0,
                     n_steps=1000, batch_size=1024, learning_rate=1e-3, dead_window=50_000,
                     log_every=50, rng=None, dtype=np.float32, verbose=False):
    """Train a crosscoder on freshly drawn minibatches of every layer's activations.

    Parameters
    ----------
    sample : callable
        ``sample(B, rng) -> X`` of shape (B, L, n_v), e.g.
        :func:`tinysae.networks.activation_sampler` with ``layer=None``.
    n_layers, n_visible, n_latents : int
        L, n_v and n_h.
    sparsity_weight : float
        β of the decoder-norm-weighted L1 penalty (reached after the warm-up).
    n_steps, batch_size : int
        Adam steps and examples per step.
    learning_rate : float
        Adam's α (decays linearly to 0 over the last steps).
    dead_window : int
        A latent silent on this many consecutive examples counts as dead in the log.
    log_every : int
        Steps between logged rows (``step, loss, l0, fvu, dead``).
    rng : numpy.random.Generator, int or None
    dtype : float32 (default) or float64
    verbose : bool
        Print each logged row.

    Returns
    -------
    CrosscoderResult
    """
    rng = np.random.default_rng(rng)
    if not callable(sample):
        fail("sample", "a callable sample(B, rng) -> array of shape (B, L, n_v)", sample,
             TypeError)
    first = np.asarray(sample(4 * batch_size, rng), dtype=np.float64)  # (4B, L, n_v)
    if first.shape != (4 * batch_size, n_layers, n_visible) or not np.all(np.isfinite(first)):
        fail("sample", f"a callable whose sample(B, rng) is finite, of shape (B, {n_layers}, "
             f"{n_visible})", first)
    coder = init_crosscoder(n_layers, n_visible, n_latents, rng)
    coder["b2"] = first.mean(axis=0)  # (L, n_v)
    coder = {name: p.astype(dtype) for name, p in coder.items()}
    state, silent_for = adam_init(coder), np.zeros(n_latents, dtype=np.int64)  # (n_h,)
    history = {"step": [], "loss": [], "l0": [], "fvu": [], "dead": []}
    for step in range(n_steps):
        X = np.asarray(sample(batch_size, rng), dtype=dtype)  # (B, L, n_v)
        beta = sparsity_weight * min(1.0, step / max(1.0, SPARSITY_WARMUP * n_steps))
        J, grads, cache = crosscoder_loss_and_grad(coder, X, sparsity_weight=beta,
                                                   return_cache=True)
        coder, state = apply_adam(coder, grads, state,
                                   learning_rate_at(step, n_steps, learning_rate))
        silent_for = np.where(cache["mask"].any(axis=0), 0, silent_for + batch_size)  # (n_h,)
        if step % log_every == 0 or step == n_steps - 1:
            residual = np.sum((X - cache["a3"]) ** 2)
            row = (step, J, float(cache["mask"].sum(axis=1).mean()),
                   float(residual / np.sum((X - X.mean(axis=0)) ** 2)),
                   int(np.sum(silent_for >= dead_window)))
            for key, value in zip(history, row):
                history[key].append(value)
            if verbose:
                print("step {:6d}  loss {:.4f}  L0 {:6.2f}  FVU {:.3f}  dead {:5d}".format(*row),
                      flush=True)
    return CrosscoderResult({n: p.astype(np.float64) for n, p in coder.items()}, history)
