"""Reading an ``.npz`` archive that may have been crafted: the memory is decided before decoding.

A model file comes from disk, and a small file must not be able to make tinysae allocate
much. So, before any array is decoded:

- every entry must be *stored* (uncompressed), as ``np.savez`` writes it: a compressed entry
  can unpack to a thousand times its size (a 7 kB file to gigabytes of zeros);
- the zip directory's sizes must be the stored ones, and together fit in the file;
- each entry's ``.npy`` header (shape, dtype) is read first and must describe exactly the
  bytes the entry holds; the caller then says which shapes and dtypes it accepts.

After that, reading an entry costs at most the bytes it holds on disk. Object arrays (which
need pickle, and pickled data can run code) are refused.
"""

import contextlib
import os
import zipfile

import numpy as np

#: The most bytes a ``.npy`` header inside the archive may take (numpy's own limit is 10000).
NPY_HEADER_BYTES = 10000

_METHODS = {zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}


def bad_model(path, reason):
    """The ValueError for a file that is not a valid tinysae model."""
    raise ValueError(f"'{path}' is not a valid tinysae model file: {reason}.")


class Archive:
    """An ``.npz`` archive whose entries have been checked as the module docstring says."""

    def __init__(self, path, npz):
        self.path, self.npz = path, npz
        self.entries = {}  # key (as np.load names it) -> ZipInfo
        on_disk = os.path.getsize(path)
        total = 0
        for info in npz.zip.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                method = _METHODS.get(info.compress_type, f"zip method {info.compress_type}")
                bad_model(path, f"its entry {info.filename} is compressed ({method}); "
                                "tinysae writes uncompressed entries "
                                "and refuses compressed ones, which a small file can use to "
                                "unpack to gigabytes")
            if info.file_size != info.compress_size:
                bad_model(path, f"its entry {info.filename} is stored but says it unpacks to "
                                f"{info.file_size} bytes, not the {info.compress_size} it holds")
            total += info.compress_size
            self.entries[info.filename.removesuffix(".npy")] = info
        if total > on_disk:
            bad_model(path, f"its entries claim {total} bytes, more than the file's {on_disk}")

    def keys(self):
        return sorted(self.entries)

    def header(self, key):
        """``(shape, dtype)`` from the entry's ``.npy`` header, checked against its size."""
        info = self.entries[key]
        try:
            with self.npz.zip.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f".npy format version {version} (tinysae writes 1.0)")
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0) else
                        np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(member, max_header_size=NPY_HEADER_BYTES)
                data_bytes = info.file_size - member.tell()
        except Exception as error:  # a damaged header: numpy and zipfile raise many kinds
            bad_model(self.path, f"its entry {key} has no readable .npy header "
                                 f"({type(error).__name__}: {error})")
        if dtype.hasobject:
            bad_model(self.path, "one of its arrays needs pickle to load, and pickled data "
                                 "can run code, so it is refused (tinysae models never need "
                                 "pickle)")
        if int(np.prod(shape, dtype=object)) * dtype.itemsize != data_bytes:
            bad_model(self.path, f"its entry {key} says it holds an array of shape {shape} and "
                                 f"dtype {dtype}, but it holds {data_bytes} bytes of data")
        return shape, dtype

    def read(self, key):
        """The entry's array, read now (a lazy read would fail later, far from here)."""
        self.header(key)
        try:
            return self.npz[key]
        except Exception as error:  # truncated zip, bad CRC, ...
            bad_model(self.path, f"it is truncated or corrupt ({type(error).__name__}: {error})")


@contextlib.contextmanager
def open_archive(path):
    """The :class:`Archive` at ``path``, opened on our own handle (closed even when reading
    fails half-way)."""
    with open(path, "rb") as f:
        head = f.read(6)
        if head.startswith(b"\x93NUMPY"):
            bad_model(path, "it is a single .npy array, not an .npz archive")
        if not head.startswith(b"PK"):
            bad_model(path, f"it is not an .npz (zip) archive: it starts with {head!r}")
        f.seek(0)
        try:
            npz = np.load(f, allow_pickle=False)
        except Exception as error:  # a damaged zip directory, ...
            bad_model(path, f"it is truncated or corrupt ({type(error).__name__}: {error})")
        with npz:
            yield Archive(path, npz)
