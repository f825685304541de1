"""The fast path of a training step: the update of the readable step, near the BLAS floor.

Shapes as in :mod:`tinysae.modern.sae` (``B`` examples per minibatch, ``n_v``, ``n_h``),
plus ``r``, the rows of a worker's share of the minibatch, and ``n``, the latents of a
worker's block.

The readable step (:mod:`tinysae.modern.training`: ``sae_loss_and_grad``, then
``projected_step``) builds about twenty (B, n_h) and (n_h, n_v) temporaries. Here the same
equations run on buffers made once (they are in :mod:`tinysae.modern.fast_step_blocks`),
in two phases, each cut into a fixed number of parts that worker threads (one per core)
take in turn, with a one-thread BLAS (numpy's ufuncs and BLAS release the GIL, so the
elementwise work runs on every core too):

1. **by rows**: each share of the minibatch goes through the forward pass to
   δ3 and δ2. The encoder product writes z2, the bias is added in place, ReLU or TopK
   leave a bool mask, and δ2 = (δ3 W2 + β) ∘ mask adds β in place;
2. **by latents**: each block of latents gets its weight gradients from
   the whole minibatch (∇W1 = δ2ᵀx̃, ∇W2ᵀ = a2ᵀδ3: no partial sums to add up) and updates
   them at once, while they are fresh in cache. This phase runs on while ``train_sae``
   draws the next minibatch (:meth:`FastStep.finish` waits for it).

**Sparse codes**: a trained SAE keeps few latents per example (L0 ≈ 8 of 1024 in lesson 08).
When the last step had fewer than ``SPARSE_BELOW`` active entries per entry of a2, the
products with a2 or δ2 go through scipy.sparse and δ3 W2 is evaluated at the active
entries only: the decoder's side then costs O(nnz·n_v) instead of the dense O(B·n_h·n_v).

**Adam in place**: with g the gradient *sum* over the minibatch (B times the mean), the
moments are kept unnormalised, μ_t = β1 μ_{t−1} + g and ν_t = β2 ν_{t−1} + g², so that
Adam's m_t = (1 − β1) μ_t / B and v_t = (1 − β2) ν_t / B², and its update
α_t m_t / (√v_t + ε̂) = s_t μ_t / (√ν_t + e_t) with s_t = α_t (1 − β1) / √(1 − β2) and
e_t = ε̂ B / √(1 − β2): the 1/B of the gradient and the (1 − β) of the moments are two
constants, not passes over the arrays. **The decoder is kept as W2ᵀ** (n_h, n_v): each
latent's direction is a contiguous row, so the tangent projection and the renormalisation
are row-wise dot products, and the sparse products gather whole rows.

**Same numbers on any number of cores**: how many shares and blocks a step is cut into
depends on the problem's size only (``MIN_THREAD_WORK``, ``MAX_SHARES``), never on the
cores; every BLAS call runs on one thread; the shares' sums are added in share order. So
the floating-point operations, and their order, are the same whether one worker or
several run them, and a seed gives the same parameters bit for bit on one core or many.

``tinysae bench`` times a step against the floor of its five matrix products (size M1).
"""

import contextlib

import numpy as np

from tinysae.runtime.blas_threads import Workers, available_cores
from tinysae.validation.checks import check_finite_result
from tinysae.training.adam import BETA1, BETA2, EPS
from tinysae.modern.fast_step_blocks import (GATHER_ROWS, adam_update, dense_deltas,
                                             dense_weight_gradients, encode,
                                             remove_parallel_rows, renormalize,
                                             sparse_deltas, sparse_weight_gradients)

#: Below this share of active entries in the codes a2 (L0 / n_h), the step runs through
#: the active entries (sparse products) instead of the dense ones: a little below the
#: share at which the sparse products overtake the dense ones at size M1 (``tinysae bench``
#: times both).
SPARSE_BELOW = 0.05

#: Multiply-adds of the encoder product (B·n_h·n_v) per share of the minibatch, at least
#: (below it, handing a share to a thread costs more than the products it saves).
MIN_THREAD_WORK = 2 ** 23

#: Shares of the minibatch (and blocks of latents) a step is cut into, at most. The count
#: follows from the problem's size alone, not from the cores: the sums over shares are then
#: added in the same order on any machine.
MAX_SHARES = 4


class _Share:
    """One worker's rows of the minibatch: views of the step's (B, ·) arrays, and its own
    work arrays and sums, made once."""

    def __init__(self, rows, step, topk):
        n_h, n_v, dt = step.n_h, step.n_v, step.dtype
        r = rows.stop - rows.start
        self.rows = rows
        self.xc, self.d3 = step.xc[rows], step.d3[rows]  # (r, n_v)  x̃ = x − b2, δ3
        self.z, self.mask = step.z[rows], step.mask[rows]  # (r, n_h)  z2 then a2, kept
        self.G = step.G[rows]  # (r, n_h)  δ3 W2, then δ2
        self.gb1, self.gb2, self.a2_sum = np.empty(n_h, dt), np.empty(n_v, dt), np.empty(n_h, dt)
        self.ones = np.ones(r, dt)  # (r,)  column sums as 1ᵀA (a BLAS product)
        self.row_starts = np.arange(r + 1) * n_h  # (r + 1,)  flat index of each row's start
        self.P, self.Q = np.empty((GATHER_ROWS, n_v), dt), np.empty((GATHER_ROWS, n_v), dt)
        self.part = np.empty((r, n_h), dt) if topk else None  # (r, n_h)  TopK's selection
        self.kth = np.empty(r, dt) if topk else None  # (r,)  each row's k-th largest z2
        self.neg_b1 = step.neg_b1  # (n_h,)  −b1, ReLU's threshold on x̃ W1ᵀ
        self.sq, self.nnz, self.entries = 0.0, 0, None


class FastStep:
    """Adam steps of a ReLU + L1 or TopK sparse autoencoder, in place (module docstring).

    Parameters
    ----------
    params : dict of ndarray
        Initial ``W1`` (n_h, n_v), ``W2`` (n_v, n_h) with unit columns, ``b1``, ``b2``
        (copied into ``dtype``); the Adam state starts at zero, t = 0.
    batch_size : int
        B, the rows of every minibatch given to :meth:`step`.
    activation, k, sparsity_weight
        As in :func:`tinysae.modern.sae.sae_loss_and_grad` (β is ``sparsity_weight``).
    dtype : numpy.float64 or numpy.float32
        The arithmetic.
    n_threads : int, optional
        Worker threads, each with a one-thread BLAS; None: one per available core. There are
        never more workers than shares (``MIN_THREAD_WORK``, ``MAX_SHARES``); with one, no
        threads of our own. The results do not depend on it.

    After each :meth:`step`: ``J`` (the cost of the minibatch before the update), ``fired``
    (n_h,) bool (latents active on some example), ``l0`` (mean active latents per example).
    """

    def __init__(self, params, batch_size, *, activation="relu", k=None, sparsity_weight=0.0,
                 dtype=np.float64, n_threads=None):
        self.dtype = dt = np.dtype(dtype)
        self.W1 = np.array(params["W1"], dt)  # (n_h, n_v)
        self.W2T = np.array(np.transpose(params["W2"]), dt, order="C")  # (n_h, n_v)  W2ᵀ
        self.b1, self.b2 = np.array(params["b1"], dt), np.array(params["b2"], dt)  # (n_h,), (n_v,)
        self.n_h, self.n_v = n_h, n_v = self.W1.shape
        self.mu = {name: np.zeros_like(p) for name, p in self.params_in_place().items()}
        self.nu = {name: np.zeros_like(p) for name, p in self.params_in_place().items()}
        self.t, self.B = 0, batch_size
        self.activation, self.k, self.beta = activation, k, sparsity_weight
        self.xc = np.empty((batch_size, n_v), dt)  # (B, n_v)  x̃ = x − b2
        self.d3 = np.empty((batch_size, n_v), dt)  # (B, n_v)  δ3 = a3 − x
        self.z = np.empty((batch_size, n_h), dt)  # (B, n_h)  z2, then a2 (dense path)
        self.G = np.empty((batch_size, n_h), dt)  # (B, n_h)  δ2 (dense path)
        self.mask = np.empty((batch_size, n_h), bool)  # (B, n_h)  latents kept
        self.gW1, self.gW2T = np.empty((n_h, n_v), dt), np.empty((n_h, n_v), dt)  # (dense)
        self.work = np.empty((n_h, n_v), dt)  # (n_h, n_v)  the projection's
        self.gb1, self.gb2 = np.empty(n_h, dt), np.empty(n_v, dt)  # Σ δ2, Σ δ3 − ...
        self.neg_b1 = np.empty(n_h, dt)  # (n_h,)  −b1, set at each step
        n = max(1, min(MAX_SHARES, batch_size * n_h * n_v // MIN_THREAD_WORK, batch_size, n_h))
        self.workers = Workers(min(available_cores() if n_threads is None else n_threads, n))
        rows = np.linspace(0, batch_size, n + 1).astype(int)  # share w: rows[w]:rows[w + 1]
        self.shares = [_Share(slice(a, b), self, activation == "topk")
                       for a, b in zip(rows[:-1], rows[1:])]
        latents = np.linspace(0, n_h, n + 1).astype(int)  # block w of the latents
        self.latents = [slice(a, b) for a, b in zip(latents[:-1], latents[1:])]
        self.X, self.J, self.fired, self.l0, self.sparse = None, np.nan, None, np.nan, False
        self.pending, self.held = [], contextlib.ExitStack()

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        """Leaving a ``with FastStep(...)`` block waits for the last update, also on an
        error or Ctrl-C (numpy's BLAS threads are then as they were); the block's own error
        is the one raised, not a worker's that it caused."""
        if error_type is None:
            self.finish()
            return
        with contextlib.suppress(Exception):
            self.finish()

    def params_in_place(self):
        """The parameters as the step holds them (W2 as its transpose), not copies."""
        return {"W1": self.W1, "W2T": self.W2T, "b1": self.b1, "b2": self.b2}

    def params(self):
        """A float64 copy of the parameters in the usual layout: dict of ``W1, W2, b1, b2``."""
        self.finish()
        return {"W1": self.W1.astype(np.float64), "W2": self.W2T.T.astype(np.float64, order="C"),
                "b1": self.b1.astype(np.float64), "b2": self.b2.astype(np.float64)}

    def step(self, X, learning_rate):
        """One Adam step on the minibatch ``X`` (B, n_v), of this step's dtype, C-ordered.

        Returns J, the minibatch's cost before the update. With several workers the update
        is still running when this returns: :meth:`finish` waits for it (the next step, and
        :meth:`params` and :meth:`reset_latents`, do)."""
        self.finish()
        self.X, self.sparse = X, self.l0 <= SPARSE_BELOW * self.n_h  # (first step: dense)
        self.held.enter_context(self.workers.one_blas_thread(always=True))  # until finish()
        np.negative(self.b1, out=self.neg_b1)  # (n_h,)
        try:
            self.workers.map(self._rows)
            self._sums(X)
            self.t += 1
            self.pending = self.workers.start(lambda w: self._latents(w, learning_rate))
        except BaseException:
            self.finish()
            raise
        return self.J

    def finish(self):
        """Wait until the last step's update is done (the parameters are then up to date)."""
        try:
            for future in self.pending:
                future.result()
        finally:
            self.pending = []
            self.held.close()  # numpy's BLAS threads as they were

    def _rows(self, w):
        """Phase 1, worker w: its shares (w, w + n, … for n workers)."""
        for s in self.shares[w::self.workers.n]:
            self._share(s)

    def _share(self, s):
        """One share: forward pass, δ3 and δ2 (tinysae.modern.fast_step_blocks).

        An overflow leaves inf or NaN in J or the bias gradients, which :meth:`_sums` names:
        no RuntimeWarning first (numpy's error state is per thread, hence set here)."""
        with np.errstate(over="ignore", invalid="ignore"):
            encode(s, self.X[s.rows], self.W1, self.b1, self.b2, self.activation, self.k)
            deltas = sparse_deltas if self.sparse else dense_deltas
            s.nnz = deltas(s, self.W2T, self.b1, self.beta, self.activation == "relu")
            s.sq = float(np.vdot(s.d3, s.d3))  # Σ ‖a3 − x‖² over the share's rows
            np.matmul(s.ones, s.d3, out=s.gb2)  # (n_v,)  1ᵀδ3

    def _sums(self, X):
        """Between the phases: the bias gradients, J, the latents that fired, L0."""
        shares = self.shares
        with np.errstate(over="ignore", invalid="ignore"):  # named just below instead
            self.gb1[...] = sum(s.gb1 for s in shares)  # (n_h,)  Σ δ2
            self.gb2[...] = sum(s.gb2 for s in shares)  # (n_v,)  Σ δ3
            self.gb2 -= self.gb1 @ self.W1  # (n_v,)  b2 is also in x̃ = x − b2
            a2_sum = sum(s.a2_sum for s in shares)  # (n_h,)  Σ a2
            self.J = (0.5 * sum(s.sq for s in shares) + self.beta * float(a2_sum.sum())) / self.B
            finite = np.isfinite(self.J + self.gb1.sum() + self.gb2.sum())  # NaN, inf
        if not finite:
            check_finite_result("cost J or its gradient", [self.J, self.gb1, self.gb2], {"X": X})
        self.fired = a2_sum > 0  # (n_h,)
        self.l0 = sum(s.nnz for s in shares) / self.B
        if self.sparse:  # the active entries of the whole minibatch, for phase 2
            self.entries = [np.concatenate(part) for part in zip(*(s.entries for s in shares))]

    def _latents(self, w, learning_rate):
        """Phase 2, worker w: its blocks of latents (w, w + n, … for n workers)."""
        for block in range(w, len(self.latents), self.workers.n):
            self._block(block, learning_rate)

    def _block(self, w, learning_rate):
        """Block w of the latents: weight gradients, projection, Adam, renormalisation of W2ᵀ."""
        t, rows = self.t, self.latents[w]
        if self.sparse:
            gW1, gW2T = sparse_weight_gradients(self.entries, rows, self.d3, self.xc)
        else:
            gW1, gW2T = dense_weight_gradients(self.z, self.G, self.d3, self.xc, rows,
                                               self.gW1[rows], self.gW2T[rows])
        alpha_t = learning_rate * (1 - BETA2 ** t) ** 0.5 / (1 - BETA1 ** t)  # Adam's α_t
        step_size = alpha_t * (1 - BETA1) / (1 - BETA2) ** 0.5  # s_t
        eps = EPS * (1 - BETA2 ** t) ** 0.5 * self.B / (1 - BETA2) ** 0.5  # e_t
        remove_parallel_rows(gW2T, self.W2T[rows], self.work[rows])
        for name, g in (("W1", gW1), ("W2T", gW2T), ("b1", self.gb1[rows])):
            adam_update(self.params_in_place()[name][rows], g, self.mu[name][rows],
                        self.nu[name][rows], step_size, eps)
        if w == 0:
            adam_update(self.b2, self.gb2, self.mu["b2"], self.nu["b2"], step_size, eps)
        renormalize(self.W2T[rows])

    def residual(self):
        """x − a3 of the last minibatch, with the parameters before the step: (B, n_v)."""
        return -self.d3

    def reset_latents(self, dead, W1_rows, W2_columns, b1):
        """Latents ``dead`` (bool (n_h,)) get new encoder rows, decoder columns and biases,
        and zero Adam moments (as :func:`tinysae.modern.training.resample_dead`)."""
        self.finish()
        self.W1[dead], self.W2T[dead], self.b1[dead] = W1_rows, W2_columns.T, b1
        for moments in (self.mu, self.nu):
            for name in ("W1", "W2T", "b1"):
                moments[name][dead] = 0.0
