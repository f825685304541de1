"""tinysae: a small, exact, fast, pure-NumPy sparse autoencoder to learn from.

The model is the one of the CS294A "Sparse autoencoder" notes (UFLDL): one hidden layer
of sigmoid units, squared-error reconstruction, weight decay and a KL sparsity penalty.
"""

__version__ = "0.1.0"

from tinysae.autoencoder import (  # noqa: F401
    cost_terms,
    forward,
    hidden_activations,
    init_params,
    loss_and_grad,
    n_params,
    pack,
    sigmoid,
    unpack,
)
from tinysae.gradcheck import (  # noqa: F401
    CHECK_EPSILON,
    GRADIENT_CHECK_THRESHOLD,
    gradient_check,
    numerical_gradient,
    relative_difference,
)

# Further public names are imported below, one block per module.
