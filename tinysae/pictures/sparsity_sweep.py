"""Sweeps of the sparsity knobs (lesson 06): one record per trained model, and its figures.

Shapes, defined once for this module::

    n_h  hidden units      n_v  visible units

A :class:`SparsityRun` holds what one model of a sweep learned (its filters, how its hidden
units behave, its reconstruction error, its edge scores) together with the knobs it was
trained with, so that tables and figures read the knobs from fields, never from labels.
"""

from dataclasses import dataclass

import numpy as np

from tinysae.measures.edge_score import EdgeScores
from tinysae.pictures.filter_grid import plot_filter_grid
from tinysae.measures.hidden_unit_stats import ActivationStats
from tinysae.pictures.plots import new_figure, plot_rho_hat_histogram


@dataclass(frozen=True, eq=False)
class SparsityRun:
    """One model of a sparsity sweep: its knobs and what it learned (equal only to itself)."""

    sparsity: str  # "kl" (β Σ KL(ρ‖ρ̂_j)) or "l1" (β (1/m) Σ |a2|)
    weight: float  # β
    target: float  # ρ (the KL target; unused by L1)
    W1: np.ndarray  # (n_h, n_v) the filters
    stats: ActivationStats  # dead, always-on, ρ̂, firing per example
    reconstruction: float  # J's reconstruction term (1/m) Σ ½‖a3 − x‖²
    edges: EdgeScores  # how edge-like each filter is

    @property
    def knobs(self):
        """The knobs in words: ``"β=3 ρ=0.01"`` (KL) or ``"β=0.003"`` (L1)."""
        return f"β={self.weight:g} ρ={self.target:g}" if self.sparsity == "kl" \
            else f"β={self.weight:g}"

    @property
    def label(self):
        """``"KL β=3 ρ=0.01"`` or ``"L1 β=0.003"``."""
        return f"{self.sparsity.upper()} {self.knobs}"

    @property
    def n_live_edges(self):
        """Edge-like filters of units that are not dead (a dead unit detects nothing)."""
        return int(np.sum(self.edges.is_edge_like & ~self.stats.dead))

    def row(self):
        """One line of the lesson's table."""
        s, n_h = self.stats, self.W1.shape[0]
        return (f"{self.label:>18} | recon {self.reconstruction:.4f} | mean ρ̂ "
                f"{s.rho_hat.mean():.3f} | firing/example {s.mean_firing:5.2f} | dead "
                f"{s.n_dead:2d} | always on {s.n_always_on:2d} | live and edge-like "
                f"{self.n_live_edges:2d}/{n_h}")


def grid_title(run):
    """A filter grid's title: the knobs, the dead units and the live edges."""
    return (f"{run.label}\ndead {run.stats.n_dead}, live edges "
            f"{run.n_live_edges}/{run.W1.shape[0]}")


def plot_sparsity_runs(runs, *, title=None, column_width=3.2):
    """One column per run: its filter grid above its histogram of ρ̂. Returns the new Figure."""
    fig = new_figure((column_width * len(runs), 6.4))
    axes = fig.subplots(2, len(runs), height_ratios=[3, 2], squeeze=False)
    for (top, bottom), run in zip(axes.T, runs):
        plot_filter_grid(run.W1, ax=top, title=grid_title(run))
        plot_rho_hat_histogram(run.stats.rho_hat, target=run.target if run.sparsity == "kl"
                               else None, ax=bottom, bins=20,
                               title=f"{run.stats.mean_firing:.2f} units fire per example")
    if title:
        fig.suptitle(title)
    return fig


def plot_kl_vs_l1(compared, kl_runs, l1_runs, *, column_width=3.2):
    """Top: the filter grids of ``compared``. Bottom left: their ρ̂ histograms overlaid;
    bottom right: reconstruction error against mean ρ̂, one point per run of ``kl_runs``
    and ``l1_runs`` (the sparsity trade-off). Returns the new Figure."""
    fig = new_figure((column_width * max(len(compared), 2), 7.0))
    top_row, bottom_row = fig.subfigures(2, 1, height_ratios=[1, 1])
    for ax, run in zip(np.atleast_1d(top_row.subplots(1, len(compared))), compared):
        plot_filter_grid(run.W1, ax=ax, title=grid_title(run))
    hist_ax, trade_ax = bottom_row.subplots(1, 2)
    bins = np.linspace(0, max(r.stats.rho_hat.max() for r in compared) * 1.05, 30)
    for i, run in enumerate(compared):
        hist_ax.hist(run.stats.rho_hat, bins=bins, histtype="step", lw=2, color=f"C{i}",
                     label=run.label)
    hist_ax.set(xlabel="ρ̂ (mean activation of a hidden unit)", ylabel="hidden units")
    hist_ax.legend()
    for runs, marker, name in ((kl_runs, "o", "KL"), (l1_runs, "s", "L1")):
        mean_rho = [r.stats.rho_hat.mean() for r in runs]
        trade_ax.plot(mean_rho, [r.reconstruction for r in runs], marker, ms=8, label=name)
        for run, x in zip(runs, mean_rho):
            trade_ax.annotate(run.knobs, (x, run.reconstruction), fontsize=7, xytext=(4, 4),
                              textcoords="offset points")
    trade_ax.set(xscale="log", xlabel="mean activation, averaged over units (mean ρ̂)",
                 ylabel="reconstruction error (1/m) Σ ½‖a3 − x‖²", title="the sparsity trade-off")
    trade_ax.legend()
    return fig
