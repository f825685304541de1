"""BLAS thread pools: one pool at work at a time during training, the user's settings restored.

numpy and scipy wheels each ship their own OpenBLAS, each with its own pool of threads.
During L-BFGS, numpy's BLAS runs the big matrix products of the cost, and scipy's BLAS
runs L-BFGS-B's small vector updates between them; with both pools at full size on a
small machine, idle threads of one pool spin on the cores the other one needs. Limiting
every BLAS pool *other than numpy's* to one thread removes that contention
(``tinysae bench`` times the 400-iteration S1 training run both ways).
"""

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from tinysae.validation.checks import check_int


def blas_pools():
    """The BLAS libraries loaded in this process and their thread counts (scipy's own
    OpenBLAS is loaded with ``scipy.optimize`` or ``scipy.linalg``).

    Returns
    -------
    list of dict
        One per library, threadpoolctl's fields (``filepath``, ``version``,
        ``num_threads``, ``architecture``, ...) plus ``numpy`` (bool): whether numpy uses it.
    """
    return [{**lib.info(), "numpy": is_numpy} for lib, is_numpy in zip(*blas_controllers())]


@contextlib.contextmanager
def limit_blas_threads(other_threads=1, numpy_threads=None):
    """Within the block, BLAS pools other than numpy's use ``other_threads``; restored after.

    Parameters
    ----------
    other_threads : int, default 1
        Threads for every BLAS pool that numpy does not use (scipy's own OpenBLAS, which
        runs L-BFGS-B's vector updates).
    numpy_threads : int, optional
        Threads for numpy's pool (the cost's matrix products); None leaves it as it is.

    Notes
    -----
    When numpy and scipy share one BLAS library (conda, system packages) it is numpy's
    pool and only ``numpy_threads`` applies. The thread counts found on entry are set
    back on exit, also when the block raises.
    """
    other_threads = check_int("other_threads", other_threads)
    if numpy_threads is not None:
        numpy_threads = check_int("numpy_threads", numpy_threads)
    libs, numpy_flags = blas_controllers()
    saved = [(lib, lib.num_threads) for lib in libs]
    try:
        for lib, is_numpy in zip(libs, numpy_flags):
            wanted = numpy_threads if is_numpy else other_threads
            if wanted is not None:
                lib.set_num_threads(wanted)
        yield
    finally:
        for lib, n in saved:
            lib.set_num_threads(n)


def available_cores():
    """The number of cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class Workers:
    """``n`` threads of our own, each running its share of a computation with a one-thread BLAS.

    numpy's ufuncs and BLAS release the GIL, so the shares' elementwise work runs on every
    core too, not only their matrix products (the fast kernels' threads). With ``n = 1``
    there are no threads and BLAS keeps whatever threads it has.
    """

    def __init__(self, n):
        self.n = n
        self.pool = ThreadPoolExecutor(n) if n > 1 else None
        self.pid = os.getpid()  # a forked child has the pool object but none of its threads
        self.numpy_blas = [lib for lib, mine in zip(*blas_controllers()) if mine]

    def map(self, task):
        """``[task(k) for k in range(n)]``, in parallel when there are several workers."""
        return [future.result() for future in self.start(task)] if self.pool else [task(0)]

    def start(self, task):
        """Start ``task(k)`` on every worker and return at once: the futures (none, after
        running the task here, when there is one worker)."""
        if self.pool is None:
            task(0)
            return []
        if os.getpid() != self.pid:  # forked since: start this process's own threads
            self.pool, self.pid = ThreadPoolExecutor(self.n), os.getpid()
        return [self.pool.submit(task, k) for k in range(self.n)]

    @contextlib.contextmanager
    def one_blas_thread(self, always=False):
        """With several workers (or ``always``), numpy's BLAS pool at one thread (each
        worker is one)."""
        saved = [(lib, lib.num_threads) for lib in self.numpy_blas] if self.pool or always else []
        try:
            for lib, _ in saved:
                lib.set_num_threads(1)
            yield
        finally:
            for lib, n in saved:
                lib.set_num_threads(n)


def blas_controllers():
    """threadpoolctl's controllers of the loaded BLAS libraries, and whether numpy uses each."""
    libs = ThreadpoolController().select(user_api="blas").lib_controllers
    return libs, _numpy_flags(libs)


def _numpy_flags(libs):
    """For each BLAS library, whether numpy uses it: it lies in numpy's folder or the wheel's
    ``numpy.libs``; or it is the only one loaded (numpy and scipy share it)."""
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    homes = (numpy_dir + os.sep, numpy_dir + ".libs" + os.sep)
    return [len(libs) == 1 or os.path.realpath(lib.filepath).startswith(homes) for lib in libs]
