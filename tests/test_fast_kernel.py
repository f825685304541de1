"""The fast path and the per-example loop agree with the readable reference; threads are restored.

Run ``pytest -v -s tests/test_fast_kernel.py`` to see one row per case.
"""

import itertools
import multiprocessing
import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinysae import init_params, loss_and_grad, pack
from tinysae.model.fast_kernel import FLOAT32_RTOL, make_loss_and_grad
from tinysae.model.per_example_loop import loss_and_grad_loop
from tinysae.runtime.blas_threads import blas_pools, limit_blas_threads

#: float64 agreement with the reference, relative to the largest |gradient| (typical 1e-15).
FLOAT64_RTOL = 1e-12

HYPER = dict(weight_decay=3e-3, sparsity_target=0.1, sparsity_weight=3.0)
OPTIONS = list(itertools.product(["kl", "l1"], ["sigmoid", "linear"]))


def problem(m=301, n_v=12, n_h=5, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.05, 0.95, size=(m, n_v))  # (m, n_v)
    theta = scale * pack(init_params(n_v, n_h, rng))  # (n_params,)
    theta[-(n_h + n_v):] = rng.normal(0, 0.1, n_h + n_v)  # non-zero biases
    return X, theta, n_h


def rel_diff(J, g, J_ref, g_ref):
    return abs(J - J_ref) / abs(J_ref), np.max(np.abs(g - g_ref)) / np.max(np.abs(g_ref))


@pytest.mark.parametrize("n_threads", [1, 2], ids=lambda t: f"threads={t}")
@pytest.mark.parametrize("chunk_size", [None, 64, 301, 1000], ids=lambda c: f"chunk={c}")
@pytest.mark.parametrize("sparsity,decoder", OPTIONS)
def test_fast_float64_agrees_with_reference(sparsity, decoder, chunk_size, n_threads):
    X, theta, n_h = problem(m=1301)
    opts = dict(HYPER, sparsity=sparsity, decoder=decoder)
    J_ref, g_ref = loss_and_grad(theta, X, n_h, **opts)
    J, g = make_loss_and_grad(X, n_h, chunk_size=chunk_size, n_threads=n_threads, **opts)(theta)
    dJ, dg = rel_diff(J, g, J_ref, g_ref)
    print(f"\n  float64 {sparsity:>2} {decoder:>7} chunk={chunk_size} threads={n_threads}: "
          f"|ΔJ|/J={dJ:.1e} |Δg|={dg:.1e}")
    assert isinstance(J, float) and g.dtype == np.float64 and g.shape == theta.shape
    assert dJ < FLOAT64_RTOL and dg < FLOAT64_RTOL


@pytest.mark.parametrize("chunk_size", [None, 64], ids=lambda c: f"chunk={c}")
@pytest.mark.parametrize("sparsity,decoder", OPTIONS)
def test_fast_float32_agrees_within_documented_tolerance(sparsity, decoder, chunk_size):
    X, theta, n_h = problem()
    opts = dict(HYPER, sparsity=sparsity, decoder=decoder)
    J_ref, g_ref = loss_and_grad(theta, X, n_h, **opts)
    J, g = make_loss_and_grad(X, n_h, chunk_size=chunk_size, dtype=np.float32, **opts)(theta)
    dJ, dg = rel_diff(J, g, J_ref, g_ref)
    print(f"\n  float32 {sparsity:>2} {decoder:>7} chunk={chunk_size}: |ΔJ|/J={dJ:.1e} |Δg|={dg:.1e}")
    assert g.dtype == np.float64
    assert dJ < FLOAT32_RTOL and dg < FLOAT32_RTOL


@settings(max_examples=40, deadline=None, derandomize=True)
@given(m=st.integers(1, 70), n_v=st.integers(1, 9), n_h=st.integers(1, 6),
       chunk_size=st.one_of(st.none(), st.integers(1, 80)), n_threads=st.integers(1, 3),
       seed=st.integers(0, 2 ** 16), sparsity=st.sampled_from(["kl", "l1"]),
       decoder=st.sampled_from(["sigmoid", "linear"]))
def test_fast_agrees_on_any_shape(m, n_v, n_h, chunk_size, n_threads, seed, sparsity, decoder):
    X, theta, n_h = problem(m, n_v, n_h, seed)
    opts = dict(HYPER, sparsity=sparsity, decoder=decoder)
    J_ref, g_ref = loss_and_grad(theta, X, n_h, **opts)
    J, g = make_loss_and_grad(X, n_h, chunk_size=chunk_size, n_threads=n_threads, **opts)(theta)
    np.testing.assert_allclose(J, J_ref, rtol=FLOAT64_RTOL)
    np.testing.assert_allclose(g, g_ref, rtol=0, atol=FLOAT64_RTOL * np.max(np.abs(g_ref)))


def test_saturated_units_match_without_warnings():
    X, theta, n_h = problem(scale=400.0)  # |z| in the hundreds: e^{−z} overflows to inf
    J_ref, g_ref = loss_and_grad(theta, X, n_h, **HYPER)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J, g = make_loss_and_grad(X, n_h, chunk_size=50, **HYPER)(theta)
    assert np.isfinite(J) and np.all(np.isfinite(g))
    assert max(rel_diff(J, g, J_ref, g_ref)) < FLOAT64_RTOL


def test_returned_gradient_is_fresh_and_theta_untouched():
    X, theta, n_h = problem()
    for dtype in (None, np.float32):
        fun = make_loss_and_grad(X, n_h, dtype=dtype, **HYPER)
        before = theta.copy()
        J1, g1 = fun(theta)
        kept = g1.copy()
        J2, g2 = fun(theta + 0.01)  # scipy may still hold g1 here
        assert g2 is not g1 and not np.shares_memory(g1, g2)
        np.testing.assert_array_equal(g1, kept)
        np.testing.assert_array_equal(theta, before)
        assert fun(theta)[0] == J1


def test_a_call_leaves_blas_threads_as_they_were():
    X, theta, n_h = problem(m=2000)
    before = threads_now()
    fun = make_loss_and_grad(X, n_h, chunk_size=100, n_threads=2, **HYPER)
    fun(theta)
    with pytest.raises(ValueError):
        fun(theta[:-1])
    assert threads_now() == before


def test_repeated_calls_are_identical():
    X, theta, n_h = problem()
    fun = make_loss_and_grad(X, n_h, chunk_size=100, **HYPER)
    J1, g1 = fun(theta)
    J2, g2 = fun(theta)
    assert J1 == J2 and np.array_equal(g1, g2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_can_still_call_fun():
    # the parent's worker threads do not exist in a child: fun starts the child's own
    X, theta, n_h = problem(m=1301)
    fun = make_loss_and_grad(X, n_h, n_threads=2, **HYPER)
    J, _ = fun(theta)  # the parent's threads are running now
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=lambda: out.put(fun(theta)[0]))
    child.start()
    child.join(timeout=20)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0, "the forked child hung or failed calling fun"
    assert out.get(timeout=5) == J


@pytest.mark.parametrize("kwargs,error", [
    (dict(dtype=np.int32), ValueError), (dict(dtype="nonsense"), TypeError),
    (dict(chunk_size=0), ValueError), (dict(chunk_size=2.5), TypeError),
    (dict(n_threads=0), ValueError),
    (dict(sparsity="l2"), ValueError), (dict(decoder="relu"), ValueError),
    (dict(sparsity_target=1.0), ValueError), (dict(weight_decay=-1.0), ValueError),
])
def test_bad_parameters_name_themselves(kwargs, error):
    X, theta, n_h = problem()
    name = next(iter(kwargs))
    with pytest.raises(error, match=f"'{name}'"):
        make_loss_and_grad(X, n_h, **kwargs)


def test_bad_theta_is_rejected_per_call():
    X, theta, n_h = problem()
    fun = make_loss_and_grad(X, n_h)
    with pytest.raises(ValueError, match="'theta'"):
        fun(theta[:-1])


@pytest.mark.parametrize("sparsity,decoder", OPTIONS)
def test_per_example_loop_agrees_with_reference(sparsity, decoder):
    X, theta, n_h = problem(m=40)
    opts = dict(HYPER, sparsity=sparsity, decoder=decoder)
    J_ref, g_ref = loss_and_grad(theta, X, n_h, **opts)
    J, g = loss_and_grad_loop(theta, X, n_h, **opts)
    dJ, dg = rel_diff(J, g, J_ref, g_ref)
    print(f"\n  loop {sparsity:>2} {decoder:>7}: |ΔJ|/J={dJ:.1e} |Δg|={dg:.1e}")
    assert dJ < FLOAT64_RTOL and dg < FLOAT64_RTOL


def threads_now():
    return [p["num_threads"] for p in blas_pools()]


def test_limit_blas_threads_limits_then_restores():
    before = threads_now()
    with limit_blas_threads():
        inside = {p["numpy"]: p["num_threads"] for p in blas_pools()}
    print(f"\n  BLAS threads before {before}, inside {inside}, after {threads_now()}")
    assert threads_now() == before
    if False in inside:  # a BLAS other than numpy's (scipy's own wheel) is loaded
        assert inside[False] == 1


def test_limit_blas_threads_restores_after_error_and_user_settings():
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):  # the user's own setting
        with pytest.raises(RuntimeError):
            with limit_blas_threads(numpy_threads=2, other_threads=2):
                raise RuntimeError("boom")
        assert threads_now() == [1] * len(threads_now())


@pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2,
                    reason="not bit-identical across threads with the floors' numpy 1.x (CI)")
def test_small_problems_give_the_same_bits_on_any_number_of_threads():
    """At UFLDL's 64 → 25 shape each block's sums have a row of their own, added in block
    order: the same J and ∇J for 1, 2 or 3 threads."""
    rng = np.random.default_rng(5)
    X = rng.uniform(0.1, 0.9, size=(3000, 64))  # (m, n_v): 6 blocks of 512 rows
    theta = pack(init_params(64, 25, rng))
    results = [make_loss_and_grad(X, 25, n_threads=n, **HYPER)(theta) for n in (1, 2, 3, 2)]
    for J, g in results[1:]:
        assert J == results[0][0] and np.array_equal(g, results[0][1])
    J_ref, g_ref = loss_and_grad(theta, X, 25, **HYPER)
    assert max(rel_diff(*results[0], J_ref, g_ref)) < FLOAT64_RTOL
