"""STUB (being replaced by the fast path): the loss-and-gradient factory used by training."""

from tinysae.autoencoder import loss_and_grad


def make_loss_and_grad(X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
                       sparsity_weight=3.0, sparsity="kl", decoder="sigmoid",
                       dtype=None, chunk_size=None):
    """Return ``fun(theta) -> (J, grad)`` for fixed data and hyperparameters."""
    def fun(theta):
        return loss_and_grad(theta, X, n_hidden, weight_decay=weight_decay,
                             sparsity_target=sparsity_target, sparsity_weight=sparsity_weight,
                             sparsity=sparsity, decoder=decoder)
    return fun
