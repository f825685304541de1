"""Runtime plumbing: what keeps a run's files whole and its machine sane.

- :mod:`~tinysae.runtime.atomic_write` — a write is whole or absent, never half a file;
- :mod:`~tinysae.runtime.locks` — one run per folder, released when the process dies;
- :mod:`~tinysae.runtime.interrupts` — Ctrl-C, SIGTERM and SIGHUP save, then exit 128 + signal;
- :mod:`~tinysae.runtime.blas_threads` — one BLAS thread pool at work at a time.
- :mod:`~tinysae.runtime.heap_reuse` — a training step reuses the heap the step before it freed.
"""
