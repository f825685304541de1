"""PCA and ZCA whitening of patch rows, as in UFLDL's "PCA and whitening" and "Linear decoders".

Shapes, defined once for this module::

    m   number of examples (rows)      d   features per example (e.g. 8·8·3 = 192)
    k   principal components kept

With rows as examples, the notes' ``x_rot = Uᵀ x`` becomes ``X @ U`` here. The steps::

    x̄ = (1/m) Σ_i x_i                     mean of each feature (removed first)
    Σ = (1/m) Σ_i (x_i − x̄)(x_i − x̄)ᵀ      covariance, (d, d)
    Σ = U diag(σ²) Uᵀ                       eigenvectors U (columns), σ₁² ≥ σ₂² ≥ ... ≥ 0
    share of variance kept by k components = (σ₁² + ... + σ_k²) / (σ₁² + ... + σ_d²)
    x_ZCA = U diag(1/√(σ² + ε)) Uᵀ (x − x̄)  ZCA whitening, ε = 0.1 in the exercise

ε keeps the tiny-variance directions (mostly noise) from being blown up: with ε → 0 the
whitened covariance is the identity; with ε > 0 direction i gets variance σ_i²/(σ_i² + ε).
"""

from dataclasses import dataclass

import numpy as np

from tinysae.validation.checks import check_data, check_int, check_real, check_vector, fail
from tinysae.validation.constraints import check

#: UFLDL's linear-decoder exercise regularises ZCA with ε = 0.1.
ZCA_EPSILON = 0.1


@dataclass(frozen=True)
class PCA:
    """A fitted PCA: ``mean`` (d,), ``components`` U (d, d) with one eigenvector per column,
    ``variances`` σ² (d,) in decreasing order."""

    mean: np.ndarray
    components: np.ndarray
    variances: np.ndarray

    def variance_kept(self, k):
        """The share of the total variance in the first ``k`` components (0 … 1)."""
        return pca_variance_kept(self.variances, k)

    def n_components(self, share=0.99):
        """The smallest k whose components keep at least ``share`` of the variance."""
        share = check_real("share", share, 0, 1, "right")
        kept = np.cumsum(self.variances) / self.variances.sum()  # (d,)
        return int(min(np.searchsorted(kept, share - 1e-12) + 1, len(kept)))

    def rotate(self, X, k=None):
        """``x_rot = Uᵀ (x − x̄)``, keeping the first ``k`` components (all if None)."""
        X = check_data("X", X, n_columns=len(self.mean))  # (m, d)
        k = len(self.mean) if k is None else check_int("k", k, 1)
        if k > len(self.mean):
            fail("k", f"at most the number of components ({len(self.mean)})", k)
        return (X - self.mean) @ self.components[:, :k]  # (m, k)


@dataclass(frozen=True)
class ZCA:
    """A fitted ZCA whitening: ``mean`` (d,), the symmetric ``matrix`` (d, d) and ``epsilon``."""

    mean: np.ndarray
    matrix: np.ndarray
    epsilon: float

    def apply(self, X):
        """``x_ZCA = M (x − x̄)`` for each row: returns (m, d)."""
        X = check_data("X", X, n_columns=len(self.mean))  # (m, d)
        return (X - self.mean) @ self.matrix  # (m, d)  M is symmetric, so M.T = M


def covariance(X):
    """``Σ = (1/m) Xcᵀ Xc`` with ``Xc`` the feature-centred rows; returns (mean, Σ)."""
    mean = X.mean(axis=0)  # (d,)
    Xc = X - mean  # (m, d)
    return mean, Xc.T @ Xc / X.shape[0]  # (d,), (d, d)


def fit_pca(X):
    """Principal components of the rows of ``X``.

    Parameters
    ----------
    X : ndarray of shape (m, d)

    Returns
    -------
    PCA
        Eigenvectors of the covariance (columns of ``components``) sorted by decreasing
        variance; variances below zero from rounding are set to 0.
    """
    X = check_data("X", X)  # (m, d)
    mean, sigma = covariance(X)  # (d,), (d, d)
    if not np.all(np.isfinite(sigma)):
        fail("X", "values small enough for their covariance to fit in float64", X)
    variances, U = np.linalg.eigh(sigma)  # (d,) increasing, (d, d)
    order = np.argsort(variances)[::-1]  # (d,)  decreasing
    return PCA(mean=mean, components=U[:, order], variances=np.clip(variances[order], 0, None))


def pca_variance_kept(variances, k):
    """``(σ₁² + ... + σ_k²) / (σ₁² + ... + σ_d²)`` for variances σ² in decreasing order."""
    variances = _check_variances(variances)  # (d,)
    k = check_int("k", k, 1)
    if k > len(variances):
        fail("k", f"at most the number of components ({len(variances)})", k)
    total = variances.sum()
    return float(variances[:k].sum() / total) if total > 0 else 1.0


def _check_variances(variances):
    """A non-empty 1-D array of finite, non-negative variances, as float64."""
    variances = check_vector("variances", variances)  # (d,)
    if np.any(variances < 0):
        fail("variances", "non-negative (eigenvalues of a covariance)", variances)
    return variances


def zca_matrix(pca, epsilon=ZCA_EPSILON):
    """``U diag(1/√(σ² + ε)) Uᵀ``, made exactly symmetric; (d, d)."""
    scale = 1.0 / np.sqrt(pca.variances + epsilon)  # (d,)
    M = (pca.components * scale) @ pca.components.T  # (d, d)
    return (M + M.T) / 2  # (d, d)  symmetric to the last bit


def fit_zca(X, epsilon=ZCA_EPSILON):
    """Fit ZCA whitening to the rows of ``X`` (UFLDL linear decoder: ε = 0.1).

    Parameters
    ----------
    X : ndarray of shape (m, d)
    epsilon : float
        ε ≥ 0 added to every variance; 0 is allowed only if the covariance has full rank
        (no variance below ``numpy.linalg.matrix_rank``'s tolerance).

    Returns
    -------
    ZCA
        ``zca.apply(X)`` whitens rows; ``zca.matrix`` is the (d, d) ZCA matrix (lesson 07
        shows learned filters as ``W1 @ zca.matrix``).
    """
    epsilon = check("zca_epsilon", epsilon, label="epsilon")
    pca = fit_pca(X)
    rank_tolerance = pca.variances[0] * len(pca.variances) * np.finfo(float).eps  # matrix_rank's
    if epsilon == 0 and pca.variances[-1] <= rank_tolerance:
        fail("epsilon", "> 0 for data whose covariance is singular", epsilon)
    return ZCA(mean=pca.mean, matrix=zca_matrix(pca, epsilon), epsilon=epsilon)
