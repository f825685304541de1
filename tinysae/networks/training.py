"""Training the character model with Adam on random windows, and its bits per character.

Shapes: N characters of text (``ids``, (N,)), m windows of T characters, V = 97.

A position p of the text stands for "the model has read up to and including character p":
its window is ``ids[p−T+1 : p+1]`` and its target ``ids[p+1]``, so the valid positions are
T − 1 ≤ p ≤ N − 2. Each Adam step (:mod:`tinysae.training.adam`) takes a minibatch of
positions drawn uniformly from the training text; the learning rate decays linearly to zero
over the last steps (:func:`tinysae.training.adam.learning_rate_at`, as in ``train_sae``).
numpy's BLAS runs on one thread during training and evaluation: the products are small, on
a small machine a second thread mostly waits for the first, and one thread gives the same
numbers on any number of cores.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from tinysae.validation.checks import fail
from tinysae.networks.char_mlp import context_of, cross_entropy, init_lm, lm_forward, lm_loss_and_grad
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.runtime.heap_reuse import reuse_freed_heap
from tinysae.training.adam import adam_init, apply_adam, learning_rate_at
from tinysae.validation.validated import validated

#: Windows per forward pass when a whole text is evaluated (bounds the memory).
EVAL_CHUNK = 8192


@dataclass
class LMResult:
    """What :func:`train_lm` returns: the model's ``params`` (float64 arrays) and ``history``."""
    params: dict
    history: dict = field(default_factory=dict)
    seconds: float = 0.0


def check_ids(ids, context):
    """``ids`` as a 1-D integer array long enough for one window of ``context`` and a target."""
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu" or ids.ndim != 1 or ids.size < context + 1:
        fail("ids", f"a 1-D integer array of at least context + 1 = {context + 1} ids", ids)
    return ids


def valid_positions(ids, context):
    """Every position p with a full window and a target: T − 1 … N − 2, (N − T,)."""
    return np.arange(context - 1, check_ids(ids, context).size - 1)


def windows_at(ids, positions, context):
    """The windows ending at ``positions`` (m, T) and the characters after them (m,)."""
    positions = np.asarray(positions)
    if positions.size and (positions.min() < context - 1 or positions.max() > ids.size - 2):
        fail("positions", f"positions in [{context - 1}, {ids.size - 2}] (a full window "
             "before, a character after)", positions)
    windows = np.lib.stride_tricks.sliding_window_view(ids, context)  # (N − T + 1, T) a view
    return windows[positions - context + 1], ids[positions + 1]  # (m, T), (m,)


def random_positions(ids, n, context, rng):
    """n positions drawn uniformly, with replacement, from the valid ones: (n,)."""
    return rng.integers(context - 1, ids.size - 1, size=n)


@validated
@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def train_lm(ids, context, n_embed, n_neurons, n_layers=1, *, n_steps=1000, batch_size=256,
             learning_rate=3e-3, log_every=100, rng=None, dtype=np.float32, verbose=False):
    """Fit the model of :mod:`tinysae.networks.char_mlp` to the text ``ids`` with Adam.

    Parameters
    ----------
    ids : int ndarray of shape (N,)
        The training text, e.g. ``stdlib_corpus().ids["train"]``.
    context, n_embed, n_neurons, n_layers : int
        T, d, n_h and L of :func:`tinysae.networks.char_mlp.init_lm`.
    n_steps, batch_size : int
        Adam steps, and windows per step.
    learning_rate : float
        Adam's α (linear decay to 0 over the last steps).
    log_every : int
        Steps between logged (and, with ``verbose``, printed) rows of the minibatch loss.
    rng : numpy.random.Generator, int or None
    dtype : float32 (default: half the bytes, faster) or float64

    Returns
    -------
    LMResult
        ``params``, ``history`` (``step``, ``bits``: the minibatch's bits per character).
    """
    ids = check_ids(ids, context)
    rng = np.random.default_rng(rng)
    model = {n: p.astype(dtype) for n, p in init_lm(context, n_embed, n_neurons, n_layers,
                                                   rng).items()}

    def batch_loss_and_grad(model):
        windows, targets = windows_at(ids, random_positions(ids, batch_size, context, rng),
                                      context)  # (B, T), (B,)
        return lm_loss_and_grad(model, windows, targets)
    return fit_with_adam(model, batch_loss_and_grad, n_steps, learning_rate, log_every,
                         verbose)


def fit_with_adam(model, batch_loss_and_grad, n_steps, learning_rate, log_every, verbose):
    """The language models' training loop: Adam on ``batch_loss_and_grad(model)`` (J in nats
    per character and the gradients, on a fresh minibatch each call), the learning rate
    decaying as :func:`~tinysae.training.adam.learning_rate_at` says; an LMResult in float64.
    Each step reuses the heap the step before it freed
    (:func:`~tinysae.runtime.heap_reuse.reuse_freed_heap`)."""
    state, history, start = adam_init(model), {"step": [], "bits": []}, time.perf_counter()
    with reuse_freed_heap():
        for step in range(n_steps):
            J, grads = batch_loss_and_grad(model)
            model, state = apply_adam(model, grads, state,
                                      learning_rate_at(step, n_steps, learning_rate))
            if step % log_every == 0 or step == n_steps - 1:
                history["step"].append(step)
                history["bits"].append(J / np.log(2))
                if verbose:
                    print(f"step {step:6d}  {J / np.log(2):.3f} bits/char  "
                          f"{time.perf_counter() - start:5.1f} s", flush=True)
    return LMResult({n: p.astype(np.float64) for n, p in model.items()}, history,
                    time.perf_counter() - start)


@limit_blas_threads(numpy_threads=1)
def bits_per_character(model, ids, positions=None):
    """The model's mean −log₂ p(next character) over ``positions`` of ``ids`` (default: all)."""
    context = context_of(model)
    positions = valid_positions(ids, context) if positions is None else np.asarray(positions)
    total = 0.0
    for start in range(0, positions.size, EVAL_CHUNK):
        chunk = positions[start:start + EVAL_CHUNK]
        windows, targets = windows_at(ids, chunk, context)
        J, _ = cross_entropy(lm_forward(model, windows)["logits"], targets)
        total += J * chunk.size
    return total / positions.size / np.log(2)
