"""Atomic file writes: a crash or Ctrl-C never leaves a half-written file behind.

A write goes to a temporary file ``.<name>.<random>.tmp<suffix>`` beside the target, which
is renamed over the target when complete. A process killed mid-write (``kill -9``, power
loss) leaves its temporary file behind; the next write of the same target removes it. On
POSIX the writer holds a lock on its temporary file (:func:`tinysae.runtime.locks.try_lock`), so a
file that another live process is still writing is told apart and left alone.
"""

import glob
import os
import tempfile
from pathlib import Path

from tinysae.runtime.locks import fcntl, try_lock


def atomic_write(path, write):
    """Write ``path`` by calling ``write(tmp_path)`` on a temporary file in the same folder,
    then renaming it over ``path`` (``os.replace`` is atomic on POSIX and Windows).

    Returns the final ``Path``, readable as any new file would be (mode 0o666 less the
    umask; a temporary file alone would be owner-only). The temporary file is removed if
    ``write`` fails, and those of earlier writes that were killed are removed first.
    """
    path = Path(path)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                               dir=path.parent)
    if fcntl is None:  # Windows: a locked byte would stop write() itself from writing
        os.close(fd)
    else:
        try_lock(fd)  # held until the rename: this write is alive
    try:
        write(tmp)
        with open(tmp, "rb+") as f:  # data on disk before the rename makes it visible
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if fcntl is not None:
            os.close(fd)
    return path


def remove_stale_temporaries(path):
    """Remove the temporary files that killed writes of ``path`` left behind (POSIX: those
    no live process holds locked; Windows: none, a live write cannot be told apart)."""
    if fcntl is None:
        return
    pattern = f".{glob.escape(path.name)}.*.tmp{glob.escape(path.suffix)}"
    for stale in path.parent.glob(pattern):
        try:
            fd = os.open(stale, os.O_RDONLY)
        except OSError:  # gone already, or not ours to open
            continue
        try:
            if try_lock(fd):
                stale.unlink(missing_ok=True)
        except OSError:
            pass
        finally:
            os.close(fd)


def _umask():
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
