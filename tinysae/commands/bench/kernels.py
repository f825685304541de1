"""The classic kernels timed against their GEMM floor: speed (S1–S3), growth with m, threads.

Problem sizes (UFLDL exercises)::

    S1  64 visible,  25 hidden, m = 10⁴   edge filters from natural-image patches
    S2 784 visible, 196 hidden, m = 10⁴   the MNIST vectorisation exercise
    S3 192 visible, 400 hidden, m = 10⁵   colour patches, linear decoder
"""

import contextlib
import time
import tracemalloc

import numpy as np
import scipy.optimize

from tinysae.commands.bench.timing import floor_ratios, gemm_floor, round_robin, settle
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.model.fast_kernel import make_loss_and_grad
from tinysae.model.parameters import pack
from tinysae.model.per_example_loop import loss_and_grad_loop
from tinysae.model.sparse_autoencoder import init_params, loss_and_grad


#: name: (n_visible, n_hidden, m, options of the UFLDL exercise)
SIZES = {
    "S1": (64, 25, 10_000, dict(weight_decay=1e-4, sparsity_target=0.01, sparsity_weight=3.0)),
    "S2": (784, 196, 10_000, dict(weight_decay=3e-3, sparsity_target=0.1, sparsity_weight=3.0)),
    "S3": (192, 400, 100_000, dict(weight_decay=3e-3, sparsity_target=0.035, sparsity_weight=5.0,
                                   decoder="linear")),
}
#: The per-example loop runs on this many rows only; its time is scaled to m (it is linear in m).
LOOP_ROWS = 200


def problem(n_v, n_h, m, dtype=np.float64, seed=0):
    """Random data in [0.1, 0.9] (m, n_v) and initial theta, seeded."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.1, 0.9, size=(m, n_v)).astype(dtype)  # (m, n_v)
    return X, pack(init_params(n_v, n_h, rng))


def contenders(name, m=None, with_loop=True, cpu=False):
    """{label: (callable, factor)}: ms per call = timed ms × factor (the loop's scaling to m).

    With ``cpu``, the fast kernels run without threads of their own (``n_threads=1``)."""
    n_v, n_h, m_full, opts = SIZES[name]
    m = m or m_full
    X, theta = problem(n_v, n_h, m)
    X32 = X.astype(np.float32)  # (m, n_v)
    threads = 1 if cpu else None
    fast64 = make_loss_and_grad(X, n_h, n_threads=threads, **opts)
    fast32 = make_loss_and_grad(X32, n_h, dtype=np.float32, n_threads=threads, **opts)
    serial = make_loss_and_grad(X, n_h, n_threads=1, **opts)
    runs = {}
    if with_loop:
        rows = min(LOOP_ROWS, m)
        runs[f"loop ({rows} rows, ×{m / rows:g})"] = (
            lambda: loss_and_grad_loop(theta, X[:rows], n_h, **opts), m / rows)
    runs.update({
        "reference": (lambda: loss_and_grad(theta, X, n_h, **opts), 1.0),
        "fast float64": (lambda: fast64(theta), 1.0),
        **({} if cpu else {"fast float64, n_threads=1": (lambda: serial(theta), 1.0)}),
        "fast float32": (lambda: fast32(theta), 1.0),
        "floor float64": (gemm_floor(X, n_h), 1.0),
        "floor float32": (gemm_floor(X32, n_h), 1.0),
    })
    return runs


def speed_table(names, repeats, m=None, cpu=False):
    """Print ms per call and ratio to the floor of the same dtype, for each size.

    With ``cpu``: one thread everywhere (BLAS pools at 1, ``n_threads=1``) and process CPU
    time instead of wall time, so that other programs on the machine hardly change the
    ratios: they then say how much work each implementation does beyond the products."""
    if not names:
        return
    kind = "CPU ms, one thread" if cpu else "wall ms"
    print(f"\n## Speed: {kind} per loss-and-gradient call, {repeats} rounds, round-robin")
    print("   (× floor: median over rounds of each call over the same round's floor call; "
          "best: fastest over fastest)")
    print(f"{'size':<4} {'shape (n_v, n_h, m)':<22} {'implementation':<27} {'median ms':>10} "
          f"{'× floor':>8} {'best ms':>10} {'× floor':>8}")
    for name in names:
        n_v, n_h, m_full, opts = SIZES[name]
        rows = m or m_full
        clock = time.process_time if cpu else time.perf_counter
        with limit_blas_threads(numpy_threads=1) if cpu else contextlib.nullcontext():
            times = round_robin(contenders(name, rows, cpu=cpu), repeats, clock=clock)
        for label, med, ratio, best, best_ratio in floor_ratios(times):
            print(f"{name:<4} {str((n_v, n_h, rows)):<22} {label:<27} {med:>10.2f} "
                  f"{ratio:>8.2f} {best:>10.2f} {best_ratio:>8.2f}")
        print(f"     ({opts.get('decoder', 'sigmoid')} decoder, KL sparsity)")


def call_cost(make, m, chunk_size):
    """(ms per call, setup MiB, call MiB): peak memory above what was there before (X, theta)
    while building ``fun``, and then during one call."""
    n_v, n_h, _, opts = SIZES["S1"]
    X, theta = problem(n_v, n_h, m)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fun = make(X, n_h, chunk_size, opts)
    setup = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fun(theta)
    call = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    settle()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fun(theta)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3, setup / 2 ** 20, call / 2 ** 20


def scaling_table(ms_list, chunk_size=4096):
    """Print time and memory per call against m at S1's shape: linear time, flat memory."""
    print("\n## Growth with m at S1's shape (64, 25): wall ms per call (median of 3), and peak "
          "memory (MiB, tracemalloc)\n   beyond X itself (X is m × 64 × 8 bytes) while building "
          "fun (setup) and during one call")
    makers = {
        "reference": lambda X, n_h, c, o: (lambda th: loss_and_grad(th, X, n_h, **o)),
        "fast, chunk_size=None": lambda X, n_h, c, o: make_loss_and_grad(X, n_h, **o),
        f"fast, chunk_size={chunk_size}": lambda X, n_h, c, o: make_loss_and_grad(
            X, n_h, chunk_size=c, **o),
    }
    print(f"{'implementation':<27} {'m':>9} {'ms':>10} {'ms per 10⁴ rows':>16} "
          f"{'setup MiB':>10} {'call MiB':>10}")
    for label, make in makers.items():
        for m in ms_list:
            t, setup, call = call_cost(make, m, chunk_size)
            print(f"{label:<27} {m:>9} {t:>10.1f} {t * 1e4 / m:>16.2f} {setup:>10.1f} {call:>10.1f}")


def train_seconds(maxiter, threads):
    """An L-BFGS-B run (maxcor 100) on S1 with the fast kernel: (seconds, iterations, median
    ms of one cost call inside the run)."""
    n_v, n_h, m, opts = SIZES["S1"]
    X, theta = problem(n_v, n_h, m)
    fun, calls = make_loss_and_grad(X, n_h, **opts), []

    def timed_fun(th):
        start = time.perf_counter()
        result = fun(th)
        calls.append(time.perf_counter() - start)
        return result
    settle()
    start = time.perf_counter()
    with threads():
        res = scipy.optimize.minimize(timed_fun, theta, method="L-BFGS-B", jac=True,
                                      options={"maxcor": 100, "maxiter": maxiter})
    return time.perf_counter() - start, res.nit, float(np.median(calls)) * 1e3


def training_table(maxiter):
    """Print the S1 training time with default threads and with BLAS pools limited, and the
    time of one cost call inside each run (to hold against the speed table's, timed alone)."""
    print(f"\n## Threads: S1 training, L-BFGS-B {maxiter} iterations (maxcor 100), fast float64")
    settings = {
        "default threads": contextlib.nullcontext,
        "limit_blas_threads() (scipy's BLAS 1)": limit_blas_threads,
        "all BLAS pools at 1 thread": lambda: limit_blas_threads(numpy_threads=1),
    }
    for label, threads in settings.items():
        seconds, nit, call_ms = train_seconds(maxiter, threads)
        print(f"{label:<40} {seconds:>8.2f} s  ({nit} iterations; median cost call "
              f"{call_ms:.2f} ms)")
