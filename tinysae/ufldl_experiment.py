"""The UFLDL experiment end to end, as ``tinysae train`` and lesson 04 run it.

photos → Olshausen–Field whitening → random p×p patches (UFLDL normalisation) → L-BFGS
(with checkpoints in a run folder) → ``filters.png``, ``loss.png`` and the edge-like count.

A run folder holds ``model.npz`` and ``config.json`` (see :mod:`tinysae.training.model_files`); the
config's ``data`` entry records how the patches were made (image source, the factor each
photo was averaged by, whitening, patch size, number, seed), so :func:`resume_run` and
``tinysae show`` can make exactly the same patches again.
One seed drives the run: the initial weights come from ``train(..., rng=seed)`` and the patch
positions from an independent stream, the first child of ``numpy.random.SeedSequence(seed)``.
"""

from pathlib import Path

import numpy as np

from tinysae.validation.checks import check_path, fail
from tinysae.data.patches import sample_patches
from tinysae.data.photos import DOWNSAMPLE_AUTO, check_downsample, load_images
from tinysae.data.whitening import whiten_images
from tinysae.measures.edge_score import edge_scores
from tinysae.pictures.filter_grid import plot_filter_grid
from tinysae.pictures.plots import plot_loss_curve, save_figure
from tinysae.runtime import budgets
from tinysae.training.lbfgs import resume, train
from tinysae.training.model_files import load, save_run
from tinysae.validation.constraints import CONSTRAINTS
from tinysae.validation.validated import validated

#: The keys of a run's ``data`` record (see :func:`make_patches`), and ``downsample``.
DATA_KEYS = ("images", "path", "whiten", "patch_size", "n_patches", "seed")

#: What runs recorded before ``downsample`` was: the bundled photo (the first of "default"
#: and "skimage") averaged over 2 × 2 blocks, every other photo as it was.
LEGACY_FIRST_FACTOR = 2


def check_patch_budget(n_patches, patch_size, name="n_patches", n_hidden=None):
    """Refuse, before any is made, patches that would take more than
    :data:`~tinysae.runtime.budgets.MAX_PATCH_BYTES` and, given ``n_hidden``, hidden
    activations a2 (n_patches, n_hidden) of more than
    :data:`~tinysae.runtime.budgets.MAX_ACTIVATION_BYTES`."""
    size = n_patches * patch_size ** 2 * 8
    if size > budgets.MAX_PATCH_BYTES:
        fail(name, f"at most {budgets.MAX_PATCH_BYTES // (8 * patch_size ** 2):,} patches of "
             f"{patch_size} x {patch_size}: {n_patches:,} would take {size / 2 ** 20:,.0f} MiB, "
             + budgets.over("MAX_PATCH_BYTES", size), n_patches)
    size = 0 if n_hidden is None else n_patches * n_hidden * 8
    if size > budgets.MAX_ACTIVATION_BYTES:
        fail(name, f"at most {budgets.MAX_ACTIVATION_BYTES // (8 * n_hidden):,} patches for "
             f"{n_hidden:,} hidden units: their activations a2 would take "
             f"{size / 2 ** 20:,.0f} MiB, " + budgets.over("MAX_ACTIVATION_BYTES", size),
             n_patches)


def image_source(text):
    """``(source, path)`` for :func:`tinysae.load_images` from one word or path.

    ``"default"`` and ``"skimage"`` are the bundled photos; an existing folder is a folder of
    photos; a file ending in ``.mat`` is Olshausen's ``IMAGES.mat``.
    """
    if text in ("default", "skimage"):
        return text, None
    path = Path(check_path("images", text))
    if path.is_dir():
        return "folder", str(path.resolve())
    if path.suffix.lower() == ".mat":
        if not path.is_file():
            raise FileNotFoundError(f"No IMAGES.mat file at '{path}'.")
        return "mat", str(path.resolve())
    raise ValueError("The '--images' option must be 'default', 'skimage', an existing folder "
                     f"of photos or a .mat file. Got {text!r} instead.")


def patch_rng(seed):
    """The generator of the patch positions: independent of ``default_rng(seed)``, which
    :func:`tinysae.train` uses for the initial weights."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


@validated
def make_patches(images="default", path=None, whiten=True, patch_size=8, n_patches=10000,
                 seed=0, downsample=DOWNSAMPLE_AUTO):
    """Load the photos, average them over blocks, whiten them (never IMAGES.mat, already
    white) and sample patches.

    ``downsample`` is "auto" (each photo by :func:`tinysae.data.photos.auto_downsample`),
    one factor for all (1 = as is), or one per photo; the factors used are recorded.

    Returns
    -------
    X : ndarray of shape (n_patches, patch_size²)
        Normalised patches in [0.1, 0.9], one per row.
    data : dict
        The arguments, as recorded in a run's config.
    """
    check_patch_budget(n_patches, patch_size)
    downsample = check_downsample(downsample, "downsample")
    photos, factors = load_images(images, path, downsample_by=downsample,
                                  with_factors=True)  # list of (H, W), list of int
    if whiten and images != "mat":
        photos = whiten_images(photos)  # list of (N, N)
    X = sample_patches(photos, n_patches, patch_size, rng=patch_rng(seed))  # (n, p²)
    data = {"images": images, "path": path, "whiten": bool(whiten), "patch_size": patch_size,
            "n_patches": n_patches, "seed": seed, "downsample": factors}
    return X, data


def patches_for(settings):
    """:func:`make_patches` from CLI-style settings (``images`` is a word or a path)."""
    source, path = image_source(settings["images"])
    return make_patches(source, path, settings["whiten"], settings["patch_size"],
                        settings["n_patches"], settings["seed"],
                        settings.get("downsample", DOWNSAMPLE_AUTO))


def new_run_folder(folder):
    """``folder``, or else ``folder-2``, ``folder-3``, …: the first that did not exist, created
    now. Creating a folder is atomic, so two runs started together get two folders, and no
    run writes over an earlier one (``tinysae train``'s default folder, lesson 04's)."""
    folder = candidate = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = folder.with_name(f"{folder.name}-{n}")


def start_run(X, data, settings, folder, *, checkpoint_every=25, verbose=True):
    """Train from scratch on the patches ``X`` (n, p²) into ``folder`` (which must exist).

    ``data`` is the record of how ``X`` was made (from :func:`make_patches`); ``settings``
    holds ``n_hidden``, ``sparsity_target``, ``weight_decay``, ``sparsity_weight``,
    ``max_iter`` and ``seed``. Returns the :class:`tinysae.TrainResult`.
    """
    return train(X, settings["n_hidden"], weight_decay=settings["weight_decay"],
                 sparsity_target=settings["sparsity_target"],
                 sparsity_weight=settings["sparsity_weight"], max_iter=settings["max_iter"],
                 rng=settings["seed"], checkpoint_dir=folder,
                 checkpoint_every=checkpoint_every, metadata=data, verbose=verbose)


def recorded_patches(config):
    """A run's training patches made again from its config's data record: ``(X, data)``.

    The record comes from a file: a missing or unusable one is a ``ValueError`` saying why,
    and what it asks for (the patches, and the hidden activations of the model's
    ``n_hidden`` units on them) is checked against the caps of
    :mod:`tinysae.runtime.budgets` before anything is made.
    """
    data = config.get("data")
    if not isinstance(data, dict) or any(k not in data for k in DATA_KEYS):
        raise ValueError(f"its model file holds no record of its training data (config "
                         f"'data' needs {', '.join(DATA_KEYS)})")
    n_hidden = config.get("n_hidden")
    try:
        sizes = [CONSTRAINTS[name](name, data[name], {}) for name in ("n_patches", "patch_size")]
        check_patch_budget(*sizes, name="n_patches",
                           n_hidden=n_hidden if type(n_hidden) is int else None)
        X, data = make_patches(*(data[k] for k in DATA_KEYS),
                               downsample=recorded_downsample(data))  # (n, p²)
    except (TypeError, ValueError) as error:
        raise ValueError(f"its record of its data cannot be made again: {error}") from None
    if X.shape[1] != config["n_visible"]:
        raise ValueError(f"its data record makes patches of {X.shape[1]} values, not "
                         f"{config['n_visible']}")
    return X, data


def recorded_downsample(data):
    """The factors a run's data record says its photos were averaged by (one per photo).

    A record from before ``downsample`` existed gets what those runs did: 2 for the bundled
    photo of "default" and "skimage", 1 for every other photo."""
    if "downsample" in data:
        return data["downsample"]
    if data["images"] in ("default", "skimage"):
        n_photos = len(load_images(data["images"], downsample_by=1))
        return [LEGACY_FIRST_FACTOR] + [1] * (n_photos - 1)
    return 1


def resume_run(folder, *, max_iter=None, checkpoint_every=25, verbose=True, force=False):
    """Continue the run in ``folder``: the same patches again, then :func:`tinysae.resume`
    (which refuses data that no longer give the checkpoint's loss, unless ``force``).

    The data record comes from a file: what it asks for is checked
    (:func:`recorded_patches`) before anything is made. Returns ``(result, folder, data)``.
    """
    folder = Path(folder)
    folder = folder.parent if folder.is_file() else folder
    _, config = load(folder)
    try:
        X, data = recorded_patches(config)  # (n, p²)
    except ValueError as error:
        raise ValueError(f"'{folder}' cannot be resumed: {error}") from None
    total = config.get("max_iter") if max_iter is None else max_iter
    if verbose and isinstance(total, int) and config.get("iteration", 0) < total:
        print(f"Resuming {folder} at iteration {config.get('iteration')} of {total} "
              "(L-BFGS's curvature memory restarts here).", flush=True)
    result = resume(folder, X, max_iter=max_iter, checkpoint_every=checkpoint_every,
                    verbose=verbose, force=force)
    return result, folder, data


def write_pictures(result, folder, patch_size):
    """``filters.png`` (W1's rows as a grid) and ``loss.png`` (the history); the edge scores.

    Also records the edge-like count in the run's config. Returns the
    :class:`tinysae.EdgeScores` of the filters.
    """
    folder, W1 = Path(folder), result.params["W1"]  # (n_h, p²)
    scores = edge_scores(W1, (patch_size, patch_size))
    title = f"{W1.shape[0]} filters, {scores.n_edge_like} edge-like"
    save_figure(plot_filter_grid(W1, (patch_size, patch_size), title=title),
                folder / "filters.png", close=True)
    save_figure(plot_loss_curve(result.history), folder / "loss.png", close=True)
    result.config["edges"] = {"n_edge_like": scores.n_edge_like, "n_filters": W1.shape[0],
                              "threshold": scores.threshold,
                              "score": [float(s) for s in scores.score]}
    save_run(folder, result.params, result.config)
    return scores
