"""``tinysae bench``'s transformer row: one training step of lesson 12's model against its floor.

Size T1 is lesson 12's transformer: 2 blocks, d_model 48, 4 heads of 12, d_mlp 192,
windows of n_ctx = 32 characters, B = 32 windows a step, float32. A *step* is what
:func:`tinysae.networks.train_transformer` does for each minibatch: draw the windows,
forward and backward pass (:func:`tinysae.networks.transformer_loss_and_grad`), Adam. Its
floor is every matrix product of that step on the same shapes and dtype: per block, the
Q, K, V and output projections, the scores q kᵀ and pattern · v of every head, the MLP's
two products; the unembedding and the embedding's one-hot product; and in the backward pass
the two products (δinput and ∇weight) of each of them. Everything else — LayerNorm, softmax,
GELU, the loss, Adam, the reshapes — is the ratio's excess over 1.

The step is timed as :func:`~tinysae.networks.training.fit_with_adam` runs it, inside
:func:`~tinysae.runtime.heap_reuse.reuse_freed_heap`, and once more without (the row
"heap given back"): there each step's freed memory goes back to the system and the next
step faults its pages in again.
"""

import time

import numpy as np

from tinysae.commands.bench.timing import round_robin, summary
from tinysae.networks.corpus import VOCABULARY
from tinysae.networks.transformer import init_transformer, transformer_loss_and_grad
from tinysae.networks.transformer_training import training_windows
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.runtime.heap_reuse import reuse_freed_heap
from tinysae.training.adam import adam_init, apply_adam

#: name: (n_layers, d_model, n_heads, d_mlp, n_ctx, batch B); quick runs use QUICK_SIZE
TRANSFORMER_SIZES = {"T1": (2, 48, 4, 192, 32, 32)}
QUICK_SIZE = (1, 16, 2, 32, 8, 4)
#: the learning rate of the timed steps (tiny: the model stays as it is)
TIMING_RATE = 1e-9


def transformer_floor(size, dtype=np.float32):
    """A function running only the matrix products of one training step (forward and
    backward), on lesson 12's shapes."""
    L, d, H, d_m, T, B = size
    V, d_h, n = len(VOCABULARY), d // H, B * T
    rng = np.random.default_rng(1)

    def normal(*shape):
        return rng.standard_normal(shape).astype(dtype)
    x, W, W_in, W_out = normal(n, d), normal(d, d), normal(d, d_m), normal(d_m, d)  # (BT, d) …
    h, W_U, onehot = normal(n, d_m), normal(d, V), normal(n, V)  # (BT, d_m), (d, V), (BT, V)
    q, k = normal(B * H, T, d_h), normal(B * H, T, d_h)  # (B H, T, d_h)
    s = normal(B * H, T, T)  # (B H, T, T)

    def linear(a, w):  # forward a w, then backward δa = δ wᵀ and ∇w = aᵀ δ
        out = a @ w
        return out @ w.T, a.T @ out

    def products():
        for _ in range(L):
            for _ in range(4):  # Q, K, V, and the output projection
                linear(x, W)
            for _ in range(2):  # scores q kᵀ, then pattern · v; each with its two backward
                scores = q @ k.transpose(0, 2, 1)  # (B H, T, T)
                scores @ k, s.transpose(0, 2, 1) @ q  # δq, δk
            linear(x, W_in)
            linear(h, W_out)
        linear(x, W_U)
        onehot.T @ x  # ∇W_E
    return products


def transformer_contenders(size, dtype=np.float32, seed=0):
    """{label: (callable, factor)}: one training step (with the freed heap kept, and given
    back) and its floor."""
    L, d, H, d_m, T, B = size
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, len(VOCABULARY), size=20_000).astype(np.uint8)  # (N,)
    model = {n: p.astype(dtype) for n, p in init_transformer(L, d, H, d_m, T, rng).items()}
    state = adam_init(model)

    def step():
        tokens = training_windows(ids, B, T, rng).astype(np.intp)  # (B, T + 1)
        _, grads = transformer_loss_and_grad(model, tokens)
        apply_adam(model, grads, state, TIMING_RATE)

    def step_as_trained():
        with reuse_freed_heap():
            step()
    return {"training step": (step_as_trained, 1.0), "heap given back": (step, 1.0),
            "floor": (transformer_floor(size, dtype), 1.0)}


def transformer_table(repeats, quick=False, cpu=False):
    """Print ms per training step of lesson 12's transformer and its ratio to the floor."""
    size = QUICK_SIZE if quick else TRANSFORMER_SIZES["T1"]
    clock = time.process_time if cpu else time.perf_counter
    print(f"\n## Speed, transformer: {'CPU' if cpu else 'wall'} ms per training step (windows "
          f"drawn, forward, backward, Adam), one thread, float32, {repeats} rounds")
    with limit_blas_threads(numpy_threads=1):
        times = round_robin(transformer_contenders(size), repeats, clock=clock)
    print(f"{'size':<4} {'(L, d, H, d_mlp, T, B)':<24} {'implementation':<16} {'median ms':>10} "
          f"{'× floor':>8} {'best ms':>10} {'× floor':>8}")
    for label, t in times.items():
        med, ratio, best, best_ratio = summary(t, times["floor"])
        print(f"{'T1':<4} {str(size):<24} {label:<16} {med:>10.2f} {ratio:>8.2f} {best:>10.2f} "
              f"{best_ratio:>8.2f}")
