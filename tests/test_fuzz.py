"""Fuzzing the public API: random shapes, dtypes and values, including NaN, inf, huge and empty.

Every call must end in one of two ways: a correct result (finite, of the right shape and
dtype), or a one-line ``ValueError``/``TypeError`` that names a parameter. Anything else
fails the test: another exception, a NaN result, a silently wrong shape, or an error for
an input that is valid. Hypothesis runs derandomized, as everywhere in the suite.

Run ``pytest -v tests/test_fuzz.py``; a failure prints the smallest input that breaks.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinysae.modern as modern
from tinysae import (cost_terms, edge_scores, fit_zca, init_params, load, load_mnist_idx,
                     load_olshausen_mat, loss_and_grad, make_loss_and_grad, n_params,
                     normalize_patches, pack, read_image, sample_patches, save, tile_filters,
                     whiten)

#: Overflow is fed on purpose; numpy's RuntimeWarnings about it would only bury real warnings.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FUZZ = settings(max_examples=100, deadline=None, derandomize=True)
SLOW = settings(max_examples=30, deadline=None, derandomize=True)  # edge_scores fits Gabors

DTYPES = ("int64", "float32", "float64", "bool", "complex128", "object", "str")

#: Above this, squares and products of the values overflow float64 (1e154² = 1e308).
OVERFLOW = 1e150


# ----------------------------------------------------------------------------- inputs

def as_dtype(values, dtype):
    """float64 ``values`` as an array of ``dtype`` (ints clipped; float32 may overflow to inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == "int64":
            return np.clip(np.nan_to_num(values), -1e6, 1e6).astype(np.int64)
        if dtype == "bool":
            return np.asarray(values > 0)
        if dtype == "complex128":
            return np.asarray(values + 1j)
        return values.astype(dtype)


@st.composite
def arrays(draw, shape=None, dtypes=DTYPES, scales=(1.0, 1e-300, 1e100, 1e300), specials=True):
    """An array of a random (or the given) shape and dtype; values uniform in ±scale, maybe
    one of them NaN or ±inf. Half of them are plain: float64, the first scale, all finite."""
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    plain = not draw(st.booleans())  # False is what hypothesis tries first and most
    scale = scales[0] if plain else draw(st.sampled_from(scales))
    values = np.asarray(rng.uniform(-1, 1, size=shape) * scale)
    special = None if plain or not specials else draw(
        st.sampled_from([None, np.nan, np.inf, -np.inf]))
    if special is not None and values.size:
        values.flat[draw(st.integers(0, values.size - 1))] = special
    dtype = ("float64" if "float64" in dtypes else dtypes[0]) if plain else draw(
        st.sampled_from(dtypes))
    return as_dtype(values, dtype)


def anything(shape=None, **kwargs):
    """An array as above, the same as nested lists, or a value that is not an array at all."""
    return st.one_of(arrays(shape, **kwargs), arrays(shape, **kwargs).map(lambda a: a.tolist()),
                     st.sampled_from([None, "abc", 3, 2.5, True, [[1, 2], [3]], {"W1": 1}]))


@st.composite
def tables(draw, widths=(1, 2, 4, 5, 12, 16), max_rows=4):
    """A (rows, columns) array of random dtype and values: the shape most functions accept."""
    shape = (draw(st.integers(1, max_rows)), draw(st.sampled_from(widths)))
    return draw(arrays(shape))


@st.composite
def image_lists(draw):
    """1–3 images (H, W) or (H, W, 3) of random dtype and values."""
    colour = draw(st.sampled_from([(), (3,)]))
    shapes = st.tuples(st.integers(1, 8), st.integers(1, 8)).map(lambda s: s + colour)
    return draw(st.lists(shapes.flatmap(arrays), min_size=1, max_size=3))


sizes = st.integers(1, 5) | st.integers(1, 5) | st.sampled_from([0, -1, 2.5, True, "3"])


def is_real(a, ndim):
    """A finite, non-empty real (int or float, not bool) ndarray of ``ndim`` dimensions."""
    return (isinstance(a, np.ndarray) and a.dtype.kind in "iuf" and a.ndim == ndim
            and a.size > 0 and bool(np.all(np.isfinite(a))))


def is_size(n):
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1


def biggest_if_real(*values):
    """The largest |value| among the finite real arrays in ``values`` (0 if none)."""
    return max([float(np.max(np.abs(v))) for v in values
                if isinstance(v, np.ndarray) and is_real(v, v.ndim)] + [0.0])


def outcome(call, *args, **kwargs):
    """``call``'s result, or None if it raised a one-line, named ValueError or TypeError."""
    try:
        return call(*args, **kwargs)
    except (ValueError, TypeError) as error:
        message = str(error)
        assert "parameter" in message and "\n" not in message and not isinstance(
            error, np.linalg.LinAlgError), f"unclear {type(error).__name__}: {message}"
        return None


def assert_finite_float(a, shape):
    assert isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == shape, \
        (type(a), getattr(a, "dtype", None), getattr(a, "shape", None), shape)
    assert np.all(np.isfinite(a))


# ----------------------------------------------------------------------------- the cost

@st.composite
def problems(draw, scales=(1.0, 1e-300, 1e100, 1e300), dtypes=DTYPES):
    """(theta, X, n_hidden): often of matching sizes, with random dtypes and values."""
    m, n_v, n_h = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    length = n_params(n_v, n_h) + draw(st.sampled_from([0, 0, 0, -1, 1]))
    X = draw(arrays((m, n_v), dtypes, scales) | arrays((m, n_v), dtypes, scales) | anything())
    theta = draw(arrays((length,), dtypes, scales) | arrays((length,), dtypes, scales)
                 | anything())
    return theta, X, draw(st.one_of(st.just(n_h), sizes))


#: Finite float64 problems of the right sizes, with values near the top of float64.
huge_problems = problems(scales=(1e300,), dtypes=("float64",)).filter(
    lambda p: is_real(p[0], 1) and is_real(p[1], 2) and is_size(p[2])
    and p[0].size == n_params(p[1].shape[1], p[2]))


def mostly(good, bad):
    """One of ``good`` three times out of four, else one of ``bad``."""
    return st.sampled_from(list(good) * 3 + list(bad))


hypers = st.fixed_dictionaries({}, optional={
    "weight_decay": mostly([0.0, 1e-3], [-1.0, np.nan, "1"]),
    "sparsity_target": mostly([0.01, 0.5], [0.0, 1.0, np.inf, True]),
    "sparsity_weight": mostly([0.0, 3.0], [-3.0, None]),
    "sparsity": mostly(["kl", "l1"], ["l2", None]),
    "decoder": mostly(["sigmoid", "linear"], ["relu"]),
})


def valid_problem(theta, X, n_h, hyper):
    ok = is_real(X, 2) and is_real(theta, 1) and is_size(n_h)
    if ok and theta.size != n_params(X.shape[1], n_h):
        return False
    good = {"weight_decay": (0.0, 1e-3), "sparsity_target": (0.01, 0.5),
            "sparsity_weight": (0.0, 3.0), "sparsity": ("kl", "l1"),
            "decoder": ("sigmoid", "linear")}
    return ok and all(v in good[k] for k, v in hyper.items() if not isinstance(v, bool))


@FUZZ
@given(problems() | huge_problems, hypers)
def test_loss_and_grad_gives_a_finite_cost_or_a_named_error(problem, hyper):
    theta, X, n_h = problem
    result = outcome(loss_and_grad, theta, X, n_h, **hyper)
    valid = valid_problem(theta, X, n_h, hyper) and hyper.get("sparsity_target") is not True
    if biggest_if_real(theta, X) < OVERFLOW:
        assert (result is not None) == valid, (result, valid)
    if result is not None:
        J, grad = result
        assert isinstance(J, float) and np.isfinite(J) and J >= 0
        assert_finite_float(grad, theta.shape)


@FUZZ
@given(problems() | huge_problems, hypers)
def test_cost_terms_add_up_or_name_the_error(problem, hyper):
    theta, X, n_h = problem
    terms = outcome(cost_terms, theta, X, n_h, **hyper)
    if terms is not None:
        parts = [terms[k] for k in ("reconstruction", "weight_decay", "sparsity")]
        assert np.all(np.isfinite(parts)) and terms["total"] == pytest.approx(sum(parts))
        assert_finite_float(terms["a2"], (X.shape[0], n_h))
        assert_finite_float(terms["rho_hat"], (n_h,))


@FUZZ
@given(problems(), hypers, st.sampled_from([None, 1, 2]), st.sampled_from([None, 1, 3]))
def test_the_fast_path_agrees_with_the_reference_or_fails_alike(problem, hyper, chunk, threads):
    theta, X, n_h = problem
    reference = outcome(loss_and_grad, theta, X, n_h, **hyper)
    fun = outcome(make_loss_and_grad, X, n_h, chunk_size=chunk, n_threads=threads, **hyper)
    fast = None if fun is None else outcome(fun, theta)
    assert (fast is None) == (reference is None), (fast, reference)
    if fast is not None:
        assert fast[0] == pytest.approx(reference[0], rel=1e-10, abs=1e-300)
        np.testing.assert_allclose(fast[1], reference[1], rtol=1e-9, atol=1e-12)


@FUZZ
@given(huge_problems, hypers)
def test_the_fast_path_names_an_overflow_as_the_reference_does(problem, hyper):
    theta, X, n_h = problem
    fun = outcome(make_loss_and_grad, X, n_h, **hyper)
    fast = None if fun is None else outcome(fun, theta)
    assert fast is None or (np.isfinite(fast[0]) and np.all(np.isfinite(fast[1])))


# ----------------------------------------------------------------------------- data

images = image_lists() | image_lists() | image_lists() | st.lists(anything(), max_size=3) \
    | anything()


@FUZZ
@given(images, sizes, sizes, mostly([0, None], [-1, "seed"]), mostly([True, False], ["no"]))
def test_sample_patches_gives_finite_rows_or_a_named_error(images, n, p, rng, normalize):
    patches = outcome(sample_patches, images, n, p, rng=rng, normalize=normalize)
    if patches is not None:
        first = np.asarray(images[0] if isinstance(images, list) else images)
        channels = 3 if first.ndim == 3 else 1
        assert_finite_float(patches, (n, p * p * channels))
        if normalize:
            assert patches.min() >= 0.1 - 1e-12 and patches.max() <= 0.9 + 1e-12


@FUZZ
@given(tables() | tables() | anything())
def test_normalize_patches_stays_in_range_or_names_the_error(patches):
    out = outcome(normalize_patches, patches)
    if isinstance(patches, np.ndarray):
        assert (out is not None) == is_real(patches, 2)
    if out is not None:
        assert_finite_float(out, np.shape(patches))
        assert out.min() >= 0.1 - 1e-12 and out.max() <= 0.9 + 1e-12


@FUZZ
@given(arrays((6, 7)) | arrays((6, 7)) | anything(), mostly([0.4], [0.0, -1.0, np.nan]))
def test_whiten_gives_unit_variance_or_names_the_error(image, rolloff):
    white = outcome(whiten, image, rolloff)
    if white is not None:
        N = min(np.shape(image))
        assert_finite_float(white, (N, N))
        assert white.var() == pytest.approx(0.1, rel=1e-9)


@FUZZ
@given(tables(widths=(1, 2, 3), max_rows=6) | tables(widths=(1, 2, 3), max_rows=6)
       | anything(),
       mostly([0.1, 0.0], [-0.1, np.inf, "0.1"]))
def test_fit_zca_whitens_or_names_the_error(X, epsilon):
    zca = outcome(fit_zca, X, epsilon)
    if zca is not None:
        d = np.shape(X)[1]
        assert_finite_float(zca.matrix, (d, d))
        assert_finite_float(zca.apply(X), np.shape(X))


# ----------------------------------------------------------------------------- pictures

patch_shapes = mostly([None, (2, 2), (3, 4)], [(2, 2, 3), (2.5, 2), "ab", (0, 4)])


@FUZZ
@given(tables() | tables() | anything(), patch_shapes, st.sampled_from([False, True]))
def test_tile_filters_draws_in_unit_range_or_names_the_error(W, patch_shape, subtract_mean):
    tiles = outcome(tile_filters, W, patch_shape, subtract_mean=subtract_mean)
    if tiles is not None:
        assert tiles.ndim in (2, 3) and np.all(np.isfinite(tiles))
        assert tiles.min() >= 0.0 and tiles.max() <= 1.0


@SLOW
@given(tables(widths=(4, 9, 12, 16, 27), max_rows=3) | tables(widths=(9, 16), max_rows=2)
       | anything(), patch_shapes)
def test_edge_scores_are_in_unit_range_or_name_the_error(W, patch_shape):
    if isinstance(W, np.ndarray) and W.ndim > 0 and len(W) > 3:
        W = W[:3]  # a Gabor fit per filter: keep it quick
    scores = outcome(edge_scores, W, patch_shape)
    if scores is not None:
        k = len(W)
        for a in (scores.score, scores.gabor_r2, scores.orientation_selectivity):
            assert_finite_float(a, (k,))
            assert np.all((a >= 0) & (a <= 1 + 1e-12))


REAL_DTYPES = ("float64", "float32", "int64")
MAGNITUDES = (1.0, 1e-300, 1e-200, 1e100, 1e300, 1e308)


def unit(a):
    """``a`` (float64) times the power of two that brings its largest |value| near 1: exact."""
    a = np.asarray(a, dtype=np.float64)
    peak = np.max(np.abs(a))
    return a if peak == 0 else np.ldexp(a, -int(np.frexp(peak)[1]))


@SLOW
@given(st.integers(1, 3), st.sampled_from([(3, 3), (4, 4), (3, 3, 3)]), st.data())
def test_scale_free_functions_give_the_same_answer_at_any_finite_size(k, shape, data):
    """Edge scores, tiles and normalised patches do not depend on the scale of the values:
    X·2^e must give what X gives, at 1e-300 or 1e308 as at 1 (no overflow, no NaN, no
    'constant' verdict for a tiny filter)."""
    W = data.draw(arrays((k, int(np.prod(shape))), REAL_DTYPES, MAGNITUDES, specials=False))
    calls = {"edge_scores": lambda A: edge_scores(A, shape).score,
             "tile_filters": lambda A: tile_filters(A, shape, subtract_mean=True),
             "normalize_patches": normalize_patches}
    for name, call in calls.items():
        result = outcome(call, W)
        assert (result is not None) == is_real(W, 2), name
        if result is not None:
            assert np.all(np.isfinite(result)), name
            np.testing.assert_allclose(result, call(unit(W)), rtol=1e-9, atol=1e-12,
                                       err_msg=name)


@SLOW
@given(st.data())
def test_whiten_and_zca_take_images_of_any_finite_size(data):
    image = data.draw(arrays((6, 6), REAL_DTYPES, MAGNITUDES, specials=False))
    white = outcome(whiten, image)
    if is_real(image, 2) and np.ptp(image) > 1e-6 * np.max(np.abs(image)):  # not constant
        assert_finite_float(white, (6, 6))
        np.testing.assert_allclose(white, whiten(unit(image)), rtol=1e-9, atol=1e-12)
    zca = outcome(fit_zca, image)
    if zca is not None:
        assert_finite_float(zca.apply(image), image.shape)


# ----------------------------------------------------------------------------- files

@FUZZ
@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from(["W1", "W2", "b1", "b2"]),
       st.data(), st.one_of(st.none(), st.floats(), st.text(max_size=3), st.booleans(),
                            st.lists(st.integers(), max_size=2)))
def test_checkpoint_round_trip_is_exact_or_names_the_error(n_v, n_h, key, data, extra):
    params = init_params(n_v, n_h, rng=0)
    shape = params[key].shape
    params[key] = data.draw(arrays(shape) | arrays(shape) | anything())
    config = {"n_visible": n_v, "n_hidden": n_h, "extra": extra}
    with tempfile.TemporaryDirectory() as folder:
        path = outcome(save, Path(folder) / "model.npz", params, config)
        if path is None:
            return
        loaded, loaded_config = load(path)
    assert loaded_config == config
    for name in ("W1", "W2", "b1", "b2"):
        np.testing.assert_array_equal(loaded[name], params[name])
        assert loaded[name].dtype == np.asarray(params[name]).dtype
    np.testing.assert_array_equal(pack(loaded), pack(params))


# ----------------------------------------------------------------------------- modern

@FUZZ
@given(st.integers(1, 4), st.integers(1, 4), st.data(),
       st.sampled_from([{}, {"activation": "topk", "k": 1}, {"activation": "topk", "k": 9},
                        {"sparsity_weight": -1.0}, {"activation": "gelu"}]))
def test_modern_sae_loss_is_finite_or_names_the_error(n_v, n_h, data, options):
    X = data.draw(arrays((data.draw(st.integers(1, 4)), n_v)) | anything())
    params = modern.init_sae(n_v, n_h, rng=0)
    result = outcome(modern.sae_loss_and_grad, params, X, **options)
    if result is not None:
        J, grads = result
        assert np.isfinite(J)
        for name, g in grads.items():
            assert_finite_float(g, params[name].shape)


@FUZZ
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_modern_sae_loss_names_an_overflow(n_v, n_h, data):
    X = data.draw(arrays((data.draw(st.integers(1, 4)), n_v), ("float64",), (1e300,)))
    result = outcome(modern.sae_loss_and_grad, modern.init_sae(n_v, n_h, rng=0), X)
    assert result is None or np.isfinite(result[0])


@FUZZ
@given(tables() | anything(), tables() | anything())
def test_modern_metrics_are_finite_or_name_the_error(features, decoder):
    for metric in (modern.mmcs, modern.fraction_recovered):
        value = outcome(metric, features, decoder)
        assert value is None or (isinstance(value, float) and np.isfinite(value))
    value = outcome(modern.fvu, features, decoder)
    assert value is None or (isinstance(value, float) and np.isfinite(value))
    for metric in (modern.l0, modern.dead_latents):
        value = outcome(metric, features)
        assert value is None or np.all(np.isfinite(value))


# ----------------------------------------------------------------------------- untrusted files

def file_outcome(load, path):
    """``load(path)``'s result, or None if it raised a one-line ValueError naming the file."""
    try:
        return load(path)
    except ValueError as error:
        message = str(error)
        assert path.name in message and "\n" not in message, f"unclear error: {message}"
        return None


#: Prefixes that get a loader past its first check: zip (npz), gzip, IDX, MATLAB 5, PNG, JPEG.
HEADERS = [b"", b"PK\x03\x04", b"\x1f\x8b", b"\x00\x00\x08\x03", b"\x00\x00\x0d\x01",
           b"MATLAB 5.0 MAT-file" + b" " * 97 + b"\x00\x01IM", b"\x89PNG\r\n\x1a\n",
           b"\xff\xd8\xff"]


@FUZZ
@given(st.sampled_from(HEADERS), st.binary(max_size=300))
# scipy.io.loadmat warns before reading a MATLAB 4 header that claims VAX floats
@pytest.mark.filterwarnings("ignore:We do not support byte ordering:UserWarning")
def test_loaders_read_random_bytes_as_data_or_name_the_file(header, body):
    """Files are data: any bytes give a result or a one-line ValueError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "untrusted.bin"
        path.write_bytes(header + body)
        for load_file in (load, load_mnist_idx, load_olshausen_mat, read_image):
            file_outcome(load_file, path)
