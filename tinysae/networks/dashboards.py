"""What a feature (or a neuron) does, gathered for its dashboard: top contexts, activations, effect.

A dashboard (after Bricken et al. 2023, "Towards monosemanticity") shows, for one unit:

- its top-activating contexts: the text around each of the positions where it is largest,
  every character shaded by the unit's activation *at that character* (what the unit said
  as the model read along), the current character marked;
- random-interval contexts: the range of its positive activations cut into
  ``N_INTERVALS`` equal parts, and one position drawn at random from each: what the unit
  does most of the time, not only at its peak (top examples alone flatter a unit);
- the histogram of its activations over many positions;
- the next characters its output direction promotes most: the direct logit effect
  W_out d of its direction d in the last hidden layer (an SAE feature's decoder column; for
  a neuron, the unit vector of that neuron). A direction that reaches the logits only
  through a later layer's nonlinearity has no such direct effect, and gets none
  (``logit_effect=None``).

This module gathers the numbers; :func:`tinysae.pictures.dashboards.plot_dashboards` draws them.
"""

from dataclasses import dataclass

import numpy as np

from tinysae.validation.checks import fail
from tinysae.networks.corpus import ids_to_text

#: Characters shown before and after the current one in a context.
BEFORE, AFTER = 48, 8

#: Intervals of the activation range that each give one random context.
N_INTERVALS = 3


@dataclass
class Dashboard:
    """One unit's dashboard: what :func:`tinysae.pictures.dashboards.plot_dashboards` draws."""
    title: str
    contexts: list          # n_rows strings of BEFORE + 1 + AFTER characters
    context_values: np.ndarray  # (n_rows, BEFORE + 1 + AFTER) the unit at each character
    values: np.ndarray      # (m,) the unit at many positions (for the histogram)
    promoted: list          # [(character, logit effect)], the largest first (or empty)
    suppressed: list        # [(character, logit effect)], the most negative first (or empty)
    kinds: list = None      # per row: "top", or the interval "a–b" it was drawn from
    no_effect: str = ""     # why there is no logit panel, when there is none
    current: int = BEFORE   # the column of the character the unit fired at, in each context


def top_positions(values, positions, n, spacing=BEFORE):
    """The positions of the ``n`` largest ``values``, at least ``spacing`` characters apart
    (so that one long string does not fill every row): (≤ n,)."""
    chosen = []
    for i in np.argsort(-values, kind="stable"):
        if values[i] <= 0 or len(chosen) == n:
            break
        if all(abs(positions[i] - c) >= spacing for c in chosen):
            chosen.append(int(positions[i]))
    return np.array(chosen, dtype=np.int64)


def shown_character(c):
    """A visible stand-in for a character in a picture: newline ⏎, space ␣."""
    return {"\n": "⏎", " ": "␣"}.get(c, c)


def shown_text(ids):
    """The text of ``ids`` with each newline shown as ⏎ (one character per id)."""
    return ids_to_text(ids).replace("\n", "⏎")


def interval_positions(values, positions, rng, n_intervals=N_INTERVALS):
    """One position drawn at random among those whose value lies in each of ``n_intervals``
    equal parts of (0, max]: the positions (≤ n_intervals,) and each part's label."""
    peak = values.max()
    chosen, labels = [], []
    if peak <= 0:
        return np.array(chosen, dtype=np.int64), labels
    edges = np.linspace(0, peak, n_intervals + 1)  # (n_intervals + 1,)
    for low, high in zip(edges[:-1], edges[1:]):
        inside = np.flatnonzero((values > low) & (values <= high))
        if inside.size:
            chosen.append(int(positions[rng.choice(inside)]))
            labels.append(f"{low:.2g}–{high:.2g}")
    return np.array(chosen, dtype=np.int64), labels


def unit_dashboard(unit_at, ids, positions, values, logit_effect, title, n_examples=6,
                   n_characters=8, valid=(0, None), n_intervals=N_INTERVALS, rng=0,
                   no_effect=""):
    """Gather one unit's dashboard.

    Parameters
    ----------
    unit_at : callable
        ``unit_at(positions) -> (k,)``, the unit's activation at any positions of ``ids``.
    ids : int ndarray of shape (N,)
        The text.
    positions, values : ndarray of shape (m,)
        Positions of ``ids`` and the unit's activation there (for the top contexts and the
        histogram).
    logit_effect : ndarray of shape (V,), or None
        The unit direction's direct effect on the next-character logits; None when it has
        none (say why in ``no_effect``).
    title : str
    n_examples, n_characters : int
        Contexts shown, and promoted (and suppressed) characters listed.
    valid : (int, int or None)
        The first and last position ``unit_at`` accepts (its context and target must fit).
    n_intervals : int
        Random-interval contexts shown after the top ones (:func:`interval_positions`).
    rng : numpy.random.Generator or int
        Draws the random-interval contexts.
    no_effect : str
        Shown instead of the logit panel when ``logit_effect`` is None.
    """
    positions, values = np.asarray(positions), np.asarray(values, dtype=np.float64)
    if positions.shape != values.shape:
        fail("values", f"an array of the positions' shape {positions.shape}", values)
    first, last = valid[0], (ids.size - 1 if valid[1] is None else valid[1])
    top = top_positions(values, positions, n_examples)  # (n_top,)
    drawn, intervals = interval_positions(values, positions, np.random.default_rng(rng),
                                          n_intervals)  # (n_drawn,)
    rows = np.concatenate([top, drawn])  # (n,)
    window = np.arange(-BEFORE, AFTER + 1)  # (W,)
    shown = np.clip(rows[:, None] + window, first, last)  # (n, W)
    context_values = np.asarray(unit_at(shown.ravel()), dtype=np.float64).reshape(shown.shape)
    context_values[(rows[:, None] + window < first) | (rows[:, None] + window > last)] = 0.0
    effect = []
    if logit_effect is not None:
        order = np.argsort(-logit_effect, kind="stable")  # (V,)
        effect = [(shown_character(ids_to_text([c])), float(logit_effect[c])) for c in order]
    return Dashboard(title=title, contexts=[shown_text(ids[row]) for row in shown],
                     context_values=context_values, values=values,
                     promoted=effect[:n_characters], suppressed=effect[::-1][:n_characters],
                     kinds=["top"] * top.size + intervals, no_effect=no_effect)


def best_units(table, kind, properties):
    """``{unit: [(property, Detector), …]}``: the best unit of ``kind`` for each of
    ``properties`` in a :func:`tinysae.measures.detection_table`, each unit once, in order."""
    units = {}
    for name in properties:
        units.setdefault(table[name][kind].unit, []).append((name, table[name][kind]))
    return units


def detection_title(kind, unit, detections):
    """'feature 7: best for digit (F1 0.78, precision 0.72, recall 0.85)', one clause per
    (property, Detector) in ``detections``."""
    return f"{kind} {unit}: best for " + "; ".join(
        f"{name} (F1 {d.f1:.2f}, precision {d.precision:.2f}, recall {d.recall:.2f})"
        for name, d in detections)

