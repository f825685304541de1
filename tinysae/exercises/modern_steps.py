"""The graded steps of ``modern_sae.py``, the optional exercise: today's ReLU + L1 sparse autoencoder (lesson 08).

The answer key is :mod:`tinysae.modern.sae`. The model differs from the classic one in three
places a student has to think about: a pre-encoder bias (xc = x − b2, so b2 has two paths
to J), ReLU latents (whose derivative is a 0/1 mask), and a linear decoder (no f′ in δ3).
"""

import numpy as np

from tinysae.exercises.mistakes import MISTAKES, mistakes_of
from tinysae.exercises.steps import (Problem, Stage, Step, check_cost_and_gradient, check_dict,
                                     check_gradients, check_value)
from tinysae.modern import sae as ref

FORWARD = Stage(1, "the forward pass", "lesson 08",
                "Centre the input by b2, encode with ReLU (keep its 0/1 mask), decode.")
TERMS = Stage(2, "each term of J, and δ3", "lesson 08",
              "The reconstruction, the L1 penalty (a2 ≥ 0, so |a2| = a2), and δ3 of a linear "
              "decoder.")
BACKWARD = Stage(3, "backpropagation", "lesson 08",
                 "δ2 through the mask, then the gradients: b2 reaches J along two paths.")


def problem(rng):
    """A random problem: sizes as in the classic steps, X in [−1, 1], unit-norm decoder
    columns, an encoder that is not W2ᵀ, biases not zero, and β where L1 matters."""
    m, n_v, n_h = (int(n) for n in rng.choice(np.arange(3, 13), size=3, replace=False))
    X = rng.uniform(-1.0, 1.0, size=(m, n_v))  # (m, n_v)
    params = ref.init_sae(n_v, n_h, rng, data_mean=0.2 * rng.standard_normal(n_v))
    params["W1"] = params["W1"] + 0.3 * rng.standard_normal((n_h, n_v))  # (n_h, n_v)
    params["b1"] = 0.2 * rng.standard_normal(n_h)  # (n_h,)
    return Problem(rng, m, n_v, n_h, X, params, weight_decay=0.0, sparsity_target=0.0,
                   sparsity_weight=float(rng.uniform(0.1, 1.0)))


def sae_forward(student, p):
    return check_dict(student, "sae_forward", (p.params, p.X), ref.sae_forward,
                      p.sizes, keys=("xc", "z2", "a2", "mask", "a3"))


def reconstruction_cost(student, p):
    a3 = p.rng.uniform(-1.0, 1.0, size=(p.m, p.n_v))  # (m, n_v)
    return check_value(student, "reconstruction_cost", (a3, p.X),
                       ref.reconstruction_cost, p.sizes,
                       mistakes_of(ref, "reconstruction_cost"), what="cost")


def l1_cost(student, p):
    a2 = np.maximum(p.rng.normal(size=(p.m, p.n_h)), 0.0)  # (m, n_h)  ReLU outputs
    args = (a2, p.sparsity_weight)
    return check_value(student, "l1_cost", args, ref.l1_cost, p.sizes, what="cost")


def output_delta(student, p):
    a3 = p.rng.uniform(-1.0, 1.0, size=(p.m, p.n_v))  # (m, n_v)
    return check_value(student, "output_delta", (a3, p.X), ref.output_delta, p.sizes,
                       mistakes_of(ref, "output_delta"), what="δ3")


def hidden_delta(student, p):
    delta3 = p.rng.normal(0.0, 0.1, size=(p.m, p.n_v))  # (m, n_v)
    mask = p.rng.random((p.m, p.n_h)) < 0.5  # (m, n_h)
    args = (delta3, p.params["W2"], mask, p.sparsity_weight)
    return check_value(student, "hidden_delta", args, ref.hidden_delta, p.sizes,
                       mistakes_of(ref, "hidden_delta"), what="δ2")


def parameter_gradients(student, p):
    cache = ref.sae_forward(p.params, p.X)
    delta2 = p.rng.normal(0.0, 0.1, size=(p.m, p.n_h)) * cache["mask"]  # (m, n_h)
    delta3 = p.rng.normal(0.0, 0.1, size=(p.m, p.n_v))  # (m, n_v)
    args = (cache, delta2, delta3, p.params["W1"])
    return check_gradients(student, "parameter_gradients", args,
                           ref.parameter_gradients, p.sizes,
                           mistakes_of(ref, "parameter_gradients"))


def _reference_loss(params, X, sparsity_weight):
    return ref.sae_loss_and_grad(params, X, sparsity_weight=sparsity_weight)


def sae_loss_and_grad(student, p, l1=True):
    args = (p.params, p.X, p.sparsity_weight if l1 else 0.0)
    mistakes = [m for m in MISTAKES.values() if m.module is ref]

    def terms():
        a2 = ref.sae_forward(p.params, p.X)["a2"]  # (m, n_h)
        return ({"β (1/m) Σ_ij |a2_ij|": ref.l1_cost(a2, args[2])},
                {"β (1/m) Σ_ij |a2_ij|": ref.l1_cost(a2, 1.0)})
    return check_cost_and_gradient(student, "sae_loss_and_grad", args, _reference_loss,
                                   mistakes, p.sizes, packed=False, terms=terms)


STEPS = [
    Step(1, "sae_forward", "sae_forward", "sae_forward", FORWARD, sae_forward),
    Step(2, "reconstruction_cost", "reconstruction_cost", "reconstruction_cost", TERMS,
         reconstruction_cost),
    Step(3, "l1_cost", "l1_cost", "l1_cost", TERMS, l1_cost),
    Step(4, "output_delta", "output_delta", "output_delta", TERMS, output_delta),
    Step(5, "hidden_delta", "hidden_delta", "hidden_delta", BACKWARD, hidden_delta),
    Step(6, "parameter_gradients", "parameter_gradients", "parameter_gradients", BACKWARD,
         parameter_gradients),
    Step(7, "sae_loss_and_grad", "sae_loss_and_grad", "sae_loss_and_grad (β = 0)", BACKWARD,
         lambda s, p: sae_loss_and_grad(s, p, l1=False),
         ("sae_forward", "reconstruction_cost", "output_delta", "hidden_delta",
          "parameter_gradients"), points=2),
    Step(8, "sae_loss_and_grad+l1", "sae_loss_and_grad", "sae_loss_and_grad (β > 0)",
         BACKWARD, sae_loss_and_grad, ("sae_loss_and_grad", "l1_cost"), points=2),
]
