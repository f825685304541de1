"""``tinysae bench --quick`` runs and prints every table; its parts measure what they say.

Speed itself is shown by the benchmark, never asserted here (the machine is shared).
"""

import numpy as np

from tinysae import bench


def test_quick_bench_prints_all_tables(capsys):
    assert bench.main(["--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    print(out)
    for heading in ("## Machine", "## Speed", "## Growth with m", "## Threads"):
        assert heading in out
    for size in ("S1", "S2", "S3"):
        assert f"\n{size} " in out
    for label in ("loop (", "reference", "fast float64", "fast float32", "floor float64",
                  "floor float32", "chunk_size=512", "limit_blas_threads()"):
        assert label in out
    assert "BLAS for numpy" in out


def test_skip_leaves_tables_out(capsys):
    assert bench.main(["--quick", "--sizes", "S1", "--skip", "growth", "threads"]) == 0
    out = capsys.readouterr().out
    assert "## Speed" in out and "## Growth" not in out and "## Threads" not in out


def test_gemm_floor_runs_the_five_products_in_the_data_dtype():
    X, _ = bench.problem(8, 3, 20, dtype=np.float32)
    products = bench.gemm_floor(X, 3)
    assert products() is None


def test_round_robin_gives_one_median_per_run():
    calls = []
    ms = bench.round_robin({"a": (lambda: calls.append("a"), 1.0),
                            "b": (lambda: calls.append("b"), 10.0)}, repeats=3)
    assert set(ms) == {"a", "b"} and all(v >= 0 for v in ms.values())
    # 3 rounds, interleaved; each timed call follows an untimed call of the same run
    assert calls == ["a", "a", "b", "b"] * 3


def test_cpu_mode_times_single_threaded(capsys):
    assert bench.main(["--quick", "--cpu", "--sizes", "S1", "--skip", "growth", "threads"]) == 0
    out = capsys.readouterr().out
    assert "CPU ms, one thread" in out and "n_threads=1" not in out
