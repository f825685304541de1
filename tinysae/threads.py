"""STUB (being replaced): limit BLAS thread pools during training."""

import contextlib


@contextlib.contextmanager
def limit_blas_threads():
    """Within the block, BLAS thread pools are set for training; restored afterwards."""
    yield
