"""JumpReLU with an L0 penalty (Rajamanoharan et al. 2024, "Jumping ahead"), by hand.

Shapes, defined once for this module::

    m    examples      n_v  input dimensions      n_h  latents

The weights are :mod:`tinysae.modern.sae`'s (W1, W2, b1, b2, unit-norm decoder columns);
each latent j also has a threshold θ_j > 0, below which it is switched off::

    z2  = (x − b2) W1ᵀ + b1                  (m, n_h)
    a2  = JumpReLU_θ(z2) = z2 ∘ H(z2 − θ)    (m, n_h)   H the Heaviside step
    a3  = a2 W2ᵀ + b2                        (m, n_v)
    J   = (1/m) Σ_i ½‖a3_i − x_i‖²  +  λ (1/m) Σ_ij H(z2_ij − θ_j)      (λ: sparsity_weight)

The second term *is* L0, the count of active latents. Its derivative is zero almost
everywhere, and so is the derivative of a2 with respect to θ: only the jump at z2 = θ
depends on θ, and a jump has a Dirac delta for its derivative. As a function of θ, J is
piecewise constant with jumps, and a gradient check cannot apply to it as is.

**The pseudo-derivative.** Rajamanoharan et al. replace the delta by a narrow kernel of
bandwidth ε, the rectangle K(u) = 1 for −½ < u < ½ (else 0), *for the derivatives with
respect to θ only*::

    ∂H(z − θ)/∂θ          := −(1/ε) K((z − θ)/ε)
    ∂JumpReLU_θ(z)/∂θ     := −(θ/ε) K((z − θ)/ε)

With respect to z2 the derivatives stay the exact ones (H(z2 − θ) for a2, 0 for the L0
term). So the gradient of θ comes only from examples whose pre-activation lies within ε/2 of
the threshold: a latent that fires just above θ tells θ whether switching it off would cost
more reconstruction (the first term, weighted by θ, the size of the jump) than the λ it saves.

**How the tests check it.** The rectangle kernel is the derivative of a ramp:
H_ε(u) = clip(u/ε + ½, 0, 1) is H smoothed over a window of width ε, and
∂H_ε(z − θ)/∂θ = −(1/ε) K((z − θ)/ε) exactly. So

- W1, W2, b1, b2 are checked as usual, by centred differences of J (the L0 term is flat in
  them, the pre-activations are kept away from θ);
- θ's L0 part is checked by centred differences of the *kernel-smoothed* L0,
  λ (1/m) Σ H_ε(z2 − θ) (:func:`smoothed_l0_cost`), to the usual 1e-9: the pseudo-derivative
  is the exact derivative of that function;
- θ's reconstruction part, −(θ/ε) K, is the derivative of the smoothed z2 ∘ H_ε(z2 − θ) with
  the size of the jump read at the threshold (θ) rather than at z2 (they differ by at most
  ε/2) and the forward pass left unsmoothed; a test holds it to the centred difference of
  the smoothed reconstruction ½‖(z2 ∘ H_ε(z2 − θ)) W2ᵀ + b2 − x‖² within 10%, where a
  pseudo-derivative of the wrong sign or scale is off by 100% or more.
"""

import numpy as np

from tinysae.modern.sae import (output_delta, parameter_gradients, reconstruction_cost)

#: The initial threshold and the kernel's bandwidth, as fractions of the pre-activations'
#: typical size (Rajamanoharan et al. use 0.001 for both, on inputs scaled to E‖x‖² = n_v).
THRESHOLD_INIT, BANDWIDTH = 1e-3, 1e-3

#: A threshold is kept at least this large after each step: a negative θ would make a2 = z2
#: below zero, and the pseudo-derivative's weight θ would change sign.
MIN_THRESHOLD = 1e-6


# ---------------------------------------------------------- the step, its kernel, its ramp

def rectangle(u):
    """K(u) = 1 where −½ < u < ½, else 0: the kernel of the pseudo-derivative."""
    return ((u > -0.5) & (u < 0.5)).astype(float)


def step(z2, threshold):
    """H(z2 − θ): 1.0 where a latent is on, (m, n_h)."""
    return (z2 > threshold).astype(z2.dtype)  # (m, n_h)


def step_pseudo_derivative(z2, threshold, bandwidth):
    """∂H(z2 − θ)/∂θ := −(1/ε) K((z2 − θ)/ε): (m, n_h)."""
    return -rectangle((z2 - threshold) / bandwidth) / bandwidth  # (m, n_h)


def smoothed_step(z2, threshold, bandwidth):
    """H_ε(z2 − θ) = clip((z2 − θ)/ε + ½, 0, 1), whose θ-derivative is exactly
    :func:`step_pseudo_derivative`: (m, n_h). Used by the checks, not by training."""
    return np.clip((z2 - threshold) / bandwidth + 0.5, 0.0, 1.0)  # (m, n_h)


# ----------------------------------------------------------------------------- forward pass

def jumprelu_forward(params, threshold, X):
    """The forward pass::

        xc = X − b2                    (m, n_v)
        z2 = xc W1ᵀ + b1               (m, n_h)
        mask = H(z2 − θ)               (m, n_h)   ∂a2/∂z2
        a2 = z2 ∘ mask                 (m, n_h)
        a3 = a2 W2ᵀ + b2               (m, n_v)

    Returns a dict with ``xc, z2, a2, mask, a3``, like :func:`tinysae.modern.sae_forward`.
    """
    xc = X - params["b2"]  # (m, n_v)
    z2 = xc @ params["W1"].T + params["b1"]  # (m, n_h)
    mask = z2 > threshold  # (m, n_h)
    a2 = z2 * mask  # (m, n_h)
    a3 = a2 @ params["W2"].T + params["b2"]  # (m, n_v)
    return {"xc": xc, "z2": z2, "a2": a2, "mask": mask, "a3": a3}


# ------------------------------------------------- each term of J, then its derivative

def l0_cost(z2, threshold, sparsity_weight):
    """λ (1/m) Σ_ij H(z2_ij − θ_j), a number."""
    return sparsity_weight * np.sum(step(z2, threshold)) / z2.shape[0]


def l0_threshold_gradient(z2, threshold, sparsity_weight, bandwidth):
    """∂(λ L0)/∂θ := λ (1/m) Σ_i −(1/ε) K((z2_i − θ)/ε): (n_h,)."""
    return sparsity_weight * step_pseudo_derivative(z2, threshold, bandwidth).sum(axis=0) / z2.shape[0]


def smoothed_l0_cost(z2, threshold, sparsity_weight, bandwidth):
    """λ (1/m) Σ_ij H_ε(z2_ij − θ_j): the L0 term smoothed by the kernel (for the check)."""
    return sparsity_weight * np.sum(smoothed_step(z2, threshold, bandwidth)) / z2.shape[0]


def jump_threshold_gradient(z2, threshold, delta_a2, bandwidth):
    """The reconstruction's ∂/∂θ through the jump: (1/m) Σ_i g_i ∘ −(θ/ε) K((z2_i − θ)/ε),
    with g = ∂(½‖a3 − x‖²)/∂a2 = δ3 W2 (m, n_h): (n_h,)."""
    jump = threshold * step_pseudo_derivative(z2, threshold, bandwidth)  # (m, n_h)
    return np.sum(delta_a2 * jump, axis=0) / z2.shape[0]  # (n_h,)


# ----------------------------------------------------------------------------- J and ∇J

def jumprelu_loss_and_grad(params, threshold, X, sparsity_weight, bandwidth=BANDWIDTH):
    """J of a JumpReLU SAE with the L0 penalty, and its gradient (pseudo-gradient for θ)::

        J    = (1/m) Σ ½‖a3 − x‖² + λ (1/m) Σ H(z2 − θ)
        δ3   = a3 − x                                        (m, n_v)
        g    = δ3 W2                                         (m, n_h)   ∂/∂a2
        δ2   = g ∘ H(z2 − θ)                                 (m, n_h)   exact: L0 is flat in z2
        ∇θ   = (1/m) Σ_i [g_i ∘ (−θ/ε) K + λ (−1/ε) K]      (n_h,)     K = K((z2_i − θ)/ε)

    and ∇W1, ∇W2, ∇b1, ∇b2 from δ3 and δ2 as in :func:`tinysae.modern.sae_loss_and_grad`.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, W2, b1, b2``.
    threshold : ndarray of shape (n_h,)
        θ > 0.
    X : ndarray of shape (m, n_v)
    sparsity_weight : float
        λ ≥ 0, the weight of L0.
    bandwidth : float
        ε > 0, the kernel's width.

    Returns
    -------
    J : float
    grads : dict of ndarray
        Shaped like ``params``, plus ``threshold`` (n_h,).
    cache : dict
        :func:`jumprelu_forward`'s dict.
    """
    cache = jumprelu_forward(params, threshold, X)
    J = reconstruction_cost(cache["a3"], X) + l0_cost(cache["z2"], threshold, sparsity_weight)
    delta3 = output_delta(cache["a3"], X)  # (m, n_v)
    g = delta3 @ params["W2"]  # (m, n_h)
    delta2 = g * cache["mask"]  # (m, n_h)
    grads = parameter_gradients(cache, delta2, delta3, params["W1"])
    grads["threshold"] = (jump_threshold_gradient(cache["z2"], threshold, g, bandwidth)
                          + l0_threshold_gradient(cache["z2"], threshold, sparsity_weight,
                                                  bandwidth))  # (n_h,)
    return float(J), grads, cache
