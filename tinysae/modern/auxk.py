"""TopK with the AuxK loss (Gao et al. 2024, "Scaling and evaluating sparse autoencoders").

Shapes, defined once for this module::

    m    examples      n_v  input dimensions      n_h  latents      k_aux  auxiliary latents

The model is :mod:`tinysae.modern.sae`'s TopK autoencoder (same W1, W2, b1, b2, same forward
pass, same tied initialisation W1 = W2ᵀ of :func:`~tinysae.modern.sae.init_sae`). A TopK
latent that never wins a place among the k largest gets no gradient and stays dead. AuxK
gives the dead ones something to learn: the k_aux largest pre-activations *among the dead
latents* try to reconstruct what the live model missed, the residual e = x − a3::

    e       = x − a3                       (m, n_v)   held constant (no gradient flows into it)
    a_aux   = TopK_{k_aux}(z2 on dead)     (m, n_h)   zero on live latents, then ReLU
    e_hat   = a_aux W2ᵀ                    (m, n_v)   no decoder bias: it reconstructs a residual
    J       = (1/m) Σ_i ½‖a3_i − x_i‖²  +  α (1/m) Σ_i ½‖e_hat_i − e_i‖²

Gao et al. use α = 1/32 and k_aux = n_v / 2. Because e is a constant, J is an ordinary
differentiable function of θ once e is given, and the gradient check treats it so: it
computes e at the point and holds it fixed (:func:`topk_auxk_loss_and_grad` takes it as an
argument; training passes the minibatch's own residual).
"""

import numpy as np

from tinysae.modern.sae import (hidden_delta, output_delta, parameter_gradients,
                                reconstruction_cost, sae_forward, topk_mask)

#: Gao et al.'s weight α of the auxiliary loss.
AUX_WEIGHT = 1 / 32


def aux_mask(z2, dead, k_aux):
    """True at the k_aux largest positive pre-activations of each row among the ``dead``
    latents (bool (n_h,)): (m, n_h). All False when no latent is dead."""
    n_dead = int(np.count_nonzero(dead))
    if n_dead == 0:
        return np.zeros(z2.shape, dtype=bool)  # (m, n_h)
    on_dead = np.where(dead, z2, -np.inf)  # (m, n_h)  live latents can never be chosen
    return topk_mask(on_dead, min(k_aux, n_dead))  # (m, n_h)


def aux_forward(z2, W2, dead, k_aux):
    """a_aux (m, n_h), its mask (m, n_h) and e_hat = a_aux W2ᵀ (m, n_v)."""
    mask = aux_mask(z2, dead, k_aux)  # (m, n_h)
    a_aux = z2 * mask  # (m, n_h)
    return a_aux, mask, a_aux @ W2.T  # (m, n_h), (m, n_h), (m, n_v)


def aux_cost(e_hat, residual, aux_weight):
    """α (1/m) Σ_i ½‖e_hat_i − e_i‖², a number."""
    return aux_weight * 0.5 * np.sum((e_hat - residual) ** 2) / residual.shape[0]


def aux_delta(e_hat, residual, aux_weight):
    """∂(α ½‖e_hat − e‖²)/∂e_hat = α (e_hat − e): (m, n_v)."""
    return aux_weight * (e_hat - residual)  # (m, n_v)


def topk_auxk_loss_and_grad(params, X, k, residual, dead, k_aux, aux_weight=AUX_WEIGHT):
    """J of TopK + AuxK and its gradient, the residual e held constant::

        J = (1/m) Σ ½‖a3 − x‖² + α (1/m) Σ ½‖e_hat − e‖²

    Backward, the auxiliary path beside the main one (both end in z2 = xc W1ᵀ + b1)::

        δ3     = a3 − x                            (m, n_v)
        δ_aux  = α (e_hat − e)                     (m, n_v)
        δ2     = δ3 W2 ∘ mask + δ_aux W2 ∘ mask_aux  (m, n_h)   the two masks never overlap
        ∇W2    = (1/m) (δ3ᵀ a2 + δ_auxᵀ a_aux)      (n_v, n_h)
        ∇W1, ∇b1, ∇b2 from δ2 as in the plain model (e_hat has no b2, so δ_aux adds none)

    Parameters
    ----------
    params : dict of ndarray
        ``W1, W2, b1, b2`` as in :func:`tinysae.modern.sae.init_sae`.
    X : ndarray of shape (m, n_v)
    k : int
        Latents kept per example by TopK.
    residual : ndarray of shape (m, n_v) or None
        e = x − a3 held constant; None: computed from this forward pass (as in training).
    dead : ndarray of bool, shape (n_h,)
        The latents counted as dead.
    k_aux : int
        Dead latents used per example by the auxiliary reconstruction.
    aux_weight : float
        α.

    Returns
    -------
    J : float
    grads : dict of ndarray
        Shaped like ``params``.
    cache : dict
        :func:`~tinysae.modern.sae.sae_forward`'s dict, plus ``a_aux``.
    """
    cache = sae_forward(params, X, "topk", k)
    if residual is None:  # training: this batch's own residual, a constant all the same
        residual = X - cache["a3"]  # (m, n_v)
    a_aux, mask_aux, e_hat = aux_forward(cache["z2"], params["W2"], dead, k_aux)
    J = reconstruction_cost(cache["a3"], X) + (  # no dead latent: no auxiliary loss
        aux_cost(e_hat, residual, aux_weight) if np.any(dead) else 0.0)
    delta3 = output_delta(cache["a3"], X)  # (m, n_v)
    delta_aux = aux_delta(e_hat, residual, aux_weight)  # (m, n_v)
    delta2 = (hidden_delta(delta3, params["W2"], cache["mask"], 0.0)
              + hidden_delta(delta_aux, params["W2"], mask_aux, 0.0))  # (m, n_h)
    grads = parameter_gradients(cache, delta2, delta3, params["W1"])
    grads["W2"] = grads["W2"] + delta_aux.T @ a_aux / X.shape[0]  # (n_v, n_h)
    return float(J), grads, {**cache, "a_aux": a_aux}
