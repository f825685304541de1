"""The transformer's gradient, checked block by block: the class demo's table for lesson 12.

Each row checks one sub-layer of :mod:`tinysae.networks.transformer` alone, then the block,
then the whole model, in float64 on a tiny problem (B = 2 sequences of T = 5 positions,
d = 8, H = 2 heads of d_h = 4, d_m = 12, V = 11). A sub-layer is checked through the scalar
J = Σ out ∘ R for a fixed random R, whose gradient with respect to ``out`` is R, so its
``*_backward(R, cache)`` must give ∂J/∂(every input and parameter). Every parameter block
gets its own UFLDL ratio ‖num − ana‖ / ‖num + ana‖, so a wrong gradient shows where it is.

Two things a student will meet here. The key bias b_K has a gradient of exactly 0: adding
the same q_i·b_K to every score of row i leaves the softmax unchanged. Its ratio would
divide rounding noise by rounding noise, so a block whose gradients are both below
:data:`ZERO_GRADIENT` in norm shows ‖num − ana‖ itself, marked ``=0``. And UFLDL's two-point
difference is not enough for the two-block model: its error is ε²|J‴|/6 (truncation) plus
u·|J|/ε (rounding, u ≈ 1.1e-16), LayerNorm and attention make J‴ large, and the query
weights of a deep block have a small gradient, so no ε resolves every block below
1e-9 on every seed (most seeds leave one block at a few 1e-9). The rows therefore use the
four-point centred difference
(:func:`~tinysae.model.gradient_check.four_point_gradient`, error O(ε⁴)) at
ε = :data:`~tinysae.model.gradient_check.FOUR_POINT_EPSILON`, where both errors are small.
"""

from dataclasses import dataclass

import numpy as np

from tinysae.model.gradient_check import (FOUR_POINT_EPSILON, four_point_gradient,
                                          relative_difference)
from tinysae.networks import transformer as tf

#: The tiny problem's sizes.
B, T, D_MODEL, N_HEADS, D_MLP, N_CTX, D_VOCAB = 2, 5, 8, 2, 12, 6, 11
#: Below this norm a block's gradient is zero (numerical noise ~1e-11, analytic ~1e-17).
ZERO_GRADIENT = 1e-9
#: The seed of the whole-model rows.
MODEL_SEED = 0


@dataclass(frozen=True)
class Row:
    label: str
    run: object  # () -> (J(as_dict) function, analytic grads dict, point dict)


def tiny_model(n_layers, seed=0):
    """Random parameters with every block off its initial value (biases ≠ 0, LN w ≠ 1)."""
    rng = np.random.default_rng(seed)
    model = tf.init_transformer(n_layers, D_MODEL, N_HEADS, D_MLP, N_CTX, rng, D_VOCAB)
    return {name: p + 0.3 * rng.standard_normal(p.shape) for name, p in model.items()}


def _sublayer_problem(forward, backward, names, seed):
    """J = Σ forward(x, p) ∘ R over the input x and the parameters ``names`` of block 0."""
    rng = np.random.default_rng(seed)
    p = tf.block_params(tiny_model(1, seed), 0)
    point = {"x": rng.standard_normal((B, T, D_MODEL))}  # (B, T, d)
    point.update({name: p[name] for name in names})
    R = rng.standard_normal((B, T, D_MODEL))  # (B, T, d)

    def J(values):
        out, _ = forward(values["x"], {**p, **values})
        return float(np.sum(out * R))

    _, cache = forward(point["x"], {**p, **point})
    dx, grads = backward(R, {**p, **point}, cache)
    return J, {"x": dx, **{name: grads[name] for name in names}}, point


def _layer_norm(seed=1):
    def forward(x, p):
        return tf.layer_norm_forward(x, p["ln1.w"], p["ln1.b"])

    def backward(dout, p, cache):
        dx, dw, db = tf.layer_norm_backward(dout, cache)
        return dx, {"ln1.w": dw, "ln1.b": db}
    return _sublayer_problem(forward, backward, ("ln1.w", "ln1.b"), seed)


def _attention(seed=2):
    return _sublayer_problem(tf.attention_forward, tf.attention_backward,
                             [n for n in tf.BLOCK_PARAMS if n.startswith("attn.")], seed)


def _mlp(seed=3):
    return _sublayer_problem(tf.mlp_forward, tf.mlp_backward,
                             [n for n in tf.BLOCK_PARAMS if n.startswith("mlp.")], seed)


def _block(seed=4):
    return _sublayer_problem(tf.block_forward, tf.block_backward, tf.BLOCK_PARAMS, seed)


def _whole_model(n_layers, seed=MODEL_SEED):
    rng = np.random.default_rng(seed)
    model = tiny_model(n_layers, seed)
    tokens = rng.integers(0, len(model["unembed.b_U"]), size=(B, T + 1))  # (B, T + 1)

    def J(values):
        return tf.transformer_loss_and_grad(values, tokens)[0]
    return J, tf.transformer_loss_and_grad(model, tokens)[1], model


ROWS = [
    Row("LayerNorm", _layer_norm),
    Row("causal attention, 2 heads", _attention),
    Row("GELU MLP", _mlp),
    Row("one block (LN, attn, LN, MLP)", _block),
    Row("model, 2 blocks + softmax", lambda: _whole_model(2)),
]


def check_row(row, eps=FOUR_POINT_EPSILON):
    """``(ratio over everything, {block name: ratio})`` of one row, four-point centred
    differences against the hand-written backward pass."""
    J, analytic, point = row.run()
    names = list(point)
    shapes = [np.shape(point[name]) for name in names]
    ends = np.cumsum([int(np.prod(s)) for s in shapes])

    def as_dict(theta):
        return {n: part.reshape(s) for n, part, s in zip(names, np.split(theta, ends[:-1]),
                                                          shapes)}
    theta = np.concatenate([np.ravel(point[name]) for name in names]).astype(np.float64)
    numerical = as_dict(four_point_gradient(lambda t: J(as_dict(t)), theta, eps=eps))
    per_block = {n: _block_ratio(np.ravel(numerical[n]), np.ravel(analytic[n])) for n in names}
    everything = relative_difference(np.concatenate([np.ravel(numerical[n]) for n in names]),
                                     np.concatenate([np.ravel(analytic[n]) for n in names]))
    return everything, per_block


def _block_ratio(numerical, analytic):
    """UFLDL's ratio, or ‖num − ana‖ when both gradients are zero (below ZERO_GRADIENT)."""
    if np.linalg.norm(numerical) + np.linalg.norm(analytic) < ZERO_GRADIENT:
        return ZeroGradient(np.linalg.norm(numerical - analytic))
    return relative_difference(numerical, analytic)


class ZeroGradient(float):
    """‖num − ana‖ of a block whose gradient is exactly zero; printed with ``=0``."""


def format_row(label, ratio, blocks, width=3):
    """The row: label and ratio over everything, then every block's ratio, ``width`` a line
    (the model's names shortened: ``blocks.1.attn.W_Q`` → ``1.attn.W_Q``)."""
    cells = [f"{name.replace('blocks.', ''):>16} {value:7.0e}"
             + ("=0" if isinstance(value, ZeroGradient) else "  ") for name, value in blocks.items()]
    lines = [f"{label:<32}{ratio:9.0e}   worst {max(blocks.values()):7.0e}"]
    lines += ["    " + "".join(cells[i:i + width]) for i in range(0, len(cells), width)]
    return "\n".join(lines)
