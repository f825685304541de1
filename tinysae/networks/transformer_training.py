"""Training the small transformer with Adam on random windows of the text.

Shapes: N characters of text ``ids`` (N,), B windows per step, T = n_ctx.

Each step draws B windows of T + 1 characters uniformly from the training text; the model
reads the first T and every position predicts the character after it, so one window gives T
predictions (the first with one character of context, the last with T). Adam
(:mod:`tinysae.training.adam`) with the learning rate decaying linearly to zero over the
last steps, as for the character MLP (:func:`tinysae.networks.train_lm`). numpy's BLAS runs
on one thread during training, as there: the products are small, and a seed gives the same
model whatever the caller's thread settings.
"""

import numpy as np

from tinysae.networks.training import check_ids, fit_with_adam, random_positions, windows_at
from tinysae.networks.transformer import init_transformer, transformer_loss_and_grad
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.validation.validated import validated


def training_windows(ids, batch_size, n_ctx, rng):
    """B random windows of n_ctx + 1 characters: (B, n_ctx + 1)."""
    starts = random_positions(ids, batch_size, n_ctx + 1, rng)  # (B,) last read position
    return windows_at(ids, starts, n_ctx + 1)[0]  # (B, T + 1)


@validated
@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def train_transformer(ids, n_layers, d_model, n_heads, d_mlp, n_ctx, *, n_steps=1000,
                      batch_size=32, learning_rate=3e-3, log_every=100, rng=None,
                      dtype=np.float32, verbose=False):
    """Fit :mod:`tinysae.networks.transformer` to the text ``ids`` with Adam.

    Parameters
    ----------
    ids : int ndarray of shape (N,)
        The training text, e.g. ``stdlib_corpus().ids["train"]``.
    n_layers, d_model, n_heads, d_mlp, n_ctx : int
        As in :func:`tinysae.networks.transformer.init_transformer`.
    n_steps, batch_size : int
        Adam steps, and windows (of n_ctx predictions each) per step.
    learning_rate : float
        Adam's α (linear decay to 0 over the last steps).
    log_every : int
        Steps between logged (and, with ``verbose``, printed) rows of the minibatch loss.
    rng : numpy.random.Generator, int or None
    dtype : float32 (default) or float64

    Returns
    -------
    LMResult
        ``params`` (float64), ``history`` (``step``, ``bits``: the minibatch's bits per
        character over all its positions), ``seconds``.
    """
    ids = check_ids(ids, n_ctx + 1)
    rng = np.random.default_rng(rng)
    model = {name: p.astype(dtype) for name, p in
             init_transformer(n_layers, d_model, n_heads, d_mlp, n_ctx, rng).items()}

    def batch_loss_and_grad(model):
        tokens = training_windows(ids, batch_size, n_ctx, rng).astype(np.intp)  # (B, T + 1)
        return transformer_loss_and_grad(model, tokens)
    return fit_with_adam(model, batch_loss_and_grad, n_steps, learning_rate, log_every,
                         verbose)
