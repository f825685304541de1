"""The fast step's equations for one worker's share, in place.

:mod:`tinysae.modern.fast_step` runs them. Shapes as in :mod:`tinysae.modern.sae`, with ``r``
the rows of the share and ``nnz`` its active entries (latent j kept for example i). Every
function writes into the arrays it is given (numpy's ``out=``); the gradients are sums over
the share's rows (the 1/B comes later, inside Adam's constants).
"""

import numpy as np
import scipy.sparse

from tinysae.modern.adam import BETA1, BETA2
from tinysae.modern.sae import topk_mask

#: Rows gathered at once when δ3 W2 is evaluated at the active entries only: small enough
#: that the gathered rows stay in cache.
GATHER_ROWS = 1024


def encode(s, X, W1, b1, b2, activation, k):
    """x̃ = x − b2, z2 = x̃ W1ᵀ + b1 and the mask of kept latents; returns nnz.

    ``s`` is the share: ``xc`` (r, n_v), ``z`` (r, n_h), ``mask`` (r, n_h) bool, and for
    TopK ``part`` (r, n_h) and ``kth`` (r,) as work arrays."""
    np.subtract(X, b2, out=s.xc)  # (r, n_v)  x̃
    np.matmul(s.xc, W1.T, out=s.z)  # (r, n_h)  x̃ W1ᵀ
    s.z += b1  # (r, n_h)  z2
    if activation == "topk":
        keep_top_k(s, k)
    else:
        np.greater(s.z, 0, out=s.mask)  # (r, n_h)  ReLU: z2 > 0
    return int(np.count_nonzero(s.mask))


def keep_top_k(s, k):
    """mask = (z2 ≥ the row's k-th largest value) and z2 > 0.

    An in-place ``partition`` of a copy finds each row's k-th largest value (an O(n_h)
    selection, as ``argpartition`` in the reference, without its index bookkeeping). A row
    keeps more than k only if its k-th and (k+1)-th largest values tie; then some row has
    two entries at its threshold, which one count over the batch notices, and the rows
    with too many take the reference's mask."""
    n_h = s.z.shape[1]
    np.copyto(s.part, s.z)  # (r, n_h)
    s.part.partition(n_h - k, axis=1)
    kth = s.part[:, n_h - k]  # (r,)  each row's k-th largest
    np.maximum(kth, np.finfo(s.z.dtype).smallest_subnormal, out=s.kth)  # (r,)  and > 0
    np.equal(s.z, s.kth[:, None], out=s.mask)  # (r, n_h)  entries at the threshold
    at_threshold = np.count_nonzero(s.mask)  # one per row whose k-th largest is > 0, if no ties
    np.greater_equal(s.z, s.kth[:, None], out=s.mask)  # (r, n_h)  kept
    if at_threshold > np.count_nonzero(kth > 0):
        for i in np.flatnonzero(np.count_nonzero(s.mask, axis=1) > k):
            s.mask[i] = topk_mask(s.z[i:i + 1], k)[0]


def dense_backward(s, W2T, beta):
    """δ3, δ2 and the gradient sums of the share with the four dense products (any L0).

    Writes ``d3`` (r, n_v); ``gW1`` (n_h, n_v) Σ δ2ᵀx̃; ``gW2T`` (n_h, n_v) Σ a2ᵀδ3 (∇W2ᵀ);
    ``gb1`` (n_h,) Σ δ2; ``a2_sum`` (n_h,) Σ a2; ``z`` becomes a2 and ``G`` δ2."""
    a2 = s.z
    a2 *= s.mask  # (r, n_h)  a2 = z2 ∘ mask
    np.matmul(a2, W2T, out=s.d3)  # (r, n_v)  a2 W2ᵀ
    s.d3 -= s.xc  # (r, n_v)  δ3 = a3 − x = a2 W2ᵀ − x̃
    np.matmul(a2.T, s.d3, out=s.gW2T)  # (n_h, n_v)  a2ᵀδ3
    np.matmul(s.d3, W2T.T, out=s.G)  # (r, n_h)  δ3 W2
    if beta:
        s.G += beta  # (r, n_h)  + β, the L1 term's derivative
    s.G *= s.mask  # (r, n_h)  δ2
    np.matmul(s.G.T, s.xc, out=s.gW1)  # (n_h, n_v)  δ2ᵀx̃
    np.matmul(s.ones, s.G, out=s.gb1)  # (n_h,)  1ᵀδ2
    np.matmul(s.ones, a2, out=s.a2_sum)  # (n_h,)  1ᵀa2
    s.grad_W1, s.grad_W2T = s.gW1, s.gW2T


def sparse_backward(s, W2T, beta):
    """The same as :func:`dense_backward`, through the active entries only (few of them).

    a2 and δ2 are sparse (r, n_h) matrices with nnz entries, so a2 W2ᵀ, a2ᵀδ3 and δ2ᵀx̃ cost
    nnz·n_v each (scipy.sparse), and δ3 W2 is needed only at the active entries: for each,
    the dot product of a row of δ3 with a row of W2ᵀ. The two gradient sums come back as
    new arrays, ``grad_W1`` and ``grad_W2T``."""
    n_h = s.z.shape[1]
    active = np.flatnonzero(s.mask)  # (nnz,)  i n_h + j, in row order
    rows, cols = np.divmod(active, n_h)  # (nnz,), (nnz,)
    a2 = s.z.ravel()[active]  # (nnz,)  a2 = z2 at the active entries
    starts = np.searchsorted(active, s.row_starts)  # (r + 1,)  where each row's entries start
    A = scipy.sparse.csr_array((a2, cols, starts), shape=s.z.shape)  # (r, n_h), nnz entries
    np.subtract(A @ W2T, s.xc, out=s.d3)  # (r, n_v)  δ3 = a2 W2ᵀ − x̃
    s.grad_W2T = A.T @ s.d3  # (n_h, n_v)  a2ᵀδ3
    delta2 = entries_of_product(s.d3, W2T, rows, cols, s.P, s.Q)  # (nnz,)  (δ3 W2)_ij
    if beta:
        delta2 += beta  # (nnz,)  δ2 at the active entries
    A.data = delta2  # the same entries, now δ2's (r, n_h)
    s.grad_W1 = A.T @ s.xc  # (n_h, n_v)  δ2ᵀx̃
    s.gb1[...] = np.bincount(cols, delta2, minlength=n_h)  # (n_h,)  1ᵀδ2
    s.a2_sum[...] = np.bincount(cols, a2, minlength=n_h)  # (n_h,)  1ᵀa2


def entries_of_product(D, W2T, rows, cols, P, Q):
    """(D W2)_ij = D_i · (W2ᵀ)_j at the given entries: (nnz,), a chunk of P's rows at a time."""
    out = np.empty(rows.size, D.dtype)  # (nnz,)
    for start in range(0, rows.size, P.shape[0]):
        stop = min(start + P.shape[0], rows.size)
        p, q = P[:stop - start], Q[:stop - start]  # (c, n_v) each
        np.take(D, rows[start:stop], axis=0, out=p, mode="clip")  # no bounds to check:
        np.take(W2T, cols[start:stop], axis=0, out=q, mode="clip")  # "clip" writes directly
        np.einsum("ij,ij->i", p, q, out=out[start:stop])  # (c,)
    return out


def adam_update(theta, g, mu, nu, step_size, eps):
    """θ −= step_size · μ / (√ν + eps) after μ = β1 μ + g, ν = β2 ν + g², all in place.

    ``g`` is used as the work array (overwritten). See :mod:`tinysae.modern.fast_step` for
    how this is :func:`tinysae.modern.adam.adam_step` with the moments rescaled."""
    mu *= BETA1
    mu += g  # μ
    g *= g  # g²
    nu *= BETA2
    nu += g  # ν
    np.sqrt(nu, out=g)
    g += eps
    np.divide(mu, g, out=g)
    g *= step_size
    theta -= g


def remove_parallel_rows(gW2T, W2T, work):
    """gW2ᵀ −= diag(w_jᵀ g_j) W2ᵀ: no gradient along a (unit) decoder row, in place: (n, n_v).

    :func:`tinysae.modern.sae.remove_parallel_component`, on rows of the transposes."""
    along = np.einsum("ij,ij->i", W2T, gW2T)  # (n,)  w_jᵀ g_j
    np.multiply(W2T, along[:, None], out=work)  # (n, n_v)
    gW2T -= work


def renormalise(W2T):
    """Each row of W2ᵀ (a decoder column) divided by its length, in place."""
    W2T /= np.sqrt(np.einsum("ij,ij->i", W2T, W2T))[:, None]  # (n, n_v)
