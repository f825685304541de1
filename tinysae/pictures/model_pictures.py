"""The pictures of a trained model: its filter grid, its loss curve and its ρ̂ histogram.

Shapes, defined once for this module::

    n_h  hidden units      n_v  visible units      m  examples

The filters can be the encoder's (rows of W1: what each unit responds to) or the
decoder's (columns of W2, i.e. rows of W2ᵀ: what each unit adds to the reconstruction);
sorted by edge score or by mean activation, labelled with their edge scores, and with dead
units faded. ``tinysae show`` draws a saved run with :func:`plot_model`.
"""

import numpy as np

from tinysae.model.parameters import check_params
from tinysae.validation.checks import check_choice, check_data, fail
from tinysae.validation.constraints import check
from tinysae.measures.edge_score import GABOR_PARAMETERS, edge_scores
from tinysae.data.patches import filter_shape
from tinysae.pictures.filter_grid import plot_filter_grid
from tinysae.measures.hidden_unit_stats import activation_stats
from tinysae.pictures.plots import plot_loss_curve, plot_rho_hat_histogram

#: Which filters to draw: the encoder's rows of W1 or the decoder's columns of W2.
WEIGHTS = ("W1", "W2T")

#: How to order the tiles: as trained, by edge score, or by mean activation ρ̂ (largest first).
SORT_KEYS = ("none", "edge", "activation")


def unit_order(key):
    """The unit indices sorted by ``key`` (n_h,), largest first; ties keep the units' order."""
    key = np.asarray(key, dtype=np.float64)  # (n_h,)
    return np.argsort(-key, kind="stable")  # (n_h,)


def filters_of(params, weights="W1"):
    """The rows to tile: ``W1`` (n_h, n_v) or ``W2ᵀ`` (n_h, n_v), the decoder's columns."""
    check_choice("weights", weights, WEIGHTS)
    return params["W1"] if weights == "W1" else params["W2"].T


def plot_model(params, *, history=None, a2=None, patch_shape=None, weights="W1", sort="none",
               labels=False, fade_dead=False, target=None, width=6.0):
    """Draw a trained model: its filters, its loss curve and its mean hidden activations.

    Parameters
    ----------
    params : dict of ndarray
        ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,).
    history : sequence of float, optional
        J per iteration (a run's ``config["history"]``); without it, no loss curve.
    a2 : ndarray of shape (m, n_h), optional
        Hidden activations on the training data (``tinysae.hidden_activations``); needed
        for the ρ̂ histogram, ``sort="activation"`` and ``fade_dead``.
    patch_shape : (h, w) or (h, w, 3), optional
        The shape of one filter; guessed as (p, p) or (p, p, 3) when omitted.
    weights : {"W1", "W2T"}
        The encoder's filters or the decoder's.
    sort : {"none", "edge", "activation"}
        Tile order: as trained, by edge score, or by mean activation ρ̂, largest first.
    labels : bool
        Write each filter's edge score on its tile.
    fade_dead : bool
        Draw dead units (never a2 > ½, see :mod:`tinysae.measures.hidden_unit_stats`) faded.
    target : float, optional
        The sparsity target ρ, drawn on the histogram.

    Returns
    -------
    dict of str to Figure
        ``"filters"``, and ``"loss"`` and ``"rho_hat"`` when there was what they need.
    """
    params = check_params(params)
    W = filters_of(params, weights)  # (n_h, n_v)
    shape = filter_shape(W.shape[1], patch_shape)
    check_choice("sort", sort, SORT_KEYS)
    stats = None if a2 is None else activation_stats(check_data("a2", a2, W.shape[0]))
    if stats is None and (sort == "activation" or fade_dead):
        fail("a2", "the hidden activations on the training data, to sort by activation or "
             "fade dead units", a2)
    scores = None
    if shape[0] * shape[1] >= GABOR_PARAMETERS:  # a Gabor needs more pixels than parameters
        scores = edge_scores(W, shape)
    elif labels or sort == "edge":
        fail("patch_shape", f"at least {GABOR_PARAMETERS} pixels to measure edges (for labels "
             "or sort='edge')", shape)
    order = np.arange(W.shape[0])  # (n_h,)
    if sort == "edge":
        order = unit_order(scores.score)
    elif sort == "activation":
        order = unit_order(stats.rho_hat)
    title = f"{W.shape[0]} filters ({'rows of W1' if weights == 'W1' else 'columns of W2'})"
    if scores is not None:
        title += f", {scores.n_edge_like} edge-like"
    notes = [f"{stats.n_dead} dead (faded)"] if fade_dead else []
    if sort != "none":
        notes.append(f"sorted by {'edge score' if sort == 'edge' else 'mean activation'}")
    if notes:
        title += "\n" + ", ".join(notes)
    tile_labels = [f"{s:.2f}" for s in scores.score[order]] if labels else None
    figures = {"filters": plot_filter_grid(
        W[order], shape, title=title, labels=tile_labels, width=width,
        dead=stats.dead[order] if fade_dead else None)}
    if history is not None:
        figures["loss"] = plot_loss_curve(history)
    if stats is not None:
        target = None if target is None else check("sparsity_target", target, label="target")
        figures["rho_hat"] = plot_rho_hat_histogram(stats.rho_hat, target)
    return figures
