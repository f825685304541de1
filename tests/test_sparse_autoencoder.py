"""The model: a worked example by hand, the formula evaluated independently, properties, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinysae import (
    CHECK_EPSILON,
    GRADIENT_CHECK_THRESHOLD,
    cost_terms,
    forward,
    gradient_check,
    init_params,
    loss_and_grad,
    n_params,
    pack,
    unpack,
)

LN3 = math.log(3.0)


# ----------------------------------------------------------------------------- parameters

def test_init_params_follows_the_ufldl_rule():
    params = init_params(64, 25, np.random.default_rng(0))
    r = math.sqrt(6 / (64 + 25 + 1))
    assert params["W1"].shape == (25, 64) and params["W2"].shape == (64, 25)
    assert params["b1"].shape == (25,) and params["b2"].shape == (64,)
    for W in (params["W1"], params["W2"]):
        assert np.all(np.abs(W) <= r) and np.abs(W).max() > 0.9 * r  # fills ±r
    assert not params["b1"].any() and not params["b2"].any()


def test_init_params_is_seeded():
    a, b = (init_params(8, 3, np.random.default_rng(7)) for _ in range(2))
    np.testing.assert_array_equal(pack(a), pack(b))


def test_unpack_returns_views_of_theta():
    theta = pack(init_params(6, 4, np.random.default_rng(1)))
    params = unpack(theta, 6, 4)
    params["W2"][0, 0] = 123.0
    params["b2"][-1] = -7.0
    assert theta[6 * 4] == 123.0 and theta[-1] == -7.0
    assert all(np.shares_memory(v, theta) for v in params.values())


# ----------------------------------------------------------------------------- a worked example

def test_worked_example_by_hand():
    """One example, two visible units, one hidden unit, numbers chosen so J has a closed form.

    x = (1, 0), W1 = [[ln 3, 0]], b1 = 0      → z2 = ln 3,  a2 = 1/(1 + 1/3) = 3/4
    W2 = [[0], [0]], b2 = (ln 3, −ln 3)       → a3 = (σ(ln 3), σ(−ln 3)) = (3/4, 1/4)
    reconstruction = ½((3/4 − 1)² + (1/4 − 0)²) = ½(1/16 + 1/16) = 1/16
    weight decay (λ = 0.1) = (0.1/2)·(ln 3)² = 0.05·(ln 3)²           ≈ 0.0603474
    ρ̂ = a2 = 3/4; with ρ = 1/4:
    KL(ρ‖ρ̂) = ¼·ln((1/4)/(3/4)) + ¾·ln((3/4)/(1/4)) = −¼ ln 3 + ¾ ln 3 = ½ ln 3
    sparsity (β = 3) = 3·½ ln 3 = 1.5 ln 3                               ≈ 1.6479184
    J = 1/16 + 0.05 (ln 3)² + 1.5 ln 3                                    ≈ 1.7707658
    """
    params = {"W1": np.array([[LN3, 0.0]]), "W2": np.zeros((2, 1)),
              "b1": np.zeros(1), "b2": np.array([LN3, -LN3])}
    X = np.array([[1.0, 0.0]])
    hyper = dict(weight_decay=0.1, sparsity_target=0.25, sparsity_weight=3.0)
    terms = cost_terms(pack(params), X, 1, **hyper)
    assert terms["reconstruction"] == pytest.approx(1 / 16, rel=1e-14)
    assert terms["weight_decay"] == pytest.approx(0.05 * LN3 ** 2, rel=1e-14)
    assert terms["sparsity"] == pytest.approx(1.5 * LN3, rel=1e-14)
    J, _ = loss_and_grad(pack(params), X, 1, **hyper)
    assert J == pytest.approx(1 / 16 + 0.05 * LN3 ** 2 + 1.5 * LN3, rel=1e-14)
    assert J == pytest.approx(1.7707658, abs=1e-7)
    np.testing.assert_allclose(terms["rho_hat"], [0.75], rtol=1e-15)


# ----------------------------------------------------------------------------- an independent evaluation

def slow_cost(params, X, lam, rho, beta):
    """J written out with Python scalars, one example and one unit at a time."""
    W1, W2, b1, b2 = params["W1"], params["W2"], params["b1"], params["b2"]
    n_h, n_v = W1.shape
    m = X.shape[0]

    def f(z):
        return 1.0 / (1.0 + math.exp(-z))

    squared_error, activation_sums = 0.0, [0.0] * n_h
    for x in X:
        a2 = [f(sum(W1[j, k] * x[k] for k in range(n_v)) + b1[j]) for j in range(n_h)]
        for j in range(n_h):
            activation_sums[j] += a2[j]
        for k in range(n_v):
            a3 = f(sum(W2[k, j] * a2[j] for j in range(n_h)) + b2[k])
            squared_error += 0.5 * (a3 - x[k]) ** 2
    decay = 0.5 * lam * (sum(w * w for w in W1.ravel()) + sum(w * w for w in W2.ravel()))
    kl = 0.0
    for s in activation_sums:
        r = s / m
        kl += rho * math.log(rho / r) + (1 - rho) * math.log((1 - rho) / (1 - r))
    return squared_error / m + decay + beta * kl


@pytest.mark.parametrize("seed", range(5))
def test_loss_matches_an_independent_evaluation(seed):
    rng = np.random.default_rng(seed)
    n_v, n_h, m = rng.integers(2, 10), rng.integers(1, 6), rng.integers(1, 12)
    X = rng.random((m, n_v))  # (m, n_v)
    params = init_params(n_v, n_h, rng)
    params["b1"][:] = rng.normal(size=n_h)
    params["b2"][:] = rng.normal(size=n_v)
    lam, rho, beta = rng.uniform(0, 0.1), rng.uniform(0.01, 0.5), rng.uniform(0, 5)
    J, _ = loss_and_grad(pack(params), X, n_h, weight_decay=lam, sparsity_target=rho,
                         sparsity_weight=beta)
    assert J == pytest.approx(slow_cost(params, X, lam, rho, beta), rel=1e-12)


def test_saturated_units_give_a_finite_cost_and_gradient():
    """ρ̂ exactly 0 or 1 in float64 must not turn the KL term into NaN."""
    X = np.random.default_rng(0).random((5, 4))  # (m, n_v)
    params = init_params(4, 2, np.random.default_rng(0))
    params["b1"][:] = [-1000.0, 1000.0]  # unit 0 always off, unit 1 always on
    J, grad = loss_and_grad(pack(params), X, 2)
    assert forward(params, X)["rho_hat"].tolist() == [0.0, 1.0]
    assert np.isfinite(J) and np.all(np.isfinite(grad))


# ----------------------------------------------------------------------------- properties

problems = st.fixed_dictionaries({
    "n_visible": st.integers(1, 9), "n_hidden": st.integers(1, 6), "m": st.integers(1, 12),
    "weight_decay": st.floats(0, 1e-2), "sparsity_target": st.floats(0.01, 0.99),
    "sparsity_weight": st.floats(0, 5), "sparsity": st.sampled_from(["kl", "l1"]),
    "decoder": st.sampled_from(["sigmoid", "linear"]), "seed": st.integers(0, 2**32 - 1),
})


def build(problem):
    rng = np.random.default_rng(problem["seed"])
    X = rng.random((problem["m"], problem["n_visible"]))  # (m, n_v)
    theta = pack(init_params(problem["n_visible"], problem["n_hidden"], rng))
    hyper = {k: problem[k] for k in ("weight_decay", "sparsity_target", "sparsity_weight",
                                     "sparsity", "decoder")}
    return theta, X, hyper


@settings(max_examples=30, deadline=None, derandomize=True)
@given(problems)
def test_property_gradient_check_holds(problem):
    theta, X, hyper = build(problem)
    ratio = gradient_check(lambda t: loss_and_grad(t, X, problem["n_hidden"], **hyper),
                           theta, eps=CHECK_EPSILON)
    assert ratio < GRADIENT_CHECK_THRESHOLD


@settings(max_examples=50, deadline=None, derandomize=True)
@given(problems)
def test_property_pack_unpack_round_trip(problem):
    theta, _, _ = build(problem)
    params = unpack(theta, problem["n_visible"], problem["n_hidden"])
    assert theta.size == n_params(problem["n_visible"], problem["n_hidden"])
    np.testing.assert_array_equal(pack(params), theta)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(problems)
def test_property_cost_is_finite_and_non_negative(problem):
    theta, X, hyper = build(problem)
    J, grad = loss_and_grad(theta, X, problem["n_hidden"], **hyper)
    assert np.isfinite(J) and J >= 0
    assert grad.shape == theta.shape and np.all(np.isfinite(grad))


# ----------------------------------------------------------------------------- bad input

@pytest.fixture
def good():
    rng = np.random.default_rng(0)
    return pack(init_params(16, 5, rng)), rng.random((10, 16))


BAD_CALLS = {
    "X with the wrong number of columns for theta": (
        lambda t, X: loss_and_grad(t, X[:, :9], 5), ValueError, "'X'"),
    "theta of the wrong length": (
        lambda t, X: loss_and_grad(t[:-1], X, 5), ValueError, "'theta'"),
    "theta that is a list": (
        lambda t, X: loss_and_grad(list(t), X, 5), TypeError, "'theta'"),
    "sparsity_target = 0": (
        lambda t, X: loss_and_grad(t, X, 5, sparsity_target=0.0), ValueError, "'sparsity_target'"),
    "sparsity_target = 1.5": (
        lambda t, X: loss_and_grad(t, X, 5, sparsity_target=1.5), ValueError, "1.5"),
    "negative weight_decay": (
        lambda t, X: loss_and_grad(t, X, 5, weight_decay=-1e-4), ValueError, "'weight_decay'"),
    "negative sparsity_weight": (
        lambda t, X: loss_and_grad(t, X, 5, sparsity_weight=-3), ValueError, "-3"),
    "NaN in X": (
        lambda t, X: loss_and_grad(t, np.where(X > 0.5, np.nan, X), 5), ValueError, "'X'"),
    "inf in X": (
        lambda t, X: loss_and_grad(t, np.where(X > 0.5, np.inf, X), 5), ValueError, "finite"),
    "1-D X": (
        lambda t, X: loss_and_grad(t, X[0], 5), ValueError, "shape (16,)"),
    "empty X": (
        lambda t, X: loss_and_grad(t, X[:0], 5), ValueError, "shape (0, 16)"),
    "string X": (
        lambda t, X: loss_and_grad(t, X.astype(str), 5), TypeError, "'X'"),
    "n_hidden = 0": (
        lambda t, X: loss_and_grad(t, X, 0), ValueError, "'n_hidden'"),
    "n_hidden = 2.5": (
        lambda t, X: loss_and_grad(t, X, 2.5), TypeError, "2.5"),
    "unknown sparsity penalty": (
        lambda t, X: loss_and_grad(t, X, 5, sparsity="l2"), ValueError, "'l2'"),
    "NaN in theta": (
        lambda t, X: loss_and_grad(np.full_like(t, np.nan), X, 5), ValueError, "'theta'"),
    "init_params with n_visible = -1": (
        lambda t, X: init_params(-1, 5), ValueError, "-1"),
}


@pytest.mark.parametrize("case", BAD_CALLS, ids=list(BAD_CALLS))
def test_bad_input_is_rejected_with_a_clear_message(case, good):
    call, error, names = BAD_CALLS[case]
    with pytest.raises(error, match=__import__("re").escape(names)):
        call(*good)


def test_integer_X_is_converted_not_rejected(good):
    theta, X = good
    X_int = (X > 0.5).astype(np.int64)  # (m, n_v) of 0s and 1s
    J_int, grad_int = loss_and_grad(theta, X_int, 5)
    J_float, grad_float = loss_and_grad(theta, X_int.astype(float), 5)
    assert J_int == J_float
    np.testing.assert_array_equal(grad_int, grad_float)
