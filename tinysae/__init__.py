"""tinysae: a small, exact, fast, pure-NumPy sparse autoencoder to learn from.

The model is the one of the CS294A "Sparse autoencoder" notes (UFLDL): one hidden layer
of sigmoid units, squared-error reconstruction, weight decay and a KL sparsity penalty.
The public names live here, ``tinysae.<name>``; the tree follows the data:
``tinysae.data`` (photos → whitening → patches), ``tinysae.model`` (the equations, the fast
kernel, gradient checks), ``tinysae.training`` (L-BFGS, checkpoints, model files),
``tinysae.pictures`` (filter grids, plots, edge scores, dashboards) and ``tinysae.modern``
(today's sparse autoencoders and crosscoders); ``tinysae.charlm`` is the small character
model of Python source that lessons 10 and 11 read. ``import tinysae`` does not import
matplotlib.
"""

__version__ = "0.1.0"

# `tinysae train` spends its first second importing what follows: a Ctrl-C there gets one
# line, not a traceback (tinysae.interrupts); the command takes over once it runs.
from tinysae.interrupts import quiet_interrupt_until_imported as _quiet_interrupt  # noqa: E402

_imported = _quiet_interrupt()

# the math: the notes' equations, the θ layout, the fast kernel, gradient checks
from tinysae.model.parameters import init_params, n_params, pack, unpack  # noqa: F401
from tinysae.model.sparse_autoencoder import (  # noqa: F401
    cost_terms,
    forward,
    hidden_activations,
    loss_and_grad,
    sigmoid,
)
from tinysae.model.fast_kernel import FLOAT32_RTOL, make_loss_and_grad  # noqa: F401
from tinysae.model.per_example_loop import loss_and_grad_loop  # noqa: F401
from tinysae.model.gradient_check import (  # noqa: F401
    CHECK_EPSILON,
    GRADIENT_CHECK_THRESHOLD,
    gradient_check,
    gradient_check_params,
    numerical_gradient,
    relative_difference,
    relative_difference_by_block,
)

# the data: photos, data files, whitening, patches, PCA/ZCA
from tinysae.data.photos import (  # noqa: F401
    IMAGE_SOURCES,
    default_images,
    load_image_folder,
    load_images,
    read_image,
    skimage_images,
)
from tinysae.data.olshausen_mat import load_olshausen_mat  # noqa: F401
from tinysae.data.mnist_idx import load_mnist_idx  # noqa: F401
from tinysae.data.whitening import (  # noqa: F401
    WHITENED_VARIANCE,
    radial_power_spectrum,
    spectrum_slope,
    whiten,
    whiten_images,
    whitening_filter,
)
from tinysae.data.patches import normalize_patches, sample_patches  # noqa: F401
from tinysae.data.pca_zca import (  # noqa: F401
    PCA,
    ZCA,
    ZCA_EPSILON,
    fit_pca,
    fit_zca,
    pca_variance_kept,
)

# training: L-BFGS with progress, checkpoints and Ctrl-C; saving and loading models
from tinysae.training.lbfgs import LBFGS_MEMORY, resume, train  # noqa: F401
from tinysae.training.progress import (  # noqa: F401
    NonFiniteLossError,
    OptimizerStoppedEarlyWarning,
    TrainResult,
)
from tinysae.training.model_files import load, save  # noqa: F401
from tinysae.blas_threads import blas_pools, limit_blas_threads  # noqa: F401

# pictures: filter grids and plots that return Figures; how edge-like each filter is;
# how the hidden units behave (dead, always on)
from tinysae.pictures.filter_grid import (  # noqa: F401
    plot_filter_grid,
    plot_patch_montage,
    tile_filters,
)
from tinysae.pictures.plots import (  # noqa: F401
    plot_loss_curve,
    plot_rho_hat_histogram,
    plot_timings,
    save_figure,
)
from tinysae.pictures.cost_plots import (  # noqa: F401
    plot_cost_terms,
    plot_gradient_check_epsilon,
    plot_hidden_activations,
)
from tinysae.pictures.colour_filters import CHROMATIC_SHARE, chromatic_share  # noqa: F401
from tinysae.pictures.image_plots import (  # noqa: F401
    plot_patches_side_by_side,
    plot_power_spectra,
    plot_variance_kept,
    plot_whitening,
)
from tinysae.pictures.model_pictures import plot_model, unit_order  # noqa: F401
from tinysae.pictures.sparsity_sweep import (  # noqa: F401
    SparsityRun,
    plot_kl_vs_l1,
    plot_sparsity_runs,
)
from tinysae.pictures.dashboards import plot_dashboards  # noqa: F401
from tinysae.pictures.feature_plots import plot_detection_table, plot_relative_norms  # noqa: F401
from tinysae.pictures.edge_score import EDGE_SCORE_THRESHOLD, EdgeScores, edge_scores  # noqa: F401
from tinysae.pictures.hidden_unit_stats import (  # noqa: F401
    FIRING_LEVEL,
    ActivationStats,
    activation_stats,
)

_imported()
del _quiet_interrupt, _imported
