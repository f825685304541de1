"""Hand-written Adam: its first step, and convergence on an ill-conditioned quadratic.

Run:   pytest -v -s tests/test_modern_adam.py
"""

import numpy as np
import pytest

from tinysae.training.adam import adam_init, adam_step


def quadratic(params, scales, centre):
    """f(θ) = ½ Σ s_i (θ_i − c_i)², ∇f = s ∘ (θ − c): curvatures 1e-2 … 1e2."""
    d = params["theta"] - centre  # (n,)
    return 0.5 * np.sum(scales * d ** 2), {"theta": scales * d}


def test_first_step_moves_every_coordinate_by_the_learning_rate():
    """At t = 1 the bias-corrected m̂/√v̂ is g/|g|, so each θ_i moves by α against its sign."""
    params = {"theta": np.array([1.0, -2.0, 3.0])}
    grads = {"theta": np.array([1e-3, -5.0, 200.0])}
    new, state = adam_step(params, grads, adam_init(params), learning_rate=0.1, eps=1e-12)
    np.testing.assert_allclose(new["theta"], [0.9, -1.9, 2.9], rtol=1e-9)
    assert state["t"] == 1
    np.testing.assert_array_equal(params["theta"], [1.0, -2.0, 3.0])  # inputs untouched


def test_adam_minimises_an_ill_conditioned_quadratic():
    scales = np.logspace(-2, 2, 5)  # (n,) condition number 1e4
    centre = np.array([1.0, -1.0, 0.5, 2.0, -3.0])  # (n,)
    params, state = {"theta": np.zeros(5)}, adam_init({"theta": np.zeros(5)})
    f0, _ = quadratic(params, scales, centre)
    for t in range(3000):
        _, grads = quadratic(params, scales, centre)
        params, state = adam_step(params, grads, state, learning_rate=0.05 if t < 2000 else 0.005)
    f, _ = quadratic(params, scales, centre)
    print(f"\n    f: {f0:.3f} → {f:.1e} after 3000 steps; max |θ − c| = "
          f"{np.abs(params['theta'] - centre).max():.1e}")
    np.testing.assert_allclose(params["theta"], centre, atol=1e-2)


def test_bad_learning_rate_is_named():
    params = {"theta": np.zeros(2)}
    with pytest.raises(ValueError, match="learning_rate"):
        adam_step(params, params, adam_init(params), learning_rate=0.0)
