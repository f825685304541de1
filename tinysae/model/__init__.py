"""The math: the notes' equations by hand, a fast kernel that agrees, and gradient checks.

The gradient checker holds both to the notes. Imports numpy (and threadpoolctl, for the
fast kernel's threads), never the data, training or picture layers.

- :mod:`~tinysae.model.parameters` — W1, W2, b1, b2 and θ: shapes, order, and their checks;
- :mod:`~tinysae.model.sparse_autoencoder` — initial values, forward, each cost term beside
  its derivative, backpropagation, ``loss_and_grad`` (the readable reference);
- :mod:`~tinysae.model.per_example_loop` — the same cost one example at a time;
- :mod:`~tinysae.model.fast_kernel` and :mod:`~tinysae.model.fast_kernel_blocks` — the same
  J and gradient near the BLAS floor;
- :mod:`~tinysae.model.gradient_check` — centred differences and UFLDL's ratio.
"""
