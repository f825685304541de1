"""tinysae: a small, exact, fast, pure-NumPy sparse autoencoder to learn from.

The model is the one of the CS294A "Sparse autoencoder" notes (UFLDL): one hidden layer
of sigmoid units, squared-error reconstruction, weight decay and a KL sparsity penalty.
The public names live here, ``tinysae.<name>``; the tree follows the data:
``tinysae.data`` (photos → whitening → patches), ``tinysae.model`` (the equations, the fast
kernel, gradient checks), ``tinysae.training`` (L-BFGS, Adam, checkpoints, model files),
``tinysae.modern`` (today's sparse autoencoders and crosscoders), ``tinysae.networks`` (the
networks they read: the character model of Python source of lessons 10 and 11),
``tinysae.measures`` (edge scores, unit statistics, detection) and ``tinysae.pictures`` (filter
grids, plots, dashboards). Parameter checks live in ``tinysae.validation``, run-time plumbing
(atomic writes, locks, signals, BLAS threads) in ``tinysae.runtime``, and each ``tinysae
COMMAND`` in ``tinysae.commands``.

Each public name is imported from its module the first time it is used (:data:`PUBLIC` says
which module holds it), so ``import tinysae`` itself imports neither numpy nor matplotlib:
the ``tinysae`` command starts at once, and a Ctrl-C while it loads numpy is one line.
"""

import importlib

__version__ = "0.1.0"

#: Every public name of ``tinysae``, by the module that defines it, as the data flows.
PUBLIC = {
    # the math: the notes' equations, the θ layout, the fast kernel, gradient checks
    "tinysae.model.parameters": ("n_params", "pack", "unpack"),
    "tinysae.model.sparse_autoencoder": ("cost_terms", "forward", "hidden_activations",
        "init_params", "loss_and_grad", "sigmoid"),
    "tinysae.model.fast_kernel": ("FLOAT32_RTOL", "make_loss_and_grad"),
    "tinysae.model.per_example_loop": ("loss_and_grad_loop",),
    "tinysae.model.gradient_check": ("CHECK_EPSILON", "FOUR_POINT_EPSILON",
        "GRADIENT_CHECK_THRESHOLD", "four_point_gradient", "gradient_check",
        "gradient_check_params", "numerical_gradient", "relative_difference",
        "relative_difference_by_block"),
    # the data: photos, data files, whitening, patches, PCA/ZCA
    "tinysae.data.photos": ("IMAGE_SOURCES", "dct_basis", "default_images", "load_image_folder",
        "load_images", "read_image", "skimage_images"),
    "tinysae.data.olshausen_mat": ("load_olshausen_mat",),
    "tinysae.data.mnist_idx": ("load_mnist_idx",),
    "tinysae.data.whitening": ("WHITENED_VARIANCE", "peak_ratio", "radial_power_spectrum",
        "spectrum_slope", "step_spectrum", "whiten", "whiten_images", "whitening_filter"),
    "tinysae.data.patches": ("normalize_patches", "sample_patches"),
    "tinysae.data.pca_zca": ("PCA", "ZCA", "ZCA_EPSILON", "fit_pca", "fit_zca",
        "pca_variance_kept"),
    # training: L-BFGS with progress, checkpoints and Ctrl-C; saving and loading models
    "tinysae.training.lbfgs": ("LBFGS_MEMORY", "resume", "train"),
    "tinysae.training.progress": ("NonFiniteLossError", "OptimizerStoppedEarlyWarning",
        "TrainResult"),
    "tinysae.training.model_files": ("load", "save"),
    "tinysae.runtime.blas_threads": ("blas_pools", "limit_blas_threads"),
    # pictures: filter grids and plots that return Figures; how edge-like each filter is;
    # how the hidden units behave (dead, always on)
    "tinysae.pictures.filter_grid": ("plot_filter_grid", "plot_patch_montage", "tile_filters"),
    "tinysae.pictures.plots": ("plot_loss_curve", "plot_rho_hat_histogram", "plot_timings",
        "save_figure"),
    "tinysae.pictures.cost_plots": ("plot_cost_terms", "plot_gradient_check_epsilon",
        "plot_hidden_activations"),
    "tinysae.measures.colour": ("CHROMATIC_SHARE", "chromatic_share"),
    "tinysae.pictures.image_plots": ("plot_patches_side_by_side", "plot_power_spectra",
        "plot_step_spectra",
        "plot_variance_kept", "plot_whitening"),
    "tinysae.pictures.model_pictures": ("plot_model", "unit_order"),
    "tinysae.pictures.sparsity_sweep": ("SparsityRun", "plot_kl_vs_l1", "plot_sparsity_runs"),
    "tinysae.pictures.dashboards": ("plot_dashboards",),
    "tinysae.pictures.feature_plots": ("plot_detection_table", "plot_relative_norms"),
    "tinysae.measures.edge_score": ("EDGE_SCORE_THRESHOLD", "EdgeScores", "edge_scores"),
    "tinysae.measures.hidden_unit_stats": ("FIRING_LEVEL", "ActivationStats", "activation_stats"),
}

_MODULE_OF = {name: module for module, names in PUBLIC.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    """``tinysae.<name>``: the public name, imported from its module on first use."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'tinysae' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
