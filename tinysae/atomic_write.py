"""Atomic file writes: a crash or Ctrl-C never leaves a half-written file behind."""

import os
import tempfile
from pathlib import Path


def atomic_write(path, write):
    """Write ``path`` by calling ``write(tmp_path)`` on a temporary file in the same folder,
    then renaming it over ``path`` (``os.replace`` is atomic on POSIX and Windows).

    Returns the final ``Path``, readable as any new file would be (mode 0o666 less the
    umask; a temporary file alone would be owner-only). The temporary file is removed if
    ``write`` fails.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                               dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:  # data on disk before the rename makes it visible
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask():
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
