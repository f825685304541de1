"""The graded steps of ``modern_sae.py``, the optional exercise: today's sparse autoencoders.

Lessons 08, 09 and 13; the answer key is :mod:`tinysae.modern.sae` and
:mod:`tinysae.modern.jumprelu`. Parts 1–3: the ReLU + L1 model, which differs from the
classic one in three places a student has to think about: a pre-encoder bias (xc = x − b2,
so b2 has two paths to J), ReLU latents (whose derivative is a 0/1 mask), and a linear
decoder (no f′ in δ3). Part 5: TopK, whose mask
keeps the k largest pre-activations, in the forward pass and in the backward one. Part 6:
JumpReLU, its L0 penalty and the pseudo-derivative of its threshold θ.

θ has no derivative to check by differences (J is a step function of θ), so the θ steps
compare the student's pseudo-derivative with the reference's, entry by entry, on
pre-activations drawn inside, near and outside the kernel's window. An exact tie (z2 = θ,
or z2 at the window's edge) has probability zero for real-valued data and changes nothing
in training: the problems have none, and ``>`` or ``≥`` there both pass. TopK's tie is
another matter: comparing with the k-th largest by ``>`` drops the k-th itself, and that
is a named mistake.
"""

import numpy as np

from tinysae.exercises.compare import Hint, Wrong, diagnose, diagnose_blocks
from tinysae.exercises.mistakes import ALL_MISTAKES, MISTAKES, mistakes_of, planted
from tinysae.exercises.steps import (Problem, Stage, Step, check_cost_and_gradient, check_dict,
                                     check_gradients, check_value)
from tinysae.exercises.student_code import call
from tinysae.modern import jumprelu
from tinysae.modern import sae as ref

FORWARD = Stage(1, "the forward pass", "lesson 08",
                "Centre the input by b2, encode with ReLU (keep its 0/1 mask), decode.")
TERMS = Stage(2, "each term of J, and δ3", "lesson 08",
              "The reconstruction, the L1 penalty (a2 ≥ 0, so |a2| = a2), and δ3 of a linear "
              "decoder.")
BACKWARD = Stage(3, "backpropagation", "lesson 08",
                 "δ2 through the mask, then the gradients: b2 reaches J along two paths.")
TOPK = Stage(5, "TopK", "lesson 09",
             "Keep the k largest pre-activations of each row, then ReLU; β = 0 (k alone sets "
             "the sparsity). Backward, the gradient flows only through the kept latents: δ2 "
             "is masked by TopK's mask. Your reconstruction_cost, output_delta, hidden_delta "
             "and parameter_gradients do the rest.")
JUMPRELU = Stage(6, "JumpReLU", "lesson 13",
                 "a2 = z2 ∘ H(z2 − θ), a threshold θ per latent, and λ times L0 (the count of "
                 "active latents). H has no useful derivative, so θ gets a pseudo-derivative: "
                 "∂H(z2 − θ)/∂θ := −(1/ε) K((z2 − θ)/ε), K the rectangle of width 1 and ε the "
                 "bandwidth. A gradient check cannot apply to θ (J is a step function of it): "
                 "the grader compares your θ-gradients with tinysae's pseudo-derivative entry "
                 "by entry, on pre-activations placed inside, near and outside the window.")


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


# ----------------------------------------------------------------------------- TopK (Part 5)

def _topk_inputs(p):
    """z2 (m, n_h) and k: row 0 all negative (so a forgotten ReLU shows), row 1 all positive
    (so the k-th largest is positive and the k smallest differ from the k largest)."""
    z2 = p.rng.normal(-0.2, 1.0, size=(p.m, p.n_h))  # (m, n_h)
    z2[0] = -np.abs(z2[0]) - 0.01  # (n_h,)
    z2[1] = np.abs(z2[1]) + 0.01  # (n_h,)
    return z2, int(p.rng.integers(1, p.n_h))  # 1 ≤ k < n_h


def topk_mask(student, p):
    z2, k = _topk_inputs(p)
    return check_value(student, "topk_mask", (z2, k), ref.topk_mask, p.sizes,
                       mistakes_of(ref, "topk_mask"), what="mask")


def _reference_topk(params, X, k):
    return ref.sae_loss_and_grad(params, X, activation="topk", k=k)


def topk_loss_and_grad(student, p):
    """On a problem where TopK drops some positive latents (else its mask and ReLU's agree).
    TopK's own mistakes are named first, then those of the ReLU model's pieces."""
    k = int(p.rng.integers(1, max(2, p.n_h // 2 + 1)))
    params = dict(p.params)
    while np.all(ref.sae_forward(params, p.X)["mask"].sum(axis=1) <= k):
        params["b1"] = params["b1"] + 0.5  # (n_h,)  more latents on
    mistakes = sorted((m for m in ALL_MISTAKES.values() if m.module is ref),
                      key=lambda m: m.function not in ("sae_loss_and_grad", "topk_mask"))

    def terms():
        a3 = ref.sae_forward(params, p.X, "topk", k)["a3"]  # (m, n_v)
        return {"(1/m) Σ ½‖a3 − x‖²": ref.reconstruction_cost(a3, p.X)}, {}
    return check_cost_and_gradient(student, "topk_loss_and_grad", (params, p.X, k),
                                   _reference_topk, mistakes, p.sizes, packed=False,
                                   terms=terms)


# ----------------------------------------------------------------------------- JumpReLU (Part 6)

def _jumprelu_settings(p, z2):
    """θ (n_h,), ε and λ for pre-activations ``z2``: each θ_j within the window of one of its
    latent's pre-activations (so every latent has a kernel entry), at least 0.05."""
    bandwidth = float(p.rng.uniform(0.2, 0.5))
    rows = p.rng.integers(0, z2.shape[0], size=z2.shape[1])  # (n_h,)
    threshold = z2[rows, np.arange(z2.shape[1])] + bandwidth * p.rng.uniform(-0.4, 0.4,
                                                                             z2.shape[1])
    low = threshold < 0.05  # (n_h,)
    threshold[low] = p.rng.uniform(0.1, 0.5, np.count_nonzero(low))  # (n_h,)
    return threshold, bandwidth, float(p.rng.uniform(0.1, 1.0))


def _near_threshold(p):
    """z2 (m, n_h) around θ: a third within ε/2 of it (inside the kernel's window), a third
    within 3ε/2, a third within 4ε; with θ, ε and λ."""
    threshold = p.rng.uniform(0.1, 0.6, p.n_h)  # (n_h,)
    bandwidth = float(p.rng.uniform(0.2, 0.5))
    spread = p.rng.choice([0.5, 1.5, 4.0], size=(p.m, p.n_h))  # (m, n_h)
    z2 = threshold + bandwidth * spread * p.rng.uniform(-1.0, 1.0, (p.m, p.n_h))  # (m, n_h)
    return z2, threshold, bandwidth, float(p.rng.uniform(0.1, 1.0))


def jumprelu_forward(student, p):
    z2 = ref.sae_forward(p.params, p.X)["z2"]  # (m, n_h)
    threshold = _jumprelu_settings(p, z2)[0]  # (n_h,)
    return check_dict(student, "jumprelu_forward", (p.params, threshold, p.X),
                      jumprelu.jumprelu_forward, p.sizes, keys=("xc", "z2", "a2", "mask", "a3"),
                      mistakes=mistakes_of(jumprelu, "jumprelu_forward"))


def l0_cost(student, p):
    z2, threshold, _, weight = _near_threshold(p)
    return check_value(student, "l0_cost", (z2, threshold, weight), jumprelu.l0_cost, p.sizes,
                       mistakes_of(jumprelu, "l0_cost"), what="cost",
                       factors=[(1 / weight, f"yours = expected / λ (λ = {weight:g}): λ missing?")])


def rectangle(student, p):
    u = p.rng.uniform(-1.5, 1.5, size=(p.m, p.n_h))  # (m, n_h)
    return check_value(student, "rectangle", (u,), jumprelu.rectangle, p.sizes,
                       mistakes_of(jumprelu, "rectangle"), what="K(u)")


#: How the θ steps are checked, in the student's README.
PSEUDO = "against tinysae's pseudo-derivative, entry by entry (no derivative to check)"
#: The line a wrong θ-gradient ends with: how it was checked.
CHECKED = ("(θ has no derivative to check by differences: yours is compared with the "
           "pseudo-derivative −(1/ε) K((z2 − θ)/ε), entry by entry)")


def _pseudo_factors(bandwidth, weight=None):
    factors = [(bandwidth, f"yours = ε × expected (ε = {bandwidth:g}): the 1/ε is missing: "
                           "−(1/ε) K((z2 − θ)/ε)"),
               (-1.0, "yours = −expected: the sign is flipped; raising θ switches latents "
                      "off, so ∂H(z2 − θ)/∂θ = −(1/ε) K ≤ 0")]
    if weight is not None:
        factors.append((1 / weight, f"yours = expected / λ (λ = {weight:g}): λ missing?"))
    return factors


def _with_how(lines):
    return lines + [CHECKED] if lines else lines


def step_pseudo_derivative(student, p):
    z2, threshold, bandwidth, _ = _near_threshold(p)
    return _with_how(check_value(
        student, "step_pseudo_derivative", (z2, threshold, bandwidth),
        jumprelu.step_pseudo_derivative, p.sizes, mistakes_of(jumprelu, "step_pseudo_derivative"),
        what="∂H/∂θ", factors=_pseudo_factors(bandwidth)))


def l0_threshold_gradient(student, p):
    z2, threshold, bandwidth, weight = _near_threshold(p)
    return _with_how(check_value(
        student, "l0_threshold_gradient", (z2, threshold, weight, bandwidth),
        jumprelu.l0_threshold_gradient, p.sizes,
        mistakes_of(jumprelu, "l0_threshold_gradient"), what="∇θ (L0)",
        factors=_pseudo_factors(bandwidth, weight)))


def jump_threshold_gradient(student, p):
    z2, threshold, bandwidth, _ = _near_threshold(p)
    delta_a2 = p.rng.normal(0.0, 0.5, size=(p.m, p.n_h))  # (m, n_h)  g = δ3 W2
    return _with_how(check_value(
        student, "jump_threshold_gradient", (z2, threshold, delta_a2, bandwidth),
        jumprelu.jump_threshold_gradient, p.sizes,
        mistakes_of(jumprelu, "jump_threshold_gradient"), what="∇θ (jump)",
        factors=_pseudo_factors(bandwidth)))


def jumprelu_loss_and_grad(student, p):
    """J, ∇W1, ∇W2, ∇b1, ∇b2 and the θ pseudo-gradient; the student may return the cache
    too, as the reference does (it is not graded)."""
    z2 = ref.sae_forward(p.params, p.X)["z2"]  # (m, n_h)
    threshold, bandwidth, weight = _jumprelu_settings(p, z2)
    args = (p.params, threshold, p.X, weight, bandwidth)
    got = call(student, "jumprelu_loss_and_grad", *args)
    if not (isinstance(got, tuple) and len(got) in (2, 3)):
        raise Wrong("jumprelu_loss_and_grad: expected (J, grads, cache), got a "
                    f"{type(got).__name__}" + (f" of {len(got)}" if isinstance(got, tuple) else ""))
    J, grads, cache = jumprelu.jumprelu_loss_and_grad(*args)
    wrongs = []
    for mistake in (m for m in ALL_MISTAKES.values() if m.module is jumprelu):
        with planted(mistake):
            wrongs.append((mistake, jumprelu.jumprelu_loss_and_grad(*args)[:2]))
    lines = diagnose("J", got[0], J, p.sizes, [(m, out[0]) for m, out in wrongs])
    jump = jumprelu.jump_threshold_gradient(cache["z2"], threshold,
                                            ref.output_delta(cache["a3"], p.X) @ p.params["W2"],
                                            bandwidth)  # (n_h,)
    l0 = jumprelu.l0_threshold_gradient(cache["z2"], threshold, weight, bandwidth)  # (n_h,)
    wrongs += [(Hint("∇θ lacks its L0 term λ (1/m) Σ_i −(1/ε) K((z2_i − θ)/ε)"),
                (J, {**grads, "threshold": jump})),
               (Hint("∇θ lacks its reconstruction term (1/m) Σ_i g_i ∘ −(θ/ε) K((z2_i − θ)/ε)"),
                (J, {**grads, "threshold": l0}))]
    blocks = diagnose_blocks(got[1], grads, p.sizes, [(m, out[1]) for m, out in wrongs])
    if blocks and isinstance(got[1], dict) and "threshold" in got[1] and any(
            "threshold" in line for line in blocks[1:]):
        blocks.append(CHECKED)
    return lines + blocks


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
    Step(9, "topk_mask", "topk_mask", "topk_mask", TOPK, topk_mask),
    Step(10, "topk_loss_and_grad", "topk_loss_and_grad", "topk_loss_and_grad", TOPK,
         topk_loss_and_grad, ("topk_mask", "reconstruction_cost", "output_delta",
                              "hidden_delta", "parameter_gradients"), points=2),
    Step(11, "jumprelu_forward", "jumprelu_forward", "jumprelu_forward", JUMPRELU,
         jumprelu_forward),
    Step(12, "l0_cost", "l0_cost", "l0_cost", JUMPRELU, l0_cost),
    Step(13, "rectangle", "rectangle", "rectangle", JUMPRELU, rectangle),
    Step(14, "step_pseudo_derivative", "step_pseudo_derivative", "step_pseudo_derivative",
         JUMPRELU, step_pseudo_derivative, checked=PSEUDO),
    Step(15, "l0_threshold_gradient", "l0_threshold_gradient", "l0_threshold_gradient",
         JUMPRELU, l0_threshold_gradient, checked=PSEUDO),
    Step(16, "jump_threshold_gradient", "jump_threshold_gradient", "jump_threshold_gradient",
         JUMPRELU, jump_threshold_gradient, checked=PSEUDO),
    Step(17, "jumprelu_loss_and_grad", "jumprelu_loss_and_grad", "jumprelu_loss_and_grad",
         JUMPRELU, jumprelu_loss_and_grad,
         ("jumprelu_forward", "l0_cost", "l0_threshold_gradient", "jump_threshold_gradient",
          "reconstruction_cost", "output_delta", "parameter_gradients"), points=2,
         checked="J and ∇W1, ∇W2, ∇b1, ∇b2; ∇θ " + PSEUDO),
]
