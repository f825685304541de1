"""The sparse autoencoder cost one example at a time, as the CS294A notes first derive it.

Shapes as in :mod:`tinysae.model.sparse_autoencoder`: one example ``x`` is a vector (n_v,),
the notes' column. The notes' §2 backpropagation algorithm runs per example and sums the
gradients; the sparsity term needs ρ̂, the mean activation over *all* examples, so a first
loop computes ρ̂ (forward passes only) before the second one backpropagates (notes §3).

This is slow on purpose: it is what :func:`tinysae.loss_and_grad` vectorises (lesson 05).
"""

import numpy as np

from tinysae.model.parameters import pack, unpack
from tinysae.model.sparse_autoencoder import kl_divergence, sigmoid, sparsity_delta
from tinysae.validation.validated import validated


@validated
def loss_and_grad_loop(theta, X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
                       sparsity_weight=3.0, sparsity="kl", decoder="sigmoid"):
    """J and ∂J/∂theta by a Python loop over examples; same parameters and results as
    :func:`tinysae.loss_and_grad` (agreement to ~1e-12, tested).

    For each example (notes §2): a2 = f(W1 x + b1), a3 = f(W2 a2 + b2),
    δ3 = −(x − a3) ∘ f′(z3), δ2 = (W2ᵀδ3 + sparsity term) ∘ f′(z2), then
    ∇W1 += δ2 xᵀ, ∇W2 += δ3 a2ᵀ, ∇b1 += δ2, ∇b2 += δ3; finally divide by m and add λW.
    """
    params = unpack(theta, X.shape[1], n_hidden)
    W1, W2, b1, b2 = params["W1"], params["W2"], params["b1"], params["b2"]
    lam, rho, beta = weight_decay, sparsity_target, sparsity_weight
    linear = decoder == "linear"
    m = X.shape[0]
    # loop 1: ρ̂_j = (1/m) Σ_i a2_j(x_i)
    rho_hat = np.zeros(W1.shape[0])  # (n_h,)
    for x in X:  # x: (n_v,)
        rho_hat += sigmoid(W1 @ x + b1)  # (n_h,)
    rho_hat /= m
    sparsity_term = sparsity_delta(rho_hat, rho, beta, sparsity)  # (n_h,)
    # loop 2: backpropagation, one example at a time
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    reconstruction = 0.0
    for x in X:  # x: (n_v,)
        a2 = sigmoid(W1 @ x + b1)  # (n_h,)
        z3 = W2 @ a2 + b2  # (n_v,)
        a3 = z3 if linear else sigmoid(z3)  # (n_v,)
        reconstruction += 0.5 * np.sum((a3 - x) ** 2)
        delta3 = (a3 - x) if linear else (a3 - x) * a3 * (1 - a3)  # (n_v,)
        delta2 = (W2.T @ delta3 + sparsity_term) * a2 * (1 - a2)  # (n_h,)
        grads["W1"] += np.outer(delta2, x)  # (n_h, n_v)
        grads["W2"] += np.outer(delta3, a2)  # (n_v, n_h)
        grads["b1"] += delta2  # (n_h,)
        grads["b2"] += delta3  # (n_v,)
    for k in grads:
        grads[k] /= m
    grads["W1"] += lam * W1  # (n_h, n_v)
    grads["W2"] += lam * W2  # (n_v, n_h)
    if sparsity == "l1":
        penalty = beta * np.sum(rho_hat)  # = β (1/m) Σ_ij |a2_ij|, since a2 > 0
    else:
        penalty = beta * np.sum(kl_divergence(rho, rho_hat))
    J = reconstruction / m + 0.5 * lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2)) + penalty
    return float(J), pack(grads)
