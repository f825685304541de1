"""Every memory cap in one place: what a file (or an option) may make tinysae do.

A file from disk is untrusted data, and a small one can ask for a lot: a 27 kB model whose
record asks for two million patches, a 2 kB gzip that unpacks to gigabytes. So every
reader and every command decides what the work will cost *before* doing it, against one of
the caps below, and a refusal is a one-line ``ValueError`` that names the cap and how to
raise it. Each cap's comment gives what a file right at the cap costs at its peak (resident
memory on top of the ~100 MB that Python, numpy and matplotlib take), as measured with
``resource.getrusage(...).ru_maxrss`` in a fresh process.

To go past a cap, set it in the environment before the command starts
(``TINYSAE_MAX_PATCH_BYTES=2147483648 tinysae train ...``), or in Python
(``tinysae.runtime.budgets.MAX_PATCH_BYTES = 2 ** 31``): every check reads the value here at
the moment it checks.
"""

import os

#: The most parameters (2·n_h·n_v + n_h + n_v) in a model file or an exported SAE (2**25:
#: 256 MiB in float64). Loading a model at the cap peaks at its arrays: 256 MiB (each is read
#: straight into its own memory). ``load``, ``save`` and ``load_saelens`` also take
#: ``max_parameters=``.
MAX_PARAMETERS = 2 ** 25

#: The most bytes of JSON text (a model's config, its format marker, an exported SAE's
#: ``cfg.json``, a safetensors header): a long run's loss history is a few MB.
TEXT_BYTES = 2 ** 24

#: The deepest nesting of lists and objects in that JSON (tinysae writes 3 levels).
MAX_CONFIG_DEPTH = 64

#: The most bytes a ``.npy`` header inside an archive may take (numpy's own limit is 10000).
NPY_HEADER_BYTES = 10000

#: The most bytes the training patches may take (n_patches · p² float64 numbers): 2**28 is
#: half a million 8 × 8 patches, 50 times the UFLDL exercise's. Making them (photos,
#: whitening, sampling, normalising) peaks at about 4 times the patches: 1.1 GB at the cap.
MAX_PATCH_BYTES = 2 ** 28

#: The most bytes the hidden activations a2 = f(X W1ᵀ + b1) may take (n_patches · n_h float64
#: numbers), which ``tinysae show`` computes for the ρ̂ histogram and training computes at
#: every step. ``tinysae show`` at the cap (167 772 patches of 8 × 8, 200 hidden units) peaks
#: at 0.9 GB: about 3 times a2, plus the patches. Training needs a few such arrays at once.
MAX_ACTIVATION_BYTES = 2 ** 28

#: The most pixels (width × height) one photo may have: 2**25 is 33.5 megapixels (a 6700 ×
#: 5000 photo; 256 MiB as float64 grayscale). Reading a photo at the cap (decoding, then
#: converting to float64 grayscale) peaks at 0.4 GB for a grayscale PNG, 1.3 GB for RGB and
#: 1.4 GB for RGBA (the decoded pixels and their float copies); whitening it as ``tinysae
#: train`` does (FFTs of the whole photo) takes the peak to 2.3 GB.
MAX_IMAGE_PIXELS = 2 ** 25

#: The most pixels a folder of photos may have in all (1 GiB as float64 grayscale).
MAX_FOLDER_PIXELS = 2 ** 27

#: The most bytes an ``IMAGES.mat`` file may unpack to (2**28: 256 MiB; Olshausen's file
#: holds 10 MB).
MAX_MAT_BYTES = 2 ** 28

#: The most data bytes an IDX (MNIST) file may declare: 1 GiB holds MNIST (47 MB) and
#: EMNIST's largest split (550 MB). Reading a file at the cap peaks at the array itself:
#: 1.0 GiB.
MAX_IDX_BYTES = 2 ** 30

#: The most bytes one file of a language model's corpus may have (the standard library's
#: largest top-level file has 0.25 MB).
MAX_CORPUS_FILE_BYTES = 2 ** 24

#: The most bytes all the files of a corpus may have together (the standard library's top
#: level: 4.7 MB). Reading and encoding a corpus at the cap peaks at about twice the cap:
#: 150 MB.
MAX_CORPUS_BYTES = 2 ** 26

#: The most pixels a figure written to a file may have (width × height × dpi²): 2**24 is a
#: 27 × 27 inch figure at 150 dpi. Drawing a filter grid at the cap peaks at about 42 bytes
#: a pixel: 710 MB.
MAX_FIGURE_PIXELS = 2 ** 24

#: The names of the caps (each can be set in the environment as ``TINYSAE_<NAME>``).
CAPS = ("MAX_PARAMETERS", "TEXT_BYTES", "MAX_CONFIG_DEPTH", "NPY_HEADER_BYTES",
        "MAX_PATCH_BYTES", "MAX_ACTIVATION_BYTES", "MAX_IMAGE_PIXELS", "MAX_FOLDER_PIXELS",
        "MAX_MAT_BYTES", "MAX_IDX_BYTES", "MAX_CORPUS_FILE_BYTES", "MAX_CORPUS_BYTES",
        "MAX_FIGURE_PIXELS")


def how_to_raise(name):
    """The words every refusal ends with: how to go past the cap ``name``."""
    return (f"to go past it, set TINYSAE_{name} in the environment, or "
            f"tinysae.runtime.budgets.{name} in Python")


def over(name, amount, unit="bytes"):
    """``"more than NAME = cap unit (to go past it, ...)"``, for a refusal of ``amount``."""
    return f"more than {name} = {globals()[name]:,} {unit} ({how_to_raise(name)})"


def _from_environment(name):
    """The cap ``name`` from ``TINYSAE_<name>`` (a positive integer) if it is set."""
    text = os.environ.get("TINYSAE_" + name)
    if text is None:
        return globals()[name]
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"The environment variable TINYSAE_{name} must be a positive integer "
                         f"(a number of {'pixels' if 'PIXELS' in name else 'bytes'}). "
                         f"Got {text!r} instead.")
    return value


for _name in CAPS:
    globals()[_name] = _from_environment(_name)
del _name


def read_within(path, name, what="file", refuse=None):
    """The bytes of the regular file ``path``, refused if it is not a regular file (a FIFO, a
    device such as ``/dev/zero``, a folder) or holds more than the cap ``name`` (its size
    from ``stat``, before reading; no more than that size and one byte is ever read, should
    the file grow meanwhile).

    A refusal calls ``refuse(reason)`` (``reason`` such as ``"is not a regular file"``),
    which must raise; by default a one-line ``ValueError`` naming the ``what`` and the path.
    """
    import stat

    def default(reason):
        raise ValueError(f"The {what} '{path}' {reason}.")
    refuse = refuse or default
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        refuse("is a folder, not a regular file")
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            refuse("is not a regular file (a FIFO, a device or a socket): tinysae reads only "
                   "regular files")
        if info.st_size > globals()[name]:
            refuse(f"holds {info.st_size:,} bytes, " + over(name, info.st_size))
        data = f.read(info.st_size + 1)  # (read(n) sets n bytes aside: not the cap)
    if len(data) > info.st_size:
        refuse("grew while it was read; read it again")
    return data
