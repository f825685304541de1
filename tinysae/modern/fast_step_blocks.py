"""The fast step's equations, in place: a share of the rows, then a block of the latents.

:mod:`tinysae.modern.fast_step` runs them. Shapes as in :mod:`tinysae.modern.sae`, with ``r``
the rows of a share, ``n`` the latents of a block and ``nnz`` the active entries (latent j
kept for example i). Every function writes into the arrays it is given (numpy's ``out=``);
gradients are sums over the minibatch (the 1/B comes later, inside Adam's constants).
"""

import numpy as np
import scipy.sparse

from tinysae.training.adam import BETA1, BETA2
from tinysae.modern.sae import topk_mask

#: Rows gathered at once when δ3 W2 is evaluated at the active entries only: small enough
#: that the gathered rows stay in cache.
GATHER_ROWS = 1024


# ----------------------------------------------- a share of the rows: forward, δ3 and δ2

def encode(s, X, W1, b1, b2, activation, k):
    """x̃ = x − b2, z2 = x̃ W1ᵀ + b1 and the mask of kept latents.

    ``s`` is the share: ``xc`` (r, n_v), ``z`` (r, n_h), ``mask`` (r, n_h) bool, and for
    TopK ``part`` (r, n_h) and ``kth`` (r,) as work arrays. For ReLU, ``z`` is left as
    x̃ W1ᵀ, without b1: the mask is x̃ W1ᵀ > −b1 (the same as z2 > 0, also in floating
    point), and b1 is added where it is needed, at the active entries only when they are
    few (:func:`sparse_deltas`) or everywhere (:func:`dense_deltas`)."""
    np.subtract(X, b2, out=s.xc)  # (r, n_v)  x̃
    np.matmul(s.xc, W1.T, out=s.z)  # (r, n_h)  x̃ W1ᵀ
    if activation == "topk":
        s.z += b1  # (r, n_h)  z2
        keep_top_k(s, k)
    else:
        np.greater(s.z, s.neg_b1, out=s.mask)  # (r, n_h)  ReLU: z2 > 0


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


def dense_deltas(s, W2T, b1, beta, relu):
    """δ3 and δ2 with the dense products (any L0); ``z`` becomes a2, ``d3`` δ3 (r, n_v),
    ``G`` δ2 (r, n_h), and the share's sums ``gb1`` = 1ᵀδ2 and ``a2_sum`` = 1ᵀa2 (n_h,).
    Returns nnz."""
    a2 = s.z
    if relu:
        a2 += b1  # (r, n_h)  z2
    a2 *= s.mask  # (r, n_h)  a2 = z2 ∘ mask
    np.matmul(a2, W2T, out=s.d3)  # (r, n_v)  a2 W2ᵀ
    s.d3 -= s.xc  # (r, n_v)  δ3 = a3 − x = a2 W2ᵀ − x̃
    np.matmul(s.d3, W2T.T, out=s.G)  # (r, n_h)  δ3 W2
    if beta:
        s.G += beta  # (r, n_h)  + β, the L1 term's derivative
    s.G *= s.mask  # (r, n_h)  δ2
    np.matmul(s.ones, s.G, out=s.gb1)  # (n_h,)  1ᵀδ2
    np.matmul(s.ones, a2, out=s.a2_sum)  # (n_h,)  1ᵀa2
    return int(np.count_nonzero(s.mask))


def sparse_deltas(s, W2T, b1, beta, relu):
    """The same through the active entries only (few of them): a2 is a sparse (r, n_h)
    matrix, so a2 W2ᵀ costs nnz·n_v (scipy.sparse), and δ3 W2 is needed only at the active
    entries. Sets ``entries``: each active entry's example (in the minibatch), latent, a2
    and δ2, (nnz,) each. Returns nnz."""
    n_h = s.z.shape[1]
    active = np.flatnonzero(s.mask)  # (nnz,)  i n_h + j, in row order
    rows, cols = np.divmod(active, n_h)  # (nnz,), (nnz,)
    a2 = s.z.ravel()[active]  # (nnz,)  a2 = z2 at the active entries ...
    if relu:
        a2 += b1[cols]  # (nnz,)  ... once the bias is added
    starts = np.searchsorted(active, s.row_starts)  # (r + 1,)  where each row's entries start
    A = scipy.sparse.csr_array((a2, cols, starts), shape=s.z.shape)  # (r, n_h), nnz entries
    np.subtract(A @ W2T, s.xc, out=s.d3)  # (r, n_v)  δ3 = a2 W2ᵀ − x̃
    delta2 = entries_of_product(s.d3, W2T, rows, cols, s.P, s.Q)  # (nnz,)  (δ3 W2)_ij
    if beta:
        delta2 += beta  # (nnz,)  δ2 at the active entries
    s.gb1[...] = np.bincount(cols, delta2, minlength=n_h)  # (n_h,)  1ᵀδ2
    s.a2_sum[...] = np.bincount(cols, a2, minlength=n_h)  # (n_h,)  1ᵀa2
    s.entries = (rows + s.rows.start, cols, a2, delta2)
    return active.size


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


# --------------------------------------- a block of the latents: weight gradients, Adam

def dense_weight_gradients(a2, G, d3, xc, latents, gW1, gW2T):
    """∇W1 = δ2ᵀx̃ and ∇W2ᵀ = a2ᵀδ3 for the block's latents, into ``gW1``, ``gW2T`` (n, n_v)."""
    np.matmul(a2[:, latents].T, d3, out=gW2T)  # (n, n_v)  a2ᵀδ3
    np.matmul(G[:, latents].T, xc, out=gW1)  # (n, n_v)  δ2ᵀx̃
    return gW1, gW2T


def sparse_weight_gradients(entries, latents, d3, xc):
    """The same from the active entries (``entries`` of the whole minibatch, as
    :func:`sparse_deltas` sets them): new arrays (n, n_v), nnz·n_v each.

    The block's entries, grouped by latent, make a sparse (n, B) matrix holding a2ᵀ, then
    δ2ᵀ: each product gathers the rows of δ3 or x̃ its latent needs."""
    rows, cols, a2, delta2 = entries  # (nnz,) each
    ours = np.flatnonzero((cols >= latents.start) & (cols < latents.stop))  # (n_ours,)
    ours = ours[np.argsort(cols[ours], kind="stable")]  # by latent, then example
    starts = np.searchsorted(cols[ours], np.arange(latents.start, latents.stop + 1))
    shape = (latents.stop - latents.start, d3.shape[0])
    AT = scipy.sparse.csr_array((a2[ours], rows[ours], starts), shape=shape)  # (n, B) a2ᵀ
    gW2T = AT @ d3  # (n, n_v)  a2ᵀδ3
    AT.data = delta2[ours]  # the same entries, now δ2ᵀ's
    return AT @ xc, gW2T  # (n, n_v)  δ2ᵀx̃, a2ᵀδ3


def adam_update(theta, g, mu, nu, step_size, eps):
    """θ −= step_size · μ / (√ν + eps) after μ = β1 μ + g, ν = β2 ν + g², all in place.

    ``g`` is used as the work array (overwritten). See :mod:`tinysae.modern.fast_step` for
    how this is :func:`tinysae.training.adam.adam_step` with the moments rescaled."""
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


def renormalize(W2T):
    """Each row of W2ᵀ (a decoder column) divided by its length, in place."""
    W2T /= np.sqrt(np.einsum("ij,ij->i", W2T, W2T))[:, None]  # (n, n_v)
