"""Pictures and measures of what was learned (matplotlib is imported when something is drawn).

- :mod:`~tinysae.pictures.filter_grid` — filters (and patches) as a grid of tiles;
- :mod:`~tinysae.pictures.plots` — the loss curve, the ρ̂ histogram, saving a figure;
- :mod:`~tinysae.pictures.edge_score` — how edge-like a filter is (a Gabor fit, orientation);
- :mod:`~tinysae.pictures.hidden_unit_stats` — dead and always-on units, firing rates;
- :mod:`~tinysae.pictures.dashboards` — feature dashboards: top contexts, histogram, logits;
- :mod:`~tinysae.pictures.feature_plots` — F1 per property, crosscoder decoder norms.
"""
