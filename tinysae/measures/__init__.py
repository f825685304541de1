"""Numbers about what was learned; drawing them is :mod:`tinysae.pictures`' job.

- :mod:`~tinysae.measures.edge_score` — how edge-like a filter is (a Gabor fit, orientation);
- :mod:`~tinysae.measures.hidden_unit_stats` — dead and always-on units, firing rates;
- :mod:`~tinysae.measures.colour` — how much of a colour filter is chromatic;
- :mod:`~tinysae.measures.detection` — how well one unit detects a property (best F1);
- :mod:`~tinysae.measures.held_out` — the same, chosen on one half and scored on the other,
  beside random directions.
"""

from tinysae.measures.detection import Detector, best_f1, detection_table  # noqa: F401
from tinysae.measures.held_out import held_out_table, random_direction_units  # noqa: F401
