"""Pictures of what a dictionary found: single-unit F1 per property, and crosscoder decoder norms.

- :func:`plot_detection_table` — for each property, the F1 of the best neuron beside that
  of the best SAE feature (from :func:`tinysae.measures.detection_table`);
- :func:`plot_relative_norms` — the histogram of a crosscoder's relative decoder norms
  (Lindsey et al. 2024): layer-specific features at the ends, shared ones in the middle.

Both take ``ax=None`` and return the Figure, like the other plots of :mod:`tinysae.pictures`.
"""

import numpy as np

from tinysae.pictures.plots import figure_and_axes

#: Colours of the unit sets, in the order they are drawn.
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:red")


def plot_detection_table(table, *, verdicts=None, labels=None, indexed=None, ax=None,
                         figsize=(7.5, 7), title=None):
    """Horizontal bars: per property (a row), the best F1 of each unit set (a colour).

    ``table`` is :func:`tinysae.measures.detection_table`'s or
    :func:`tinysae.measures.held_out_table`'s result; the sets are drawn in the order of its
    rows' keys after ``frequency``. Held-out detectors carry an interval, drawn as an error
    bar. Each row's label gives the property's frequency p, a black tick the F1 of predicting
    it everywhere, 2p / (1 + p); each bar is labelled with its unit's index. ``verdicts``
    (property → text, e.g. "feature", "tie") is written after the row's label. ``labels``
    (set → text) names the sets in the legend (default "best single <set>"); ``indexed``
    lists the sets whose unit index is written beside the bar (default: all). The legend
    sits under the axes, clear of the bars.
    """
    fig, ax = figure_and_axes(ax, figsize)
    names = list(table)
    sets = [key for key in table[names[0]] if key != "frequency"]
    height = 0.8 / len(sets)
    for s, (unit_set, colour) in enumerate(zip(sets, COLOURS)):
        y = np.arange(len(names)) + (s - (len(sets) - 1) / 2) * height
        rows = [table[name][unit_set] for name in names]
        f1 = np.array([d.f1 for d in rows])
        interval = None
        if all(hasattr(d, "low") for d in rows):
            interval = np.array([[d.f1 - d.low for d in rows], [d.high - d.f1 for d in rows]])
        label = (labels or {}).get(unit_set, f"best single {unit_set}")
        ax.barh(y, f1, height=height, color=colour, label=label,
                xerr=interval, error_kw={"lw": 0.8, "capsize": 1.5, "ecolor": "0.2"})
        right = f1 if interval is None else f1 + interval[1]
        for yi, value, d in zip(y, right, rows):
            if indexed is not None and unit_set not in indexed:
                continue
            ax.text(value + 0.01, yi, f"#{d.unit}", va="center", fontsize=6, color="0.3")
    everywhere = [2 * table[n]["frequency"] / (1 + table[n]["frequency"]) for n in names]
    ax.vlines(everywhere, np.arange(len(names)) - 0.45, np.arange(len(names)) + 0.45,
              color="black", lw=1.2, label="predicting it everywhere")
    verdicts = verdicts or {}
    ax.set_yticks(range(len(names)),
                  [f"{name} ({table[name]['frequency']:.1%})"
                   + (f"\n{verdicts[name]}" if name in verdicts else "") for name in names],
                  fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("F1 at detecting the property (unit and threshold chosen on other positions"
                  if interval is not None else "F1 at detecting the property (best threshold)")
    if interval is not None:
        ax.set_xlabel(ax.get_xlabel() + "; bars: 95% bootstrap interval)", fontsize=8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08 if interval is None else -0.09),
              ncol=3, fontsize=7.5, frameon=False)
    ax.set_title(title or "One unit, one property?", fontsize=10)
    return fig


def plot_relative_norms(r, *, low=0.1, high=0.9, bins=40, ax=None, figsize=(6.5, 3.8),
                        title=None, layer_names=("layer 1", "layer 2")):
    """Histogram of relative decoder norms r ∈ [0, 1], the specific and shared bands marked.

    ``r`` is :func:`tinysae.modern.relative_decoder_norms` of the latents to show (e.g. the
    ones that fire); r < ``low`` counts as specific to the first layer, r > ``high`` to the
    second, anything between as shared.
    """
    r = np.asarray(r, dtype=np.float64)
    fig, ax = figure_and_axes(ax, figsize)
    ax.axvspan(0, low, color="tab:blue", alpha=0.15, lw=0)
    ax.axvspan(high, 1, color="tab:green", alpha=0.15, lw=0)
    ax.hist(r, bins=bins, range=(0, 1), color="0.35")
    counts = (np.sum(r < low), np.sum((r >= low) & (r <= high)), np.sum(r > high))
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"relative decoder norm  ‖d({layer_names[1]})‖ / (‖d({layer_names[0]})‖ + "
                  f"‖d({layer_names[1]})‖)")
    ax.set_ylabel("latents")
    ax.set_title(f"{title or f'{r.size} latents'}\n{layer_names[0]} only (r < {low:g}, blue): "
                 f"{counts[0]}   shared: {counts[1]}   {layer_names[1]} only (r > {high:g}, "
                 f"green): {counts[2]}", fontsize=9.5)
    return fig
