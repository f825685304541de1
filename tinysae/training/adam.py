"""Adam (Kingma & Ba 2015, Algorithm 1), by hand, for a dict of parameter arrays.

For each parameter θ with gradient g at step t = 1, 2, …::

    m_t = β1 m_{t−1} + (1 − β1) g            first moment (running mean of g)
    v_t = β2 v_{t−1} + (1 − β2) g²           second moment (running mean of g²)
    m̂_t = m_t / (1 − β1^t),  v̂_t = v_t / (1 − β2^t)     bias corrections
    θ_t = θ_{t−1} − α m̂_t / (√v̂_t + ε)

The code uses the paper's equivalent, cheaper ordering (end of its §2):
α_t = α √(1 − β2^t) / (1 − β1^t) and θ_t = θ_{t−1} − α_t m_t / (√v_t + ε̂) with
ε̂ = ε √(1 − β2^t), which is the same update without forming m̂ and v̂.
Every array in the state has the shape of its parameter. The functions are pure: they
return new dicts and never modify their arguments.
"""

import numpy as np

from tinysae.validation.checks import check_finite, fail
from tinysae.validation.constraints import check

#: Kingma & Ba's defaults: decay rates of the two moments and the guard ε.
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8

#: Share of the steps at the end over which the learning rate decays linearly to zero.
LR_DECAY_FRACTION = 0.2


def adam_init(params):
    """Zero moments and step count t = 0 for every array in ``params``."""
    if not isinstance(params, dict):
        fail("params", "a dict of parameter arrays", params, TypeError)
    return {
        "t": 0,
        "m": {name: np.zeros_like(p) for name, p in params.items()},  # like params
        "v": {name: np.zeros_like(p) for name, p in params.items()},  # like params
    }


def adam_step(params, grads, state, *, learning_rate=1e-3, beta1=BETA1, beta2=BETA2, eps=EPS):
    """One Adam update, its arguments checked first: the door for a loop of your own.

    Parameters
    ----------
    params, grads : dict of ndarray
        Current parameters θ and the gradient g of the cost at θ (same keys and shapes).
    state : dict
        From :func:`adam_init` or the previous call: ``t``, ``m``, ``v``.
    learning_rate : float, default 1e-3
        α > 0.
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the two moments, in [0, 1).
    eps : float, default 1e-8
        ε > 0, keeps the step finite where v̂ ≈ 0.

    Returns
    -------
    params : dict of ndarray
        θ_t.
    state : dict
        The updated ``t``, ``m``, ``v``.
    """
    learning_rate = check("learning_rate", learning_rate)
    beta1, beta2, eps = check("beta1", beta1), check("beta2", beta2), check("eps", eps)
    if not isinstance(params, dict) or not isinstance(grads, dict) or set(grads) != set(params):
        fail("grads", f"a dict with the keys of params, {sorted(map(str, params))}", grads,
             TypeError)
    if not isinstance(state, dict) or not {"t", "m", "v"} <= set(state):
        fail("state", "a dict from adam_init or the previous adam_step", state, TypeError)
    for name, theta in params.items():
        if np.shape(grads[name]) != np.shape(theta):
            fail(f"grads['{name}']", f"an array of the shape of params['{name}'], "
                 f"{np.shape(theta)}", grads[name])
        check_finite(f"params['{name}']", theta)  # NaN would spread through every later step
        check_finite(f"grads['{name}']", grads[name])
    return apply_adam(params, grads, state, learning_rate, beta1, beta2, eps)


def apply_adam(params, grads, state, learning_rate, beta1=BETA1, beta2=BETA2, eps=EPS):
    """The update of the module docstring, for arguments already checked (the training
    loops of :func:`tinysae.modern.train_sae`, ``train_lm`` and ``train_crosscoder`` call it
    after their own doors); returns the new ``params`` and ``state``."""
    t = state["t"] + 1
    step_size = learning_rate * (1 - beta2 ** t) ** 0.5 / (1 - beta1 ** t)  # α_t (a float)
    eps_hat = eps * (1 - beta2 ** t) ** 0.5  # ε̂
    new_params, new_m, new_v = {}, {}, {}
    for name, theta in params.items():
        g = grads[name]  # like theta
        new_m[name] = beta1 * state["m"][name] + (1 - beta1) * g  # like theta
        new_v[name] = beta2 * state["v"][name] + (1 - beta2) * np.square(g)  # like theta
        denominator = np.sqrt(new_v[name]) + eps_hat  # like theta
        new_params[name] = theta - step_size * new_m[name] / denominator  # like theta
    return new_params, {"t": t, "m": new_m, "v": new_v}


def learning_rate_at(step, n_steps, learning_rate):
    """The schedule every Adam loop here uses: constant α, then a linear decay to zero over
    the last LR_DECAY_FRACTION of the steps."""
    decay_start = (1 - LR_DECAY_FRACTION) * n_steps
    if step < decay_start:
        return learning_rate
    return learning_rate * (n_steps - step) / (n_steps - decay_start)
