"""Olshausen's ``IMAGES.mat``: ten whitened natural images, if you have the file.

The file is data, never code: it is read with ``scipy.io.loadmat``, no pickle anywhere, and
every problem (truncated, corrupt, MATLAB v7.3, wrong variable, shape or dtype) is a
``ValueError`` that names the file and says what was wrong. It is neither shipped nor
committed: ``data/README.md`` says where it comes from.
"""

import numpy as np

from tinysae.checks import bad_file, existing_file, has_real_dtype


def load_olshausen_mat(path, variable="IMAGES"):
    """Olshausen's ``IMAGES.mat``: ten 512 × 512 whitened natural images.

    Parameters
    ----------
    path : str or Path
        A MATLAB (v4–v7.2) ``.mat`` file.
    variable : str
        The array to read: ``"IMAGES"`` (whitened, the default) or ``"IMAGES_RAW"``.

    Returns
    -------
    list of ndarray
        The K images ``array[:, :, k]``, each ``(H, W)`` float64 (512 × 512, K = 10 for the
        original). Their values are whitened, not in [0, 1]: do not whiten them again.

    Raises
    ------
    ValueError
        If the file is not a readable ``.mat`` (truncated, corrupt, MATLAB v7.3), lacks
        ``variable``, or it is not a finite real array of shape (H, W, K) or (H, W).
    """
    import scipy.io

    file = existing_file(path)
    try:
        contents = scipy.io.loadmat(file)  # every variable, so truncation anywhere is caught
    except NotImplementedError as err:  # scipy's answer to HDF5-based v7.3 files
        bad_file(file, f"MATLAB v7.3 files are not supported, save it with -v7 ({err})")
    except Exception as err:  # truncated or corrupt: scipy raises many kinds
        bad_file(file, f"scipy.io.loadmat could not read it ({type(err).__name__}: {err})")
    found = sorted(k for k in contents if not k.startswith("__"))
    if variable not in found:
        bad_file(file, f"it has no variable {variable!r} "
                        + (f"(it has {found})" if found else "(it has none: empty or truncated?)"))
    array = contents[variable]  # (H, W, K) for the original
    if not isinstance(array, np.ndarray) or not has_real_dtype(array):
        bad_file(file, f"{variable!r} must be a real numeric array, got "
                        f"{type(array).__name__} of dtype {getattr(array, 'dtype', None)}")
    if array.ndim == 2:
        array = array[:, :, None]  # (H, W, 1)
    if array.ndim != 3 or min(array.shape[:2]) < 2 or array.shape[2] == 0:
        bad_file(file, f"{variable!r} must have shape (H, W, K) with H, W >= 2, got {array.shape}")
    if not np.all(np.isfinite(array)):
        bad_file(file, f"{variable!r} holds NaN or infinite values")
    return [np.ascontiguousarray(array[:, :, k], dtype=np.float64) for k in range(array.shape[2])]
