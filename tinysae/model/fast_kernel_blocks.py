"""The fast kernel's equations for one block of rows, in place.

:mod:`tinysae.model.fast_kernel` runs them block by block. Shapes as in
:mod:`tinysae.model.sparse_autoencoder`, with ``r`` the rows of this block. Every function
writes into arrays it is given (numpy's ``out=``) and allocates nothing of block size.
"""

import numpy as np


def sigmoid_of_negated(t):
    """Turn ``t = −z`` into ``f(z) = 1 / (1 + e^{−z})`` in place (e^{−z} = inf gives f = 0;
    the kernel runs under ``np.errstate(over="ignore")``, so no warning)."""
    np.exp(t, out=t)
    t += 1.0
    np.reciprocal(t, out=t)


def hidden(Xb, W1, neg_b1, a2):
    """a2 = f(z2), z2 = X W1ᵀ + b1, written into ``a2`` (c, n_h).

    ``neg_b1`` is −b1 of shape (n_h,), or better −b1 in every row, (c, n_h): numpy's
    broadcast loop adds a short bias row one row at a time, and a same-shape array in one
    loop, so the kernel fills such bias rows once per call."""
    np.matmul(Xb, W1.T, out=a2)  # (c, n_h)  X W1ᵀ
    np.subtract(neg_b1, a2, out=a2)  # (c, n_h)  −z2
    sigmoid_of_negated(a2)  # (c, n_h)  a2


def backprop(b, W2, linear, first):
    """Backpropagation for one block (notes §2–§3); returns Σ_rows ‖a3 − x‖².

    δ3 = (a3 − x) ∘ f′(z3), δ2 = (W2ᵀδ3 + s) ∘ a2 ∘ (1 − a2); then ∇W1 += δ2ᵀX,
    ∇W2 += δ3ᵀa2, ∇b1 += Σ δ2, ∇b2 += Σ δ3 into the block's gradient sums (its worker's,
    or its own; the 1/m and λW come later).

    Parameters
    ----------
    b : tinysae.model.fast_kernel._Block
        The block's views: ``x`` (r, n_v) its rows of X; ``a2`` (r, n_h) their hidden
        activations (overwritten); work arrays ``a3``, ``D`` (r, n_v) and ``G`` (r, n_h);
        ``neg_b2`` (r, n_v), −b2 in every row (see :func:`hidden`); ``s`` (r, n_h), the
        sparsity term of δ2 in every row, β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂)) for KL, β for L1;
        ``ones`` (r,); ``gW1``, ``gW2``, ``gb1``, ``gb2``, where the gradient is summed; and
        ``buf``, the worker's buffers (``dW1``, ``dW2``, ``db1``, ``db2`` for one block's part).
    W2 : ndarray of shape (n_v, n_h)
        Output weights.
    linear : bool
        Linear decoder (f′(z3) = 1) instead of sigmoid.
    first : bool
        The first block into these sums: write them instead of adding to them.
    """
    buf, a2, a3, D, G = b.buf, b.a2, b.a3, b.D, b.G
    np.matmul(a2, W2.T, out=a3)  # (r, n_v)  a2 W2ᵀ
    if linear:
        a3 -= b.neg_b2  # (r, n_v)  a3 = z3
        np.subtract(a3, b.x, out=D)  # (r, n_v)  a3 − x = δ3
        sq = np.vdot(D, D)
    else:
        np.subtract(b.neg_b2, a3, out=a3)  # (r, n_v)  −z3
        sigmoid_of_negated(a3)  # (r, n_v)  a3
        np.subtract(a3, b.x, out=D)  # (r, n_v)  a3 − x
        sq = np.vdot(D, D)
        D *= a3  # (r, n_v)
        np.subtract(1.0, a3, out=a3)  # (r, n_v)  1 − a3
        D *= a3  # (r, n_v)  δ3 = (a3 − x) a3 (1 − a3)
    add_product(D.T, a2, buf.dW2, b.gW2, first)  # ∇W2 += δ3ᵀa2
    np.matmul(D, W2, out=G)  # (r, n_h)  δ3 W2
    G += b.s  # (r, n_h)
    G *= a2  # (r, n_h)
    np.subtract(1.0, a2, out=a2)  # (r, n_h)  1 − a2
    G *= a2  # (r, n_h)  δ2
    add_product(G.T, b.x, buf.dW1, b.gW1, first)  # ∇W1 += δ2ᵀX
    add_product(b.ones, G, buf.db1, b.gb1, first)  # ∇b1 += Σ_rows δ2 = 1ᵀδ2
    add_product(b.ones, D, buf.db2, b.gb2, first)  # ∇b2 += Σ_rows δ3 = 1ᵀδ3
    return float(sq)


def add_product(A, B, tmp, out, first):
    """out = A B on the first block, out += A B after (through ``tmp``).

    Column sums go through here too, as ``1ᵀA``: BLAS's matrix-vector product beats
    ``A.sum(axis=0)`` on a block of a few hundred rows (numpy sums each column with a short
    strided loop)."""
    if first:
        np.matmul(A, B, out=out)
    else:
        np.matmul(A, B, out=tmp)
        out += tmp
