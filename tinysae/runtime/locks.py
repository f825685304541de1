"""Locks that the kernel releases when their process dies: one run per folder.

A run holds an exclusive lock on ``<folder>/.tinysae.lock`` while it trains into the folder;
a second run on the same folder is refused at once with :class:`FolderInUseError`, which
names the first. The lock is ``flock`` on POSIX (``msvcrt.locking`` on Windows): the
kernel drops it when the process ends in any way, ``kill -9`` included, so a lock is never
stale; the file itself may stay behind after a crash, unlocked, and the next run reuses it.

The lock file is opened without following a symbolic link (``O_NOFOLLOW``) and must be a
regular file: a link planted at ``.tinysae.lock`` is refused, never written through.
"""

import contextlib
import os
import stat
import sys
import time

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

#: The lock file inside a run folder (hidden: image folders skip it, listings hide it).
LOCK_FILE = ".tinysae.lock"


class FolderInUseError(OSError):
    """Another run (another process) is training into this folder."""


def try_lock(fd):
    """Lock the open file ``fd`` exclusively without waiting; False if another holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # BlockingIOError on POSIX, PermissionError on Windows
        return False
    return True


_held = {}  # real path of a folder -> how many nested run_folder_lock blocks hold it


@contextlib.contextmanager
def run_folder_lock(folder):
    """Hold the run lock of ``folder`` (an existing folder) for the block.

    Nested blocks in one process share the lock (the command holds it, and so does the
    ``train`` it calls). Raises :class:`FolderInUseError` if another process holds it.
    """
    key = os.path.realpath(folder)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    path = os.path.join(folder, LOCK_FILE)
    fd = _acquire(folder, path)
    _held[key] = 1
    try:
        yield
    finally:
        del _held[key]
        with contextlib.suppress(OSError):  # removed while still locked: no race on reuse
            os.unlink(path)
        os.close(fd)


def _acquire(folder, path):
    """Open and lock ``path``; describe this run in it. The file may be unlinked by the run
    that held it between our open and our lock: then lock the new file instead."""
    while True:
        fd = _open_lock_file(path)
        if not try_lock(fd):
            try:
                holder = os.read(fd, 1000).decode("utf-8", "replace").strip()
            except OSError:  # Windows: the locked byte cannot be read either
                holder = ""
            os.close(fd)
            raise FolderInUseError(f"the folder '{folder}' is in use by another run "
                                   f"({holder or 'no details'}); one run per folder: wait for that run to "
                                   "end, or choose another folder")
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    command = " ".join([os.path.basename(sys.argv[0]), *sys.argv[1:]]) if sys.argv else "?"
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}: {command}".encode())
    return fd


def _open_lock_file(path):
    """``path`` opened read-write (created if missing), never through a symbolic link, and
    only if it is a regular file (not a FIFO, a device or a folder)."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as error:  # ELOOP: a symbolic link; EISDIR, ENXIO: not a file
        kind = "a symbolic link" if os.path.islink(path) else "not a regular file"
        raise OSError(f"the lock file '{path}' is {kind}; tinysae writes its lock only into "
                      "a file of its own: remove it and start again") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"the lock file '{path}' is not a regular file; remove it and start again")
    return fd
