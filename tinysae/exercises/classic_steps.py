"""The graded steps of ``sparse_autoencoder.py``, the classic exercise, in the order the notes suggest.

The notes' advice: get the reconstruction right first (λ = β = 0), then add weight decay,
then sparsity — so ``hidden_delta``, ``parameter_gradients`` and ``loss_and_grad`` are
graded once per stage, each time with one more term. The answer key is
:mod:`tinysae.model.sparse_autoencoder` and :func:`tinysae.numerical_gradient`.
"""

import numpy as np

from tinysae.exercises.compare import Hint, diagnose
from tinysae.exercises.mistakes import MISTAKES, mistakes_of
from tinysae.exercises.steps import (Problem, Stage, Step, check_cost_and_gradient, check_dict,
                                     check_gradients, check_value)
from tinysae.exercises.student_code import Function, StudentError, call
from tinysae.model import sparse_autoencoder as ref
from tinysae.model.gradient_check import numerical_gradient
from tinysae.model.sparse_autoencoder import init_params

FORWARD = Stage(1, "the forward pass", "lesson 01",
                "a2, a3 and ρ̂ for all m examples at once, with matrix products.")
RECONSTRUCTION = Stage(
    2, "reconstruction only, λ = β = 0", "lessons 01 and 02",
    "J = (1/m) Σ ½‖a3 − x‖² and its gradient by backpropagation: δ3, then δ2 (its sparsity "
    "term is 0 for now), then the four gradients; `loss_and_grad` puts them together.")
WEIGHT_DECAY = Stage(
    3, "+ weight decay", "lesson 02",
    "(λ/2)(‖W1‖² + ‖W2‖²) joins J, and λW1, λW2 join the gradients (the biases are not "
    "decayed).")
SPARSITY = Stage(
    4, "+ sparsity", "lessons 01, 02 and 06",
    "β Σ_j KL(ρ‖ρ̂_j) joins J; its derivative joins δ2, inside the bracket, before ∘ f′(z2).")
CHECKING = Stage(
    5, "gradient checking", "lesson 02",
    "Centred differences, as UFLDL's `computeNumericalGradient`. Then check your own "
    "gradient as UFLDL's STEP 3 does, on a tiny problem (say 10 examples of 16 inputs, 5 "
    "hidden units): `num = numerical_gradient(lambda t: loss_and_grad(t, X, 5, 1e-4, 0.01, "
    "3.0), theta)`; `tinysae.relative_difference(num, grad)` should be below 1e-9.")


def problem(rng):
    """A random problem: 3 ≤ m, n_v, n_h ≤ 12, all different; X in [0.1, 0.9] like UFLDL's
    patches; weights as ``init_params`` draws them; biases not zero (so that decaying them
    shows); λ, ρ, β where each term of J matters."""
    m, n_v, n_h = (int(n) for n in rng.choice(np.arange(3, 13), size=3, replace=False))
    X = rng.uniform(0.1, 0.9, size=(m, n_v))  # (m, n_v)
    params = init_params(n_v, n_h, rng)
    params["b1"] = 0.3 * rng.standard_normal(n_h)  # (n_h,)
    params["b2"] = 0.3 * rng.standard_normal(n_v)  # (n_v,)
    return Problem(rng, m, n_v, n_h, X, params, weight_decay=float(rng.uniform(0.01, 0.1)),
                   sparsity_target=float(rng.uniform(0.01, 0.2)),
                   sparsity_weight=float(rng.uniform(0.5, 3.0)))


def _uniform(p, *shape):
    """Activations strictly inside (0, 1), as sigmoid units give."""
    return p.rng.uniform(0.05, 0.95, size=shape)


def sigmoid(student, p):
    z = p.rng.normal(0.0, 4.0, size=(p.m, p.n_h))  # (m, n_h)
    return check_value(student, "sigmoid", (z,), ref.sigmoid, p.sizes, what="f(z)")


def forward(student, p):
    return check_dict(student, "forward", (p.params, p.X), ref.forward,
                      p.sizes, keys=("a2", "a3", "rho_hat"))


def reconstruction_cost(student, p):
    a3 = _uniform(p, p.m, p.n_v)  # (m, n_v)
    return check_value(student, "reconstruction_cost", (a3, p.X),
                       ref.reconstruction_cost, p.sizes,
                       mistakes_of(ref, "reconstruction_cost"), what="cost")


def output_delta(student, p):
    a3 = _uniform(p, p.m, p.n_v)  # (m, n_v)
    return check_value(student, "output_delta", (a3, p.X), ref.output_delta, p.sizes,
                       mistakes_of(ref, "output_delta"), what="δ3")


def hidden_delta(student, p, with_sparsity=False):
    delta3 = p.rng.normal(0.0, 0.1, size=(p.m, p.n_v))  # (m, n_v)
    a2 = _uniform(p, p.m, p.n_h)  # (m, n_h)
    term = p.rng.normal(0.0, 1.0, size=p.n_h) if with_sparsity else np.zeros(p.n_h)  # (n_h,)
    args = (delta3, p.params["W2"], a2, term)
    return check_value(student, "hidden_delta", args, ref.hidden_delta, p.sizes,
                       mistakes_of(ref, "hidden_delta"), what="δ2")


def parameter_gradients(student, p, weight_decay=0.0):
    a2 = ref.forward(p.params, p.X)["a2"]  # (m, n_h)
    delta2 = p.rng.normal(0.0, 0.1, size=(p.m, p.n_h))  # (m, n_h)
    delta3 = p.rng.normal(0.0, 0.1, size=(p.m, p.n_v))  # (m, n_v)
    args = (p.params, p.X, a2, delta2, delta3, weight_decay)
    return check_gradients(student, "parameter_gradients", args,
                           ref.parameter_gradients, p.sizes,
                           mistakes_of(ref, "parameter_gradients"),
                           decay=(weight_decay, p.params))


def weight_decay_cost(student, p):
    args = (p.params["W1"], p.params["W2"], p.weight_decay)
    return check_value(student, "weight_decay_cost", args, ref.weight_decay_cost,
                       p.sizes, mistakes_of(ref, "weight_decay_cost"), what="cost")


def kl_divergence(student, p):
    rho_hat = p.rng.uniform(0.02, 0.98, size=p.n_h)  # (n_h,)
    args = (p.sparsity_target, rho_hat)
    return check_value(student, "kl_divergence", args, ref.kl_divergence, p.sizes,
                       what="KL")


def sparsity_delta(student, p):
    rho_hat = p.rng.uniform(0.02, 0.98, size=p.n_h)  # (n_h,)
    args = (rho_hat, p.sparsity_target, p.sparsity_weight)
    beta = p.sparsity_weight
    return check_value(student, "sparsity_delta", args, ref.sparsity_delta, p.sizes,
                       mistakes_of(ref, "sparsity_delta"), what="sparsity term",
                       factors=[(1 / beta, f"yours = expected / β (β = {beta:g}): β missing? "
                                           "the term is β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂))")])


def _reference_loss(theta, X, n_hidden, weight_decay, sparsity_target, sparsity_weight):
    return ref.loss_and_grad(theta, X, n_hidden, weight_decay=weight_decay,
                             sparsity_target=sparsity_target, sparsity_weight=sparsity_weight)


def loss_and_grad(student, p, weight_decay=True, sparsity=True):
    args = (p.theta, p.X, p.n_h, p.weight_decay if weight_decay else 0.0, p.sparsity_target,
            p.sparsity_weight if sparsity else 0.0)
    mistakes = [m for m in MISTAKES.values() if m.module is ref]

    def terms():
        values = ref.cost_terms(args[0], p.X, p.n_h, weight_decay=args[3],
                                sparsity_target=args[4], sparsity_weight=args[5])
        kl = ref.cost_terms(args[0], p.X, p.n_h, weight_decay=0.0, sparsity_target=args[4],
                            sparsity_weight=1.0)["sparsity"]  # Σ_j KL(ρ‖ρ̂_j), β = 1
        return ({"(1/m) Σ ½‖a3 − x‖²": values["reconstruction"],
                 "(λ/2)(‖W1‖² + ‖W2‖²)": values["weight_decay"],
                 "β Σ_j KL(ρ‖ρ̂_j)": values["sparsity"]}, {"β Σ_j KL(ρ‖ρ̂_j)": kl})
    return check_cost_and_gradient(student, "loss_and_grad", args, _reference_loss, mistakes,
                                   p.sizes, packed=True, terms=terms)


def numerical_gradient_step(student, p):
    """On f(x) = Σ sin(c ∘ x) + ½ xᵀAx at a random x; the point must be restored (the
    grader's check of inputs says so); f may return (value, grad)."""
    n = p.n_v
    c, B = p.rng.normal(size=n), p.rng.normal(size=(n, n))  # (n,), (n, n)
    A = B @ B.T / n  # (n, n)
    f = Function(c, A)
    x = p.rng.normal(size=n)  # (n,)
    sizes = {"n": n}
    got = call(student, "numerical_gradient", f, x)
    expected = numerical_gradient(f, x.copy())  # (n,)
    wrong = MISTAKES["forward-difference"]
    other_eps = [(Hint(f"your ε looks like {eps:g}: use the eps given (1e-4 by default)"),
                  numerical_gradient(f, x.copy(), eps=eps))
                 for eps in (1e-1, 1e-2, 1e-3, 1e-5, 1e-6, 1e-7, 1e-8)]
    lines = diagnose("∂f/∂x", got, expected, sizes,
                     [(wrong, wrong.wrong(f, x.copy()))] + other_eps)
    if lines:
        return lines
    try:
        got = call(student, "numerical_gradient", Function(c, A, pair=True), x)
    except StudentError as error:
        raise StudentError(*error.lines, "→ f may return (value, grad): use only the value, "
                           "as the docstring says") from None
    return diagnose("∂f/∂x", got, expected, sizes, [])


STEPS = [
    Step(1, "sigmoid", "sigmoid", "sigmoid", FORWARD, sigmoid),
    Step(2, "forward", "forward", "forward", FORWARD, forward, ("sigmoid",)),
    Step(3, "reconstruction_cost", "reconstruction_cost", "reconstruction_cost",
         RECONSTRUCTION, reconstruction_cost),
    Step(4, "output_delta", "output_delta", "output_delta", RECONSTRUCTION, output_delta),
    Step(5, "hidden_delta", "hidden_delta", "hidden_delta (term = 0)", RECONSTRUCTION,
         hidden_delta),
    Step(6, "parameter_gradients", "parameter_gradients", "parameter_gradients (λ = 0)",
         RECONSTRUCTION, parameter_gradients, points=2),
    Step(7, "loss_and_grad", "loss_and_grad", "loss_and_grad (λ = β = 0)", RECONSTRUCTION,
         lambda s, p: loss_and_grad(s, p, weight_decay=False, sparsity=False),
         ("forward", "reconstruction_cost", "output_delta", "hidden_delta",
          "parameter_gradients"), points=2),
    Step(8, "weight_decay_cost", "weight_decay_cost", "weight_decay_cost", WEIGHT_DECAY,
         weight_decay_cost),
    Step(9, "parameter_gradients+decay", "parameter_gradients", "parameter_gradients (λ > 0)",
         WEIGHT_DECAY, lambda s, p: parameter_gradients(s, p, p.weight_decay),
         ("parameter_gradients",)),
    Step(10, "loss_and_grad+decay", "loss_and_grad", "loss_and_grad (λ > 0, β = 0)",
         WEIGHT_DECAY, lambda s, p: loss_and_grad(s, p, sparsity=False),
         ("loss_and_grad", "weight_decay_cost", "parameter_gradients+decay")),
    Step(11, "kl_divergence", "kl_divergence", "kl_divergence", SPARSITY, kl_divergence),
    Step(12, "sparsity_delta", "sparsity_delta", "sparsity_delta", SPARSITY, sparsity_delta),
    Step(13, "hidden_delta+sparsity", "hidden_delta", "hidden_delta (with the term)", SPARSITY,
         lambda s, p: hidden_delta(s, p, with_sparsity=True), ("hidden_delta",)),
    Step(14, "loss_and_grad+sparsity", "loss_and_grad", "loss_and_grad (λ, β > 0)", SPARSITY,
         loss_and_grad, ("loss_and_grad+decay", "kl_divergence", "sparsity_delta",
                         "hidden_delta+sparsity"), points=3),
    Step(15, "numerical_gradient", "numerical_gradient", "numerical_gradient", CHECKING,
         numerical_gradient_step, points=2),
]
