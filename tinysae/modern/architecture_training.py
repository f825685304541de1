"""Minibatch training of today's SAEs: TopK + AuxK, JumpReLU, BatchTopK, Matryoshka.

Shapes, defined once for this module::

    B    examples in a minibatch     n_v  input dimensions     n_h  latents

One step, the same for every architecture (as :mod:`tinysae.modern.training`'s, written
plainly rather than through the fast kernel)::

    J, g   = <architecture>_loss_and_grad(θ, X_batch)   the hand-written backward
    g_W2  ← g_W2 − W2 diag(W2ᵀ g_W2)                     no gradient along a decoder column
    θ     ← adam_step(θ, g)                              (JumpReLU: θ includes the thresholds)
    W2    ← W2 / ‖W2‖ (per column)                       back onto the unit sphere

Every run starts from the tied initialisation W1 = W2ᵀ (:func:`~tinysae.modern.sae.init_sae`;
Gao et al. find it keeps TopK latents alive). After training, each is a dictionary to
encode with (:func:`architecture_forward`): TopK + AuxK keeps the k largest per example;
JumpReLU, BatchTopK and Matryoshka are JumpReLUs at inference — BatchTopK's and
Matryoshka's with one global threshold, the mean over the last LR_DECAY_FRACTION of the
steps of the smallest activation each batch kept (Bussmann et al.).

numpy's BLAS runs on one thread during training, as in :func:`tinysae.modern.train_sae`: the
products are small, and one thread gives the same numbers on any number of cores.
"""

from dataclasses import dataclass, field

import numpy as np

from tinysae.modern.auxk import AUX_WEIGHT, topk_auxk_loss_and_grad
from tinysae.modern.batchtopk import (batchtopk_loss_and_grad, kept_minimum,
                                      matryoshka_loss_and_grad)
from tinysae.modern.jumprelu import (BANDWIDTH, MIN_THRESHOLD, THRESHOLD_INIT,
                                     jumprelu_forward, jumprelu_loss_and_grad)
from tinysae.modern.sae import init_sae, normalize_columns, remove_parallel_component, sae_forward
from tinysae.modern.training import _first_batch
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.training.adam import LR_DECAY_FRACTION, adam_init, apply_adam, learning_rate_at
from tinysae.validation.checks import check_data, fail
from tinysae.validation.validated import validated

#: The architectures, by the name ``train_architecture`` takes.
ARCHITECTURES = ("topk_auxk", "jumprelu", "batchtopk", "matryoshka")


@dataclass
class ArchitectureResult:
    """What :func:`train_architecture` returns.

    ``params`` (W1, W2, b1, b2), the ``architecture`` and its ``k`` (None for JumpReLU), the
    inference ``threshold`` (n_h,) (None for TopK + AuxK), the training ``history`` (lists
    under ``step, loss, l0, dead``) and, for Matryoshka, its ``prefixes``.
    """
    params: dict
    architecture: str
    k: int = None
    threshold: np.ndarray = None
    history: dict = field(default_factory=dict)
    prefixes: tuple = None


def architecture_forward(result, X):
    """The inference forward pass of a trained SAE: dict with ``xc, z2, a2, mask, a3``.

    TopK + AuxK: TopK (the AuxK loss only trains); the others: JumpReLU with ``threshold``.
    """
    X = check_data("X", X, result.params["W1"].shape[1])  # (m, n_v)
    if result.architecture == "topk_auxk":
        return sae_forward(result.params, X, "topk", result.k)
    return jumprelu_forward(result.params, result.threshold, X)


def matryoshka_prefixes(n_latents, n_prefixes=4):
    """Prefix lengths n_h/2^(P−1), …, n_h/2, n_h: each prefix doubles the last."""
    return tuple(n_latents >> (n_prefixes - 1 - p) for p in range(n_prefixes))


def _loss_and_grad(architecture, params, X, *, k, dead, k_aux, aux_weight, sparsity_weight,
                   bandwidth, prefixes):
    """``J, grads, cache`` of one minibatch (the thresholds are ``params["threshold"]``)."""
    weights = {name: params[name] for name in ("W1", "W2", "b1", "b2")}
    if architecture == "topk_auxk":
        return topk_auxk_loss_and_grad(weights, X, k, None, dead, k_aux, aux_weight)
    if architecture == "jumprelu":
        return jumprelu_loss_and_grad(weights, params["threshold"], X, sparsity_weight,
                                      bandwidth)
    if architecture == "batchtopk":
        return batchtopk_loss_and_grad(weights, X, k)
    return matryoshka_loss_and_grad(weights, X, k, prefixes)


@validated
@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def train_architecture(sample, n_visible, n_latents, architecture, *, k=None,
                       sparsity_weight=0.0, k_aux=None, aux_weight=AUX_WEIGHT,
                       threshold_init=THRESHOLD_INIT, bandwidth=BANDWIDTH, prefixes=None,
                       n_steps=1000, batch_size=1024, learning_rate=1e-3, dead_window=50_000,
                       log_every=50, rng=None, dtype=np.float64, verbose=False):
    """Train one of today's sparse autoencoders on freshly drawn minibatches.

    Parameters
    ----------
    sample : callable
        ``sample(B, rng) -> X_batch`` of shape (B, n_v), as for :func:`tinysae.modern.train_sae`.
    n_visible, n_latents : int
        n_v and n_h.
    architecture : {"topk_auxk", "jumprelu", "batchtopk", "matryoshka"}
        TopK + AuxK needs ``k``; BatchTopK and Matryoshka need ``k`` (the mean L0);
        JumpReLU needs ``sparsity_weight``.
    k : int, optional
        Latents kept per example (on average over the batch, for BatchTopK and Matryoshka).
    sparsity_weight : float, default 0.0
        λ of JumpReLU's L0 penalty.
    k_aux : int, optional
        AuxK's dead latents per example; None: n_v // 2 (Gao et al.).
    aux_weight : float, default 1/32
        α of the AuxK loss.
    threshold_init, bandwidth : float, default 1e-3
        JumpReLU's initial θ and the pseudo-derivative's kernel width ε, in the units of
        the pre-activations.
    prefixes : tuple of int, optional
        Matryoshka's nested prefix lengths, increasing, the last n_h; None:
        :func:`matryoshka_prefixes`.
    n_steps, batch_size, learning_rate : as for :func:`tinysae.modern.train_sae`.
    dead_window : int, default 50_000
        A latent silent on this many consecutive examples counts as dead (and AuxK uses it).
    log_every : int, default 50
        Record the minibatch loss, L0 and dead count every so many steps.
    rng : numpy.random.Generator, int or None
    dtype : numpy dtype, default float64
        Arithmetic precision.
    verbose : bool, default False
        Print each logged row.

    Returns
    -------
    ArchitectureResult
    """
    rng = np.random.default_rng(rng)
    k_aux = n_visible // 2 if k_aux is None else k_aux
    if architecture == "matryoshka":
        prefixes = matryoshka_prefixes(n_latents) if prefixes is None else _checked_prefixes(
            prefixes, n_latents)
    data_mean = _first_batch(sample, 4 * batch_size, n_visible, rng).mean(axis=0)  # (n_v,)
    params = {name: p.astype(dtype) for name, p in
              init_sae(n_visible, n_latents, rng, data_mean).items()}
    if architecture == "jumprelu":
        params["threshold"] = np.full(n_latents, threshold_init, dtype)  # (n_h,)
    state = adam_init(params)
    silent_for = np.zeros(n_latents, dtype=np.int64)  # (n_h,) examples since last firing
    history = {"step": [], "loss": [], "l0": [], "dead": []}
    kept, decay_start = [], (1 - LR_DECAY_FRACTION) * n_steps
    for step in range(n_steps):
        X = check_data("sample", sample(batch_size, rng), n_visible, dtype)  # (B, n_v)
        dead = silent_for >= dead_window  # (n_h,)
        J, grads, cache = _loss_and_grad(
            architecture, params, X, k=k, dead=dead, k_aux=k_aux, aux_weight=aux_weight,
            sparsity_weight=sparsity_weight, bandwidth=bandwidth, prefixes=prefixes)
        grads["W2"] = remove_parallel_component(grads["W2"], params["W2"])  # (n_v, n_h)
        params, state = apply_adam(params, grads, state,
                                   learning_rate_at(step, n_steps, learning_rate))
        params["W2"] = normalize_columns(params["W2"])  # (n_v, n_h)
        if architecture == "jumprelu":
            params["threshold"] = np.maximum(params["threshold"], MIN_THRESHOLD)  # (n_h,)
        fired = np.any(cache["a2"] != 0, axis=0)  # (n_h,)
        silent_for = np.where(fired, 0, silent_for + batch_size)  # (n_h,)
        if step >= decay_start:
            kept.append(kept_minimum(cache["a2"]))
        if step % log_every == 0 or step == n_steps - 1:
            row = (step, J, float(np.count_nonzero(cache["a2"]) / batch_size),
                   int(dead.sum()))
            for key, value in zip(history, row):
                history[key].append(value)
            if verbose:
                print("step {:6d}  loss {:.5f}  L0 {:6.2f}  dead {:5d}".format(*row))
    threshold = params.pop("threshold", None)
    if architecture in ("batchtopk", "matryoshka"):
        threshold = np.full(n_latents, np.mean(kept), dtype)  # (n_h,)  one global θ
    return ArchitectureResult(params=params, architecture=architecture,
                              k=None if architecture == "jumprelu" else k,
                              threshold=threshold, history=history, prefixes=prefixes)


def _checked_prefixes(prefixes, n_latents):
    """Increasing positive integers ending at n_latents, as a tuple."""
    values = tuple(int(p) for p in np.ravel(prefixes)) if np.ndim(prefixes) <= 1 else ()
    if (not values or values[-1] != n_latents or values[0] < 1
            or any(b <= a for a, b in zip(values, values[1:]))
            or np.any(np.ravel(prefixes) != np.array(values))):
        fail("prefixes", f"increasing positive integers ending at n_latents = {n_latents}",
             prefixes)
    return values
