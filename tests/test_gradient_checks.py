"""Gradient checking, term by term — the class demo.

Run it in front of students:   pytest -v -s -k grad

Each test prints one row: the term being checked, UFLDL's ratio ‖num − ana‖ / ‖num + ana‖
and the threshold it must beat. First the checker itself, then the cost built up one term
at a time, as in the notes: reconstruction, + weight decay, + sparsity, the full cost.
"""

import numpy as np
import pytest

from tinysae import (
    CHECK_EPSILON,
    GRADIENT_CHECK_THRESHOLD,
    gradient_check,
    init_params,
    loss_and_grad,
    numerical_gradient,
    pack,
)

# A tiny problem: 4×4 patches, 5 hidden units, 10 examples.
N_VISIBLE, N_HIDDEN, M = 16, 5, 10


def report(term, ratio, should_pass=True):
    """One row for the projector."""
    passed = ratio < GRADIENT_CHECK_THRESHOLD
    verdict = ("PASS" if passed else "FAIL") if should_pass else ("missed" if passed else "caught")
    print(f"\n    {term:<42} ratio = {ratio:8.1e}   threshold = "
          f"{GRADIENT_CHECK_THRESHOLD:.0e}   {verdict}")


@pytest.fixture
def tiny_problem():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 0.9, size=(M, N_VISIBLE))  # (m, n_v), like normalised patches
    theta = pack(init_params(N_VISIBLE, N_HIDDEN, rng))  # (2·n_h·n_v + n_h + n_v,)
    return theta, X


def check_cost(theta, X, **hyperparameters):
    def f(t):
        return loss_and_grad(t, X, N_HIDDEN, **hyperparameters)
    return gradient_check(f, theta, eps=CHECK_EPSILON)


def test_grad_checker_on_ufldl_self_test():
    """UFLDL's checkNumericalGradient: h(x) = x1² + 3·x1·x2 at (4, 10), ∇h = (2x1 + 3x2, 3x1)."""
    def h(x):
        value = x[0] ** 2 + 3 * x[0] * x[1]
        return value, np.array([2 * x[0] + 3 * x[1], 3 * x[0]])
    x = np.array([4.0, 10.0])
    ratio = gradient_check(h, x)
    report("checker self-test h(x) = x1² + 3·x1·x2", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD
    np.testing.assert_allclose(numerical_gradient(lambda v: h(v)[0], x), [38.0, 12.0], rtol=1e-9)
    np.testing.assert_array_equal(x, [4.0, 10.0])  # the point is restored


def test_grad_checker_catches_a_wrong_gradient():
    """A checker that cannot fail proves nothing: a gradient off by 1% must be caught."""
    def wrong(x):
        return np.sum(x ** 2), 2.02 * x
    ratio = gradient_check(wrong, np.array([1.0, -2.0, 3.0]))
    report("a deliberately wrong gradient (×1.01)", ratio, should_pass=False)
    assert ratio > 1e-3


def test_grad_reconstruction_only(tiny_problem):
    ratio = check_cost(*tiny_problem, weight_decay=0.0, sparsity_weight=0.0)
    report("1. reconstruction only (λ = 0, β = 0)", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_plus_weight_decay(tiny_problem):
    ratio = check_cost(*tiny_problem, weight_decay=1e-2, sparsity_weight=0.0)
    report("2. + weight decay (λ = 1e-2)", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_plus_sparsity(tiny_problem):
    ratio = check_cost(*tiny_problem, weight_decay=1e-2, sparsity_weight=3.0, sparsity_target=0.1)
    report("3. + KL sparsity (β = 3, ρ = 0.1)", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_full_cost(tiny_problem):
    ratio = check_cost(*tiny_problem, weight_decay=1e-4, sparsity_weight=3.0, sparsity_target=0.01)
    report("4. full cost (UFLDL: λ=1e-4, β=3, ρ=0.01)", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_l1_sparsity(tiny_problem):
    ratio = check_cost(*tiny_problem, weight_decay=1e-4, sparsity_weight=0.5, sparsity="l1")
    report("5. L1 sparsity instead of KL (β = 0.5)", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_linear_decoder(tiny_problem):
    theta, X = tiny_problem
    X_centred = X - X.mean(axis=0)  # (m, n_v), not in [0, 1]: why a linear decoder exists
    ratio = check_cost(theta, X_centred, weight_decay=3e-3, sparsity_weight=5.0,
                       sparsity_target=0.035, decoder="linear")
    report("6. linear decoder (a3 = z3)", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD
