"""Training: L-BFGS with a person watching, Adam, checkpoints, model files.

- :mod:`~tinysae.training.lbfgs` — ``train`` and ``resume``: the L-BFGS call;
- :mod:`~tinysae.training.progress` — what a run records and shows: history, progress lines,
  checkpoints, the result and its errors;
- :mod:`~tinysae.training.model_files` — ``save`` and ``load``: plain arrays and JSON, never pickle;
- :mod:`~tinysae.training.adam` — Adam, by hand, and its learning-rate schedule, for the
  modern SAEs and the networks;
- :mod:`~tinysae.training.untrusted_npz` — reading an archive that may be crafted, within a budget.
"""
