"""What lessons 08 and 09 show: the metrics table and the figures of feature recovery.

Shapes, defined once for this module::

    n_f  true features      n_v  dimensions      n_h  latents

A *row* is the dict of metrics :func:`tinysae.modern.evaluate` returns (``mmcs``,
``recovered``, ``l0``, ``fvu``, ``dead``), plus whatever the lesson adds (``seconds``,
``resampled``); a metric that does not apply (the L0 of sigmoid units) is None. Runs are
grouped and labelled by the caller in dicts, so nothing here reads a label to find a run.
As in :mod:`tinysae.pictures`, each plot returns a new pyplot Figure (or draws into ``ax=``).
"""

import numpy as np

from tinysae.validation.checks import check_vector
from tinysae.pictures.plots import figure_and_axes, new_figure

#: The table's columns: heading, width and format of each metric.
COLUMNS = {"mmcs": ("MMCS", 7, "{:.3f}"), "recovered": ("recovered", 10, "{:.1%}"),
           "l0": ("L0", 7, "{:.2f}"), "fvu": ("FVU", 7, "{:.3f}"), "dead": ("dead", 6, "{:d}"),
           "resampled": ("resampled", 10, "{:d}"), "seconds": ("s", 5, "{:.0f}"),
           "loss_recovered": ("loss rec.", 9, "{:.1%}"),
           "loss_recovered_zero": ("vs zero", 8, "{:.1%}")}


def metrics_table(rows, columns=("mmcs", "recovered", "l0", "fvu", "dead", "seconds")):
    """The rows (a dict: model name → row) as a text table, one model per line.

    A metric that is None (does not apply) prints as ``n/a``.
    """
    width = max([len("model")] + [len(name) for name in rows]) + 2
    lines = ["model".ljust(width) + " ".join(COLUMNS[c][0].rjust(COLUMNS[c][1]) for c in columns)]
    for name, row in rows.items():
        cells = ("n/a" if row.get(c) is None else COLUMNS[c][2].format(row[c]) for c in columns)
        lines.append(name.ljust(width) + " ".join(cell.rjust(COLUMNS[c][1])
                                                  for c, cell in zip(columns, cells)))
    return "\n".join(lines)


def readable_log_axis(axis):
    """Ticks at 1, 2 and 5 times the powers of ten, written plainly (0.02, 0.05, 0.1): a log
    axis that spans a decade or two otherwise crowds its minor ticks with 6×10⁻¹ labels."""
    from matplotlib.ticker import LogLocator, NullFormatter, StrMethodFormatter

    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(StrMethodFormatter("{x:g}"))
    axis.set_minor_formatter(NullFormatter())


def plot_recovery(p, best_cosines, *, threshold, chance=None, ax=None, figsize=(10, 4)):
    """Each true feature's best cosine with a decoder column against its firing probability.

    ``p`` (n_f,) are the firing probabilities; ``best_cosines`` maps a model's name to its
    best cosines (n_f,) (:func:`tinysae.modern.max_cosines`); ``threshold`` is the recovery
    line; ``chance`` (low, high), if given, is drawn as a grey band: where the best cosines
    of a random dictionary fall. The models are drawn in order with different markers, the
    first as open circles, so that a later model's points do not hide an earlier one's.
    """
    p = check_vector("p", p)  # (n_f,)
    fig, ax = figure_and_axes(ax, figsize)
    if chance is not None:
        ax.axhspan(*chance, color="0.85", lw=0, label="random dictionary (95% of features)")
    styles = ({"marker": "o", "ms": 5, "mfc": "none", "mew": 0.8}, {"marker": ".", "ms": 4},
              {"marker": "x", "ms": 3.5, "mew": 0.8}, {"marker": "+", "ms": 4})
    for (name, cosines), style in zip(best_cosines.items(), styles * len(best_cosines)):
        ax.plot(p, check_vector(name, cosines, size=p.size), ls="none", alpha=0.8, label=name,
                **style)
    ax.axhline(threshold, color="grey", lw=0.8, ls="--")
    ax.set(xscale="log", xlabel="firing probability p_f of the true feature",
           ylabel="best cosine with a decoder column", ylim=(0, 1.02),
           title=f"Which true features are found (dashed: the {threshold} recovery line)")
    ax.legend(loc="center left", markerscale=2, fontsize=8)
    return fig


def plot_dictionary_sweep(sweep, *, headline=None, headline_weight=None, title=None,
                          figsize=(11, 4)):
    """A sweep of dictionary size × L1 weight: MMCS against β, and FVU against L0.

    ``sweep`` maps ``(n_latents, l1_weight)`` to a row; ``headline`` maps ``n_latents`` to
    the row of a longer run at ``headline_weight``, drawn as a star in both panels. Returns
    the new Figure.
    """
    sizes = sorted({n for n, _ in sweep})
    weights = sorted({w for _, w in sweep})
    fig = new_figure(figsize)
    ax_mmcs, ax_fvu = fig.subplots(1, 2)
    for n_latents in sizes:
        runs = [sweep[n_latents, w] for w in weights]
        line, = ax_mmcs.plot(weights, [r["mmcs"] for r in runs], "o-", label=f"{n_latents} latents")
        if headline and n_latents in headline:
            ax_mmcs.plot(headline_weight, headline[n_latents]["mmcs"], "*", ms=14,
                         color=line.get_color(), label=f"{n_latents} latents, longer run")
        ax_fvu.plot([r["l0"] for r in runs], [r["fvu"] for r in runs], "o-",
                    color=line.get_color(), label=f"{n_latents} latents")
        if headline and n_latents in headline:
            ax_fvu.plot(headline[n_latents]["l0"], headline[n_latents]["fvu"], "*", ms=14,
                        color=line.get_color())
        for w, r in zip(weights, runs):
            ax_fvu.annotate(f"β={w:g}", (r["l0"], r["fvu"]), fontsize=7)
    ax_mmcs.set(xscale="log", xlabel="L1 weight β", ylabel="MMCS", title="Feature recovery")
    ax_mmcs.set_xticks(weights, [f"{w:g}" for w in weights])
    ax_mmcs.minorticks_off()
    ax_fvu.set(xscale="log", yscale="log", xlabel="L0 (latents active per example)",
               ylabel="FVU", title="Sparsity vs reconstruction")
    readable_log_axis(ax_fvu.xaxis)
    readable_log_axis(ax_fvu.yaxis)
    ax_mmcs.legend()
    if title:
        fig.suptitle(title)
    return fig


#: What plot_frontier can draw against L0: axis label, panel title, y scale.
FRONTIER_METRICS = {
    "fvu": ("FVU", "Reconstruction at a given sparsity", "log"),
    "mmcs": ("MMCS", "Feature recovery", "linear"),
    "loss_recovered": ("loss recovered", "The model's loss, SAE spliced in", "linear"),
}


def plot_frontier(families, *, metrics=("fvu", "mmcs"), log_l0=False, title=None,
                  annotate=True, figsize=(11, 4)):
    """``metrics`` against L0 for families of runs, e.g. TopK at several k, L1 at several β.

    ``families`` maps a family's name to ``{point label: row}``; each family is one line,
    its points joined in order of L0 and labelled. ``metrics`` are keys of
    :data:`FRONTIER_METRICS`, one panel each; ``log_l0`` draws L0 on a log axis (the
    field's frontier); ``annotate=False`` leaves the points unlabelled (where they crowd).
    Returns the new Figure.
    """
    fig = new_figure(figsize)
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    styles = ("o-", "s--", "^:", "d-.", "v-", "P--")
    for (family, runs), style in zip(families.items(), styles * len(families)):
        points = sorted(runs.items(), key=lambda item: item[1]["l0"])
        l0 = [row["l0"] for _, row in points]
        for ax, metric in zip(axes, metrics):
            ax.plot(l0, [row[metric] for _, row in points], style, label=family)
            for label, row in points if annotate else ():
                ax.annotate(label, (row["l0"], row[metric]), xytext=(5, 4),
                            textcoords="offset points", fontsize=8)
    for ax, metric in zip(axes, metrics):
        ylabel, panel, yscale = FRONTIER_METRICS[metric]
        ax.set(xlabel="L0 (latents active per example)", ylabel=ylabel, yscale=yscale,
               title=panel)
        if yscale == "log":
            readable_log_axis(ax.yaxis)
        if log_l0:
            ax.set_xscale("log")
            readable_log_axis(ax.xaxis)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_feature_density(frequencies, *, bins=40, figsize=None, title=None):
    """The feature-density histogram: log10 of each latent's firing frequency.

    ``frequencies`` (n_h,) is the share of examples on which each latent is non-zero
    (:func:`tinysae.modern.firing_frequencies`), or a dict of them, name → (n_h,), one panel
    each. Latents that never fire have no logarithm: they are counted in the panel's title,
    apart, not drawn. A dashed line marks 10⁻³ (0.1% of examples), under which a latent is
    usually called ultra-rare. Returns the new Figure.
    """
    runs = frequencies if isinstance(frequencies, dict) else {"": frequencies}
    fig = new_figure(figsize or (5.5 * len(runs), 3.8))
    for ax, (name, values) in zip(fig.subplots(1, len(runs), squeeze=False, sharex=True)[0],
                                  runs.items()):
        values = check_vector("frequencies", values)  # (n_h,)
        firing = values[values > 0]
        if firing.size:
            ax.hist(np.log10(firing), bins=bins, color="0.35")
        ax.axvline(-3, color="tab:red", ls="--", lw=0.8)
        ax.set(xlabel="log10 of the share of examples on which the latent fires",
               ylabel="latents")
        ax.set_title(f"{name + chr(10) if name else ''}{values.size} latents: "
                     f"{values.size - firing.size} never fire (not drawn), "
                     f"{int(np.sum(firing < 1e-3))} fire on under 0.1%", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_dead_latents(histories, *, n_latents, window, resampling_stops=None, ax=None,
                      figsize=(6, 4)):
    """Dead latents during training, one line per run: ``histories`` maps a name to a
    training history with ``step`` and ``dead`` (:func:`tinysae.modern.train_sae`)."""
    fig, ax = figure_and_axes(ax, figsize)
    for name, history in histories.items():
        ax.plot(history["step"], history["dead"], label=name)
    if resampling_stops is not None:
        ax.axvline(resampling_stops, color="grey", ls="--", lw=0.8)
        ax.annotate("resampling stops", (resampling_stops, 0), fontsize=8, rotation=90,
                    va="bottom", ha="right")
    ax.set(xlabel="Adam step", ylabel=f"dead latents (silent for {window} examples)",
           title=f"{n_latents} latents")
    ax.legend()
    return fig



def plot_absorption(runs, *, ax=None, figsize=(7, 4), title=None):
    """Feature absorption and its control, one pair of columns per architecture.

    ``runs`` maps an architecture's name to ``{"absorbed": (S,), "alone": (S,)}``: per seed,
    the share of examples where a parent's latent is silent though the parent is on with a
    child, and with no child (:func:`tinysae.measures.absorption`, averaged over parents).
    Each seed is a dot, the mean a bar; a seed's two dots are joined. Returns the Figure.
    """
    fig, ax = figure_and_axes(ax, figsize)
    for i, (name, run) in enumerate(runs.items()):
        absorbed, alone = check_vector("absorbed", run["absorbed"]), check_vector(
            "alone", run["alone"], len(run["absorbed"]))  # (S,), (S,)
        left, right = 3 * i, 3 * i + 1
        ax.bar([left, right], [absorbed.mean(), alone.mean()], width=0.8,
               color=["tab:red", "0.75"], label=("a child on", "alone") if i == 0 else None)
        for a, b in zip(absorbed, alone):
            ax.plot([left, right], [a, b], "k-", lw=0.6, alpha=0.5)
        ax.plot(np.full(absorbed.size, left), absorbed, "ko", ms=3)
        ax.plot(np.full(alone.size, right), alone, "ko", ms=3)
    ax.set_xticks([3 * i + 0.5 for i in range(len(runs))], list(runs))
    ax.set(ylabel="share of examples: the parent's latent silent",
           title="Parent on, with a child / alone (dots: seeds)")
    ax.legend()
    if title:
        fig.suptitle(title)
    return fig
