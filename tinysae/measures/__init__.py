"""Numbers about what was learned; drawing them is :mod:`tinysae.pictures`' job.

- :mod:`~tinysae.measures.absorption` — feature absorption on data with a known hierarchy
  (a parent's latent silent where a child's took its direction in), with its control;
- :mod:`~tinysae.measures.edge_score` — how edge-like a filter is (a Gabor fit, orientation);
- :mod:`~tinysae.measures.hidden_unit_stats` — dead and always-on units, firing rates;
- :mod:`~tinysae.measures.colour` — how much of a colour filter is chromatic;
- :mod:`~tinysae.measures.detection` — how well one unit detects a property (best F1), held
  out, with a random-direction control and bootstrap intervals;
- :mod:`~tinysae.measures.probe` — a linear probe per property, the ceiling of one direction.
"""

from tinysae.measures.absorption import absorption  # noqa: F401
from tinysae.measures.detection import (  # noqa: F401
    Detector,
    HeldOutDetector,
    best_f1,
    bootstrap_f1,
    detection_table,
    held_out_table,
    paired_interval,
    signed_random_projections,
    split_positions,
    verdict,
)
from tinysae.measures.probe import fit_probes, probe_cost_and_grad  # noqa: F401
