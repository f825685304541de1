"""Pictures of the cost and its gradient (lessons 01 and 02): J's terms, a2 and ρ̂, the check.

J's three terms as bars, the hidden activations beside ρ̂, and the gradient check's ratio
against ε.

Shapes, defined once for this module::

    m    examples      n_h  hidden units      k  values of ε tried

Like seaborn's axes-level and figure-level functions: a one-panel plot takes ``ax=`` (a new
pyplot figure when None) and returns the Figure; a plot of several panels makes its own
figure and returns it.
"""

import numpy as np

from tinysae.validation.checks import check_data, check_real, check_vector, fail
from tinysae.validation.constraints import check
from tinysae.pictures.plots import figure_and_axes, new_figure

#: The terms of J in the order of the notes, and the colour each is drawn in.
COST_TERMS = {"reconstruction": "tab:blue", "weight_decay": "tab:orange", "sparsity": "tab:green"}


def plot_cost_terms(terms, *, title=None, ax=None, figsize=(6, 3.5)):
    """The three terms of J as bars; ``terms`` as returned by :func:`tinysae.cost_terms`."""
    if not all(name in terms for name in COST_TERMS):
        fail("terms", "a mapping with 'reconstruction', 'weight_decay' and 'sparsity' "
             "(what tinysae.cost_terms returns)", terms, TypeError)
    values = [check_real(name, terms[name]) for name in COST_TERMS]
    fig, ax = figure_and_axes(ax, figsize)
    ax.bar(list(COST_TERMS), values, color=list(COST_TERMS.values()))
    ax.set_ylabel("contribution to J")
    ax.set_title(title or f"J = {sum(values):.4f}")
    return fig


def plot_hidden_activations(a2, target=None, *, figsize=(8, 3.5)):
    """Two panels: the activations a2 (m, n_h) as a heat map, and each unit's mean ρ̂_j
    beside the target ρ. Returns the new Figure."""
    a2 = check_data("a2", a2)  # (m, n_h)
    rho_hat = a2.mean(axis=0)  # (n_h,)
    fig = new_figure(figsize)
    left, right = fig.subplots(1, 2, width_ratios=[2, 1])
    image = left.imshow(a2, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    left.set(xlabel="hidden unit j", ylabel="example i", title="a2 (m, n_h)")
    fig.colorbar(image, ax=left)
    right.bar(range(a2.shape[1]), rho_hat, color="tab:green", label="ρ̂_j")
    if target is not None:
        right.axhline(check("sparsity_target", target, label="target"), color="k",
                      linestyle="--", label="ρ")
    right.set(ylim=(0, 1), xlabel="hidden unit j", title="ρ̂_j: mean over examples")
    right.legend()
    return fig


def plot_gradient_check_epsilon(epsilons, ratios, *, threshold, eps_used, ax=None,
                                figsize=(6, 4)):
    """UFLDL's ratio ‖num − ana‖ / ‖num + ana‖ against the step ε, on log-log axes: rounding
    error on the left, truncation error on the right, ``threshold`` and ``eps_used`` marked."""
    epsilons = check_vector("epsilons", epsilons)  # (k,)
    ratios = check_vector("ratios", ratios, size=epsilons.size)  # (k,)
    fig, ax = figure_and_axes(ax, figsize)
    ax.loglog(epsilons, np.maximum(ratios, np.finfo(float).tiny), "o-",
              label="‖num − ana‖ / ‖num + ana‖")
    ax.axhline(threshold, color="k", linestyle="--", label=f"threshold {threshold:g}")
    ax.axvline(eps_used, color="tab:green", linestyle=":", label=f"ε used in tests ({eps_used:g})")
    ax.set(xlabel="ε", ylabel="relative difference",
           title="Centred differences: rounding (left) vs truncation (right)")
    ax.legend()
    return fig
