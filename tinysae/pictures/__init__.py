"""Pictures of what was learned (matplotlib is imported when something is drawn); the numbers
they show come from :mod:`tinysae.measures`.

- :mod:`~tinysae.pictures.filter_grid` — filters (and patches) as a grid of tiles;
- :mod:`~tinysae.pictures.plots` — the loss curve, the ρ̂ histogram, saving a figure;
- :mod:`~tinysae.pictures.dashboards` — feature dashboards: top contexts, histogram, logits;
- :mod:`~tinysae.pictures.feature_plots` — F1 per property, crosscoder decoder norms;
- :mod:`~tinysae.pictures.sae_plots` — the modern lessons' metrics table and figures.
"""

from tinysae.pictures.sae_plots import (  # noqa: F401
    metrics_table,
    plot_absorption,
    plot_dead_latents,
    plot_dictionary_sweep,
    plot_feature_density,
    plot_frontier,
    plot_recovery,
)
