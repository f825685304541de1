"""How ``tinysae bench`` times: the GEMM floor, round-robin rounds, ratios to the floor.

Shared by the classic tables (:mod:`tinysae.commands.bench`) and the modern one
(:mod:`tinysae.commands.bench.modern_step`).
"""

import time

import numpy as np


def gemm_floor(X, n_h):
    """A function running only the five matrix products of one cost evaluation, in X's dtype."""
    m, n_v = X.shape
    rng = np.random.default_rng(1)
    W1 = rng.standard_normal((n_h, n_v)).astype(X.dtype)  # (n_h, n_v)
    W2 = rng.standard_normal((n_v, n_h)).astype(X.dtype)  # (n_v, n_h)
    a2, d3 = np.empty((m, n_h), X.dtype), np.empty((m, n_v), X.dtype)  # (m, n_h), (m, n_v)
    g1, g2 = np.empty((n_h, n_v), X.dtype), np.empty((n_v, n_h), X.dtype)  # grads

    def products():
        np.matmul(X, W1.T, out=a2)  # (m, n_h)
        np.matmul(a2, W2.T, out=d3)  # (m, n_v)
        np.matmul(d3.T, a2, out=g2)  # (n_v, n_h)
        np.matmul(d3, W2, out=a2)  # (m, n_h)
        np.matmul(a2.T, X, out=g1)  # (n_h, n_v)
    return products


def settle(step=0.01, busy=0.1, limit=2.0, clocks=(time.perf_counter, time.process_time,
                                                   time.sleep)):
    """Sleep until this process is idle: no BLAS thread of an earlier call still spinning.

    OpenBLAS's worker threads busy-wait after each threaded product before they sleep
    (a fraction of a second, a whole core meanwhile). A call timed inside that window shares the
    machine with them, which training never does: there numpy's pool only ever runs the
    cost's products. So before each implementation's turn the benchmark sleeps in steps of
    ``step`` seconds until the process used less than ``busy`` of a core during one step,
    or ``limit`` seconds have passed. Returns the seconds waited. (``clocks``: wall clock,
    CPU clock and sleep, replaced by the tests.)"""
    wall, cpu_time, sleep = clocks
    start = wall()
    while wall() - start < limit:
        cpu = cpu_time()
        sleep(step)
        if cpu_time() - cpu < busy * step:
            break
    return wall() - start


def round_robin(runs, repeats, clock=time.perf_counter, pause=settle):
    """ms per call of each run in each round: ``{label: [ms, ...]}``, one entry per round.

    Rounds go through the runs in turn, so that slow drifts of the machine hit them all
    alike. Each run's turn is ``pause()`` (see :func:`settle`), one untimed call, then the
    timed call: each implementation is timed in its steady state, the one it is in during
    training, where L-BFGS calls one cost again and again. Timed factor × ms is recorded
    (the loop's scaling to m)."""
    times = {label: [] for label in runs}
    for _ in range(repeats):
        for label, (call, factor) in runs.items():
            pause()
            call()
            start = clock()
            call()
            times[label].append((clock() - start) * 1e3 * factor)
    return times


def summary(times, floor):
    """(median ms, median ratio to the floor, best ms, best ratio) from per-round times.

    The median ratio pairs each round's call with the same round's floor call, so a machine
    that slows down for a few rounds moves both; the best ratio is fastest over fastest (on
    a busy machine noise only adds time, so the fastest call is closest to the cost itself)."""
    t, f = np.asarray(times), np.asarray(floor)  # (rounds,), (rounds,)
    return float(np.median(t)), float(np.median(t / f)), float(t.min()), float(t.min() / f.min())


def floor_ratios(times):
    """(label, median ms, × floor, best ms, × floor) of every run in ``times``, each against
    the floor of its own dtype (the runs labelled "floor float32" and "floor float64")."""
    for label, t in times.items():
        floor = times["floor float32" if "float32" in label else "floor float64"]
        yield (label, *summary(t, floor))
