"""Gradient checks of today's SAE architectures, for the class demo's table (``tinysae gradcheck``).

Each check builds a tiny float64 problem (n_v = 16, n_h = 6, m = 10) whose pre-activations
sit at least :data:`KINK_MARGIN` from every kink of the activation (ReLU's 0, the k-th
largest for TopK, the batch's k·m-th for BatchTopK, the threshold for JumpReLU), so that a
centred difference of step ε never straddles one. It returns UFLDL's ratio
‖num − ana‖ / ‖num + ana‖ over W1, W2, b1, b2 together and per block.

JumpReLU's threshold θ has no derivative to check (see :mod:`tinysae.modern.jumprelu`); its
row checks the pseudo-derivative of the L0 term against centred differences of the
kernel-smoothed L0, of which it is the exact derivative, and the test suite bounds the
reconstruction's part by the smoothed reconstruction's.
"""

from dataclasses import dataclass

import numpy as np

from tinysae.model.gradient_check import (CHECK_EPSILON, numerical_gradient,
                                          relative_difference, relative_difference_by_block)
from tinysae.model.parameters import pack, unpack
from tinysae.modern.auxk import topk_auxk_loss_and_grad
from tinysae.modern.batchtopk import (batch_topk_margin, batchtopk_loss_and_grad,
                                      matryoshka_loss_and_grad)
from tinysae.modern.jumprelu import (jumprelu_forward, jumprelu_loss_and_grad,
                                     l0_threshold_gradient, smoothed_l0_cost)
from tinysae.modern.sae import init_sae, kink_margin, sae_forward

#: The tiny problem's sizes, and TopK's k in it.
N_VISIBLE, N_LATENTS, M, K = 16, 6, 10, 2
#: No pre-activation closer than this to a kink (ε = CHECK_EPSILON moves z2 by far less).
KINK_MARGIN = 1e-3
#: Dead latents, k_aux and α of the AuxK row; the prefixes of the Matryoshka row.
DEAD, K_AUX, AUX_WEIGHT, PREFIXES = (3, 4, 5), 2, 0.5, (2, 4, 6)
#: λ and ε of the JumpReLU rows (a wide kernel, so that some pre-activations fall inside).
L0_WEIGHT, BANDWIDTH = 0.3, 0.4


@dataclass(frozen=True)
class ArchitectureRow:
    label: str
    check: callable  # () -> (ratio, {block: ratio})
    legend: str

    @property
    def number(self):
        return self.label.split(".")[0]

    @property
    def id(self):
        """``12-jumprelu-h-l0``: the label as a test id, in ASCII."""
        words = "".join(c if c.isascii() and c.isalnum() else " " for c in self.label.lower())
        return "-".join(words.split())


def _problem(seed, margin_of):
    """(params, X, extra) for the first seed from ``seed`` on whose margin is KINK_MARGIN."""
    for s in range(seed, seed + 1000):
        rng = np.random.default_rng(s)
        X = rng.uniform(-1, 1, size=(M, N_VISIBLE))  # (m, n_v)
        params = init_sae(N_VISIBLE, N_LATENTS, rng, data_mean=0.1 * rng.standard_normal(N_VISIBLE))
        params["W1"] = params["W1"] + 0.3 * rng.standard_normal(params["W1"].shape)  # untied
        params["b1"] = 0.1 * rng.standard_normal(N_LATENTS)  # (n_h,)
        threshold = rng.uniform(0.2, 0.6, N_LATENTS)  # (n_h,)  JumpReLU's θ
        if margin_of(params, X, threshold) >= KINK_MARGIN:
            return params, X, threshold
    raise AssertionError("no seed in 1000 keeps the pre-activations away from the kinks")


def _check_blocks(loss_and_grad, params):
    """Ratio over θ = (W1, W2, b1, b2) and per block, for ``loss_and_grad(params) -> (J, g)``."""
    def f(theta):
        J, grads = loss_and_grad(unpack(theta, N_VISIBLE, N_LATENTS))
        return J, pack({name: grads[name] for name in ("W1", "W2", "b1", "b2")})
    theta = pack(params)
    analytic = f(theta)[1].copy()  # (n,)
    numerical = numerical_gradient(f, theta, eps=CHECK_EPSILON)  # (n,)
    return (relative_difference(numerical, analytic),
            relative_difference_by_block(numerical, analytic, N_VISIBLE, N_LATENTS))


# ------------------------------------------------------------------------------ the rows

def _z2(params, X):
    return sae_forward(params, X)["z2"]  # (m, n_h)


def check_topk_auxk():
    """TopK + AuxK: the residual e = x − a3 computed at the point and held fixed."""
    dead = np.isin(np.arange(N_LATENTS), DEAD)  # (n_h,)

    def margin(params, X, _):
        z2 = _z2(params, X)  # (m, n_h)
        on_dead = np.where(dead, z2, -np.inf)  # (m, n_h)
        return min(kink_margin(z2, "topk", K), kink_margin(on_dead[:, dead], "topk", K_AUX))
    params, X, _ = _problem(0, margin)
    residual = X - sae_forward(params, X, "topk", K)["a3"]  # (m, n_v)  a constant
    return _check_blocks(lambda p: topk_auxk_loss_and_grad(p, X, K, residual, dead, K_AUX,
                                                           AUX_WEIGHT)[:2], params)


def check_batchtopk():
    """BatchTopK: the k·m largest of the batch."""
    params, X, _ = _problem(0, lambda p, X, _: batch_topk_margin(_z2(p, X), K))
    return _check_blocks(lambda p: batchtopk_loss_and_grad(p, X, K)[:2], params)


def check_matryoshka():
    """Matryoshka: three nested prefixes, BatchTopK latents."""
    params, X, _ = _problem(0, lambda p, X, _: batch_topk_margin(_z2(p, X), K))
    return _check_blocks(lambda p: matryoshka_loss_and_grad(p, X, K, PREFIXES)[:2], params)


def _jumprelu_margin(params, X, threshold):
    """Distance of z2 to θ (the jump) and to θ ± ε/2 (the kernel's edges)."""
    gap = np.abs(_z2(params, X) - threshold)  # (m, n_h)
    return float(min(gap.min(), np.abs(gap - BANDWIDTH / 2).min()))


def check_jumprelu_weights():
    """JumpReLU + L0, W1, W2, b1, b2 (θ fixed): exact derivatives, L0 flat in them."""
    params, X, threshold = _problem(0, _jumprelu_margin)
    return _check_blocks(lambda p: jumprelu_loss_and_grad(p, threshold, X, L0_WEIGHT,
                                                          BANDWIDTH)[:2], params)


def check_jumprelu_threshold_l0():
    """JumpReLU's θ, L0 term: the pseudo-derivative against centred differences of the
    kernel-smoothed L0. Returns ``(ratio, {"threshold": ratio})``."""
    params, X, threshold = _problem(0, _jumprelu_margin)
    z2 = jumprelu_forward(params, threshold, X)["z2"]  # (m, n_h)
    analytic = l0_threshold_gradient(z2, threshold, L0_WEIGHT, BANDWIDTH)  # (n_h,)
    assert np.any(analytic != 0), "no pre-activation inside the kernel: the check is empty"
    numerical = numerical_gradient(lambda t: smoothed_l0_cost(z2, t, L0_WEIGHT, BANDWIDTH),
                                   threshold.copy(), eps=CHECK_EPSILON)  # (n_h,)
    ratio = relative_difference(numerical, analytic)
    return ratio, {"threshold": ratio}


ARCHITECTURE_ROWS = [
    ArchitectureRow("9. TopK + AuxK", check_topk_auxk,
                    f"k = {K}, k_aux = {K_AUX} of 3 dead, α = {AUX_WEIGHT}"),
    ArchitectureRow("10. BatchTopK", check_batchtopk, f"k·m = {K * M} of the batch"),
    ArchitectureRow("11. Matryoshka", check_matryoshka, f"prefixes {PREFIXES}, BatchTopK"),
    ArchitectureRow("12. JumpReLU + L0", check_jumprelu_weights, f"λ = {L0_WEIGHT}, θ fixed"),
    ArchitectureRow("13. JumpReLU θ, H_ε L0", check_jumprelu_threshold_l0,
                    f"ε = {BANDWIDTH}, smoothed L0 (pseudo-∂)"),
]
