"""Reading an ``.npz`` archive that may have been crafted: the memory is decided before decoding.

A model file comes from disk, and a small file must not be able to make tinysae allocate
much. So, before any array is decoded:

- every entry must be *stored* (uncompressed), as ``np.savez`` writes it: a compressed entry
  can unpack to a thousand times its size (a 7 kB file to gigabytes of zeros);
- one entry per name: an archive holding both ``W1`` and ``W1.npy`` (numpy reads either
  as ``W1``), or ``W1.npy`` twice, could have one checked and the other read;
- the zip directory's sizes must be the stored ones, and together fit in the file;
- each entry's ``.npy`` header (shape, dtype) is read first and must describe exactly the
  bytes the entry holds; the caller then says which shapes and dtypes it accepts.

After that, reading an entry costs at most the bytes it holds on disk, and the array read is
the one whose header was checked (the same zip member). Object arrays (which need pickle,
and pickled data can run code) are refused.
"""

import contextlib
import os
import zipfile

import numpy as np

from tinysae.runtime import budgets

_CHUNK = 1 << 20  # bytes read at a time

_METHODS = {zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}


def bad_model(path, reason, kind="tinysae model"):
    """The ValueError for a file that is not a valid tinysae model (or other ``kind``)."""
    raise ValueError(f"'{path}' is not a valid {kind} file: {reason}.")


class Archive:
    """An ``.npz`` archive whose entries have been checked as the module docstring says."""

    def __init__(self, path, zf, kind="tinysae model"):
        self.path, self.zip, self.kind = path, zf, kind
        self.entries = {}  # key (the member's name less ".npy") -> ZipInfo
        on_disk = os.fstat(zf.fp.fileno()).st_size
        total = 0
        for info in zf.infolist():
            key = info.filename.removesuffix(".npy")
            if key in self.entries:
                self.bad(f"it holds two entries for the array {key!r} "
                         f"({self.entries[key].filename!r} and {info.filename!r}): one entry "
                         "per name, or the entry checked might not be the entry read")
            if info.compress_type != zipfile.ZIP_STORED:
                method = _METHODS.get(info.compress_type, f"zip method {info.compress_type}")
                self.bad(f"its entry {info.filename} is compressed ({method}); tinysae writes "
                         "uncompressed entries and refuses compressed ones, which a small file "
                         "can use to unpack to gigabytes")
            if info.file_size != info.compress_size:
                self.bad(f"its entry {info.filename} is stored but says it unpacks to "
                         f"{info.file_size} bytes, not the {info.compress_size} it holds")
            total += info.compress_size
            self.entries[key] = info
        if total > on_disk:
            self.bad(f"its entries claim {total} bytes, more than the file's {on_disk}")

    def bad(self, reason):
        bad_model(self.path, reason, self.kind)

    def keys(self):
        return sorted(self.entries)

    def header(self, key):
        """``(shape, dtype)`` from the entry's ``.npy`` header, checked against its size."""
        with self._member(key) as (shape, _, dtype, _):
            return shape, dtype

    def read(self, key):
        """The entry's array, read now from the member whose header was checked, straight
        into the array's own memory (the bytes the entry holds, no copy)."""
        with self._member(key) as (shape, fortran_order, dtype, member):
            raw = np.empty(int(np.prod(shape, dtype=object)) * dtype.itemsize, np.uint8)
            try:
                view, filled = memoryview(raw), 0
                while filled < raw.size:
                    n = member.readinto(view[filled:filled + _CHUNK])
                    if not n:
                        raise EOFError(f"{raw.size - filled} bytes missing")
                    filled += n
                member.read(1)  # the end of the member: zipfile checks its CRC there
            except Exception as error:  # truncated zip, bad CRC, ...
                self.bad(f"it is truncated or corrupt ({type(error).__name__}: {error})")
        if fortran_order:
            return raw.view(dtype).reshape(shape[::-1]).T  # shape as stored, column-major
        return raw.view(dtype).reshape(shape)  # shape as stored

    @contextlib.contextmanager
    def _member(self, key):
        """The open zip member of ``key`` after its header:
        ``(shape, fortran_order, dtype, member)``."""
        info = self.entries[key]
        try:
            member = self.zip.open(info)
            version = np.lib.format.read_magic(member)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version} (tinysae writes 1.0)")
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0) else
                    np.lib.format.read_array_header_2_0)
            shape, fortran_order, dtype = read(member, max_header_size=budgets.NPY_HEADER_BYTES)
            data_bytes = info.file_size - member.tell()
        except Exception as error:  # a damaged header: numpy and zipfile raise many kinds
            self.bad(f"its entry {key} has no readable .npy header "
                     f"({type(error).__name__}: {error})")
        with member:
            if dtype.hasobject:
                self.bad("one of its arrays needs pickle to load, and pickled data can run "
                         "code, so it is refused (tinysae never writes arrays that need pickle)")
            if int(np.prod(shape, dtype=object)) * dtype.itemsize != data_bytes:
                self.bad(f"its entry {key} says it holds an array of shape {shape} and dtype "
                         f"{dtype}, but it holds {data_bytes} bytes of data")
            yield shape, fortran_order, dtype, member


@contextlib.contextmanager
def open_archive(path, kind="tinysae model"):
    """The :class:`Archive` at ``path`` (a regular file), opened on our own handle (closed even
    when reading fails half-way). ``kind`` names what the file should be, in messages."""
    with open(path, "rb") as f:
        head = f.read(6)
        if head.startswith(b"\x93NUMPY"):
            bad_model(path, "it is a single .npy array, not an .npz archive", kind)
        if not head.startswith(b"PK"):
            bad_model(path, f"it is not an .npz (zip) archive: it starts with {head!r}", kind)
        f.seek(0)
        try:
            zf = zipfile.ZipFile(f)
        except Exception as error:  # a damaged zip directory, ...
            bad_model(path, f"it is truncated or corrupt ({type(error).__name__}: {error})", kind)
        with zf:
            yield Archive(path, zf, kind)
