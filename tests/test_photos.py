"""The data layer's images: bundled photos, folders, IMAGES.mat, MNIST IDX, and whitening.

Every bad file is made in ``tmp_path`` by the test that feeds it; nothing is downloaded.
Run ``pytest -v -s tests/test_photos.py`` to see one line of measurements per test.
"""

import gzip
import io
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from PIL import Image

from tinysae import load_mnist_idx, load_olshausen_mat
from tinysae.data.image_files import LUMA_WEIGHTS
from tinysae.data.photos import (default_images, downsample, load_image_folder, load_images,
                                 skimage_images)
from tinysae.data.whitening import (WHITENED_VARIANCE, radial_power_spectrum, spectrum_slope, whiten,
                               whiten_images, whitening_filter)


def pink_noise(N, rng):
    """An N × N image whose amplitude spectrum falls as 1/f (power as 1/f²), like a photo."""
    f = np.fft.fftfreq(N) * N
    radius = np.hypot(f[:, None], f[None, :])
    radius[0, 0] = 1.0
    spectrum = np.fft.fft2(rng.standard_normal((N, N))) / radius
    return np.real(np.fft.ifft2(spectrum))


@pytest.fixture(scope="module")
def grace():
    """The full-resolution photo (600, 512), for the whitening tests."""
    return default_images(downsample_by=1)[0]


# ------------------------------------------------------------------------ bundled photos
def test_default_image_is_grace_hopper_in_grayscale():
    grace = default_images()[0]
    print(f"\n  grace_hopper: {grace.shape} {grace.dtype}, range [{grace.min():.3f}, {grace.max():.3f}]")
    assert grace.shape == (300, 256) and grace.dtype == np.float64
    assert 0.0 <= grace.min() < 0.1 and 0.9 < grace.max() <= 1.0


def test_colour_default_image_and_grayscale_is_its_luma():
    grace = default_images()[0]
    colour = default_images(colour=True)[0]
    assert colour.shape == (300, 256, 3) and colour.dtype == np.float64
    np.testing.assert_allclose(colour @ LUMA_WEIGHTS, grace, atol=1e-12)


def test_skimage_photos_load_offline_as_grayscale_and_colour():
    pytest.importorskip("skimage")
    gray, colour = skimage_images(), skimage_images(colour=True)
    print(f"\n  {len(gray)} grayscale photos, {len(colour)} colour photos")
    assert len(gray) >= 5 and all(a.ndim == 2 and a.dtype == np.float64 for a in gray)
    assert len(colour) >= 2 and all(a.ndim == 3 and a.shape[2] == 3 for a in colour)
    assert all(0.0 <= a.min() and a.max() <= 1.0 for a in gray + colour)


def test_skimage_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage", None)
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    with pytest.raises(ImportError, match=r"tinysae\[images\]"):
        skimage_images()


# ------------------------------------------------------------------------ load_images
def test_load_images_dispatches_to_each_source(tmp_path):
    (tmp_path / "photos").mkdir()
    Image.fromarray(np.zeros((9, 11), np.uint8)).save(tmp_path / "photos" / "a.png")
    scipy.io.savemat(tmp_path / "IMAGES.mat", {"IMAGES": np.ones((6, 5, 2))})
    assert load_images()[0].shape == (300, 256)
    assert load_images("default", colour=True)[0].shape == (300, 256, 3)
    assert load_images("folder", tmp_path / "photos")[0].shape == (9, 11)
    assert [a.shape for a in load_images("mat", tmp_path / "IMAGES.mat")] == [(6, 5)] * 2


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(source="flickr"), ValueError, ["'source'", "'flickr'"]),
    (dict(source="folder"), ValueError, ["'path'", "None"]),
    (dict(source="mat"), ValueError, ["'path'"]),
    (dict(source="default", path="x"), ValueError, ["'path'", "'x'"]),
    (dict(source="default", colour="yes"), TypeError, ["'colour'", "'yes'"]),
    (dict(source="mat", path="IMAGES.mat", colour=True), ValueError, ["'colour'"]),
], ids=["unknown source", "folder without path", "mat without path", "path not used",
        "colour not bool", "mat in colour"])
def test_load_images_bad_parameters_name_parameter_and_value(kwargs, error, words, tmp_path):
    if kwargs.get("path") == "IMAGES.mat":
        scipy.io.savemat(tmp_path / "IMAGES.mat", {"IMAGES": np.ones((6, 5, 2))})
        kwargs = {**kwargs, "path": tmp_path / "IMAGES.mat"}
    with pytest.raises(error) as info:
        load_images(**kwargs)
    print(f"\n  {info.value}")
    assert all(word in str(info.value) for word in words)


# ------------------------------------------------------------------------ image folders
def test_folder_handles_grayscale_rgb_rgba_16bit_palette_and_jpeg(tmp_path):
    rng = np.random.default_rng(0)
    gray8 = rng.integers(0, 256, (12, 10), dtype=np.uint8)
    gray16 = rng.integers(0, 65536, (12, 10)).astype(np.uint16)
    rgba = rng.integers(0, 256, (12, 10, 4), dtype=np.uint8)
    Image.fromarray(gray8).save(tmp_path / "1_gray8.png")
    Image.fromarray(gray16).save(tmp_path / "2_gray16.png")  # mode I;16
    Image.fromarray(rgba).save(tmp_path / "3_rgba.png")
    Image.fromarray(rgba[:, :, :3].copy()).convert("P").save(tmp_path / "4_palette.png")
    Image.fromarray(rgba[:, :, :3].copy()).save(tmp_path / "5_rgb.JPG", quality=95)
    Image.fromarray(rgba[:, :, :2].copy(), "LA").save(tmp_path / "6_gray_alpha.png")
    images = load_image_folder(tmp_path)
    assert len(images) == 6 and all(a.shape == (12, 10) and a.dtype == np.float64 for a in images)
    np.testing.assert_allclose(images[0], gray8 / 255, atol=1e-7)
    np.testing.assert_allclose(images[1], gray16 / 65535, atol=1e-7)  # 16 bits kept, not 8
    np.testing.assert_allclose(images[2], rgba[:, :, :3] / 255 @ LUMA_WEIGHTS, atol=1e-6)
    np.testing.assert_allclose(images[5], rgba[:, :, 0] / 255, atol=1e-7)  # alpha dropped
    colour = load_image_folder(tmp_path, colour=True)
    assert all(a.shape == (12, 10, 3) for a in colour)
    np.testing.assert_allclose(colour[0], np.repeat(gray8[:, :, None] / 255, 3, axis=2), atol=1e-7)
    np.testing.assert_allclose(colour[2], rgba[:, :, :3] / 255, atol=1e-7)


def test_folder_skips_non_image_files_with_a_warning(tmp_path):
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "photo.png")
    (tmp_path / "notes.txt").write_text("not a picture")
    (tmp_path / "fake.png").write_text("a text file with an image name")
    (tmp_path / "subfolder").mkdir()
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    with pytest.warns(UserWarning, match="3 entries") as record:
        images = load_image_folder(tmp_path)
    print(f"\n  {record[0].message}")
    assert len(images) == 1
    assert all(name in str(record[0].message) for name in ("notes.txt", "fake.png", "subfolder/"))


def test_empty_folder_and_folder_without_images_are_errors(tmp_path):
    with pytest.raises(ValueError, match="'path'.*at least one PNG or JPEG"):
        load_image_folder(tmp_path)
    (tmp_path / "readme.md").write_text("# no pictures here")
    with pytest.warns(UserWarning, match="readme.md"), pytest.raises(ValueError, match="'path'"):
        load_image_folder(tmp_path)


def test_missing_folder_or_a_file_as_folder_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="'path'.*existing folder"):
        load_image_folder(tmp_path / "nowhere")
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="'path'"):
        load_image_folder(tmp_path / "file.png")


@pytest.mark.parametrize("suffix, keep", [(".png", 60), (".jpg", 200), (".png", 8), (".jpg", 3)])
def test_truncated_image_file_is_an_error_naming_it(tmp_path, suffix, keep):
    noise = np.random.default_rng(1).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="PNG" if suffix == ".png" else "JPEG")
    (tmp_path / f"cut{suffix}").write_bytes(buffer.getvalue()[:keep])
    with pytest.raises(ValueError, match=f"cut{suffix}") as info:
        load_image_folder(tmp_path)
    print(f"\n  {info.value}")


# ------------------------------------------------------------------------ IMAGES.mat
def test_olshausen_mat_gives_one_float_image_per_slice(tmp_path):
    stack = np.random.default_rng(2).standard_normal((16, 12, 3))
    scipy.io.savemat(tmp_path / "IMAGES.mat", {"IMAGES": stack, "IMAGES_RAW": stack + 1})
    images = load_olshausen_mat(tmp_path / "IMAGES.mat")
    assert len(images) == 3 and all(a.shape == (16, 12) and a.dtype == np.float64 for a in images)
    np.testing.assert_array_equal(images[2], stack[:, :, 2])
    raw = load_olshausen_mat(tmp_path / "IMAGES.mat", variable="IMAGES_RAW")
    np.testing.assert_array_equal(raw[0], stack[:, :, 0] + 1)


def _v73_header():
    """The 128-byte header of a MATLAB v7.3 (HDF5) file, followed by HDF5's signature."""
    text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 1 2024 HDF5 schema 1.00 ."
    return text.ljust(116) + b"\x00" * 8 + b"\x00\x02IM" + b"\x89HDF\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("case", ["no IMAGES variable", "4-D array", "1-D array", "complex",
                                  "text", "struct", "cell", "NaN", "truncated", "truncated (zlib)",
                                  "header only", "not a mat file", "v7.3 HDF5", "missing file"])
def test_bad_mat_file_is_a_clear_value_error(tmp_path, case):
    path = tmp_path / "IMAGES.mat"
    good = np.random.default_rng(3).random((16, 16, 4))
    content = {"no IMAGES variable": {"images": good}, "4-D array": {"IMAGES": good[..., None]},
               "1-D array": {"IMAGES": np.ones(5)}, "complex": {"IMAGES": good + 1j},
               "text": {"IMAGES": "hello"}, "struct": {"IMAGES": {"a": 1}},
               "cell": {"IMAGES": np.array([np.ones(2), np.ones(3)], dtype=object)},
               "NaN": {"IMAGES": np.where(good > 0.5, np.nan, good)}}.get(case, {"IMAGES": good})
    scipy.io.savemat(path, content, do_compression=case == "truncated (zlib)")
    whole = path.read_bytes()
    cut = {"truncated": len(whole) - 100, "truncated (zlib)": len(whole) // 2, "header only": 128}
    if case in cut:
        path.write_bytes(whole[:cut[case]])
    elif case == "not a mat file":
        path.write_text("IMAGES = magic(512)\n")
    elif case == "v7.3 HDF5":
        path.write_bytes(_v73_header())
    elif case == "missing file":
        path.unlink()
    with pytest.raises(ValueError) as info:
        load_olshausen_mat(path)
    print(f"\n  {case:>18}: {info.value}")
    assert "IMAGES.mat" in str(info.value)


# ------------------------------------------------------------------------ MNIST IDX
def idx_bytes(array, type_code=0x08, dtype=">u1"):
    """An IDX file's bytes for ``array``, written by hand from the format description."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.asarray(array, dtype=dtype).tobytes()


def test_mnist_idx_images_labels_and_gzip(tmp_path):
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 5, dtype=np.uint8)
    (tmp_path / "images-idx3-ubyte").write_bytes(idx_bytes(images))
    (tmp_path / "labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    floats = rng.standard_normal((3, 4))
    (tmp_path / "floats-idx2").write_bytes(idx_bytes(floats, 0x0E, ">f8"))
    loaded = load_mnist_idx(tmp_path / "images-idx3-ubyte")
    assert loaded.dtype == np.uint8 and loaded.shape == (5, 28, 28)
    np.testing.assert_array_equal(loaded, images)
    np.testing.assert_array_equal(load_mnist_idx(tmp_path / "labels-idx1-ubyte.gz"), labels)
    big_endian = load_mnist_idx(tmp_path / "floats-idx2")
    assert big_endian.dtype == np.float64 and big_endian.dtype.isnative
    np.testing.assert_array_equal(big_endian, floats)


@pytest.mark.parametrize("case", ["wrong magic", "unknown type code", "zero dimensions",
                                  "truncated header", "truncated data", "header lies about size",
                                  "trailing bytes", "empty array", "NaN floats", "a pickle",
                                  "corrupt gzip", "truncated gzip", "empty file"])
def test_bad_idx_file_is_a_clear_value_error(tmp_path, case):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    good = idx_bytes(images)
    noise = np.random.default_rng(13).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    packed = bytearray(gzip.compress(idx_bytes(noise)))
    packed[len(packed) // 2: len(packed) // 2 + 8] = b"garbage!"  # inside the deflate stream
    content = {
        "wrong magic": b"\x08\x03" + good[2:],
        "unknown type code": good[:2] + b"\x07" + good[3:],
        "zero dimensions": b"\x00\x00\x08\x00",
        "truncated header": good[:9],
        "truncated data": good[:-5],
        "header lies about size": bytes([0, 0, 8, 3]) + struct.pack(">3I", 60000, 28, 28) + good[16:],
        "trailing bytes": good + b"\x00",
        "empty array": idx_bytes(np.zeros((0, 28, 28), np.uint8)),
        "NaN floats": idx_bytes(np.array([1.0, np.nan]), 0x0D, ">f4"),
        "a pickle": b"\x80\x04\x95" + b"\x00" * 40,
        "corrupt gzip": bytes(packed),
        "truncated gzip": gzip.compress(idx_bytes(noise))[:-100],
        "empty file": b"",
    }[case]
    (tmp_path / "data-idx").write_bytes(content)
    with pytest.raises(ValueError) as info:
        load_mnist_idx(tmp_path / "data-idx")
    print(f"\n  {case:>22}: {info.value}")
    assert "data-idx" in str(info.value)


# ------------------------------------------------------------------------ whitening
def test_whitening_filter_is_zero_at_dc_and_follows_the_formula():
    N = 64
    R = whitening_filter(N)
    f0 = 0.4 * N
    assert R[0, 0] == 0.0
    assert R[0, 10] == pytest.approx(10 * np.exp(-(10 / f0) ** 4))
    assert R[3, 4] == pytest.approx(5 * np.exp(-(5 / f0) ** 4))  # radius 5
    np.testing.assert_array_equal(R, R.T)


def test_whitened_image_is_a_centred_square_with_the_common_variance(grace):
    white = whiten(grace)
    print(f"\n  {grace.shape} -> {white.shape}, mean {white.mean():.1e}, variance {white.var():.6f}")
    assert white.shape == (512, 512)
    assert abs(white.mean()) < 1e-12 and white.var() == pytest.approx(WHITENED_VARIANCE, rel=1e-12)


def test_whiten_images_gives_every_image_the_same_variance(grace):
    dim = 0.1 * grace[:300, :400] + 0.2
    whites = whiten_images([grace, dim, pink_noise(64, np.random.default_rng(5))])
    assert [w.shape for w in whites] == [(512, 512), (300, 300), (64, 64)]
    np.testing.assert_allclose([w.var() for w in whites], WHITENED_VARIANCE, rtol=1e-12)


def test_whitening_flattens_the_spectrum_of_a_photo(grace):
    before, after = spectrum_slope(grace), spectrum_slope(whiten(grace))
    f, p_before = radial_power_spectrum(grace)
    _, p_after = radial_power_spectrum(whiten(grace))
    low, mid = 3, 100  # cycles/picture
    print(f"\n  log-log slope {before:.2f} -> {after:.2f}; power(f={low}) / power(f={mid}): "
          f"{p_before[low - 1] / p_before[mid - 1]:.0f} -> {p_after[low - 1] / p_after[mid - 1]:.1f}")
    assert before < -2.0 and abs(after) < 1.0
    assert after - before == pytest.approx(2.0, abs=0.15)  # the filter's f multiplies power by f²
    assert p_before[low - 1] / p_before[mid - 1] > 300
    assert p_after[low - 1] / p_after[mid - 1] < 10


def test_whitening_makes_pink_noise_white():
    noise = pink_noise(256, np.random.default_rng(6))
    before, after = spectrum_slope(noise, 4, 32), spectrum_slope(whiten(noise), 4, 32)
    print(f"\n  1/f noise: log-log slope {before:.2f} -> {after:.2f}")
    assert before == pytest.approx(-2.0, abs=0.2) and after == pytest.approx(0.0, abs=0.2)


def test_radial_spectrum_puts_a_grating_at_its_frequency():
    N = 64
    x = np.arange(N)
    grating = np.cos(2 * np.pi * 10 * x / N)[None, :] * np.ones((N, 1))  # 10 cycles/picture
    f, power = radial_power_spectrum(grating)
    assert f[0] == 1 and f[-1] == N // 2 and f[np.argmax(power)] == 10


@pytest.mark.parametrize("image, error", [
    (np.ones((32, 32)), ValueError), (np.zeros((3, 40)), ValueError), (np.ones(40), ValueError),
    (np.full((8, 8), np.nan), ValueError), (np.ones((8, 8), bool), TypeError),
    (np.ones((8, 8, 3)), ValueError)],
    ids=["constant", "too small", "1-D", "NaN", "bool", "colour"])
def test_whiten_rejects_bad_images_naming_the_parameter(image, error):
    with pytest.raises(error, match="'image'"):
        whiten(image)


def test_default_photo_is_the_full_photo_averaged_over_2x2_blocks():
    full = default_images(downsample_by=1)[0]  # (600, 512)
    half = default_images()[0]  # (300, 256)
    assert full.shape == (600, 512)
    np.testing.assert_allclose(half[7, 11], full[14:16, 22:24].mean(), rtol=1e-14)
    np.testing.assert_allclose(half.mean(), full.mean(), rtol=1e-12)


def test_downsample_drops_partial_blocks_and_keeps_colour():
    image = np.arange(5 * 7 * 3, dtype=float).reshape(5, 7, 3)  # (H, W, 3)
    small = downsample(image, 2)  # (2, 3, 3)
    assert small.shape == (2, 3, 3)
    np.testing.assert_array_equal(small[1, 2], image[2:4, 4:6].mean(axis=(0, 1)))
    with pytest.raises(ValueError, match="'factor'"):
        downsample(image, 6)


# ------------------------------------------------------------------ the same care for every photo
def test_auto_downsample_is_decided_from_the_size_alone():
    from tinysae.data.photos import auto_downsample

    sides = {(600, 512): 2, (427, 640): 2, (3000, 4000): 6, (1411, 1411): 3,
             (200, 100): 1, (130, 300): 2, (127, 300): 1}
    for shape, factor in sides.items():
        assert auto_downsample(np.zeros(shape)) == factor, shape
        assert auto_downsample(np.zeros(shape + (3,))) == factor, shape


def test_every_source_gets_the_same_rule_and_reports_its_factors(tmp_path):
    big = np.random.default_rng(0).uniform(size=(300, 260))  # (H, W)
    folder = tmp_path / "photos"
    folder.mkdir()
    import matplotlib.image

    matplotlib.image.imsave(folder / "a.png", big, cmap="gray")
    images, factors = load_images("folder", folder, with_factors=True)
    assert factors == [2] and images[0].shape == (150, 130)
    images, factors = load_images("folder", folder, downsample_by=1, with_factors=True)
    assert factors == [1] and images[0].shape == (300, 260)
    assert load_images("folder", folder, downsample_by=[3])[0].shape == (100, 86)
    for bad, error in (("half", ValueError), (0, ValueError), (2.0, TypeError), ([], ValueError),
                       ([2, 2], ValueError)):
        with pytest.raises(error, match="'downsample_by'"):
            load_images("folder", folder, downsample_by=bad)


def test_a_folder_of_packaged_jpegs_is_averaged_and_the_run_remakes_its_patches(tmp_path):
    """Two JPEG photos that ship with matplotlib and scikit-image, copied (never committed):
    averaged over 2 × 2 blocks by default, the factors recorded, the same patches remade."""
    import shutil

    from matplotlib import cbook

    from tinysae.ufldl_experiment import make_patches, recorded_patches

    skimage = pytest.importorskip("skimage")
    folder = tmp_path / "jpegs"
    folder.mkdir()
    shutil.copy(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), folder)
    shutil.copy(Path(skimage.__file__).parent / "data" / "rocket.jpg", folder)
    X, data = make_patches("folder", str(folder), n_patches=300, seed=3)
    assert data["downsample"] == [2, 2]
    X_again, _ = recorded_patches({"data": data, "n_visible": 64})
    np.testing.assert_array_equal(X_again, X)
    X_full, data_full = make_patches("folder", str(folder), n_patches=300, seed=3, downsample=1)
    assert data_full["downsample"] == [1, 1] and not np.array_equal(X_full, X)


def test_records_from_before_downsample_remake_the_old_patches():
    from tinysae.ufldl_experiment import make_patches, recorded_patches

    old = {"images": "default", "path": None, "whiten": True, "patch_size": 8,
           "n_patches": 200, "seed": 1}  # no "downsample": the photo was averaged 2 × 2
    X, data = recorded_patches({"data": old, "n_visible": 64})
    assert data["downsample"] == [2]
    np.testing.assert_array_equal(X, make_patches(**old, downsample=2)[0])


def test_step_spectrum_finds_block_borders_and_dct_basis_is_orthogonal():
    from tinysae import dct_basis, peak_ratio, step_spectrum

    rng = np.random.default_rng(4)
    smooth = rng.normal(size=(64, 257))  # (H, W) no structure along the columns
    blocky = smooth.copy()
    blocky[:, 8::8] += 3.0 * rng.choice([-1, 1], size=(64, 1))  # (H, W) a step every 8 columns
    for image, low, high in ((smooth, 0, 3), (blocky, 10, np.inf)):
        f, power = step_spectrum(image)
        assert low < peak_ratio(f, power, 1 / 8) < high and f.max() == 0.5
    B = dct_basis(8)  # (64, 64)
    gram = B @ B.T  # (64, 64)
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-12)
    assert np.ptp(B[0]) == 0 and np.all(np.ptp(B[1:], axis=1) > 0)
