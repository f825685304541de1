"""How the hidden units of a trained sigmoid autoencoder behave: dead, always on, how sparse.

Shapes, defined once for this module::

    m    number of examples      n_h  hidden units

A sigmoid unit is never exactly 0 or 1, so "firing" needs a level. We say unit j
**fires** on example i when a2_ij > 1/2, i.e. when z2_ij = w_j·x_i + b_j > 0: the input
pushes the unit past the middle of its range. Then

* a **dead** unit fires on no example: it carries almost no information (the sparsity
  penalty can park a unit at a constant a2 ≈ ρ with tiny weights, which satisfies
  ρ̂ = ρ without detecting anything);
* an **always-on** unit fires on every example: it acts as a bias, not a feature.

(Latents of ReLU models are exactly 0 when off; see :func:`tinysae.modern.metrics.dead_latents`.)
"""

from dataclasses import dataclass

import numpy as np

from tinysae.validation.checks import check_data, check_real

#: a2 above this counts as firing (z2 > 0).
FIRING_LEVEL = 0.5


@dataclass(frozen=True)
class ActivationStats:
    """Per-unit statistics, each of shape (n_h,), and per-example sparsity."""

    rho_hat: np.ndarray  # mean activation of each unit (the notes' ρ̂_j)
    firing_rate: np.ndarray  # share of examples on which the unit fires
    dead: np.ndarray  # bool: fires on no example
    always_on: np.ndarray  # bool: fires on every example
    mean_firing: float  # average number of units firing per example (an L0)

    @property
    def n_dead(self):
        """How many units are dead."""
        return int(np.sum(self.dead))

    @property
    def n_always_on(self):
        """How many units are always on."""
        return int(np.sum(self.always_on))


def activation_stats(a2, firing_level=FIRING_LEVEL):
    """Summarise hidden activations ``a2`` (m, n_h), e.g. from :func:`tinysae.hidden_activations`.

    Parameters
    ----------
    a2 : ndarray of shape (m, n_h)
        Hidden activations, one example per row.
    firing_level : float, default FIRING_LEVEL
        A unit fires on an example when its activation is above this level.

    Returns
    -------
    ActivationStats
        ``rho_hat``, ``firing_rate``, ``dead``, ``always_on`` (arrays of shape (n_h,)),
        ``mean_firing``, and the counts ``n_dead`` and ``n_always_on``.
    """
    a2 = check_data("a2", a2)  # (m, n_h)
    firing_level = check_real("firing_level", firing_level)
    fires = a2 > firing_level  # (m, n_h)
    firing_rate = fires.mean(axis=0)  # (n_h,)
    return ActivationStats(rho_hat=a2.mean(axis=0), firing_rate=firing_rate,
                           dead=firing_rate == 0, always_on=firing_rate == 1,
                           mean_firing=float(fires.sum(axis=1).mean()))
