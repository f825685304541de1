"""The 2008 model as a baseline on superposition data: sigmoid hidden units, KL sparsity, L-BFGS.

Shapes: X (m, n_v) examples, one per row; n_h hidden units.

The inputs of :mod:`tinysae.modern.superposition` are not in [0, 1], so the output layer is
linear (``decoder="linear"``, UFLDL "Linear decoders"); otherwise this is exactly
:func:`tinysae.loss_and_grad`, trained by :func:`tinysae.train` (L-BFGS,
the fast kernel, and its warning if L-BFGS gives up early). Its decoder
``W2`` (n_v, n_h) has one column per hidden unit, like the modern model's dictionary, so the
metrics of :mod:`tinysae.modern.metrics` apply to it unchanged.
"""

from tinysae.training.lbfgs import train


def train_2008(X, n_hidden, *, weight_decay=3e-3, sparsity_target=0.01, sparsity_weight=3.0,
               max_iter=200, rng=None):
    """Fit the sigmoid + KL sparse autoencoder with a linear decoder to ``X`` by L-BFGS.

    Parameters
    ----------
    X : ndarray of shape (m, n_v)
        Training examples, one per row.
    n_hidden : int
        n_h.
    weight_decay, sparsity_target, sparsity_weight : float
        λ, ρ and β of :func:`tinysae.loss_and_grad`.
    max_iter : int, default 200
        L-BFGS iterations.
    rng : numpy.random.Generator, int or None
        For the initial weights.

    Returns
    -------
    dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,).
    """
    return train(X, n_hidden, weight_decay=weight_decay, sparsity_target=sparsity_target,
                 sparsity_weight=sparsity_weight, sparsity="kl", decoder="linear",
                 max_iter=max_iter, rng=rng, verbose=False).params
