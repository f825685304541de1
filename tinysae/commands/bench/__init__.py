"""``tinysae bench``: every kernel timed against the floor of its own matrix products.

- :mod:`~tinysae.commands.bench.command` — the command: its options, the machine, the tables;
- :mod:`~tinysae.commands.bench.timing` — the floor, round-robin timing, ratios to the floor;
- :mod:`~tinysae.commands.bench.kernels` — the classic cost (S1–S3), its growth with m, its threads;
- :mod:`~tinysae.commands.bench.modern_step` — a training step of the modern SAE (M1);
- :mod:`~tinysae.commands.bench.lesson_times` — every lesson's full run, timed (``--lessons``).
"""

from tinysae.commands.bench.command import main  # noqa: F401
from tinysae.commands.bench.timing import gemm_floor  # noqa: F401  (lesson 05 times it)
