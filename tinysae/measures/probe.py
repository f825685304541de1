"""A linear probe: the best a single direction of the neurons (with a bias) can do.

Shapes: m positions, n_v inputs (neurons), p properties. For each property, logistic
regression on the standardised inputs x̂ = (x − μ) / σ::

    z = x̂ w + c,    J = mean over positions of [log(1 + e^z) − y z] + λ ‖w‖² / 2
    ∂J/∂w = x̂ᵀ (sigmoid(z) − y) / m + λ w,    ∂J/∂c = mean(sigmoid(z) − y)

fitted by L-BFGS (scipy), all p properties at once (their costs add and do not interact).
A probe's score is z; it detects a property where z exceeds a threshold chosen like any
unit's (:func:`tinysae.measures.detection.held_out_table`). Since a single neuron, a single
SAE feature and a random direction are each one direction too, a probe fitted on the same
positions is the ceiling they are measured against.
"""

import numpy as np
import scipy.optimize
import scipy.special

#: λ, the L2 penalty on the probe's weights (on standardised inputs).
PROBE_L2 = 1e-3

#: L-BFGS iterations, at most.
PROBE_ITERATIONS = 200


def probe_cost_and_grad(theta, X, Y, l2):
    """J and its gradient for the probes packed as θ = (W (n_v, p), c (p,)), see above."""
    m, n_v = X.shape
    p = Y.shape[1]
    W, c = theta[:n_v * p].reshape(n_v, p), theta[n_v * p:]  # (n_v, p), (p,)
    Z = X @ W + c  # (m, p)
    J = np.sum(np.logaddexp(0.0, Z) - Y * Z) / m + 0.5 * l2 * np.sum(W ** 2)
    D = (scipy.special.expit(Z) - Y) / m  # (m, p)  ∂J/∂Z
    return J, np.concatenate([(X.T @ D + l2 * W).ravel(), D.sum(axis=0)])


def fit_probes(X, labels, l2=PROBE_L2):
    """Fit one logistic probe per property on ``X`` (m, n_v) and ``labels`` (m, p) bool.

    Returns a function ``scores(X) -> (m', p)``, each property's z at new positions."""
    X = np.asarray(X, dtype=np.float64)
    mu, sigma = X.mean(axis=0), X.std(axis=0) + 1e-12  # (n_v,) each
    Xs = (X - mu) / sigma  # (m, n_v)
    Y = np.asarray(labels, dtype=np.float64)  # (m, p)
    n_v, p = X.shape[1], Y.shape[1]
    result = scipy.optimize.minimize(probe_cost_and_grad, np.zeros(n_v * p + p), (Xs, Y, l2),
                                     jac=True, method="L-BFGS-B",
                                     options={"maxiter": PROBE_ITERATIONS})
    W, c = result.x[:n_v * p].reshape(n_v, p), result.x[n_v * p:]  # (n_v, p), (p,)
    return lambda X_new: ((np.asarray(X_new, dtype=np.float64) - mu) / sigma) @ W + c
