"""tinysae: a small, exact, fast, pure-NumPy sparse autoencoder to learn from.

The model is the one of the CS294A "Sparse autoencoder" notes (UFLDL): one hidden layer
of sigmoid units, squared-error reconstruction, weight decay and a KL sparsity penalty.
"""

__version__ = "0.1.0"

from tinysae.autoencoder import (  # noqa: F401
    cost_terms,
    forward,
    hidden_activations,
    init_params,
    loss_and_grad,
    n_params,
    pack,
    sigmoid,
    unpack,
)
from tinysae.gradcheck import (  # noqa: F401
    CHECK_EPSILON,
    GRADIENT_CHECK_THRESHOLD,
    gradient_check,
    numerical_gradient,
    relative_difference,
)

# Further public names are imported below, one block per module.

# data layer: photos, data files, whitening, patches, PCA/ZCA
from tinysae.datafiles import load_mnist_idx, load_olshausen_mat  # noqa: F401
from tinysae.images import (  # noqa: F401
    IMAGE_SOURCES,
    default_images,
    load_image_folder,
    load_images,
    read_image,
    skimage_images,
)
from tinysae.patches import normalize_patches, sample_patches  # noqa: F401
from tinysae.pca import PCA, ZCA, ZCA_EPSILON, fit_pca, fit_zca, pca_variance_kept  # noqa: F401
from tinysae.whitening import (  # noqa: F401
    WHITENED_VARIANCE,
    radial_power_spectrum,
    spectrum_slope,
    whiten,
    whiten_images,
    whitening_filter,
)

# pictures: filter grids and plots that return Figures; how edge-like each filter is;
# how the hidden units behave (dead, always on)
from tinysae.display import (  # noqa: F401
    plot_filter_grid,
    plot_loss_curve,
    plot_patch_montage,
    plot_rho_hat_histogram,
    save_figure,
    tile_filters,
)
from tinysae.activity import FIRING_LEVEL, ActivationStats, activation_stats  # noqa: F401
from tinysae.edges import EDGE_SCORE_THRESHOLD, EdgeScores, edge_scores  # noqa: F401

# training: L-BFGS with progress, checkpoints and Ctrl-C; saving and loading models
from tinysae.training import (  # noqa: F401
    LBFGS_MEMORY,
    NonFiniteLossError,
    OptimizerStoppedEarlyWarning,
    TrainResult,
    resume,
    train,
)
from tinysae.checkpoint import load, save  # noqa: F401
from tinysae.kernels import FLOAT32_RTOL, make_loss_and_grad  # noqa: F401
from tinysae.loop import loss_and_grad_loop  # noqa: F401
from tinysae.threads import blas_pools, limit_blas_threads  # noqa: F401
