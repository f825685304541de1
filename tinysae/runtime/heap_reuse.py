"""Keeping the memory one training step frees for the next step, instead of giving it back.

glibc's ``malloc`` (Linux) returns the top of its heap to the system whenever more than a
threshold lies free there (about twice the largest block freed so far). A training step of
lesson 12's transformer allocates and frees many arrays of a few hundred kilobytes each, more
in total than that threshold, so at the end of every step their pages went back to the kernel
and the next step faulted each 4 KiB page in again, zero-filled. ``mallopt(M_TOP_PAD, n)``
asks ``malloc`` to keep ``n`` bytes free at the top of the heap when it trims, and the next
step reuses them. ``tinysae bench`` times the transformer's step with and without this.

Elsewhere (macOS, Windows, other C libraries) :func:`reuse_freed_heap` does nothing.
One lasting effect on glibc, from its manual (mallopt(3)): once ``M_TOP_PAD`` has been set,
``malloc`` stops raising its mmap threshold by itself for the rest of the process.
"""

import contextlib
import ctypes
import os
import platform

#: ``M_TOP_PAD``, mallopt's parameter number in glibc's ``<malloc.h>``
M_TOP_PAD = -2
#: glibc's default top pad (mallopt(3)), set back when the outermost block ends
GLIBC_TOP_PAD = 128 * 1024
#: bytes kept free at the top of the heap inside the block: more than a step of the
#: lessons' models frees, and the most this adds to the process's resident memory
KEPT_BYTES = 64 * 2**20

_depth = 0


def _glibc_mallopt():
    """glibc's ``mallopt``, or None where the C library is not glibc or where the user set
    the top pad already (``MALLOC_TOP_PAD_``, or ``glibc.malloc.top_pad`` in
    ``GLIBC_TUNABLES``): their setting stands."""
    if platform.libc_ver()[0] != "glibc" or "MALLOC_TOP_PAD_" in os.environ \
            or "glibc.malloc.top_pad" in os.environ.get("GLIBC_TUNABLES", ""):
        return None
    try:
        return ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None


@contextlib.contextmanager
def reuse_freed_heap(kept_bytes=KEPT_BYTES):
    """Within the block, ``malloc`` keeps ``kept_bytes`` of freed heap for reuse; glibc's
    default is set back when the outermost such block ends (also when it raises). Blocks
    may nest; the outermost one's size holds."""
    global _depth
    mallopt = _glibc_mallopt()
    if mallopt is not None and _depth == 0:
        mallopt(M_TOP_PAD, int(kept_bytes))
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if mallopt is not None and _depth == 0:
            mallopt(M_TOP_PAD, GLIBC_TOP_PAD)
