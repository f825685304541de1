"""Keeping the freed heap for the next training step: fewer page faults, settings restored."""

import resource

import numpy as np
import pytest

from tinysae.runtime import heap_reuse


def minor_faults_of_steps(n_steps, inside):
    """Page faults during ``n_steps`` "steps", each allocating, touching and freeing 16 MB in
    arrays of 0.8 MB (as a transformer step does)."""
    def step():
        arrays = [np.ones(200_000, dtype=np.float32) for _ in range(20)]  # 20 × 0.8 MB
        return sum(float(a[-1]) for a in arrays)
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    if inside:
        with heap_reuse.reuse_freed_heap():
            for _ in range(n_steps):
                step()
    else:
        for _ in range(n_steps):
            step()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(heap_reuse._glibc_mallopt() is None, reason="glibc's malloc only")
def test_steps_inside_the_block_fault_far_fewer_pages():
    kept = minor_faults_of_steps(20, inside=True)
    given_back = minor_faults_of_steps(20, inside=False)
    assert kept < given_back / 4, (kept, given_back)


def test_the_default_is_set_back_once_the_outermost_block_ends(monkeypatch):
    calls = []
    monkeypatch.setattr(heap_reuse, "_glibc_mallopt", lambda: lambda *a: calls.append(a))
    with pytest.raises(RuntimeError):
        with heap_reuse.reuse_freed_heap():
            with heap_reuse.reuse_freed_heap():
                pass
            assert calls == [(heap_reuse.M_TOP_PAD, heap_reuse.KEPT_BYTES)]
            raise RuntimeError
    assert calls == [(heap_reuse.M_TOP_PAD, heap_reuse.KEPT_BYTES),
                     (heap_reuse.M_TOP_PAD, heap_reuse.GLIBC_TOP_PAD)]


def test_a_users_own_top_pad_stands(monkeypatch):
    monkeypatch.setenv("MALLOC_TOP_PAD_", "1048576")
    assert heap_reuse._glibc_mallopt() is None
