"""The equations for one block of rows, in place: what :mod:`tinysae.kernels` runs per block.

Shapes as in :mod:`tinysae.autoencoder`, with ``r`` the rows of this block. Every function
writes into arrays it is given (numpy's ``out=``) and allocates nothing of block size.
"""

import numpy as np


def sigmoid_of_negated(t):
    """Turn ``t = −z`` into ``f(z) = 1 / (1 + e^{−z})`` in place (e^{−z} = inf gives f = 0)."""
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1.0
    np.reciprocal(t, out=t)


def hidden(Xb, W1, neg_b1, a2):
    """a2 = f(z2), z2 = X W1ᵀ + b1, written into ``a2`` (c, n_h).

    ``neg_b1`` is −b1 of shape (n_h,), or better −b1 in every row, (c, n_h): adding a
    bias row to a (512, 64) block took 19 µs broadcast and 7 µs from a same-shape array
    (numpy's broadcast loop runs one short row at a time), so the kernel fills such
    bias rows once per call."""
    np.matmul(Xb, W1.T, out=a2)  # (c, n_h)  X W1ᵀ
    np.subtract(neg_b1, a2, out=a2)  # (c, n_h)  −z2
    sigmoid_of_negated(a2)  # (c, n_h)  a2


def backprop(Xb, a2, W2, neg_b2, s, linear, buf, first):
    """Backpropagation for one block (notes §2–§3); returns Σ_rows ‖a3 − x‖².

    δ3 = (a3 − x) ∘ f′(z3), δ2 = (W2ᵀδ3 + s) ∘ a2 ∘ (1 − a2); then ∇W1 += δ2ᵀX,
    ∇W2 += δ3ᵀa2, ∇b1 += Σ δ2, ∇b2 += Σ δ3 into ``buf.acc`` (the 1/m and λW come later).

    Parameters
    ----------
    Xb : ndarray of shape (r, n_v)
        The block's rows of X.
    a2 : ndarray of shape (r, n_h)
        Their hidden activations (overwritten).
    W2 : ndarray of shape (n_v, n_h)
        Output weights.
    neg_b2 : ndarray of shape (r, n_v) or (n_v,)
        −b2, the output biases negated, in every row (see :func:`hidden`).
    s : ndarray of shape (r, n_h) or (n_h,)
        The sparsity term of δ2, β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂)) for KL, β for L1, in every row.
    linear : bool
        Linear decoder (f′(z3) = 1) instead of sigmoid.
    buf : tinysae.kernels._Buffers
        The worker's buffers; ``buf.acc`` holds the gradient sums.
    first : bool
        The worker's first block: write the sums instead of adding to them.
    """
    grad = buf.acc  # (n_params,)
    r, n_v = Xb.shape
    n_h = a2.shape[1]
    w = n_h * n_v
    a3, D, G = buf.a3[:r], buf.D[:r], buf.G[:r]  # (r, n_v), (r, n_v), (r, n_h)
    np.matmul(a2, W2.T, out=a3)  # (r, n_v)  a2 W2ᵀ
    if linear:
        a3 -= neg_b2  # (r, n_v)  a3 = z3
        np.subtract(a3, Xb, out=D)  # (r, n_v)  a3 − x = δ3
        sq = float(np.dot(D.ravel(), D.ravel()))
    else:
        np.subtract(neg_b2, a3, out=a3)  # (r, n_v)  −z3
        sigmoid_of_negated(a3)  # (r, n_v)  a3
        np.subtract(a3, Xb, out=D)  # (r, n_v)  a3 − x
        sq = float(np.dot(D.ravel(), D.ravel()))
        D *= a3  # (r, n_v)
        np.subtract(1.0, a3, out=a3)  # (r, n_v)  1 − a3
        D *= a3  # (r, n_v)  δ3 = (a3 − x) a3 (1 − a3)
    add_product(D.T, a2, buf.dW2, grad[w:2 * w].reshape(n_v, n_h), first)  # ∇W2 += δ3ᵀa2
    np.matmul(D, W2, out=G)  # (r, n_h)  δ3 W2
    G += s  # (r, n_h)
    G *= a2  # (r, n_h)
    np.subtract(1.0, a2, out=a2)  # (r, n_h)  1 − a2
    G *= a2  # (r, n_h)  δ2
    add_product(G.T, Xb, buf.dW1, grad[:w].reshape(n_h, n_v), first)  # ∇W1 += δ2ᵀX
    ones = buf.ones[:r]  # (r,)
    add_product(ones, G, buf.db1, grad[2 * w:2 * w + n_h], first)  # ∇b1 += Σ_rows δ2 = 1ᵀδ2
    add_product(ones, D, buf.db2, grad[2 * w + n_h:], first)  # ∇b2 += Σ_rows δ3 = 1ᵀδ3
    return sq


def add_product(A, B, tmp, out, first):
    """out = A B on the first block, out += A B after (through ``tmp``).

    Column sums go through here too, as ``1ᵀA``: BLAS's matrix-vector product was 3–4×
    faster than ``A.sum(axis=0)`` on a (512, 25) or (512, 64) block (numpy sums each
    column with a short strided loop)."""
    if first:
        np.matmul(A, B, out=out)
    else:
        np.matmul(A, B, out=tmp)
        out += tmp
