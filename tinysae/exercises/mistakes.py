"""The usual mistakes, written on purpose: the grader names them, ``tinysae gradcheck --bug`` plants them.

Each mistake is one equation of the reference written wrong, the way students write it
wrong (UFLDL's exercise, CS231n's assignments). The wrong function has the signature of the
reference function it stands for, and serves twice:

- the grader calls it on the inputs a student's function was given: if the student's
  output equals it (and the reference's does not), the grader says which mistake it is;
- :func:`planted` swaps it into the reference module for the length of a ``with`` block,
  so the class demo shows the gradient check catching it.
"""

import contextlib
from dataclasses import dataclass
from types import ModuleType
from typing import Callable
from unittest import mock

import numpy as np

from tinysae.model import gradient_check as checker
from tinysae.model import sparse_autoencoder as classic
from tinysae.modern import sae as modern

# The reference functions the wrong ones build on, bound now: while a mistake is planted the
# module's own name points at the wrong function.
_parameter_gradients = classic.parameter_gradients
_sparsity_delta = classic.sparsity_delta
_modern_parameter_gradients = modern.parameter_gradients
_loss_and_grad = classic.loss_and_grad
_sigmoid = classic.sigmoid


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


#: Every mistake the grader recognises and ``tinysae gradcheck --bug NAME`` plants, by name.
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
]}


def mistakes_of(module, function):
    """The mistakes that stand for ``module.function``, in the table's order."""
    return [m for m in MISTAKES.values() if m.module is module and m.function == function]


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
