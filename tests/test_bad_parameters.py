"""Bad parameters across the public API: each is a one-line ValueError/TypeError naming itself.

One table, one row per bad call: a readable id, the call, the error type it must raise and a
piece of text its message must hold (the parameter's name, often with the value echoed).
Cases already tested next to their module (tests/test_sparse_autoencoder.py, test_photos.py,
test_patches.py, test_model_files.py, test_training.py, test_cli.py, test_fast_kernel.py, ...) are
not repeated here. Each row calls a public entry point: the equations behind the doors
(``forward``, ``pack``, ``unpack``, ``sae_forward``, ``encode``, ...) trust their arguments.

Run ``pytest -v -s tests/test_bad_parameters.py`` to read every message.
"""

import contextlib
import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

import tinysae as t
import tinysae.modern as modern
import tinysae.networks as networks
from tinysae.training.adam import adam_init, adam_step
from tinysae import ufldl_experiment as experiment
from tinysae.cli import main

RNG = np.random.default_rng(0)
X = RNG.random((10, 16))  # (m, n_v)
PARAMS = t.init_params(16, 5, rng=0)
THETA = t.pack(PARAMS)
IMAGE = RNG.random((32, 32))
FIG = t.plot_loss_curve([3.0, 2.0, 1.0])
PCA_FIT = t.fit_pca(X)
SAE = modern.init_sae(4, 6, rng=0)
TMP = tempfile.gettempdir()


def grad_of(x):
    """A function and its gradient for the gradient checker: J = ½‖x‖², ∇J = x."""
    return 0.5 * float(x @ x), x.copy()


def cli(*argv):
    """Run ``tinysae`` with ``argv``; a non-zero exit becomes a ValueError holding its stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    if code != 0:
        raise ValueError(err.getvalue().strip())


def sae_data(B, rng):
    return rng.random((B, 4))


BAD_CALLS = [
    # --------------------------------------------------------------------- the model
    ("init_params with n_visible = 0", lambda: t.init_params(0, 5), ValueError, "'n_visible'"),
    ("init_params with n_hidden = '5'", lambda: t.init_params(3, "5"), TypeError, "'n_hidden'"),
    ("init_params with n_hidden = True", lambda: t.init_params(4, True), TypeError, "True"),
    ("init_params with a negative seed", lambda: t.init_params(4, 2, rng=-1), TypeError, "'rng'"),
    ("loss_and_grad with n_hidden = 0", lambda: t.loss_and_grad(THETA, X, 0), ValueError,
     "'n_hidden'"),
    ("hidden_activations of a list", lambda: t.hidden_activations([1, 2], X), TypeError,
     "'params'"),
    ("hidden_activations without b2",
     lambda: t.hidden_activations({k: PARAMS[k] for k in ("W1", "W2", "b1")}, X), TypeError,
     "'params'"),
    ("loss_and_grad with decoder = 'relu'", lambda: t.loss_and_grad(THETA, X, 5, decoder="relu"),
     ValueError, "'relu'"),
    ("hidden_activations with an empty dict", lambda: t.hidden_activations({}, X), TypeError,
     "'params'"),
    ("hidden_activations with X of the wrong width",
     lambda: t.hidden_activations(PARAMS, X[:, :3]), ValueError, "'X'"),
    ("hidden_activations of a ragged W1",
     lambda: t.hidden_activations({**PARAMS, "W1": [[1.0, 2.0], [3.0]]}, X), TypeError,
     "'params['W1']'"),
    ("save of a ragged b2", lambda: t.save(Path(TMP) / "m.npz", {**PARAMS, "b2": [[1.0], []]},
                                           {"n_visible": 16, "n_hidden": 5}),
     TypeError, "'params['b2']'"),
    ("hidden_activations with b1 of the wrong length",
     lambda: t.hidden_activations({**PARAMS, "b1": np.ones(3)}, X), ValueError, "'params['b1']'"),
    ("hidden_activations with NaN weights",
     lambda: t.hidden_activations({**PARAMS, "W1": PARAMS["W1"] * np.nan}, X), ValueError,
     "'params['W1']'"),
    ("hidden_activations with integer weights",
     lambda: t.hidden_activations({**PARAMS, "W1": np.ones((5, 16), int)}, X), TypeError,
     "'params['W1']'"),
    ("cost_terms with sparsity_target = 1", lambda: t.cost_terms(THETA, X, 5, sparsity_target=1.0),
     ValueError, "'sparsity_target'"),
    ("cost_terms with decoder = 'tanh'", lambda: t.cost_terms(THETA, X, 5, decoder="tanh"),
     ValueError, "'decoder'"),
    ("loss_and_grad with complex theta", lambda: t.loss_and_grad(THETA + 0j, X, 5), TypeError,
     "'theta'"),
    ("loss_and_grad with bool X", lambda: t.loss_and_grad(THETA, X > 0.5, 5), TypeError, "'X'"),
    ("loss_and_grad with n_hidden = True", lambda: t.loss_and_grad(THETA, X, True), TypeError,
     "'n_hidden'"),
    ("loss_and_grad with weight_decay = NaN",
     lambda: t.loss_and_grad(THETA, X, 5, weight_decay=np.nan), ValueError, "'weight_decay'"),
    ("loss_and_grad with weight_decay = '1e-4'",
     lambda: t.loss_and_grad(THETA, X, 5, weight_decay="1e-4"), TypeError, "'weight_decay'"),
    ("loss_and_grad with X near 1e300 (J overflows)",
     lambda: t.loss_and_grad(THETA, X * 1e300, 5), ValueError, "'X'"),
    ("cost_terms with theta near 1e300 (J overflows)",
     lambda: t.cost_terms(THETA * 1e300, X, 5), ValueError, "'theta'"),
    # --------------------------------------------------------------------- gradient checks
    ("numerical_gradient of a non-callable", lambda: t.numerical_gradient(3, np.zeros(2)),
     TypeError, "'f'"),
    ("numerical_gradient at a list", lambda: t.numerical_gradient(grad_of, [0.0, 1.0]),
     TypeError, "'x'"),
    ("numerical_gradient with eps = 0", lambda: t.numerical_gradient(grad_of, np.ones(2), 0),
     ValueError, "'eps'"),
    ("numerical_gradient with eps = inf",
     lambda: t.numerical_gradient(grad_of, np.ones(2), np.inf), ValueError, "'eps'"),
    ("numerical_gradient with eps = '1e-4'",
     lambda: t.numerical_gradient(grad_of, np.ones(2), "1e-4"), TypeError, "'eps'"),
    ("gradient_check at an integer x", lambda: t.gradient_check(grad_of, np.ones(2, int)),
     TypeError, "'x'"),
    ("gradient_check of a gradient of the wrong length",
     lambda: t.gradient_check(lambda x: (0.0, np.ones(3)), np.ones(2)), ValueError, "'analytic'"),
    ("relative_difference of different lengths",
     lambda: t.relative_difference(np.ones(3), np.ones(2)), ValueError, "'analytic'"),
    ("relative_difference with NaN", lambda: t.relative_difference([np.nan, 1.0], [1.0, 1.0]),
     ValueError, "'numerical'"),
    # --------------------------------------------------------------------- photos and data files
    ("default_images with colour = 'yes'", lambda: t.default_images(colour="yes"), TypeError,
     "'colour'"),
    ("default_images with downsample_by = 0", lambda: t.default_images(downsample_by=0),
     ValueError, "'downsample_by'"),
    ("skimage_images with colour = 1", lambda: t.skimage_images(colour=1), TypeError, "'colour'"),
    ("read_image of None", lambda: t.read_image(None), TypeError, "'path'"),
    ("read_image with colour = 'no'", lambda: t.read_image("photo.png", colour="no"), TypeError,
     "'colour'"),
    ("load_image_folder of None", lambda: t.load_image_folder(None), TypeError, "'path'"),
    ("load_image_folder with colour = 2", lambda: t.load_image_folder(TMP, colour=2), TypeError,
     "'colour'"),
    ("load_images from a folder given as 3", lambda: t.load_images("folder", 3), TypeError,
     "'path'"),
    ("load_images from the folder ''", lambda: t.load_images("folder", ""), ValueError, "'path'"),
    ("load_mnist_idx of None", lambda: t.load_mnist_idx(None), TypeError, "'path'"),
    ("load_mnist_idx of a missing file", lambda: t.load_mnist_idx("/no/such/train-images"),
     ValueError, "'path'"),
    ("load_olshausen_mat of 3", lambda: t.load_olshausen_mat(3), TypeError, "'path'"),
    # --------------------------------------------------------------------- whitening
    ("whiten with rolloff = 0", lambda: t.whiten(IMAGE, rolloff=0), ValueError, "'rolloff'"),
    ("whiten with variance = -1", lambda: t.whiten(IMAGE, variance=-1), ValueError, "-1"),
    ("whiten of ragged lists", lambda: t.whiten([[1, 2], [3]]), TypeError, "'image'"),
    ("whiten_images of an empty list", lambda: t.whiten_images([]), TypeError, "'images'"),
    ("whitening_filter with N = 0", lambda: t.whitening_filter(0), ValueError, "'N'"),
    ("whitening_filter with N = 2.5", lambda: t.whitening_filter(2.5), TypeError, "'N'"),
    ("whitening_filter with rolloff = 0", lambda: t.whitening_filter(8, 0.0), ValueError,
     "'rolloff'"),
    ("radial_power_spectrum of a 1-D array", lambda: t.radial_power_spectrum(np.ones(8)),
     ValueError, "'image'"),
    ("spectrum_slope with low = 'a'", lambda: t.spectrum_slope(IMAGE, low="a"), TypeError,
     "'low'"),
    ("spectrum_slope with high below low", lambda: t.spectrum_slope(IMAGE, high=2), ValueError,
     "'high'"),
    ("spectrum_slope of a constant image", lambda: t.spectrum_slope(np.ones((64, 64))),
     ValueError, "'image'"),
    # --------------------------------------------------------------------- patches, PCA, ZCA
    ("sample_patches with normalize = 'no'",
     lambda: t.sample_patches([IMAGE], 5, 4, normalize="no"), TypeError, "'normalize'"),
    ("sample_patches with n_patches = True", lambda: t.sample_patches([IMAGE], True, 4),
     TypeError, "'n_patches'"),
    ("sample_patches of a ragged image", lambda: t.sample_patches([[[1, 2], [3]]], 5, 1),
     TypeError, "'images[0]'"),
    ("sample_patches of a complex image", lambda: t.sample_patches([IMAGE + 0j], 5, 4),
     TypeError, "'images[0]'"),
    ("normalize_patches of a 1-D array", lambda: t.normalize_patches(np.ones(5)), ValueError,
     "'patches'"),
    ("normalize_patches with NaN", lambda: t.normalize_patches([[np.nan, 1.0]]), ValueError,
     "'patches'"),
    ("normalize_patches of text", lambda: t.normalize_patches("abc"), TypeError, "'patches'"),
    ("fit_pca whose covariance overflows", lambda: t.fit_pca(X * 1e200), ValueError, "'X'"),
    ("PCA.rotate with k above d", lambda: PCA_FIT.rotate(X, k=99), ValueError, "99"),
    ("PCA.variance_kept with k = True", lambda: PCA_FIT.variance_kept(True), TypeError, "'k'"),
    ("PCA.n_components with share = 0", lambda: PCA_FIT.n_components(0), ValueError, "'share'"),
    ("pca_variance_kept with NaN", lambda: t.pca_variance_kept([np.nan, 1.0], 1), ValueError,
     "'variances'"),
    ("pca_variance_kept with a negative variance", lambda: t.pca_variance_kept([1.0, -5.0], 1),
     ValueError, "'variances'"),
    ("pca_variance_kept of a 2-D array", lambda: t.pca_variance_kept(np.ones((2, 2)), 1),
     ValueError, "'variances'"),
    ("fit_zca with epsilon = True", lambda: t.fit_zca(X, True), TypeError, "'epsilon'"),
    ("fit_zca with epsilon = inf", lambda: t.fit_zca(X, np.inf), ValueError, "'epsilon'"),
    ("ZCA.apply to text", lambda: t.fit_zca(X).apply("abc"), TypeError, "'X'"),
    # --------------------------------------------------------------------- pictures
    ("tile_filters with patch_shape (2.5, 2)", lambda: t.tile_filters(np.ones((2, 4)), (2.5, 2)),
     TypeError, "'patch_shape'"),
    ("tile_filters with patch_shape 'ab'", lambda: t.tile_filters(np.ones((2, 4)), "ab"),
     TypeError, "'patch_shape'"),
    ("tile_filters with border = -1", lambda: t.tile_filters(np.ones((2, 4)), border=-1),
     ValueError, "'border'"),
    ("tile_filters with n_cols = 0", lambda: t.tile_filters(np.ones((2, 4)), n_cols=0),
     ValueError, "'n_cols'"),
    ("tile_filters with subtract_mean = 'no'",
     lambda: t.tile_filters(np.ones((2, 4)), subtract_mean="no"), TypeError, "'subtract_mean'"),
    ("plot_filter_grid with width = -1", lambda: t.plot_filter_grid(np.eye(4), width=-1),
     ValueError, "'width'"),
    ("plot_filter_grid into ax = 3", lambda: t.plot_filter_grid(np.eye(4), ax=3), TypeError,
     "'ax'"),
    ("plot_patch_montage with n_show = 0", lambda: t.plot_patch_montage(np.eye(4), n_show=0),
     ValueError, "'n_show'"),
    ("plot_patch_montage with figsize (-1, 2)",
     lambda: t.plot_patch_montage(np.eye(4), figsize=(-1, 2)), ValueError, "'figsize'"),
    ("plot_loss_curve of text", lambda: t.plot_loss_curve(["a"]), TypeError, "'history'"),
    ("plot_loss_curve with NaN", lambda: t.plot_loss_curve([1.0, np.nan]), ValueError,
     "'history'"),
    ("plot_rho_hat_histogram of text", lambda: t.plot_rho_hat_histogram(["a"]), TypeError,
     "'rho_hat'"),
    ("plot_rho_hat_histogram with target 'x'", lambda: t.plot_rho_hat_histogram([0.1], "x"),
     TypeError, "'target'"),
    ("plot_rho_hat_histogram with target 1.5", lambda: t.plot_rho_hat_histogram([0.1], 1.5),
     ValueError, "1.5"),
    ("plot_rho_hat_histogram with bins = 0", lambda: t.plot_rho_hat_histogram([0.1], bins=0),
     ValueError, "'bins'"),
    ("save_figure of 3", lambda: t.save_figure(3, Path(TMP) / "a.png"), TypeError, "'fig'"),
    ("save_figure to None", lambda: t.save_figure(FIG, None), TypeError, "'path'"),
    ("save_figure to an unknown format", lambda: t.save_figure(FIG, Path(TMP) / "a.xyz"),
     ValueError, "'path'"),
    ("save_figure into a missing folder", lambda: t.save_figure(FIG, "/no/such/a.png"),
     ValueError, "'path'"),
    ("save_figure with dpi = -1", lambda: t.save_figure(FIG, Path(TMP) / "a.png", dpi=-1),
     ValueError, "'dpi'"),
    ("edge_scores of 2 x 2 filters", lambda: t.edge_scores(np.ones((1, 4))), ValueError, "'W'"),
    ("edge_scores of a 1-D array", lambda: t.edge_scores(np.ones(64)), ValueError, "'W'"),
    ("edge_scores with threshold = NaN", lambda: t.edge_scores(np.ones((1, 64)), threshold=np.nan),
     ValueError, "'threshold'"),
    ("edge_scores with patch_shape (4, 4) for 64 values",
     lambda: t.edge_scores(np.ones((1, 64)), (4, 4)), ValueError, "'patch_shape'"),
    ("activation_stats with firing_level = NaN",
     lambda: t.activation_stats(np.ones((2, 2)), np.nan), ValueError, "'firing_level'"),
    ("activation_stats with firing_level = 'half'",
     lambda: t.activation_stats(np.ones((2, 2)), "half"), TypeError, "'firing_level'"),
    ("activation_stats of text", lambda: t.activation_stats("ab"), TypeError, "'a2'"),
    # --------------------------------------------------------------------- training and files
    ("train with verbose = 'yes'", lambda: t.train(X, 2, verbose="yes", max_iter=1), TypeError,
     "'verbose'"),
    ("train with checkpoint_dir = 3", lambda: t.train(X, 2, verbose=False, checkpoint_dir=3),
     TypeError, "'checkpoint_dir'"),
    ("train with NaN in metadata",
     lambda: t.train(X, 2, verbose=False, metadata={"x": float("nan")}), TypeError, "'metadata'"),
    ("train with chunk_size = 0", lambda: t.train(X, 2, verbose=False, chunk_size=0), ValueError,
     "'chunk_size'"),
    ("train with max_iter = True", lambda: t.train(X, 2, verbose=False, max_iter=True),
     TypeError, "'max_iter'"),
    ("train with sparsity_weight = -1", lambda: t.train(X, 2, sparsity_weight=-1), ValueError,
     "'sparsity_weight'"),
    ("train with decoder = 'relu'", lambda: t.train(X, 2, decoder="relu"), ValueError,
     "'decoder'"),
    ("resume from None", lambda: t.resume(None, X), TypeError, "'checkpoint'"),
    ("save to None", lambda: t.save(None, PARAMS, {"n_visible": 16, "n_hidden": 5}), TypeError,
     "'path'"),
    ("save into a missing folder",
     lambda: t.save("/no/such/model.npz", PARAMS, {"n_visible": 16, "n_hidden": 5}), ValueError,
     "'path'"),
    ("load from 3", lambda: t.load(3), TypeError, "'path'"),
    ("make_patches with seed = -1", lambda: experiment.make_patches(seed=-1), ValueError,
     "'seed'"),
    ("make_patches with whiten = 'yes'", lambda: experiment.make_patches(whiten="yes"),
     TypeError, "'whiten'"),
    ("image_source of None", lambda: experiment.image_source(None), TypeError, "'images'"),
    ("cli: --max-iter 0", lambda: cli("train", "--max-iter", "0"), ValueError, "'--max-iter'"),
    ("cli: --patch-size 0", lambda: cli("train", "--patch-size", "0"), ValueError,
     "'--patch-size'"),
    ("cli: --n-patches 0", lambda: cli("train", "--n-patches", "0"), ValueError,
     "'--n-patches'"),
    ("cli: --sparsity-weight -1", lambda: cli("train", "--sparsity-weight", "-1"), ValueError,
     "'--sparsity-weight'"),
    ("cli: --sparsity-target 0", lambda: cli("train", "--sparsity-target", "0"), ValueError,
     "'--sparsity-target'"),
    # --------------------------------------------------------------------- fast path, loop, threads
    ("make_loss_and_grad with n_threads = True",
     lambda: t.make_loss_and_grad(X, 5, n_threads=True), TypeError, "'n_threads'"),
    ("make_loss_and_grad with NaN in X", lambda: t.make_loss_and_grad(X * np.nan, 5), ValueError,
     "'X'"),
    ("train with one inf in the last row of a tall X (checked block by block)",
     lambda: t.train(np.vstack([np.zeros((20_000, 16)), [[0.0] * 15 + [np.inf]]]), 5),
     ValueError, "'X'"),
    ("make_loss_and_grad's fun of a list", lambda: t.make_loss_and_grad(X, 5)(list(THETA)),
     TypeError, "'theta'"),
    ("make_loss_and_grad's fun of bools", lambda: t.make_loss_and_grad(X, 5)(THETA > 0),
     TypeError, "'theta'"),
    ("make_loss_and_grad's fun with theta near 1e300 (J overflows)",
                 lambda: t.make_loss_and_grad(X, 5)(THETA * 1e300), ValueError, "'theta'"),
    ("loss_and_grad_loop with sparsity_target = 0",
     lambda: t.loss_and_grad_loop(THETA, X, 5, sparsity_target=0.0), ValueError,
     "'sparsity_target'"),
    ("limit_blas_threads with other_threads = 0", lambda: t.limit_blas_threads(0).__enter__(),
     ValueError, "'other_threads'"),
    ("limit_blas_threads with numpy_threads = 'a'",
     lambda: t.limit_blas_threads(1, "a").__enter__(), TypeError, "'numpy_threads'"),
    ("bench --repeats -1",
                 lambda: cli("bench", "--quick", "--repeats", "-1", "--sizes", "S1", "--skip",
                             "growth", "threads"), ValueError, "repeats"),
    # --------------------------------------------------------------------- modern
    ("init_sae with n_visible = 0", lambda: modern.init_sae(0, 3), ValueError, "'n_visible'"),
    ("init_sae with rng = 'x'", lambda: modern.init_sae(4, 3, rng="x"), TypeError, "'rng'"),
    ("adam_step with beta1 = 1", lambda: adam_step(SAE, SAE, adam_init(SAE),
                                                          beta1=1.0), ValueError, "'beta1'"),
    ("adam_step with eps = 0", lambda: adam_step(SAE, SAE, adam_init(SAE), eps=0),
     ValueError, "'eps'"),
    ("ground_truth_features with n_visible = 0", lambda: modern.ground_truth_features(3, 0),
     ValueError, "'n_visible'"),
    ("firing_probabilities with n_features = True", lambda: modern.firing_probabilities(True),
     TypeError, "'n_features'"),
    ("sample_superposition with n_examples = 0",
     lambda: modern.sample_superposition(np.eye(3), np.ones(3) / 2, 0), ValueError,
     "'n_examples'"),
    ("hierarchy_sampler with n_children = 0",
     lambda: modern.hierarchy_sampler(np.eye(6), 2, 0), ValueError, "'n_children'"),
    ("hierarchy_sampler with child_probability = 1.5",
     lambda: modern.hierarchy_sampler(np.eye(6), 2, 2, child_probability=1.5), ValueError,
     "'child_probability'"),
    ("hierarchy_sampler with too few features",
     lambda: modern.hierarchy_sampler(np.eye(5), 2, 2), ValueError, "'features'"),
    ("train_sae with activation = 'gelu'",
     lambda: modern.train_sae(sae_data, 4, 6, activation="gelu"), ValueError, "'activation'"),
    ("train_sae TopK without k", lambda: modern.train_sae(sae_data, 4, 6, activation="topk"),
     TypeError, "'k'"),
    ("train_sae with log_every = 0",
     lambda: modern.train_sae(sae_data, 4, 6, n_steps=2, batch_size=8, log_every=0), ValueError,
     "'log_every'"),
    ("resample_dead with rng = 0.5",
     lambda: modern.resample_dead(SAE, adam_init(SAE), np.ones(6, bool), X[:, :4],
                                  X[:, :4] / 2, 0.5), TypeError, "'rng'"),
    ("resample_dead with dead of the wrong length",
     lambda: modern.resample_dead(SAE, adam_init(SAE), np.ones(5, bool), X[:, :4],
                                  X[:, :4] / 2, 0), ValueError, "'dead'"),
    ("train_2008 with n_hidden = 0", lambda: modern.train_2008(X, 0), ValueError, "'n_hidden'"),
    ("init_sae with data_mean of the wrong length",
                 lambda: modern.init_sae(4, 6, rng=0, data_mean=np.ones(3)), ValueError,
                 "'data_mean'"),
    ("modern loss_and_grad with an empty dict", lambda: modern.sae_loss_and_grad({}, X),
                 TypeError, "'params'"),
    ("modern loss_and_grad with W2 of the wrong shape",
                 lambda: modern.sae_loss_and_grad({**SAE, "W2": np.ones((3, 6))}, X[:, :4]),
                 ValueError, "'params"),
    ("modern loss_and_grad with activation = 'gelu'",
                 lambda: modern.sae_loss_and_grad(SAE, X[:, :4], activation="gelu"), ValueError,
                 "'activation'"),
    ("modern loss_and_grad with TopK k above n_latents",
                 lambda: modern.sae_loss_and_grad(SAE, X[:, :4], activation="topk", k=9),
                 ValueError, "'k'"),
    ("train_sae with a sample of the wrong width",
                 lambda: modern.train_sae(lambda B, r: r.random((B, 3)), 4, 6, n_steps=2,
                                          batch_size=8), ValueError, "'sample'"),
    ("sample_superposition with negative probabilities",
                 lambda: modern.sample_superposition(np.eye(3), -np.ones(3), 5), ValueError,
                 "'probabilities'"),
    ("mmcs with a zero feature", lambda: modern.mmcs(np.zeros((2, 4)), np.ones((4, 3))),
                 ValueError, "'features'"),
    ("fvu of a constant X", lambda: modern.fvu(np.ones((3, 2)), np.zeros((3, 2))),
                 ValueError, "'X'"),
    ("fvu of mismatched shapes", lambda: modern.fvu(np.ones((3, 2)), np.ones((3, 3))),
                 ValueError, "'a3'"),
    ("l0 of a 1-D array", lambda: modern.l0(np.ones(3)), ValueError, "'a2'"),
    ("lm_loss_and_grad of zero windows",
                 lambda: networks.lm_loss_and_grad(networks.init_lm(4, 3, 8, rng=0),
                                                   np.zeros((0, 4), int), np.zeros(0, int)),
                 ValueError, "'windows'"),
    ("adam_step without the gradients",
                 lambda: adam_step(SAE, {}, adam_init(SAE)), TypeError, "'grads'"),
]


@pytest.mark.parametrize("description, call, error, words", BAD_CALLS,
                         ids=[row[0] for row in BAD_CALLS])
def test_bad_parameter_is_rejected_in_one_named_line(description, call, error, words,
                                                     tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the CLI rows must never leave a runs/ folder behind
    # np.errstate: for the overflow rows numpy's RuntimeWarning comes before the named error
    with pytest.raises(error, match=re.escape(words)) as info, np.errstate(over="ignore"):
        call()
    message = str(info.value)
    print(f"\n  {type(info.value).__name__}: {message}")
    assert "\n" not in message and not (tmp_path / "runs").exists()
