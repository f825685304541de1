"""The fast path: the same J and gradient as :func:`tinysae.loss_and_grad`, near the BLAS floor.

Shapes as in :mod:`tinysae.model.sparse_autoencoder` (``m, n_v, n_h``), plus ``c``, the rows
of one block.

The reference builds a dozen (m, n_h) and (m, n_v) temporaries per call. Here, with the
same equations (notes §2–§3), every call reuses buffers made once by the factory:

- rows go through in **blocks** of ``c`` rows, so each block's elementwise work runs
  while the block is still in cache, just after the matrix product that made it;
- the sigmoid is computed in place, ``f(z) = 1 / (1 + e^{−z})``: ``−z`` comes from one
  ``subtract(−b, X W1ᵀ)``, then ``exp``, ``+= 1`` and ``reciprocal`` with ``out=``;
- the sparsity term is fused into δ2 in place: ``G = δ3 W2; G += s; G *= a2; G *= 1 − a2``;
- gradient blocks are summed straight into one flat ``theta``-shaped array;
- the blocks are shared out to one thread per core, each running its blocks with a
  one-thread BLAS (numpy's ufuncs and BLAS release the GIL), so that the elementwise work
  runs on every core too, not only the matrix products. Between numpy calls a thread
  needs the GIL back, so the Python around them is kept small: each block's views are
  made once, when ``fun`` is.
- when every block's gradient sums fit in :data:`SHARED_SUMS_BYTES` (small problems, such
  as UFLDL's 64 → 25 on 10⁴ patches), each block's sums go into a row of their own and the
  rows are added in block order, so that J and ∇J are the same to the last bit for any
  number of threads; larger problems sum into one gradient per worker.

The equations for one block are in :mod:`tinysae.model.fast_kernel_blocks`.

ρ̂ (for the KL penalty) needs every row before any δ2 exists. With ``chunk_size=None``
the hidden activations of all m rows are kept (one (m, n_h) buffer); with ``chunk_size``
set nothing of size m is kept and the data is swept twice (one more X·W1ᵀ and sigmoid),
so that the memory of a call does not grow with m. The L1 penalty needs one sweep always.
``tinysae bench`` measures all of this against the floor of the five matrix products.
"""

import numpy as np

from tinysae.runtime.blas_threads import Workers, available_cores
from tinysae.validation.checks import check_finite_result
from tinysae.model.fast_kernel_blocks import backprop, hidden
from tinysae.model.parameters import check_theta, n_params, unpack
from tinysae.model.sparse_autoencoder import kl_divergence, sparsity_delta
from tinysae.validation.validated import validated

#: Rows per block when ``chunk_size`` is None: small enough that a block's (c, n_h) and
#: (c, n_v) arrays stay in cache, large enough that each matrix product still runs at full
#: speed and Python's per-block overhead stays small. Fewer rows when a row is wide.
DEFAULT_BLOCK_ROWS = 512
DEFAULT_BLOCK_BYTES = 4 * 2 ** 20

#: Each block sums its gradient into a row of its own (added in block order: the same bits
#: for any number of threads) when all blocks' sums (n_blocks × n_params) fit in this many bytes.
SHARED_SUMS_BYTES = 2 ** 21

#: Agreement with the reference, relative (``max|g − g_ref| / max|g_ref|``): typical 1e-15
#: in float64; float32 is about 1e-6, documented and tested at this bound.
FLOAT32_RTOL = 1e-4


@validated
def make_loss_and_grad(X, n_hidden, *, weight_decay=1e-4, sparsity_target=0.01,
                       sparsity_weight=3.0, sparsity="kl", decoder="sigmoid",
                       dtype=None, chunk_size=None, n_threads=None):
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
        The arithmetic inside. float32 moves half the bytes (faster on large problems) and agrees
        with the float64 reference to about 1e-6 relative (see ``FLOAT32_RTOL``); ``theta``,
        ``J`` and ``grad`` stay float64 either way. Gradient checks need float64.
    chunk_size : int, optional
        Rows per block with bounded memory: nothing of size m is allocated per call. None
        (default) keeps the (m, n_h) hidden activations and picks a cache-sized block.
    n_threads : int, optional
        Blocks worked on at once, each thread with a one-thread BLAS (numpy's BLAS pool is
        set to one thread during a call and restored after). None: one per available core.
        1: no threads of our own, and BLAS keeps whatever threads it has. ``tinysae bench``
        times both ("fast float64" and "n_threads=1").

    Returns
    -------
    fun : callable
        ``fun(theta)`` with theta of shape (2·n_h·n_v + n_h + n_v,) returns ``(J, grad)``:
        a float and a new float64 array shaped like theta (the caller may keep it).
        ``fun`` reuses its buffers, so one ``fun`` must not be called from two threads at once.
    """
    m, n_v = X.shape
    if chunk_size is None:
        row_bytes = X.itemsize * (n_v + n_hidden)
        c = min(m, DEFAULT_BLOCK_ROWS, max(64, DEFAULT_BLOCK_BYTES // row_bytes))
    else:
        c = min(m, chunk_size)
    n_blocks = -(-m // c)
    n_workers = min(available_cores() if n_threads is None else n_threads, n_blocks)
    hyper = dict(lam=weight_decay, rho=sparsity_target, beta=sparsity_weight,
                 kl=sparsity == "kl", linear=decoder == "linear")
    keep_a2 = chunk_size is None and hyper["kl"]
    a2_all = np.empty((m, n_hidden), X.dtype) if keep_a2 else None  # (m, n_h) kept activations
    plan = _Plan(X, n_hidden, hyper, c, n_workers, a2_all)

    def fun(theta):
        theta = check_theta("theta", theta, n_v, n_hidden)  # fun is a door too: every call
        params = unpack(theta, n_v, n_hidden)
        # an overflow leaves inf in J or grad, named just below: no RuntimeWarning first
        with plan.workers.one_blas_thread(), np.errstate(over="ignore"):
            J, grad = _loss_and_grad(params, plan)  # float, (n_params,)
        check_finite_result("cost J or its gradient", [J, grad], {
            "theta": theta, "X": X, "weight_decay": weight_decay,
            "sparsity_weight": sparsity_weight}, dtype=X.dtype)
        return J, grad

    return fun


class _Buffers:
    """One worker's arrays, made once: a block's worth of each, and its gradient sum."""

    def __init__(self, c, n_v, n_h, dtype):
        self.a2 = np.empty((c, n_h), dtype)  # (c, n_h) hidden activations (unless kept)
        self.G = np.empty((c, n_h), dtype)  # (c, n_h) δ3 W2, then δ2
        self.a3 = np.empty((c, n_v), dtype)  # (c, n_v) output, then f′(z3) parts
        self.D = np.empty((c, n_v), dtype)  # (c, n_v) a3 − x, then δ3
        self.dW1 = np.empty((n_h, n_v), dtype)  # (n_h, n_v) one block's δ2ᵀX
        self.dW2 = np.empty((n_v, n_h), dtype)  # (n_v, n_h) one block's δ3ᵀa2
        self.db1, self.db2 = np.empty(n_h, dtype), np.empty(n_v, dtype)  # (n_h,), (n_v,) 1ᵀδ
        self.ones = np.ones(c, dtype)  # (c,) column sums as 1ᵀA (fast_kernel_blocks.add_product)
        self.acc = np.empty(n_params(n_v, n_h), dtype)  # (n_params,) gradient sum, like theta
        sums = unpack(self.acc, n_v, n_h)
        self.gW1, self.gW2 = sums["W1"], sums["W2"]  # Σ δ2ᵀX (n_h, n_v), Σ δ3ᵀa2 (n_v, n_h)
        self.gb1, self.gb2 = sums["b1"], sums["b2"]  # Σ δ2 (n_h,), Σ δ3 (n_v,)
        # −b1, −b2 and s copied into every row once per call (see fast_kernel_blocks.hidden)
        self.neg_b1, self.s = np.empty((c, n_h), dtype), np.empty((c, n_h), dtype)  # (c, n_h)
        self.neg_b2 = np.empty((c, n_v), dtype)  # (c, n_v)


class _Block:
    """Views of one block of ``r`` rows, made once per ``fun``: its rows of X and of the kept
    activations (if kept), the first ``r`` rows of a worker's buffers, and where its
    gradient is summed (``acc``: the worker's sum, or the block's own row of sums)."""

    def __init__(self, X, rows, buf, a2_all, acc):
        r = rows.stop - rows.start
        sums = unpack(acc, X.shape[1], buf.a2.shape[1])
        self.gW1, self.gW2 = sums["W1"], sums["W2"]  # (n_h, n_v), (n_v, n_h)
        self.gb1, self.gb2 = sums["b1"], sums["b2"]  # (n_h,), (n_v,)
        self.x = X[rows]  # (r, n_v)
        self.a2 = buf.a2[:r] if a2_all is None else a2_all[rows]  # (r, n_h)
        self.a3, self.D = buf.a3[:r], buf.D[:r]  # (r, n_v), (r, n_v)
        self.G, self.neg_b1, self.s = buf.G[:r], buf.neg_b1[:r], buf.s[:r]  # (r, n_h) each
        self.neg_b2, self.ones = buf.neg_b2[:r], buf.ones[:r]  # (r, n_v), (r,)
        self.buf = buf


class _Plan:
    """What a ``fun`` keeps between calls: data, settings, blocks, workers and their buffers."""

    def __init__(self, X, n_h, hyper, c, n_workers, a2_all):
        m, n_v = X.shape
        self.X, self.n_h, self.hyper, self.a2_all = X, n_h, hyper, a2_all
        rows = [slice(i, min(i + c, m)) for i in range(0, m, c)]
        self.bufs = [_Buffers(c, n_v, n_h, X.dtype) for _ in range(n_workers)]
        self.n_blocks, size = len(rows), n_params(n_v, n_h)
        self.shared = self.n_blocks * size * X.itemsize <= SHARED_SUMS_BYTES
        if self.shared:  # a row of sums per block: (n_blocks, n_params), (n_blocks, n_h), (n_blocks,)
            self.sums = np.empty((self.n_blocks, size), X.dtype)  # each block's gradient sums
            self.rho_sums = np.zeros((self.n_blocks, n_h))  # each block's 1ᵀa2
            self.recon = np.zeros(self.n_blocks)  # each block's Σ‖a3 − x‖²
        # worker k's blocks, dealt round-robin: (block index, views), summed into the block's
        # own row of sums or into the worker's buffer
        self.blocks = [[(i, _Block(X, rows[i], buf, a2_all,
                                   self.sums[i] if self.shared else buf.acc))
                        for i in range(k, self.n_blocks, n_workers)]
                       for k, buf in enumerate(self.bufs)]
        # sweep 1's a2 is still in the buffers when each worker has only one block
        self.one_block_each = self.n_blocks == n_workers
        self.workers = Workers(n_workers)

    def map(self, task):
        """``[task(k) for k in workers]``, in parallel when there are several workers.

        Each task runs under ``np.errstate(over="ignore")`` (numpy's error state is per
        thread): e^{−z} = inf is how the sigmoid reaches 0, and any other overflow leaves an
        inf in J or ∇J, which ``fun`` names."""
        def run(k):
            with np.errstate(over="ignore"):
                return task(k)
        return self.workers.map(run)


def _loss_and_grad(params, plan):
    """J and ∇J: sweep 1 (KL only) for ρ̂, sweep 2 for everything else (module docstring)."""
    hyper, m, dt = plan.hyper, plan.X.shape[0], plan.X.dtype
    W1 = params["W1"].astype(dt, copy=False)  # (n_h, n_v)
    W2 = params["W2"].astype(dt, copy=False)  # (n_v, n_h)
    neg_b1, neg_b2 = -params["b1"].astype(dt), -params["b2"].astype(dt)  # (n_h,), (n_v,)
    if hyper["kl"]:  # ρ̂ needs every row before any δ2
        rho_sum = sum(plan.map(lambda k: _hidden_sweep(plan, k, W1, neg_b1)))  # (n_h,)
        rho_hat = (plan.rho_sums.sum(axis=0) if plan.shared else rho_sum) / m  # (n_h,)
        s = sparsity_delta(rho_hat, hyper["rho"], hyper["beta"], "kl").astype(dt)  # (n_h,)
    else:  # L1: the sparsity term of δ2 is the constant β
        s = np.full(plan.n_h, hyper["beta"], dt)  # (n_h,)
    recompute = not hyper["kl"] or (plan.a2_all is None and not plan.one_block_each)
    parts = plan.map(lambda k: _backprop_sweep(plan, k, W1, W2, neg_b1, neg_b2, s, recompute))
    if plan.shared:  # block by block, in block order: the same sum for any number of threads
        grad = plan.sums.sum(axis=0, dtype=np.float64)  # (n_params,) a new array
        parts = [(float(plan.recon.sum()), plan.rho_sums.sum(axis=0), None)]
    else:
        grad = parts[0][2].astype(np.float64)  # (n_params,) a new array, never a buffer
        for _, _, acc in parts[1:]:
            grad += acc
    grad /= m
    g, lam = unpack(grad, plan.X.shape[1], plan.n_h), hyper["lam"]
    g["W1"] += lam * params["W1"]  # (n_h, n_v) weight decay (not on the biases)
    g["W2"] += lam * params["W2"]  # (n_v, n_h)
    if hyper["kl"]:
        sparsity = hyper["beta"] * float(np.sum(kl_divergence(hyper["rho"], rho_hat)))
    else:  # β (1/m) Σ_ij |a2_ij| = β Σ_j ρ̂_j, as a2 > 0
        sparsity = hyper["beta"] * float(sum(part[1] for part in parts).sum()) / m
    squares = float(np.vdot(params["W1"], params["W1"]) + np.vdot(params["W2"], params["W2"]))
    recon = sum(part[0] for part in parts)  # Σ_rows ‖a3 − x‖²
    return 0.5 * recon / m + 0.5 * lam * squares + sparsity, grad


def _hidden_sweep(plan, k, W1, neg_b1):
    """Σ_rows a2 over worker k's blocks (kept in plan.a2_all if it is there): (n_h,)."""
    rho_sum, buf = np.zeros(plan.n_h), plan.bufs[k]  # (n_h,)
    buf.neg_b1[...] = neg_b1  # (c, n_h)  −b1 in every row
    for i, b in plan.blocks[k]:
        hidden(b.x, W1, b.neg_b1, b.a2)
        if plan.shared:
            plan.rho_sums[i] = b.ones @ b.a2  # (n_h,) 1ᵀa2 of block i
        else:
            rho_sum += b.ones @ b.a2  # (n_h,) 1ᵀa2
    return rho_sum


def _backprop_sweep(plan, k, W1, W2, neg_b1, neg_b2, s, recompute):
    """Over worker k's blocks: (Σ‖a3 − x‖², Σ_rows a2 if recomputed, the gradient sums);
    with a row of sums per block (plan.shared), each block's three go there instead."""
    recon, rho_sum, buf = 0.0, np.zeros(plan.n_h), plan.bufs[k]  # rho_sum: (n_h,)
    buf.neg_b1[...], buf.neg_b2[...], buf.s[...] = neg_b1, neg_b2, s  # in every row
    for j, (i, b) in enumerate(plan.blocks[k]):
        if recompute:
            hidden(b.x, W1, b.neg_b1, b.a2)
            if plan.shared:
                plan.rho_sums[i] = b.ones @ b.a2  # (n_h,) 1ᵀa2 of block i
            else:
                rho_sum += b.ones @ b.a2  # (n_h,) 1ᵀa2
        if plan.shared:  # block i's own sums: written, never added to
            plan.recon[i] = backprop(b, W2, plan.hyper["linear"], True)
        else:
            recon += backprop(b, W2, plan.hyper["linear"], j == 0)
    return recon, rho_sum, buf.acc
