"""Patch sampling (every valid position, seeded), UFLDL normalisation, and PCA/ZCA whitening.

Run ``pytest -v -s tests/test_patches.py`` to see one line of measurements per test.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinysae.data.patches import normalize_patches, sample_patches
from tinysae.data.pca_zca import fit_pca, fit_zca, pca_variance_kept


def numbered_image(H, W, offset=0):
    """An image whose pixel (r, c) holds ``offset + r·W + c``: a patch's first value names
    the image and the position it came from."""
    return offset + np.arange(H * W, dtype=np.float64).reshape(H, W)  # (H, W)


def top_left(patches, W, offset=0):
    """(row, column) of each patch's top-left pixel, read back from a numbered image."""
    index = (patches[:, 0] - offset).astype(int)  # (n,)
    return index // W, index % W


# ------------------------------------------------------------------------ sampling
def test_every_valid_position_is_reachable_and_equally_likely():
    H, W, p, n = 5, 7, 3, 6000
    patches = sample_patches(numbered_image(H, W), n, p, rng=0, normalize=False)
    rows, cols = top_left(patches, W)
    counts = np.zeros((H - p + 1, W - p + 1), int)
    np.add.at(counts, (rows, cols), 1)
    expected = n / counts.size
    print(f"\n  {counts.size} valid positions, counts {counts.min()}..{counts.max()} "
          f"(expected {expected:.0f} each); last row {rows.max()}, last column {cols.max()}")
    assert rows.max() == H - p and cols.max() == W - p  # no off-by-one
    assert counts.min() > 0
    chi2 = ((counts - expected) ** 2 / expected).sum()  # 14 degrees of freedom
    assert chi2 < 36.1  # the 0.1% tail of chi²(14); a fixed seed makes this deterministic


def test_each_patch_is_the_image_window_at_its_position():
    image = numbered_image(9, 6)
    patches = sample_patches(image, 200, 4, rng=1, normalize=False)
    for patch, r, c in zip(patches, *top_left(patches, 6)):
        np.testing.assert_array_equal(patch, image[r:r + 4, c:c + 4].reshape(-1))


def test_images_are_chosen_in_proportion_to_their_valid_positions():
    small, large = numbered_image(4, 4), numbered_image(10, 10, offset=1000)  # 9 and 81 positions
    patches = sample_patches([small, large], 9000, 2, rng=2, normalize=False)
    from_large = patches[:, 0] >= 1000
    rows, cols = top_left(patches[~from_large], 4)
    print(f"\n  share from the large image {from_large.mean():.3f} (expected 81/90 = 0.900)")
    assert from_large.mean() == pytest.approx(81 / 90, abs=0.015)
    assert len(set(zip(rows, cols))) == 9  # the small image's positions are all reached too


def test_colour_patches_are_channel_last_rows():
    rng = np.random.default_rng(3)
    image = rng.random((6, 5, 3))  # (H, W, 3)
    image[:, :, 0] = numbered_image(6, 5)  # red names the position
    patches = sample_patches([image], 100, 3, rng=4, normalize=False)
    assert patches.shape == (100, 27)
    for patch, r, c in zip(patches, *top_left(patches, 5)):
        np.testing.assert_array_equal(patch.reshape(3, 3, 3), image[r:r + 3, c:c + 3, :])


def test_same_seed_same_patches_and_generators_advance():
    images = [np.random.default_rng(5).random((20, 30))]
    first, again = sample_patches(images, 50, 5, rng=7), sample_patches(images, 50, 5, rng=7)
    np.testing.assert_array_equal(first, again)
    gen = np.random.default_rng(7)
    np.testing.assert_array_equal(sample_patches(images, 50, 5, rng=gen), first)
    assert not np.array_equal(sample_patches(images, 50, 5, rng=gen), first)


def test_patch_as_large_as_the_image_has_one_position():
    image = numbered_image(4, 4)
    patches = sample_patches(image, 10, 4, rng=0, normalize=False)
    np.testing.assert_array_equal(patches, np.tile(image.reshape(-1), (10, 1)))


def test_normalize_flag_is_normalize_patches_after_sampling():
    images = [np.random.default_rng(8).random((30, 30))]
    np.testing.assert_array_equal(sample_patches(images, 100, 8, rng=9),
                                  normalize_patches(sample_patches(images, 100, 8, rng=9,
                                                                   normalize=False)))


@given(H=st.integers(1, 12), W=st.integers(1, 12), p=st.integers(1, 12),
       n=st.integers(1, 30), colour=st.booleans(), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None, derandomize=True)
def test_any_sizes_give_the_right_shape_or_name_patch_size(H, W, p, n, colour, seed):
    image = np.random.default_rng(seed).random((H, W, 3) if colour else (H, W))
    if p > min(H, W):
        with pytest.raises(ValueError, match="'patch_size'"):
            sample_patches(image, n, p, rng=seed)
        return
    patches = sample_patches(image, n, p, rng=seed, normalize=False)
    assert patches.shape == (n, p * p * (3 if colour else 1)) and patches.dtype == np.float64
    assert image.min() <= patches.min() and patches.max() <= image.max()


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(n_patches=0), ValueError, ["'n_patches'", "0"]),
    (dict(n_patches=-5), ValueError, ["'n_patches'", "-5"]),
    (dict(n_patches=2.5), TypeError, ["'n_patches'", "2.5"]),
    (dict(patch_size=0), ValueError, ["'patch_size'", "0"]),
    (dict(patch_size=17), ValueError, ["'patch_size'", "17", "(16, 20)"]),
    (dict(rng="seed"), TypeError, ["'rng'"]),
    (dict(images=[]), TypeError, ["'images'"]),
    (dict(images="photo.png"), TypeError, ["'images'"]),
    (dict(images=[np.ones((16, 20)), np.ones((16, 20, 3))]), ValueError, ["'images[1]'"]),
    (dict(images=[np.ones((16, 20, 4))]), ValueError, ["'images[0]'", "(16, 20, 4)"]),
    (dict(images=[np.full((16, 20), np.nan)]), ValueError, ["'images[0]'", "finite"]),
    (dict(images=[np.ones((16, 20), bool)]), TypeError, ["'images[0]'"]),
], ids=["zero patches", "negative patches", "fractional patches", "zero patch size",
        "patch larger than image", "bad rng", "no images", "a file name", "mixed gray and colour",
        "RGBA", "NaN pixels", "bool pixels"])
def test_bad_sampling_parameters_name_parameter_and_value(kwargs, error, words):
    arguments = {"images": [np.ones((16, 20))], "n_patches": 10, "patch_size": 8, "rng": 0}
    with pytest.raises(error) as info:
        sample_patches(**{**arguments, **kwargs})
    print(f"\n  {info.value}")
    assert all(word in str(info.value) for word in words)


# ------------------------------------------------------------------------ normalisation
def test_normalized_patches_lie_in_the_sigmoid_range_with_mean_one_half():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((2000, 64)) * rng.uniform(0.1, 5, (2000, 1)) + rng.normal(0, 9, (2000, 1))
    Y = normalize_patches(X)
    unclipped = np.all((Y > 0.1) & (Y < 0.9), axis=1)  # (n,)
    print(f"\n  range [{Y.min():.3f}, {Y.max():.3f}], {unclipped.mean():.0%} of patches unclipped")
    assert Y.min() == pytest.approx(0.1) and Y.max() == pytest.approx(0.9)
    np.testing.assert_allclose(Y[unclipped].mean(axis=1), 0.5, atol=1e-12)


def test_normalization_by_hand_on_a_tiny_example():
    X = np.array([[1.0, 3.0], [10.0, 10.0], [0.0, 100.0]])
    centred = np.array([[-1.0, 1.0], [0.0, 0.0], [-50.0, 50.0]])
    three_sigma = 3 * centred.std(ddof=1)  # MATLAB's std(x(:)), n - 1 in the denominator
    expected = (np.clip(centred, -three_sigma, three_sigma) / three_sigma + 1) * 0.4 + 0.1
    np.testing.assert_allclose(normalize_patches(X), expected, atol=1e-15)


def test_normalization_ignores_brightness_and_contrast():
    X = np.random.default_rng(11).random((300, 16))
    np.testing.assert_allclose(normalize_patches(7.0 * X - 2.0), normalize_patches(X), atol=1e-12)


def test_flat_patches_become_one_half():
    np.testing.assert_array_equal(normalize_patches(np.full((5, 4), 3.0)), 0.5)


# ------------------------------------------------------------------------ PCA and ZCA
@pytest.fixture(scope="module")
def correlated():
    rng = np.random.default_rng(12)
    mixing = rng.standard_normal((6, 6)) * np.array([3, 2, 1, 0.5, 0.2, 0.1])
    return rng.standard_normal((4000, 6)) @ mixing.T + 5.0  # (m, 6), strongly correlated


def test_pca_components_are_orthonormal_and_sorted(correlated):
    pca = fit_pca(correlated)
    np.testing.assert_allclose(pca.components.T @ pca.components, np.eye(6), atol=1e-12)
    assert np.all(np.diff(pca.variances) <= 0)
    rotated = pca.rotate(correlated)  # (m, 6)
    np.testing.assert_allclose(np.cov(rotated.T, bias=True), np.diag(pca.variances), atol=1e-9)
    assert pca.rotate(correlated, k=2).shape == (4000, 2)


def test_share_of_variance_kept_by_hand():
    # four points ±(2, 0), ±(0, 1): variances 2 and 0.5 along the axes
    X = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    pca = fit_pca(X)
    np.testing.assert_allclose(pca.variances, [2.0, 0.5], atol=1e-15)
    assert pca.variance_kept(1) == pytest.approx(0.8) and pca.variance_kept(2) == pytest.approx(1.0)
    assert pca.n_components(0.8) == 1 and pca.n_components(0.81) == 2
    assert pca_variance_kept([3.0, 1.0, 0.0], 1) == pytest.approx(0.75)


def test_zca_with_tiny_epsilon_whitens_to_the_identity(correlated):
    zca = fit_zca(correlated, epsilon=0.0)
    white = zca.apply(correlated)  # (m, 6)
    print(f"\n  largest |cov - I| after ZCA (ε = 0): "
          f"{np.abs(np.cov(white.T, bias=True) - np.eye(6)).max():.1e}")
    np.testing.assert_array_equal(zca.matrix, zca.matrix.T)
    np.testing.assert_allclose(white.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.cov(white.T, bias=True), np.eye(6), atol=1e-9)


def test_zca_epsilon_shrinks_small_variances_as_lambda_over_lambda_plus_epsilon(correlated):
    pca, zca = fit_pca(correlated), fit_zca(correlated, epsilon=0.1)
    np.testing.assert_array_equal(zca.matrix, zca.matrix.T)
    white_variances = np.diag(pca.components.T @ np.cov(zca.apply(correlated).T, bias=True)
                              @ pca.components)
    np.testing.assert_allclose(white_variances, pca.variances / (pca.variances + 0.1), atol=1e-9)


def test_zca_is_the_whitening_closest_to_the_data(correlated):
    # ZCA = PCA whitening rotated back: among whitenings it changes the data least
    zca, pca = fit_zca(correlated, epsilon=0.0), fit_pca(correlated)
    pca_white = pca.rotate(correlated) / np.sqrt(pca.variances)  # (m, 6)
    centred = correlated - correlated.mean(axis=0)
    assert (np.linalg.norm(zca.apply(correlated) - centred)
            < np.linalg.norm(pca_white - centred))


@pytest.mark.parametrize("call, error, words", [
    (lambda X: fit_zca(X, epsilon=-0.1), ValueError, ["'epsilon'", "-0.1"]),
    (lambda X: fit_zca(np.c_[X, X[:, :1]], epsilon=0.0), ValueError, ["'epsilon'", "singular"]),
    (lambda X: fit_zca(X).apply(X[:, :5]), ValueError, ["'X'", "6 columns"]),
    (lambda X: fit_pca(X).rotate(X, k=0), ValueError, ["'k'", "0"]),
    (lambda X: pca_variance_kept(fit_pca(X).variances, 7), ValueError, ["'k'", "7"]),
    (lambda X: fit_pca(X[:, 0]), ValueError, ["'X'"]),
], ids=["negative epsilon", "epsilon 0 on singular data", "wrong width", "k = 0", "k > d", "1-D"])
def test_bad_pca_parameters_name_parameter_and_value(correlated, call, error, words):
    with pytest.raises(error) as info:
        call(correlated)
    assert all(word in str(info.value) for word in words)
