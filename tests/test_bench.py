"""``tinysae bench --quick`` runs and prints every table; its parts measure what they say.

Speed itself is shown by the benchmark, never asserted here (the machine is shared).
"""

import numpy as np
import pytest

from tinysae.commands import bench
from tinysae.commands.bench import kernels, timing


def test_quick_bench_prints_all_tables(capsys):
    assert bench.main(["--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    print(out)
    for heading in ("## Machine", "## Speed", "## Growth with m", "## Threads"):
        assert heading in out
    for size in ("S1", "S2", "S3"):
        assert f"\n{size} " in out
    for label in ("loop (", "reference", "fast float64", "fast float32", "floor float64",
                  "floor float32", "chunk_size=512", "limit_blas_threads()",
                  "median cost call"):
        assert label in out
    assert "BLAS for numpy" in out
    assert "Every figure below is rough" in out  # quick figures say they are noise


def test_help_is_plain_text_and_sizes_says_what_it_does(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--help"])
    out = capsys.readouterr().out
    assert "``" not in out and "::" not in out  # no reST markup for a person at a terminal
    assert "--sizes SIZE [SIZE ...]\n" in out and "problem sizes for the speed table" in out


def test_skip_leaves_tables_out(capsys):
    assert bench.main(["--quick", "--sizes", "S1", "--skip", "growth", "threads"]) == 0
    out = capsys.readouterr().out
    assert "## Speed" in out and "## Growth" not in out and "## Threads" not in out


def test_gemm_floor_runs_the_five_products_in_the_data_dtype():
    X, _ = kernels.problem(8, 3, 20, dtype=np.float32)
    products = timing.gemm_floor(X, 3)
    assert products() is None


def test_round_robin_times_every_run_once_per_round_after_a_pause_and_an_untimed_call():
    calls = []
    times = timing.round_robin({"a": (lambda: calls.append("a"), 1.0),
                               "b": (lambda: calls.append("b"), 10.0)}, repeats=3,
                              pause=lambda: calls.append("pause"))
    assert list(times) == ["a", "b"] and all(len(t) == 3 for t in times.values())
    assert all(ms >= 0 for t in times.values() for ms in t)
    # 3 rounds, interleaved; each timed call follows a pause and an untimed call of the same run
    assert calls == ["pause", "a", "a", "pause", "b", "b"] * 3


def test_summary_pairs_each_round_with_its_floor():
    # the machine is twice as slow in round 2: the paired ratio stays 2, the medians do not
    med, ratio, best, best_ratio = timing.summary([2.0, 4.0, 2.0], floor=[1.0, 2.0, 1.0])
    assert (med, ratio, best, best_ratio) == (2.0, 2.0, 2.0, 2.0)
    assert timing.summary([3.0, 5.0, 4.0], floor=[1.0, 1.0, 2.0])[1] == 3.0


def test_settle_waits_while_the_process_keeps_a_core_busy():
    # a pretend process: each sleep(step) passes `step` of wall time and `share` × step of CPU
    def process(share):
        now = {"wall": 0.0, "cpu": 0.0}

        def sleep(step):
            now["wall"] += step
            now["cpu"] += share * step
        return (lambda: now["wall"], lambda: now["cpu"], sleep)

    assert timing.settle(step=0.01, limit=0.2, clocks=process(1.0)) >= 0.2  # a worker spins
    assert timing.settle(step=0.01, limit=0.2, clocks=process(0.5)) >= 0.2  # half a core
    assert timing.settle(step=0.01, limit=1.0, clocks=process(0.0)) == 0.01  # idle: one step
    assert timing.settle(step=0.01, limit=1.0, clocks=process(0.05)) == 0.01  # below `busy`


def test_cpu_mode_times_single_threaded(capsys):
    assert bench.main(["--quick", "--cpu", "--sizes", "S1", "--skip", "growth", "threads"]) == 0
    out = capsys.readouterr().out
    assert "CPU ms, one thread" in out and "n_threads=1" not in out


def test_modern_table_times_the_step_against_its_floor(capsys):
    assert bench.main(["--quick", "--cpu", "--repeats", "1", "--sizes", "M1",
                       "--skip", "growth", "threads"]) == 0
    out = capsys.readouterr().out
    assert "## Speed, modern" in out and "## Speed: " not in out  # M1 only
    for label in ("readable step float32", "fast step float32, L0", "sampling only float64",
                  "floor float64"):
        assert label in out


def test_modern_states_have_dense_and_sparse_codes():
    from tinysae.commands.bench.modern_step import TRAINED_L0, modern_states
    from tinysae.modern import encode
    sample, fresh, trained = modern_states(16, 128, 256)
    X = sample(2000, np.random.default_rng(5))  # (m, n_v)
    l0 = [np.count_nonzero(encode(p, X), axis=1).mean() for p in (fresh, trained)]
    assert 40 < l0[0] < 90 and abs(l0[1] - TRAINED_L0) < 2


def test_lesson_times_runs_the_chosen_lessons(capsys):
    assert bench.main(["--lessons", "01", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "01_forward_pass" in out and "02_" not in out and " ok" in out
