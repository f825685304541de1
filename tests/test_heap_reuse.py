"""Keeping the freed heap for the next training step: fewer page faults, settings restored."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinysae.runtime import heap_reuse

ROOT = Path(__file__).resolve().parents[1]


#: Run in a fresh interpreter: how a heap behaves depends on all the process did before.
STEPS = """
import resource, sys
import numpy as np
from tinysae.runtime.heap_reuse import reuse_freed_heap

def step():  # allocate, touch and free 16 MB in arrays of 0.8 MB, as a transformer step does
    arrays = [np.ones(200_000, dtype=np.float32) for _ in range(20)]
    return sum(float(a[-1]) for a in arrays)

step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
if sys.argv[1] == "kept":
    with reuse_freed_heap():
        for _ in range(20):
            step()
else:
    for _ in range(20):
        step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def minor_faults_of_steps(how):
    """Page faults of 20 such steps in a new process, inside the block ("kept") or not."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MALLOC_TOP_PAD_", None)
    out = subprocess.run([sys.executable, "-c", STEPS, how], capture_output=True, text=True,
                         env=env, check=True).stdout
    return int(out)


@pytest.mark.skipif(heap_reuse._glibc_mallopt() is None, reason="glibc's malloc only")
def test_steps_inside_the_block_fault_far_fewer_pages():
    kept, given_back = minor_faults_of_steps("kept"), minor_faults_of_steps("given back")
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
