"""The transformer's sub-layers by hand, each ``*_forward`` beside its ``*_backward``.

Shapes as in :mod:`tinysae.networks.transformer`: B sequences of T positions, d = d_model,
H heads of d_h = d_head, d_m = d_mlp. ``p`` is one block's parameters under their short
TransformerLens names (``attn.W_Q`` (H, d, d_h), ``mlp.W_in`` (d, d_m), …). A forward
returns ``(out, cache)`` and its backward takes ``(dout, p, cache)`` (CS231n's pairs)::

    LN(x)   = (x − μ) / √(σ² + ε) ∘ w + b            over the d entries of each position
    Attn(x) = Σ_h softmax(mask(q_h k_hᵀ / √d_h)) v_h W_O[h] + b_O,
              q_h = x W_Q[h] + b_Q[h] (likewise k, v); mask: position i reads j ≤ i only
    MLP(x)  = gelu(x W_in + b_in) W_out + b_out       (gelu: GPT-2's tanh form, "gelu_new")

The named activations pass through ``point(prefix + name, value)`` (identity by default),
where hooks record or replace them (:mod:`tinysae.networks.transformer_hooks`).
"""

import numpy as np

from tinysae.networks.char_mlp import _GELU_A, _GELU_C

#: LayerNorm's ε, TransformerLens' default ``eps``.
LN_EPS = 1e-5


def identity_point(name, value):
    """The hook point of a plain forward pass: every activation passes unchanged."""
    return value


def row_sum(x):
    """Σ over the last axis, kept as an axis of length 1: (..., 1). Written as a product with
    a vector of ones: NumPy's reduction over a short last axis (d = 48, T = 32) loops row by
    row and costs several times as much."""
    return (x @ np.ones(x.shape[-1], dtype=x.dtype))[..., None]  # (..., 1)


def row_mean(x):
    """The mean over the last axis, kept as an axis of length 1: (..., 1)."""
    return row_sum(x) / x.shape[-1]  # (..., 1)


# ----------------------------------------------------------------------------- LayerNorm

def layer_norm_forward(x, w, b):
    """y = (x − μ)/√(σ² + ε) ∘ w + b over the last axis; cache (x̂, scale)."""
    xc = x - row_mean(x)  # (..., d)
    scale = np.sqrt(row_mean(xc * xc) + LN_EPS)  # (..., 1)
    x_hat = xc / scale  # (..., d)  normalised
    return x_hat * w + b, (x_hat, scale, w)  # (..., d)


def layer_norm_backward(dy, cache):
    """δx = (δx̂ − mean δx̂ − x̂ mean(δx̂ ∘ x̂)) / scale with δx̂ = δy ∘ w; ∇w, ∇b summed."""
    x_hat, scale, w = cache
    rows = tuple(range(dy.ndim - 1))
    dw, db = np.sum(dy * x_hat, axis=rows), np.sum(dy, axis=rows)  # (d,), (d,)
    dx_hat = dy * w  # (..., d)
    dx = (dx_hat - row_mean(dx_hat) - x_hat * row_mean(dx_hat * x_hat)) / scale  # (..., d)
    return dx, dw, db


# ----------------------------------------------------------------------------- attention

def heads_forward(x, W, b):
    """x W[h] + b[h] for every head h at once: (B, T, d) → (B, T, H, d_h)."""
    H, d, d_h = W.shape
    flat = W.transpose(1, 0, 2).reshape(d, H * d_h)  # (d, H d_h)
    return (x @ flat).reshape(*x.shape[:-1], H, d_h) + b  # (B, T, H, d_h)


def heads_backward(dq, x, W):
    """δx (B, T, d), ∇W (H, d, d_h) and ∇b (H, d_h) of :func:`heads_forward`."""
    H, d, d_h = W.shape
    dq_flat = dq.reshape(-1, H * d_h)  # (B T, H d_h)
    dW = (x.reshape(-1, d).T @ dq_flat).reshape(d, H, d_h).transpose(1, 0, 2)  # (H, d, d_h)
    dx = (dq_flat @ W.transpose(1, 0, 2).reshape(d, H * d_h).T).reshape(x.shape)  # (B, T, d)
    return dx, dW, dq.sum(axis=(0, 1))  # (B, T, d), (H, d, d_h), (H, d_h)


def causal_mask(T):
    """True where query i may read key j (j ≤ i): (T, T)."""
    return np.tril(np.ones((T, T), dtype=bool))


def attention_forward(x, p, point=identity_point, prefix=""):
    """Causal multi-head self-attention of the normalised stream x (B, T, d): (B, T, d)."""
    T, d_h = x.shape[1], p["attn.W_Q"].shape[2]
    root = d_h ** 0.5  # √d_h, a Python float: float32 scores stay float32
    q = point(prefix + "hook_q", heads_forward(x, p["attn.W_Q"], p["attn.b_Q"]))  # (B,T,H,d_h)
    k = point(prefix + "hook_k", heads_forward(x, p["attn.W_K"], p["attn.b_K"]))  # (B,T,H,d_h)
    v = point(prefix + "hook_v", heads_forward(x, p["attn.W_V"], p["attn.b_V"]))  # (B,T,H,d_h)
    qh, kh, vh = (a.transpose(0, 2, 1, 3) for a in (q, k, v))  # (B, H, T, d_h) each
    scores = np.where(causal_mask(T), qh @ kh.transpose(0, 1, 3, 2) / root,
                      -np.inf)  # (B, H, T, T)  −∞ where j > i
    scores = point(prefix + "hook_attn_scores", scores)  # (B, H, T, T)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))  # (B, H, T, T)
    pattern = point(prefix + "hook_pattern", e / row_sum(e))  # (B, H, T, T)
    z = point(prefix + "hook_z", (pattern @ vh).transpose(0, 2, 1, 3))  # (B, T, H, d_h)
    H = z.shape[2]
    out = z.reshape(*z.shape[:2], H * d_h) @ p["attn.W_O"].reshape(H * d_h, -1) \
        + p["attn.b_O"]  # (B, T, d)
    return out, (x, qh, kh, vh, pattern, z)


def attention_backward(dout, p, cache):
    """δx (B, T, d) and the gradients of the attention's parameters (a dict)."""
    x, qh, kh, vh, pattern, z = cache
    B, T, H, d_h = z.shape
    W_O = p["attn.W_O"].reshape(H * d_h, -1)  # (H d_h, d)
    grads = {"attn.W_O": (z.reshape(B * T, H * d_h).T @ dout.reshape(B * T, -1)).reshape(
        p["attn.W_O"].shape), "attn.b_O": dout.sum(axis=(0, 1))}  # (H, d_h, d), (d,)
    dzh = (dout @ W_O.T).reshape(B, T, H, d_h).transpose(0, 2, 1, 3)  # (B, H, T, d_h)
    dpattern = dzh @ vh.transpose(0, 1, 3, 2)  # (B, H, T, T)
    dvh = pattern.transpose(0, 1, 3, 2) @ dzh  # (B, H, T, d_h)
    dscores = pattern * (dpattern - row_sum(dpattern * pattern))  # (B, H, T, T)  softmax′
    dscores = dscores / d_h ** 0.5  # (B, H, T, T)  zero where masked (pattern = 0 there)
    dqh, dkh = dscores @ kh, dscores.transpose(0, 1, 3, 2) @ qh  # (B, H, T, d_h) each
    dx = np.zeros_like(x)  # (B, T, d)
    for name, dh in (("Q", dqh), ("K", dkh), ("V", dvh)):
        dx_part, grads[f"attn.W_{name}"], grads[f"attn.b_{name}"] = heads_backward(
            dh.transpose(0, 2, 1, 3), x, p[f"attn.W_{name}"])
        dx += dx_part  # (B, T, d)
    return dx, grads


# ----------------------------------------------------------------------------- MLP

def gelu_forward(z):
    """gelu(z) = ½ z (1 + t), t = tanh(√(2/π)(z + 0.044715 z³)); t is kept for the backward."""
    t = np.tanh(_GELU_C * (z + _GELU_A * (z * z * z)))  # (..., d_m)
    return 0.5 * z * (1 + t), t


def gelu_backward(z, t):
    """gelu′(z) = ½ (1 + t) + ½ z (1 − t²) √(2/π)(1 + 3·0.044715 z²), from the forward's t."""
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _GELU_C * (1 + 3 * _GELU_A * (z * z))


def mlp_forward(x, p, point=identity_point, prefix=""):
    """gelu(x W_in + b_in) W_out + b_out of the normalised stream x (B, T, d): (B, T, d)."""
    pre = point(prefix + "hook_pre", x @ p["mlp.W_in"] + p["mlp.b_in"])  # (B, T, d_m)
    post, t = gelu_forward(pre)  # (B, T, d_m) each
    post = point(prefix + "hook_post", post)  # (B, T, d_m)  the MLP's neurons
    return post @ p["mlp.W_out"] + p["mlp.b_out"], (x, pre, post, t)  # (B, T, d)


def mlp_backward(dout, p, cache):
    """δx (B, T, d) and ∇W_in, ∇b_in, ∇W_out, ∇b_out."""
    x, pre, post, t = cache
    d, d_m = p["mlp.W_in"].shape
    grads = {"mlp.W_out": post.reshape(-1, d_m).T @ dout.reshape(-1, d),  # (d_m, d)
             "mlp.b_out": dout.sum(axis=(0, 1))}  # (d,)
    dpre = (dout @ p["mlp.W_out"].T) * gelu_backward(pre, t)  # (B, T, d_m)
    grads["mlp.W_in"] = x.reshape(-1, d).T @ dpre.reshape(-1, d_m)  # (d, d_m)
    grads["mlp.b_in"] = dpre.sum(axis=(0, 1))  # (d_m,)
    return dpre @ p["mlp.W_in"].T, grads  # (B, T, d)
