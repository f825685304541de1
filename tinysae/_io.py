"""Atomic file writes: a crash or Ctrl-C never leaves a half-written file behind."""

import os
import tempfile
from pathlib import Path


def atomic_write(path, write):
    """Write ``path`` by calling ``write(tmp_path)`` on a temporary file in the same folder,
    then renaming it over ``path`` (``os.replace`` is atomic on POSIX and Windows).

    Returns the final ``Path``. The temporary file is removed if ``write`` fails.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                               dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:  # data on disk before the rename makes it visible
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
