"""The fast path: the same J and gradient as :func:`tinysae.loss_and_grad`, near the BLAS floor.

Shapes as in :mod:`tinysae.autoencoder` (``m, n_v, n_h``), plus ``c``, the rows of one block.

The reference builds a dozen (m, n_h) and (m, n_v) temporaries per call. Here, with the
same equations (notes §2–§3), every call reuses buffers made once by the factory:

- rows go through in **blocks** of ``c`` rows, so each block's elementwise work runs
  while the block is still in cache, just after the matrix product that made it;
- the sigmoid is computed in place, ``f(z) = 1 / (1 + e^{−z})``: ``−z`` comes from one
  ``subtract(−b, X W1ᵀ)``, then ``exp``, ``+= 1`` and ``reciprocal`` with ``out=``;
- the sparsity term is fused into δ2 in place: ``G = δ3 W2; G += s; G *= a2; G *= 1 − a2``;
- gradient blocks are summed straight into one flat ``theta``-shaped array.

ρ̂ (for the KL penalty) needs every row before any δ2 exists. With ``chunk_size=None``
the hidden activations of all m rows are kept (one (m, n_h) buffer); with ``chunk_size``
set nothing of size m is kept and the data is swept twice (one more X·W1ᵀ and sigmoid),
so that the memory of a call does not grow with m. The L1 penalty needs one sweep always.
"""

import numpy as np

from tinysae._validation import check_choice, check_data, check_int, check_real, fail
from tinysae.autoencoder import (DECODERS, SPARSITY_PENALTIES, _check_theta, kl_divergence,
                                 sparsity_delta)

#: Rows per block when ``chunk_size`` is None: small enough that a block's (c, n_h) and
#: (c, n_v) arrays stay in cache, large enough that each matrix product still runs at full
#: speed (measured on S1–S3, see ``tinysae bench``).
DEFAULT_BLOCK_BYTES = 2 ** 20

#: Agreement with the reference, relative (``max|g − g_ref| / max|g_ref|``): typical 1e-15
#: in float64; float32 is about 1e-6, documented and tested at this bound.
FLOAT32_RTOL = 1e-4


def make_loss_and_grad(X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
                       sparsity_weight=3.0, sparsity="kl", decoder="sigmoid",
                       dtype=None, chunk_size=None):
    """Return ``fun(theta) -> (J, grad)``, the cost of :func:`tinysae.loss_and_grad` for fixed data.

    Parameters
    ----------
    X : ndarray of shape (m, n_v)
        Training examples, one per row (copied once into ``dtype`` if needed).
    n_hidden : int
        n_h, the number of hidden units.
    weight_decay, sparsity_target, sparsity_weight, sparsity, decoder
        λ, ρ, β and the variants, as in :func:`tinysae.loss_and_grad`.
    dtype : {None, numpy.float64, numpy.float32}, default None (float64)
        The arithmetic inside. float32 is about twice as fast on large problems and agrees
        with the float64 reference to about 1e-6 relative (see ``FLOAT32_RTOL``); ``theta``,
        ``J`` and ``grad`` stay float64 either way. Gradient checks need float64.
    chunk_size : int, optional
        Rows per block with bounded memory: nothing of size m is allocated per call. None
        (default) keeps the (m, n_h) hidden activations and picks a cache-sized block.

    Returns
    -------
    fun : callable
        ``fun(theta)`` with theta of shape (2·n_h·n_v + n_h + n_v,) returns ``(J, grad)``:
        a float and a new float64 array shaped like theta (the caller may keep it).
        ``fun`` reuses its buffers, so one ``fun`` must not be called from two threads at once.
    """
    n_h = check_int("n_hidden", n_hidden)
    dtype = _check_dtype(dtype)
    X = check_data("X", X, dtype=dtype)  # (m, n_v)
    hyper = dict(
        lam=check_real("weight_decay", weight_decay, low=0.0),
        rho=check_real("sparsity_target", sparsity_target, low=0.0, high=1.0,
                       low_open=True, high_open=True),
        beta=check_real("sparsity_weight", sparsity_weight, low=0.0),
        sparsity=check_choice("sparsity", sparsity, SPARSITY_PENALTIES),
        linear=check_choice("decoder", decoder, DECODERS) == "linear")
    m, n_v = X.shape
    if chunk_size is None:
        c = min(m, max(256, DEFAULT_BLOCK_BYTES // (X.itemsize * (n_v + n_h))))
    else:
        c = min(m, check_int("chunk_size", chunk_size))
    keep_a2 = chunk_size is None and hyper["sparsity"] == "kl"
    buf = _Buffers(m if keep_a2 else c, c, n_v, n_h, dtype)

    def fun(theta):
        return _loss_and_grad(_check_theta(theta, n_v, n_h), X, n_h, hyper, buf, c, keep_a2)

    return fun


class _Buffers:
    """Work arrays made once per ``fun``: one block's worth, plus ``a2`` for ``a2_rows`` rows."""

    def __init__(self, a2_rows, c, n_v, n_h, dtype):
        self.a2 = np.empty((a2_rows, n_h), dtype)  # (m or c, n_h) hidden activations
        self.G = np.empty((c, n_h), dtype)  # (c, n_h) δ3 W2, then δ2
        self.a3 = np.empty((c, n_v), dtype)  # (c, n_v) output, then f′(z3) parts
        self.D = np.empty((c, n_v), dtype)  # (c, n_v) a3 − x, then δ3
        self.dW1 = np.empty((n_h, n_v), dtype)  # (n_h, n_v) one block's δ2ᵀX
        self.dW2 = np.empty((n_v, n_h), dtype)  # (n_v, n_h) one block's δ3ᵀa2
        self.acc = np.empty(2 * n_h * n_v + n_h + n_v, dtype)  # gradient sum (float32 path)


def _loss_and_grad(theta, X, n_h, hyper, buf, c, keep_a2):
    """J and ∇J over all blocks; see the module docstring for the two sweeps."""
    m, n_v = X.shape
    w = n_h * n_v
    dt = X.dtype
    W1 = theta[:w].reshape(n_h, n_v).astype(dt, copy=False)  # (n_h, n_v)
    W2 = theta[w:2 * w].reshape(n_v, n_h).astype(dt, copy=False)  # (n_v, n_h)
    neg_b1 = -theta[2 * w:2 * w + n_h].astype(dt)  # (n_h,)
    b2 = theta[2 * w + n_h:].astype(dt)  # (n_v,)
    grad = np.empty_like(theta) if dt == np.float64 else buf.acc  # (n_params,) gradient sum
    blocks = [slice(i, min(i + c, m)) for i in range(0, m, c)]
    kl = hyper["sparsity"] == "kl"
    rho_hat = np.zeros(n_h)  # (n_h,) Σ_rows a2, then the mean
    if kl:  # sweep 1: ρ̂ needs every row before any δ2 (a2 kept in buf.a2 if keep_a2)
        for rows in blocks:
            a2 = _a2_rows(buf, rows, keep_a2)  # (c, n_h)
            _hidden(X[rows], W1, neg_b1, a2)
            rho_hat += a2.sum(axis=0)  # (n_h,)
        s = sparsity_delta(rho_hat / m, hyper["rho"], hyper["beta"], "kl").astype(dt)  # (n_h,)
    else:  # L1: the sparsity term of δ2 is the constant β
        s = np.full(n_h, hyper["beta"], dt)  # (n_h,)
    recompute = not kl or (not keep_a2 and len(blocks) > 1)
    recon = 0.0
    for k, rows in enumerate(blocks):  # sweep 2: output, δ3, δ2 and the gradient sums
        a2 = _a2_rows(buf, rows, keep_a2)  # (c, n_h)
        if recompute:
            _hidden(X[rows], W1, neg_b1, a2)
            if not kl:
                rho_hat += a2.sum(axis=0)  # (n_h,)
        recon += _block_backprop(X[rows], a2, W2, b2, s, hyper["linear"], buf, grad, k == 0)
    rho_hat /= m
    grad = grad.astype(np.float64, copy=True) if dt != np.float64 else grad  # (n_params,)
    grad /= m
    grad[:2 * w] += hyper["lam"] * theta[:2 * w]  # (2w,) weight decay, not on biases
    J = (0.5 * recon / m + 0.5 * hyper["lam"] * float(np.dot(theta[:2 * w], theta[:2 * w]))
         + _sparsity_cost(rho_hat, hyper))
    return float(J), grad


def _a2_rows(buf, rows, keep_a2):
    """The hidden activations of ``rows``: their own rows of a kept (m, n_h) buffer, or the block buffer."""
    return buf.a2[rows] if keep_a2 else buf.a2[:rows.stop - rows.start]


def _check_dtype(dtype):
    """None or float64 → float64; float32 → float32; anything else is an error."""
    try:
        dt = np.dtype(np.float64 if dtype is None else dtype)
    except TypeError:
        fail("dtype", "None, numpy.float64 or numpy.float32", dtype, TypeError)
    if dt not in (np.float64, np.float32):
        fail("dtype", "None, numpy.float64 or numpy.float32", dtype)
    return dt


def _sigmoid_of_negated(t):
    """Turn ``t = −z`` into ``f(z) = 1 / (1 + e^{−z})`` in place (e^{−z} = inf gives f = 0)."""
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1.0
    np.reciprocal(t, out=t)


def _hidden(Xb, W1, neg_b1, a2):
    """a2 = f(z2), z2 = X W1ᵀ + b1, written into ``a2`` (c, n_h)."""
    np.matmul(Xb, W1.T, out=a2)  # (c, n_h)  X W1ᵀ
    np.subtract(neg_b1, a2, out=a2)  # (c, n_h)  −z2
    _sigmoid_of_negated(a2)  # (c, n_h)  a2


def _block_backprop(Xb, a2, W2, b2, s, linear, buf, grad, first):
    """One block: a3, δ3, δ2 and their gradient sums added into ``grad``; returns Σ‖a3 − x‖².

    δ3 = (a3 − x) ∘ f′(z3), δ2 = (W2ᵀδ3 + s) ∘ a2 ∘ (1 − a2), ∇W1 += δ2ᵀX, ∇W2 += δ3ᵀa2,
    ∇b1 += Σ δ2, ∇b2 += Σ δ3 (the 1/m and λW come later). ``a2`` is overwritten.
    """
    r, n_v = Xb.shape
    n_h = a2.shape[1]
    w = n_h * n_v
    a3, D, G = buf.a3[:r], buf.D[:r], buf.G[:r]  # (r, n_v), (r, n_v), (r, n_h)
    np.matmul(a2, W2.T, out=a3)  # (r, n_v)  a2 W2ᵀ
    if linear:
        a3 += b2  # (r, n_v)  a3 = z3
        np.subtract(a3, Xb, out=D)  # (r, n_v)  a3 − x = δ3
        sq = float(np.dot(D.ravel(), D.ravel()))
    else:
        np.subtract(-b2, a3, out=a3)  # (r, n_v)  −z3
        _sigmoid_of_negated(a3)  # (r, n_v)  a3
        np.subtract(a3, Xb, out=D)  # (r, n_v)  a3 − x
        sq = float(np.dot(D.ravel(), D.ravel()))
        D *= a3  # (r, n_v)
        np.subtract(1.0, a3, out=a3)  # (r, n_v)  1 − a3
        D *= a3  # (r, n_v)  δ3 = (a3 − x) a3 (1 − a3)
    _add_product(D.T, a2, buf.dW2, grad[w:2 * w].reshape(n_v, n_h), first)  # ∇W2 += δ3ᵀa2
    np.matmul(D, W2, out=G)  # (r, n_h)  δ3 W2
    G += s  # (r, n_h)
    G *= a2  # (r, n_h)
    np.subtract(1.0, a2, out=a2)  # (r, n_h)  1 − a2
    G *= a2  # (r, n_h)  δ2
    _add_product(G.T, Xb, buf.dW1, grad[:w].reshape(n_h, n_v), first)  # ∇W1 += δ2ᵀX
    _add_sum(G, grad[2 * w:2 * w + n_h], first)  # ∇b1 += Σ_rows δ2
    _add_sum(D, grad[2 * w + n_h:], first)  # ∇b2 += Σ_rows δ3
    return sq


def _add_product(A, B, tmp, out, first):
    """out = A B on the first block, out += A B after (through ``tmp``)."""
    if first:
        np.matmul(A, B, out=out)
    else:
        np.matmul(A, B, out=tmp)
        out += tmp


def _add_sum(A, out, first):
    """out = Σ_rows A on the first block, out += Σ_rows A after."""
    if first:
        np.sum(A, axis=0, out=out)
    else:
        out += A.sum(axis=0)


def _sparsity_cost(rho_hat, hyper):
    """β Σ_j KL(ρ‖ρ̂_j), or β Σ_j ρ̂_j for L1 (= β (1/m) Σ_ij |a2_ij|, as a2 > 0)."""
    if hyper["sparsity"] == "l1":
        return hyper["beta"] * float(rho_hat.sum())
    return hyper["beta"] * float(np.sum(kl_divergence(hyper["rho"], rho_hat)))
