"""The edge measure separates Gabors (edges) from white noise and smooth isotropic blobs."""

import numpy as np
import pytest

from tinysae.measures import edge_score
from tinysae.measures.edge_score import (
    EDGE_SCORE_THRESHOLD,
    edge_scores,
    fit_gabor,
    gabor,
    orientation_selectivity,
)

P = 8  # patch side, as in the UFLDL exercise
YY, XX = (g.ravel().astype(float) for g in np.mgrid[0:P, 0:P])  # (64,) pixel centres
N_EACH = 40  # synthetic filters of each kind


def random_gabors(rng, n=N_EACH, noise=0.1):
    """n Gabors at random orientations, phases and positions, peak 1, plus noise; and θ."""
    theta = rng.uniform(0, np.pi, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    rows = []
    for t, ph in zip(theta, phase):
        q = [*rng.uniform(2.5, P - 3.5, 2), t, rng.uniform(0.12, 0.25),  # x0, y0, θ, f
             rng.uniform(1.2, 2.0), rng.uniform(1.5, 2.5), np.cos(ph), np.sin(ph), 0.0]
        G = gabor(q, XX, YY)  # (64,)
        rows.append(G / np.abs(G).max() + noise * rng.normal(size=P * P))
    return np.array(rows), theta  # (n, 64), (n,)


def random_blobs(rng, n=N_EACH, surround=0.0, noise=0.05):
    """Isotropic Gaussians (surround = 0) or differences of Gaussians, near the centre."""
    rows = []
    for _ in range(n):
        cx, cy = rng.uniform(2.5, 4.5, 2)
        s = rng.uniform(1.0, 2.5)
        r2 = (XX - cx) ** 2 + (YY - cy) ** 2  # (64,)
        B = np.exp(-r2 / (2 * s ** 2)) - surround * np.exp(-r2 / (2 * (1.8 * s) ** 2))
        rows.append(B / np.abs(B).max() + noise * rng.normal(size=P * P))
    return np.array(rows)  # (n, 64)


def dct_basis_images():
    """The 63 non-constant 8 × 8 DCT-II basis images (a JPEG block's shapes), one per row."""
    k = np.arange(P)
    C = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * P))  # (8, 8) row u: frequency u
    return np.array([np.outer(C[u], C[v]).ravel()
                     for u in range(P) for v in range(P) if u or v])  # (63, 64)


@pytest.fixture(scope="module")
def scores():
    rng = np.random.default_rng(2026)
    kinds = {
        "gabor": random_gabors(rng)[0],
        "white noise": rng.normal(size=(N_EACH, P * P)),
        "gaussian blob": random_blobs(rng),
        "difference of gaussians": random_blobs(rng, surround=0.6),
        "DCT basis image": dct_basis_images(),
    }
    result = {name: edge_scores(W) for name, W in kinds.items()}
    for name, s in result.items():
        print(f"\n{name:>24}: score {s.score.min():.2f}–{s.score.max():.2f}  "
              f"R² median {np.median(s.gabor_r2):.2f}  "
              f"selectivity median {np.median(s.orientation_selectivity):.2f}  "
              f"localisation median {np.median(s.localisation):.2f}", end="")
    return result


# ----------------------------------------------------------------------------- separation

def test_every_noisy_gabor_is_edge_like_with_margin(scores):
    assert scores["gabor"].score.min() >= EDGE_SCORE_THRESHOLD + 0.1
    assert scores["gabor"].fraction_edge_like == 1.0


@pytest.mark.parametrize("kind", ["white noise", "gaussian blob", "difference of gaussians"])
def test_noise_and_blobs_are_not_edge_like_with_margin(scores, kind):
    assert scores[kind].score.max() <= EDGE_SCORE_THRESHOLD - 0.05
    assert scores[kind].n_edge_like == 0


def test_gabor_fit_explains_gabors_but_not_noise(scores):
    assert scores["gabor"].gabor_r2.min() > 0.75
    assert np.median(scores["white noise"].gabor_r2) < 0.35


def test_blobs_are_fit_well_but_rejected_by_their_isotropic_spectrum(scores):
    blob = scores["gaussian blob"]
    assert blob.gabor_r2.min() > 0.9  # a low-frequency Gabor is a blob…
    assert blob.orientation_selectivity.max() < 0.2  # …but its spectrum has no orientation


def test_gratings_are_fit_and_oriented_but_rejected_by_their_localisation(scores):
    dct = scores["DCT basis image"]
    assert dct.n_edge_like == 0 and np.median(dct.score) < 0.01
    # the closest is the half-cosine across the patch, a smooth step (DCT (0, 1) and (1, 0))
    assert np.sort(dct.score)[-3] < EDGE_SCORE_THRESHOLD - 0.1
    oriented = dct.orientation_selectivity > 0.8  # the stripes along one axis
    assert oriented.sum() >= 14 and np.median(dct.gabor_r2[oriented]) > 0.9
    assert dct.localisation[oriented].max() < 0.2 < scores["gabor"].localisation.min()


def test_patch_filling_grating_against_an_edge_at_the_same_frequency():
    grating = np.cos(2 * np.pi * 0.125 * (XX + 0.3))  # (64,) one period of 8 pixels, across
    edge = grating * np.exp(-((XX - 3.5) ** 2) / (2 * 1.0 ** 2))  # the same under a window
    s = edge_scores(np.vstack([grating, edge]))
    assert s.cycles[0] > 2 > 0.3 > s.cycles[1]
    assert list(s.is_edge_like) == [False, True]


# ----------------------------------------------------------------------------- the parts

def test_clean_gabor_is_fit_exactly_and_its_orientation_found():
    rng = np.random.default_rng(7)
    W, theta = random_gabors(rng, n=10, noise=0.0)
    for w, t in zip(W, theta):
        q, r2 = fit_gabor(w.reshape(P, P))
        assert r2 > 0.999
        angle = orientation_selectivity(w.reshape(P, P))[1]
        assert min(abs(angle - t), np.pi - abs(angle - t)) < 0.2  # radians, mod π


def test_gabor_jacobian_matches_centred_differences():
    q = np.array([3.2, 4.1, 0.7, 0.18, 1.6, 2.2, 0.8, -0.5, 0.1])
    _, J = gabor(q, XX, YY, with_jacobian=True)  # (64, 9)
    h = 1e-6
    numeric = np.stack([(gabor(q + h * e, XX, YY) - gabor(q - h * e, XX, YY)) / (2 * h)
                        for e in np.eye(9)], axis=1)  # (64, 9)
    np.testing.assert_allclose(J, numeric, atol=1e-7)


def test_isotropic_and_grating_orientation_selectivity():
    assert orientation_selectivity(np.zeros((P, P))) == (0.0, 0.0)
    centred = np.exp(-((XX - 3.5) ** 2 + (YY - 3.5) ** 2) / (2 * 1.5 ** 2)).reshape(P, P)
    assert orientation_selectivity(centred)[0] < 0.01
    grating = np.cos(2 * np.pi * 0.25 * XX).reshape(P, P)  # vertical stripes
    selectivity, angle = orientation_selectivity(grating)
    assert selectivity > 0.8  # not 1: the 8-pixel window spreads some power along f_y
    assert min(angle, np.pi - angle) < 1e-6


def test_constant_and_scaled_filters():
    s = edge_scores(np.vstack([np.ones(64), np.zeros(64)]))
    np.testing.assert_array_equal(s.score, 0.0)
    W, _ = random_gabors(np.random.default_rng(3), n=5)
    np.testing.assert_allclose(edge_scores(1e-4 * W).score, edge_scores(W).score, atol=1e-3)


def test_colour_filters_use_their_dominant_colour_direction():
    W, _ = random_gabors(np.random.default_rng(4), n=5, noise=0.05)
    red_minus_green = np.stack([W, -W, np.zeros_like(W)], axis=2).reshape(5, -1)  # (5, 192)
    luminance = np.repeat(W[:, :, None], 3, axis=2).reshape(5, -1)  # (5, 192)
    grey = edge_scores(W).score
    np.testing.assert_allclose(edge_scores(red_minus_green).score, grey, atol=1e-6)
    np.testing.assert_allclose(edge_scores(luminance).score, grey, atol=1e-6)


def test_the_work_per_filter_is_bounded(monkeypatch):
    """What keeps scoring fast, counted rather than timed: at most two starts per filter,
    each at most MAX_FIT_EVALUATIONS evaluations of the model and as many Jacobians."""
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return gabor(*args, **kwargs)
    monkeypatch.setattr(edge_score, "gabor", counted)
    W = np.random.default_rng(5).normal(size=(25, 64))  # noise is the slowest case
    edge_scores(W)
    assert 25 <= len(calls) <= 25 * 2 * 2 * edge_score.MAX_FIT_EVALUATIONS


def test_bad_threshold_names_the_parameter():
    with pytest.raises(ValueError, match="'threshold'"):
        edge_scores(np.ones((1, 64)), threshold=2.0)
