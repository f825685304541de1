"""The usual mistakes, written on purpose: the grader names them, ``tinysae gradcheck --bug`` plants them.

Each mistake is one equation of the reference written wrong, the way students write it
wrong (UFLDL's exercise, CS231n's assignments). The wrong function has the signature of the
reference function it stands for, and serves twice:

- the grader calls it on the inputs a student's function was given: if the student's
  output equals it (and the reference's does not), the grader says which mistake it is;
- :func:`planted` swaps it into the reference module for the length of a ``with`` block,
  so the class demo shows the gradient check catching it.

:data:`MISTAKES` are the class demo's (a row of ``tinysae gradcheck`` catches each);
:data:`GRADER_ONLY` are those it does not plant — a wrong forward pass (TopK's mask,
JumpReLU's), whose gradient agrees with it so that a gradient check passes, JumpReLU's
θ-gradients, which have no derivative to check against (:mod:`tinysae.modern.jumprelu`), and
the TopK and JumpReLU backward passes as the exercise puts them together. The grader names
them all (:data:`ALL_MISTAKES`).
"""

import contextlib
from dataclasses import dataclass
from types import ModuleType
from typing import Callable
from unittest import mock

import numpy as np

from tinysae.model import gradient_check as checker
from tinysae.model import sparse_autoencoder as classic
from tinysae.modern import jumprelu
from tinysae.modern import sae as modern

# The reference functions the wrong ones build on, bound now: while a mistake is planted the
# module's own name points at the wrong function.
_parameter_gradients = classic.parameter_gradients
_sparsity_delta = classic.sparsity_delta
_modern_parameter_gradients = modern.parameter_gradients
_loss_and_grad = classic.loss_and_grad
_sigmoid = classic.sigmoid
_sae_forward = modern.sae_forward
_jumprelu_forward = jumprelu.jumprelu_forward
_step_pseudo_derivative = jumprelu.step_pseudo_derivative
_jump_threshold_gradient = jumprelu.jump_threshold_gradient
_l0_threshold_gradient = jumprelu.l0_threshold_gradient
_jumprelu_loss_and_grad = jumprelu.jumprelu_loss_and_grad


@dataclass(frozen=True)
class Mistake:
    """One usual mistake: ``wrong`` stands for ``module.function``; ``says`` names it."""
    name: str
    says: str
    module: ModuleType
    function: str
    wrong: Callable


# ----------------------------------------------------------------------------- the classic model

def gradients_not_divided_by_m(params, X, a2, delta2, delta3, weight_decay):
    """∇W1 = δ2ᵀX + λW1, ...: the sums over the m examples are not averaged."""
    return {"W1": delta2.T @ X + weight_decay * params["W1"],  # (n_h, n_v)
            "W2": delta3.T @ a2 + weight_decay * params["W2"],  # (n_v, n_h)
            "b1": delta2.sum(axis=0), "b2": delta3.sum(axis=0)}  # (n_h,), (n_v,)


def gradients_decaying_biases(params, X, a2, delta2, delta3, weight_decay):
    """∇b1 and ∇b2 get + λb as if the biases were decayed too."""
    grads = _parameter_gradients(params, X, a2, delta2, delta3, weight_decay)
    return {**grads, "b1": grads["b1"] + weight_decay * params["b1"],  # (n_h,)
            "b2": grads["b2"] + weight_decay * params["b2"]}  # (n_v,)


def output_delta_without_fprime(a3, X, decoder="sigmoid"):
    """δ3 = a3 − x: f′(z3) forgotten (right only for a linear decoder)."""
    return a3 - X  # (m, n_v)


def output_delta_fprime_of_activation(a3, X, decoder="sigmoid"):
    """δ3 = −(x − a3) ∘ f(a3)(1 − f(a3)): f′ applied to the activation a3, not to z3."""
    s = _sigmoid(a3)  # (m, n_v)
    return -(X - a3) * s * (1 - s)  # (m, n_v)


def hidden_delta_fprime_of_activation(delta3, W2, a2, sparsity_term):
    """δ2 = (δ3 W2 + term) ∘ f(a2)(1 − f(a2)): f′ applied to the activation a2, not to z2."""
    s = _sigmoid(a2)  # (m, n_h)
    return (delta3 @ W2 + sparsity_term) * s * (1 - s)  # (m, n_h)


def hidden_delta_without_fprime(delta3, W2, a2, sparsity_term):
    """δ2 = δ3 W2 + sparsity term: f′(z2) forgotten."""
    return delta3 @ W2 + sparsity_term  # (m, n_h)


def hidden_delta_without_sparsity(delta3, W2, a2, sparsity_term):
    """δ2 = (δ3 W2) ∘ f′(z2): the sparsity term left out."""
    return (delta3 @ W2) * a2 * (1 - a2)  # (m, n_h)


def hidden_delta_sparsity_outside(delta3, W2, a2, sparsity_term):
    """δ2 = (δ3 W2) ∘ f′(z2) + sparsity term: the term added after f′, not before."""
    return (delta3 @ W2) * a2 * (1 - a2) + sparsity_term  # (m, n_h)


def sparsity_delta_wrong_sign(rho_hat, sparsity_target, sparsity_weight, sparsity="kl"):
    """β(ρ/ρ̂ − (1−ρ)/(1−ρ̂)): the KL derivative with its sign flipped."""
    delta = _sparsity_delta(rho_hat, sparsity_target, sparsity_weight, sparsity)  # (n_h,)
    return -delta if sparsity == "kl" else delta


def reconstruction_cost_without_half(a3, X):
    """(1/m) Σ ‖a3 − x‖²: the ½ forgotten."""
    return np.sum((a3 - X) ** 2) / X.shape[0]


def weight_decay_cost_without_half(W1, W2, weight_decay):
    """λ (‖W1‖² + ‖W2‖²): the ½ of λ/2 forgotten."""
    return weight_decay * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def loss_and_grad_summed(theta, X, n_hidden, *args, **kwargs):
    """m·J and m·∇J: J and ∇J summed over the m examples, not averaged (one factor in both)."""
    J, grad = _loss_and_grad(theta, X, n_hidden, *args, **kwargs)  # (n,)
    return X.shape[0] * J, X.shape[0] * grad


def forward_difference(f, x, eps=checker.DEFAULT_EPSILON):
    """(f(x + ε e_i) − f(x)) / ε: a one-sided difference, whose error is O(ε), not O(ε²)."""
    def value(point):
        out = f(point)
        return float(out[0] if isinstance(out, tuple) else out)
    f_x, grad = value(x), np.empty_like(x)  # (n,)
    for i in range(x.size):
        saved = x[i]
        x[i] = saved + eps
        grad[i] = (value(x) - f_x) / eps
        x[i] = saved
    return grad


# ----------------------------------------------------------------------------- the modern model

def modern_output_delta_with_fprime(a3, X):
    """δ3 = (a3 − x) ∘ a3(1 − a3): the sigmoid's f′, out of habit, on a linear decoder."""
    return (a3 - X) * a3 * (1 - a3)  # (m, n_v)


def modern_hidden_delta_without_mask(delta3, W2, mask, sparsity_term):
    """δ2 = δ3 W2 + β: ReLU's derivative (the mask) forgotten."""
    return delta3 @ W2 + sparsity_term  # (m, n_h)


def modern_hidden_delta_l1_outside_mask(delta3, W2, mask, sparsity_term):
    """δ2 = (δ3 W2) ∘ mask + β: the L1 term added where the latent is off too."""
    return (delta3 @ W2) * mask + sparsity_term  # (m, n_h)


def modern_gradients_one_path_to_b2(cache, delta2, delta3, W1):
    """∇b2 = mean δ3: b2's second path, through xc = x − b2, forgotten."""
    return {**_modern_parameter_gradients(cache, delta2, delta3, W1),
            "b2": delta3.mean(axis=0)}  # (n_v,)


# ----------------------------------------------------------------- TopK and JumpReLU (Parts 5, 6)

def _kth_largest(z2, k):
    """The k-th largest entry of each row of z2: (m, 1)."""
    return -np.sort(-z2, axis=1)[:, k - 1:k]  # (m, 1)


def topk_mask_smallest(z2, k):
    """The k *smallest* entries of each row kept (then ReLU): argsort's order read backwards."""
    mask = np.zeros(z2.shape, dtype=bool)  # (m, n_h)
    np.put_along_axis(mask, np.argsort(z2, axis=1)[:, :k], True, axis=1)
    return mask & (z2 > 0)  # (m, n_h)


def topk_mask_without_relu(z2, k):
    """The k largest of each row kept even where they are ≤ 0: the ReLU forgotten."""
    return z2 >= _kth_largest(z2, k)  # (m, n_h)


def topk_mask_strict(z2, k):
    """z2 > the k-th largest: k − 1 latents kept, the k-th itself dropped."""
    return (z2 > _kth_largest(z2, k)) & (z2 > 0)  # (m, n_h)


def _topk_loss_and_grad_with_mask(params, X, activation, k, sparsity_weight, backward_mask):
    cache = _sae_forward(params, X, activation, k)
    J = modern.reconstruction_cost(cache["a3"], X) + modern.l1_cost(cache["a2"],
                                                                     sparsity_weight)
    delta3 = modern.output_delta(cache["a3"], X)  # (m, n_v)
    delta2 = (delta3 @ params["W2"] + sparsity_weight) * backward_mask(cache)  # (m, n_h)
    return float(J), modern.parameter_gradients(cache, delta2, delta3, params["W1"])


def topk_gradient_through_positive_latents(params, X, *, sparsity_weight=0.0,
                                           activation="relu", k=None, return_cache=False):
    """TopK's backward with ReLU's mask: δ2 = (δ3 W2) ∘ (z2 > 0), so every positive latent
    gets a gradient, kept by TopK or not."""
    return _topk_loss_and_grad_with_mask(params, X, activation, k, sparsity_weight,
                                         lambda cache: cache["z2"] > 0)


def topk_gradient_through_every_latent(params, X, *, sparsity_weight=0.0, activation="relu",
                                       k=None, return_cache=False):
    """TopK's backward without a mask: δ2 = δ3 W2, a gradient for every latent."""
    return _topk_loss_and_grad_with_mask(params, X, activation, k, sparsity_weight,
                                         lambda cache: 1.0)


def jumprelu_forward_relu_mask(params, threshold, X):
    """mask = z2 > 0: the threshold θ ignored (a plain ReLU)."""
    cache = _jumprelu_forward(params, threshold, X)
    mask = cache["z2"] > 0  # (m, n_h)
    a2 = cache["z2"] * mask  # (m, n_h)
    return {**cache, "mask": mask, "a2": a2, "a3": a2 @ params["W2"].T + params["b2"]}


def jumprelu_forward_shifted(params, threshold, X):
    """a2 = (z2 − θ) ∘ H(z2 − θ): a ReLU shifted by θ, not JumpReLU's z2 ∘ H(z2 − θ)."""
    cache = _jumprelu_forward(params, threshold, X)
    a2 = (cache["z2"] - threshold) * cache["mask"]  # (m, n_h)
    return {**cache, "a2": a2, "a3": a2 @ params["W2"].T + params["b2"]}


def l0_cost_counting_positive(z2, threshold, sparsity_weight):
    """λ (1/m) Σ H(z2): the latents above 0 counted, not those above θ."""
    return sparsity_weight * np.sum(z2 > 0) / z2.shape[0]


def l0_cost_summing_values(z2, threshold, sparsity_weight):
    """λ (1/m) Σ z2 ∘ H(z2 − θ): the values of the active latents summed (L1), not counted."""
    return sparsity_weight * np.sum(z2 * (z2 > threshold)) / z2.shape[0]


def rectangle_too_wide(u):
    """K(u) = 1 where −1 < u < 1: a window of width 2, not 1."""
    return (np.abs(u) < 1).astype(float)


def pseudo_derivative_wrong_sign(z2, threshold, bandwidth):
    """+(1/ε) K((z2 − θ)/ε): the threshold's pseudo-derivative with its sign flipped."""
    return -_step_pseudo_derivative(z2, threshold, bandwidth)  # (m, n_h)


def pseudo_derivative_without_bandwidth(z2, threshold, bandwidth):
    """−K((z2 − θ)/ε): the 1/ε of the kernel forgotten."""
    return bandwidth * _step_pseudo_derivative(z2, threshold, bandwidth)  # (m, n_h)


def pseudo_derivative_unscaled_kernel(z2, threshold, bandwidth):
    """−(1/ε) K(z2 − θ): K's argument not divided by ε (a window of width 1, not ε)."""
    return -jumprelu.rectangle(z2 - threshold) / bandwidth  # (m, n_h)


def l0_threshold_gradient_wrong_sign(z2, threshold, sparsity_weight, bandwidth):
    """λ (1/m) Σ_i +(1/ε) K: the L0 term's θ-gradient with its sign flipped."""
    return -_l0_threshold_gradient(z2, threshold, sparsity_weight, bandwidth)  # (n_h,)


def jump_threshold_gradient_wrong_sign(z2, threshold, delta_a2, bandwidth):
    """(1/m) Σ_i g_i ∘ +(θ/ε) K: the reconstruction's θ-gradient with its sign flipped."""
    return -_jump_threshold_gradient(z2, threshold, delta_a2, bandwidth)  # (n_h,)


def jump_threshold_gradient_without_jump(z2, threshold, delta_a2, bandwidth):
    """(1/m) Σ_i g_i ∘ −(1/ε) K: the jump's size θ forgotten."""
    return _jump_threshold_gradient(z2, threshold, delta_a2, bandwidth) / threshold  # (n_h,)


def _jumprelu_loss_and_grad_with(params, threshold, X, sparsity_weight, bandwidth, delta2_of):
    J, grads, cache = _jumprelu_loss_and_grad(params, threshold, X, sparsity_weight, bandwidth)
    delta3 = modern.output_delta(cache["a3"], X)  # (m, n_v)
    g = delta3 @ params["W2"]  # (m, n_h)
    delta2 = delta2_of(g, cache)  # (m, n_h)
    grads = {**modern.parameter_gradients(cache, delta2, delta3, params["W1"]),
             "threshold": grads["threshold"]}
    return J, grads, cache


def jumprelu_gradient_below_threshold(params, threshold, X, sparsity_weight,
                                      bandwidth=jumprelu.BANDWIDTH):
    """δ2 = (δ3 W2) ∘ (z2 > 0): gradient passed to latents under θ, which are off."""
    return _jumprelu_loss_and_grad_with(params, threshold, X, sparsity_weight, bandwidth,
                                        lambda g, cache: g * (cache["z2"] > 0))


def jumprelu_straight_through_z2(params, threshold, X, sparsity_weight,
                                 bandwidth=jumprelu.BANDWIDTH):
    """δ2 = (δ3 W2) ∘ H(z2 − θ) + λ (1/ε) K: the L0 term's pseudo-derivative given to z2 too."""
    def delta2(g, cache):
        kernel = jumprelu.rectangle((cache["z2"] - threshold) / bandwidth)  # (m, n_h)
        return g * cache["mask"] + sparsity_weight * kernel / bandwidth  # (m, n_h)
    return _jumprelu_loss_and_grad_with(params, threshold, X, sparsity_weight, bandwidth,
                                        delta2)


#: The mistakes of the class demo, by name: ``tinysae gradcheck --bug NAME`` plants one, and a
#: row of its table catches it. The grader recognises them too.
MISTAKES = {m.name: m for m in [
    Mistake("no-divide-by-m", "did you divide by m? (the gradients are averages over the m "
            "examples)", classic, "parameter_gradients", gradients_not_divided_by_m),
    Mistake("decay-on-biases", "weight decay on the biases: the notes decay W1 and W2 only",
            classic, "parameter_gradients", gradients_decaying_biases),
    Mistake("no-fprime-in-delta3", "f′(z3) missing in δ3: δ3 = (a3 − x) ∘ a3(1 − a3)",
            classic, "output_delta", output_delta_without_fprime),
    Mistake("fprime-of-a3", "f′ applied to the activation: f′(z3) = a3(1 − a3), not "
            "f(a3)(1 − f(a3))", classic, "output_delta", output_delta_fprime_of_activation),
    Mistake("fprime-of-a2", "f′ applied to the activation: f′(z2) = a2(1 − a2), not "
            "f(a2)(1 − f(a2))", classic, "hidden_delta", hidden_delta_fprime_of_activation),
    Mistake("no-fprime-in-delta2", "f′(z2) missing in δ2: δ2 = (δ3 W2 + sparsity term) ∘ "
            "a2(1 − a2)", classic, "hidden_delta", hidden_delta_without_fprime),
    Mistake("no-sparsity-in-delta2", "the sparsity term is missing from δ2: add it to δ3 W2, "
            "before ∘ f′(z2)", classic, "hidden_delta", hidden_delta_without_sparsity),
    Mistake("sparsity-outside-fprime", "the sparsity term is added after ∘ f′(z2): it goes "
            "inside, (δ3 W2 + term) ∘ f′(z2)", classic, "hidden_delta",
            hidden_delta_sparsity_outside),
    Mistake("kl-sign", "the KL derivative has the wrong sign: β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂))", classic,
            "sparsity_delta", sparsity_delta_wrong_sign),
    Mistake("no-half", "½ missing in the reconstruction cost: (1/m) Σ ½‖a3 − x‖²", classic,
            "reconstruction_cost", reconstruction_cost_without_half),
    Mistake("no-half-in-decay", "½ missing in the weight decay cost: (λ/2)(‖W1‖² + ‖W2‖²)",
            classic, "weight_decay_cost", weight_decay_cost_without_half),
    Mistake("sums-not-means", "J and ∇J are both m times too large (sums over the m "
            "examples, not averages): a gradient check cannot see a factor shared by J and ∇J",
            classic, "loss_and_grad", loss_and_grad_summed),
    Mistake("forward-difference", "a one-sided difference: use (f(x + ε) − f(x − ε)) / (2ε)",
            checker, "numerical_gradient", forward_difference),
    Mistake("fprime-in-linear-delta3", "the decoder is linear: δ3 = a3 − x, with no f′",
            modern, "output_delta", modern_output_delta_with_fprime),
    Mistake("relu-mask-missing", "ReLU's derivative is missing from δ2: δ2 = (δ3 W2 + β) ∘ mask",
            modern, "hidden_delta", modern_hidden_delta_without_mask),
    Mistake("l1-outside-mask", "the L1 term is added outside the mask: δ2 = (δ3 W2 + β) ∘ mask",
            modern, "hidden_delta", modern_hidden_delta_l1_outside_mask),
    Mistake("b2-one-path", "b2 has two paths (a3 = … + b2 and xc = x − b2): ∇b2 = mean(δ3 − "
            "δ2 W1)", modern, "parameter_gradients", modern_gradients_one_path_to_b2),
    Mistake("l0-sums-values", "L0 counts the active latents (H is 0 or 1); summing their values "
            "is L1", jumprelu, "l0_cost", l0_cost_summing_values),
    Mistake("kernel-too-wide", "the kernel is 1 on −½ < u < ½ only: K(u) = (|u| < ½), a window "
            "ε wide in z2", jumprelu, "rectangle", rectangle_too_wide),
    Mistake("threshold-sign", "the threshold's pseudo-derivative has the wrong sign: raising θ "
            "switches latents off, so ∂H(z2 − θ)/∂θ = −(1/ε) K((z2 − θ)/ε)", jumprelu,
            "step_pseudo_derivative", pseudo_derivative_wrong_sign),
    Mistake("no-bandwidth-factor", "the 1/ε is missing: ∂H(z2 − θ)/∂θ = −(1/ε) K((z2 − θ)/ε) "
            "(the window is ε wide, so 1/ε gives it area 1, like the delta it stands for)",
            jumprelu, "step_pseudo_derivative", pseudo_derivative_without_bandwidth),
    Mistake("kernel-unscaled", "K's argument is (z2 − θ)/ε, not z2 − θ: the window is ε wide",
            jumprelu, "step_pseudo_derivative", pseudo_derivative_unscaled_kernel),
]}

#: The mistakes the grader names that the class demo does not plant: a forward pass written
#: wrong (a gradient check passes: the gradient of a wrong forward pass agrees with it), the
#: θ-gradients written on their own (the table checks only the L0 part, through the
#: kernel), and TopK's and JumpReLU's backward as the exercise puts them together (the
#: table's rows 9 and 12 check tinysae's own TopK + AuxK and JumpReLU functions).
GRADER_ONLY = {m.name: m for m in [
    Mistake("topk-smallest", "the k smallest are kept: keep the k largest of each row "
            "(np.argsort(z2, axis=1)[:, -k:] are their columns)", modern, "topk_mask",
            topk_mask_smallest),
    Mistake("topk-no-relu", "the ReLU is missing: a kept latent with z2 ≤ 0 is off (the k "
            "largest, and z2 > 0)", modern, "topk_mask", topk_mask_without_relu),
    Mistake("topk-k-minus-one", "k − 1 latents kept: the k-th largest itself is kept (z2 ≥ "
            "the k-th largest, not >)", modern, "topk_mask", topk_mask_strict),
    Mistake("topk-backward-relu-mask", "the gradient flows through latents TopK did not keep: "
            "δ2 = (δ3 W2) ∘ mask with TopK's mask (the k kept), not z2 > 0", modern,
            "sae_loss_and_grad", topk_gradient_through_positive_latents),
    Mistake("topk-backward-no-mask", "the gradient flows through every latent: δ2 = (δ3 W2) "
            "∘ mask, with TopK's mask (only the k kept pass it)", modern, "sae_loss_and_grad",
            topk_gradient_through_every_latent),
    Mistake("jumprelu-relu-mask", "θ is ignored: a latent is on where z2 > θ (mask = z2 > θ), "
            "not z2 > 0", jumprelu, "jumprelu_forward", jumprelu_forward_relu_mask),
    Mistake("jumprelu-shifted", "a2 = z2 ∘ H(z2 − θ): JumpReLU keeps z2 itself above θ (z2 − θ "
            "is a ReLU shifted by θ)", jumprelu, "jumprelu_forward", jumprelu_forward_shifted),
    Mistake("l0-counts-positive", "L0 counts the latents that are on, above θ: H(z2 − θ), not "
            "z2 > 0", jumprelu, "l0_cost", l0_cost_counting_positive),
    Mistake("l0-threshold-sign", "the L0 term's θ-gradient has the wrong sign: raising θ switches "
            "latents off, so it is λ (1/m) Σ_i −(1/ε) K((z2_i − θ)/ε) ≤ 0", jumprelu,
            "l0_threshold_gradient", l0_threshold_gradient_wrong_sign),
    Mistake("jump-sign", "the reconstruction's θ-gradient has the wrong sign: (1/m) Σ_i g_i ∘ "
            "−(θ/ε) K((z2_i − θ)/ε)", jumprelu, "jump_threshold_gradient",
            jump_threshold_gradient_wrong_sign),
    Mistake("jump-size-missing", "the jump's size θ is missing: switching a latent off at "
            "z2 = θ changes a2 by θ, so the term is g ∘ −(θ/ε) K", jumprelu,
            "jump_threshold_gradient", jump_threshold_gradient_without_jump),
    Mistake("jumprelu-gradient-below-threshold", "gradient passed to z2 below θ: δ2 = (δ3 W2) ∘ "
            "H(z2 − θ), and a latent under θ is off", jumprelu, "jumprelu_loss_and_grad",
            jumprelu_gradient_below_threshold),
    Mistake("straight-through-on-z2", "the L0 term is flat in z2: the pseudo-derivative is for "
            "θ only, δ2 = (δ3 W2) ∘ H(z2 − θ)", jumprelu, "jumprelu_loss_and_grad",
            jumprelu_straight_through_z2),
]}

#: Every mistake the grader recognises, by name.
ALL_MISTAKES = {**MISTAKES, **GRADER_ONLY}


def mistakes_of(module, function):
    """The mistakes that stand for ``module.function``, in the tables' order."""
    return [m for m in ALL_MISTAKES.values() if m.module is module and m.function == function]


@contextlib.contextmanager
def planted(mistake):
    """Within the block, the reference module's function is the mistaken one (``None``: no
    mistake). The reference's own functions call each other through their module, so its
    ``loss_and_grad`` then computes with the mistake."""
    if mistake is None:
        yield
        return
    with mock.patch.object(mistake.module, mistake.function, mistake.wrong):
        yield
