"""How edge-like is a learned filter? A 2-D Gabor fit and the orientation of its spectrum.

Shapes, defined once for this module::

    k    number of filters      h, w  filter height and width in pixels (p × p usually)

An edge detector of the kind the sparse autoencoder learns from natural images (notes
§4, and Olshausen & Field 1996) is *localised*, *oriented* and *band-pass*: close to a
Gabor function, a sinusoid under a Gaussian window. Three numbers capture this:

* ``gabor_r2`` — the fraction of the filter's variance explained by the best 2-D Gabor
  (least squares from starts read off the spectrum). White noise scores about 0.2
  (a 9-parameter curve cannot follow 64 independent pixels); Gabors about 0.9.
* ``orientation_selectivity`` — how concentrated the power spectrum is around one
  orientation: |Σ P(f) e^{2iφ(f)}| / Σ P(f), with φ(f) the angle of frequency f (the
  angle is doubled because f and −f carry the same orientation). 0 for an isotropic
  pattern, 1 for a pure grating. This is what rejects smooth blobs and centre–surround
  (difference-of-Gaussians) filters, which a Gabor with a low frequency fits well.
* ``localisation`` — how few stripes the filter has across its orientation:
  exp(−(f σ_u / c)²), with ``cycles`` = f σ_u the carrier's cycles (f, cycles per pixel)
  within one envelope width σ_u across the stripes, and c = :data:`LOCALISATION_CYCLES`.
  An edge is one dark–light pair (a third of a cycle or less within σ_u, localisation
  0.8–1); a grating that fills the patch has an envelope much wider than the patch, so
  many cycles under it (localisation 0). This is what rejects the gratings a sparse
  autoencoder learns from a JPEG's 8 × 8 compression blocks (the DCT basis images) and
  the stripes of a patch-filling texture, which an (almost flat) Gabor fits well and whose
  spectrum is as oriented as an edge's.

The **edge score** is their product, gabor_r2 · orientation_selectivity · localisation:
the share of the filter's variance that a Gabor explains, discounted by how oriented its
spectrum is and by how many stripes it has, so it is high only when all three are. (A
geometric mean would let a blob's near-perfect fit make up for its isotropic spectrum.)
The threshold 0.2 separates synthetic 8 × 8 filters cleanly: tests/test_edge_score.py holds
noisy Gabors at least 0.1 above it and white noise, Gaussian blobs, differences of
Gaussians and the 63 DCT basis images below it. It sits nearer the non-edges because a
derivative-of-Gaussian edge, the lowest-frequency edge there is, has orientation
selectivity 0.5 at best.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from tinysae.validation.checks import check_data, check_real, fail, scaled_to_unit
from tinysae.data.patches import filter_shape

#: A filter with edge score ≥ this is called edge-like (rationale in the module docstring).
EDGE_SCORE_THRESHOLD = 0.2

#: Side of the zero-padded FFT used for the spectrum (finer angles than the raw p × p).
SPECTRUM_SIZE = 32

#: Function evaluations allowed per Gabor start (a learned edge typically needs 10–60).
MAX_FIT_EVALUATIONS = 100

#: Relative tolerance of the fit on the cost and the parameters (R² to about 3 decimals).
FIT_TOLERANCE = 1e-4

#: The Gabor's parameters (x0, y0, θ, f, σ_u, σ_v, a, b, c): a filter needs more pixels to fit.
GABOR_PARAMETERS = 9

#: c in localisation = exp(−(f σ_u / c)²): at f σ_u = c cycles within one envelope width the
#: score is divided by e. Edges learned from photos have f σ_u ≈ 0.05–0.6, Gabors of V1's
#: bandwidth (1–1.5 octaves) about 0.5, the DCT basis images 1 (the highest frequencies)
#: to 10⁵ (a patch-filling grating: an unbounded envelope).
LOCALISATION_CYCLES = 0.7

#: A first start that explains this much variance is kept without trying the second.
GOOD_FIT_R2 = 0.9


def check_filter_shape(name, shape, value):
    """Filters of ``shape`` (h, w, ...) must have the pixels a Gabor fit needs, at least
    :data:`GABOR_PARAMETERS`; else a ValueError naming ``name`` (``tinysae train`` checks
    its ``--patch-size`` with this before it trains)."""
    if shape[0] * shape[1] < GABOR_PARAMETERS:
        fail(name, f"large enough for filters of at least {GABOR_PARAMETERS} pixels (a Gabor "
             f"has {GABOR_PARAMETERS} parameters to fit), not of shape {shape}", value)


@dataclass(frozen=True)
class EdgeScores:
    """Per-filter edge measures, each an array of shape (k,)."""

    score: np.ndarray
    gabor_r2: np.ndarray
    orientation_selectivity: np.ndarray
    localisation: np.ndarray  # exp(−(cycles / LOCALISATION_CYCLES)²), in (0, 1]
    cycles: np.ndarray  # f σ_u: the carrier's cycles within one envelope width
    orientation: np.ndarray  # radians in [0, π): direction across the stripes
    is_edge_like: np.ndarray  # bool: score >= threshold
    threshold: float = EDGE_SCORE_THRESHOLD

    @property
    def n_edge_like(self):
        """How many filters are edge-like."""
        return int(np.sum(self.is_edge_like))

    @property
    def fraction_edge_like(self):
        """The share of filters that are edge-like, in [0, 1]."""
        return float(np.mean(self.is_edge_like))


# ----------------------------------------------------------------------------- the Gabor model

def gabor(q, xx, yy, with_jacobian=False):
    """G = env · (a cos(2πf·u) + b sin(2πf·u)) + c at pixel centres (xx, yy), each (h·w,).

    ``q = (x0, y0, θ, f, σ_u, σ_v, a, b, c)``: centre, orientation, frequency in cycles
    per pixel, the widths of the Gaussian envelope env = exp(−u²/2σ_u² − v²/2σ_v²) across
    and along the stripes, and the amplitudes (a, b cover every phase, linearly).
    With ``with_jacobian``, also returns ∂G/∂q of shape (h·w, 9).
    """
    x0, y0, theta, f, s_u, s_v, a, b, c = q
    dx, dy = xx - x0, yy - y0  # (h·w,)
    u = dx * np.cos(theta) + dy * np.sin(theta)  # (h·w,) across the stripes
    v = -dx * np.sin(theta) + dy * np.cos(theta)  # (h·w,) along the stripes
    env = np.exp(-0.5 * (u / s_u) ** 2 - 0.5 * (v / s_v) ** 2)  # (h·w,)
    omega = 2 * np.pi * f
    cos, sin = np.cos(omega * u), np.sin(omega * u)  # (h·w,)
    carrier = a * cos + b * sin  # (h·w,)
    G = env * carrier + c  # (h·w,)
    if not with_jacobian:
        return G
    d_carrier = -a * sin + b * cos  # (h·w,) ∂carrier/∂(ωu)
    dG_du = env * (-u / s_u ** 2 * carrier + omega * d_carrier)  # (h·w,)
    dG_dv = env * (-v / s_v ** 2 * carrier)  # (h·w,)
    J = np.stack([
        -np.cos(theta) * dG_du + np.sin(theta) * dG_dv,  # ∂/∂x0
        -np.sin(theta) * dG_du - np.cos(theta) * dG_dv,  # ∂/∂y0
        v * dG_du - u * dG_dv,  # ∂/∂θ  (∂u/∂θ = v, ∂v/∂θ = −u)
        env * 2 * np.pi * u * d_carrier,  # ∂/∂f
        env * carrier * u ** 2 / s_u ** 3,  # ∂/∂σ_u
        env * carrier * v ** 2 / s_v ** 3,  # ∂/∂σ_v
        env * cos, env * sin, np.ones_like(u),  # ∂/∂a, ∂/∂b, ∂/∂c
    ], axis=1)  # (h·w, 9)
    return G, J


def _spectrum(F):
    """Power of the mean-removed filter, zero-padded, with each bin's frequency (cycles/pixel)."""
    P = np.abs(np.fft.fft2(F - F.mean(), s=(SPECTRUM_SIZE, SPECTRUM_SIZE))) ** 2  # (S, S)
    fy, fx = np.meshgrid(np.fft.fftfreq(SPECTRUM_SIZE), np.fft.fftfreq(SPECTRUM_SIZE),
                         indexing="ij")  # (S, S) each
    return P, fx, fy


def orientation_selectivity(F):
    """|Σ P e^{2iφ}| / Σ P over the power spectrum of the filter F (h, w), and the angle.

    Returns ``(selectivity in [0, 1], orientation in [0, π))``; a constant filter gives (0, 0).
    """
    P, fx, fy = _spectrum(F)
    total = P.sum()
    if total <= 0:
        return 0.0, 0.0
    z = np.sum(P * np.exp(2j * np.arctan2(fy, fx))) / total  # mean of the doubled angle
    return float(abs(z)), float(np.angle(z) / 2 % np.pi)


def fit_gabor(F):
    """The best 2-D Gabor for the filter F (h, w) by least squares, and its R².

    Starts: the centre of the filter's energy, the orientation and frequency of the peak
    of its spectrum, and two envelope widths (a fifth and two fifths of the patch side);
    for each, the amplitudes (a, b, c) start at their linear least-squares values.

    Returns
    -------
    q : ndarray of shape (9,)
        (x0, y0, θ, f, σ_u, σ_v, a, b, c), see :func:`gabor`.
    r2 : float
        1 − SSE / Σ(F − mean F)²; 0 for a constant filter.
    """
    h, w = F.shape
    yy, xx = (g.ravel().astype(np.float64) for g in np.mgrid[0:h, 0:w])  # (h·w,) each
    target = F.ravel() - F.mean()  # (h·w,)
    scale = np.sqrt(np.mean(target ** 2))  # fit a unit-variance copy: same tolerances for all
    if scale <= 0:
        return np.array([w / 2, h / 2, 0, 0, 1, 1, 0, 0, F.mean()]), 0.0
    target = target / scale  # (h·w,)
    P, fx, fy = _spectrum(F)
    peak = np.argmax(P)
    theta0, f0 = np.arctan2(fy.flat[peak], fx.flat[peak]), np.hypot(fx.flat[peak], fy.flat[peak])
    energy = target ** 2  # (h·w,)
    x0, y0 = energy @ xx / energy.sum(), energy @ yy / energy.sum()
    best = None
    for sigma in (max(h, w) / 5, 2 * max(h, w) / 5):
        q0 = np.array([x0, y0, theta0, f0, sigma, sigma, 0.0, 0.0, 0.0])
        q0[6:] = np.linalg.lstsq(gabor(q0, xx, yy, True)[1][:, 6:], target, rcond=None)[0]
        fit = least_squares(lambda q: gabor(q, xx, yy) - target, q0, method="lm",
                            jac=lambda q: gabor(q, xx, yy, True)[1],
                            max_nfev=MAX_FIT_EVALUATIONS, xtol=FIT_TOLERANCE, ftol=FIT_TOLERANCE)
        if best is None or fit.cost < best.cost:
            best = fit
        if 1.0 - 2.0 * best.cost / target.size >= GOOD_FIT_R2:
            break  # a good fit from the first start: the second would not change the verdict
    q = best.x.copy()
    q[6:] = q[6:] * scale  # back to the filter's units
    q[8] += F.mean()
    return q, float(max(0.0, 1.0 - 2.0 * best.cost / target.size))


def localisation(q):
    """``(exp(−(f σ_u / c)²), f σ_u)`` of a fitted Gabor ``q`` (see :func:`gabor`), c =
    :data:`LOCALISATION_CYCLES`: 1 for a single stripe pair, 0 for a patch-filling grating."""
    cycles = abs(q[3] * q[4])  # f σ_u (the fit may return either sign of f and σ_u)
    return float(np.exp(-(cycles / LOCALISATION_CYCLES) ** 2)), float(cycles)


# ----------------------------------------------------------------------------- the public measure

def _as_grey(F):
    """A colour filter (h, w, 3) reduced to its dominant colour direction (h, w).

    The first singular vector over the channels: luminance for a luminance edge, the
    red–green difference for a red–green edge. Grey filters pass through.
    """
    if F.ndim == 2:
        return F
    pixels = F.reshape(-1, 3) - F.reshape(-1, 3).mean(axis=0)  # (h·w, 3)
    U, s, _ = np.linalg.svd(pixels, full_matrices=False)  # (h·w, 3), (3,)
    return (U[:, 0] * s[0]).reshape(F.shape[:2])  # (h, w)


def edge_scores(W, patch_shape=None, threshold=EDGE_SCORE_THRESHOLD):
    """How edge-like each row of ``W`` is (see the module docstring for the measure).

    Parameters
    ----------
    W : ndarray of shape (k, n)
        One filter per row, e.g. ``params["W1"]``; grey (n = p²) or colour flattened
        channel-last (n = 3p²), as in :func:`tinysae.pictures.filter_grid.plot_filter_grid`.
    patch_shape : (h, w) or (h, w, 3), optional
        The shape of one filter; guessed as (p, p) or (p, p, 3) when omitted.
    threshold : float, default EDGE_SCORE_THRESHOLD
        Score at or above which a filter is called edge-like.

    Returns
    -------
    EdgeScores
        ``score``, ``gabor_r2``, ``orientation_selectivity``, ``localisation``, ``cycles``,
        ``orientation``, ``is_edge_like`` (arrays of shape (k,)), and
        ``fraction_edge_like``.
    """
    W = check_data("W", W)  # (k, n)
    threshold = check_real("threshold", threshold, 0.0, 1.0)
    shape = filter_shape(W.shape[1], patch_shape)
    check_filter_shape("W", shape, W)
    filters = [_as_grey(scaled_to_unit(row).reshape(shape)) for row in W]  # k × (h, w), scale-free
    fits = [fit_gabor(F) for F in filters]  # k × (q (9,), R²)
    r2 = np.array([fit[1] for fit in fits])  # (k,)
    local, cycles = np.array([localisation(q) for q, _ in fits]).reshape(-1, 2).T  # (k,), (k,)
    osi, angle = np.array([orientation_selectivity(F) for F in filters]).T  # (k,), (k,)
    score = r2 * osi * local  # (k,)
    return EdgeScores(score=score, gabor_r2=r2, orientation_selectivity=osi,
                      localisation=local, cycles=cycles, orientation=angle,
                      is_edge_like=score >= threshold, threshold=float(threshold))
