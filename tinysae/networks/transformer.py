"""A small GPT-style transformer by hand: embeddings → pre-LayerNorm blocks → unembedding.

Shapes, defined once for this module::

    B    sequences (the batch)        T    positions of a sequence (T ≤ n_ctx)
    d    d_model, the residual stream  H    n_heads       d_h   d_head
    d_m  d_mlp, the MLP's neurons      V    d_vocab (97 characters)
    L    n_layers (blocks)

The parameters are a dict keyed by TransformerLens' state-dict names, with its shapes (so
the model leaves for the field's tools unchanged; "A Mathematical Framework for Transformer
Circuits", Elhage et al. 2021, gives the names)::

    embed.W_E (V, d)    pos_embed.W_pos (n_ctx, d)
    blocks.{l}.ln1.w, ln1.b (d,)           blocks.{l}.ln2.w, ln2.b (d,)
    blocks.{l}.attn.W_Q, W_K, W_V (H, d, d_h)   b_Q, b_K, b_V (H, d_h)
    blocks.{l}.attn.W_O (H, d_h, d)        b_O (d,)
    blocks.{l}.mlp.W_in (d, d_m)  b_in (d_m,)   mlp.W_out (d_m, d)  b_out (d,)
    ln_final.w, ln_final.b (d,)   unembed.W_U (d, V)   unembed.b_U (V,)

Forward pass, with each step's backward beside it (δ = ∂J/∂ of that line's output)::

    x_0   = W_E[tokens] + W_pos[:T]                  (B, T, d)   the residual stream
    for each block l:
      x̂   = LN1(x)                                   (B, T, d)
      x   = x + Attn(x̂)        (resid_mid)           (B, T, d)   δx̂ = Attn′ᵀ δx; δx += LN1′ᵀ δx̂
      x̂   = LN2(x)                                   (B, T, d)
      x   = x + MLP(x̂)         (resid_post)          (B, T, d)
    logits = LN_final(x) W_U + b_U                   (B, T, V)
    J = −(1/(B T)) Σ log softmax(logits)[next token]

with LN, Attn and MLP the sub-layers of :mod:`tinysae.networks.transformer_layers`, each a
``*_forward`` returning ``(out, cache)`` beside a ``*_backward`` taking ``(dout, p, cache)``
(CS231n's pairs), each gradient-checked alone in float64
(tests/test_transformer.py). The forward pass passes every named activation through
``point(name, value)``: by default the identity; :mod:`tinysae.networks.transformer_hooks`
uses it to record activations under TransformerLens' hook names (``blocks.0.hook_resid_post``,
``blocks.0.attn.hook_pattern``, …) or to splice a replacement in. Logits at position t
predict the token at t + 1.
"""

import numpy as np

from tinysae.networks.char_mlp import cross_entropy
from tinysae.networks.transformer_layers import (LN_EPS, attention_backward,  # noqa: F401
                                                 attention_forward, identity_point,
                                                 layer_norm_backward, layer_norm_forward,
                                                 mlp_backward, mlp_forward)
from tinysae.networks.corpus import VOCABULARY
from tinysae.validation.validated import validated
from tinysae.validation.checks import fail

#: Standard deviation of the initial weights (GPT-2's); residual outputs get ÷ √(2 L).
INIT_STD = 0.02

BLOCK_PARAMS = ("ln1.w", "ln1.b", "attn.W_Q", "attn.W_K", "attn.W_V", "attn.b_Q", "attn.b_K",
                "attn.b_V", "attn.W_O", "attn.b_O", "ln2.w", "ln2.b", "mlp.W_in", "mlp.b_in",
                "mlp.W_out", "mlp.b_out")


# ----------------------------------------------------------------------------- parameters

@validated
def init_transformer(n_layers, d_model, n_heads, d_mlp, n_ctx, rng=None, d_vocab=None):
    """Random initial parameters (GPT-2's scheme): weights N(0, 0.02²), the two residual
    outputs W_O and W_out N(0, 0.02²/(2L)), LayerNorm w = 1, every bias and b = 0.

    Parameters
    ----------
    n_layers, d_model, n_heads, d_mlp, n_ctx : int
        L, d, H (d_head = d / H), d_m and the longest sequence n_ctx.
    rng : numpy.random.Generator, int or None
    d_vocab : int, optional
        V; default the 97 characters of :data:`tinysae.networks.corpus.VOCABULARY`.

    Returns
    -------
    dict of ndarray (float64), keyed and shaped as in the module docstring.
    """
    if d_model % n_heads:
        fail("n_heads", f"a divisor of d_model = {d_model}", n_heads)
    rng = np.random.default_rng(rng)
    V = len(VOCABULARY) if d_vocab is None else d_vocab
    d, H, d_h = d_model, n_heads, d_model // n_heads

    def normal(*shape, std=INIT_STD):
        return rng.standard_normal(shape) * std

    out_std = INIT_STD / np.sqrt(2 * n_layers)
    model = {"embed.W_E": normal(V, d), "pos_embed.W_pos": normal(n_ctx, d)}
    for l in range(n_layers):
        block = {"ln1.w": np.ones(d), "ln1.b": np.zeros(d),
                 "attn.W_Q": normal(H, d, d_h), "attn.W_K": normal(H, d, d_h),
                 "attn.W_V": normal(H, d, d_h), "attn.b_Q": np.zeros((H, d_h)),
                 "attn.b_K": np.zeros((H, d_h)), "attn.b_V": np.zeros((H, d_h)),
                 "attn.W_O": normal(H, d_h, d, std=out_std), "attn.b_O": np.zeros(d),
                 "ln2.w": np.ones(d), "ln2.b": np.zeros(d),
                 "mlp.W_in": normal(d, d_mlp), "mlp.b_in": np.zeros(d_mlp),
                 "mlp.W_out": normal(d_mlp, d, std=out_std), "mlp.b_out": np.zeros(d)}
        model.update({f"blocks.{l}.{name}": block[name] for name in BLOCK_PARAMS})
    model.update({"ln_final.w": np.ones(d), "ln_final.b": np.zeros(d),
                   "unembed.W_U": normal(d, V), "unembed.b_U": np.zeros(V)})
    return model


def config_of(model):
    """The sizes of ``model``: n_layers, d_model, n_heads, d_head, d_mlp, n_ctx, d_vocab."""
    H, d, d_h = model["blocks.0.attn.W_Q"].shape
    return {"n_layers": sum(1 for name in model if name.endswith(".attn.W_Q")),
            "d_model": d, "n_heads": H, "d_head": d_h,
            "d_mlp": model["blocks.0.mlp.W_in"].shape[1],
            "n_ctx": model["pos_embed.W_pos"].shape[0],
            "d_vocab": model["embed.W_E"].shape[0]}


def block_params(model, l):
    """Block l's parameters under their short names (``attn.W_Q``, …)."""
    return {name: model[f"blocks.{l}.{name}"] for name in BLOCK_PARAMS}


# ----------------------------------------------------------------------------- one block

def block_forward(x, p, point=identity_point, prefix=""):
    """resid_pre (B, T, d) → resid_post (B, T, d): x + Attn(LN1(x)), then + MLP(LN2(·))."""
    x = point(prefix + "hook_resid_pre", x)  # (B, T, d)
    x1, ln1 = layer_norm_forward(x, p["ln1.w"], p["ln1.b"])  # (B, T, d)
    a, attn = attention_forward(x1, p, point, prefix + "attn.")  # (B, T, d)
    x = point(prefix + "hook_resid_mid", x + point(prefix + "hook_attn_out", a))  # (B, T, d)
    x2, ln2 = layer_norm_forward(x, p["ln2.w"], p["ln2.b"])  # (B, T, d)
    m, mlp = mlp_forward(x2, p, point, prefix + "mlp.")  # (B, T, d)
    x = point(prefix + "hook_resid_post", x + point(prefix + "hook_mlp_out", m))  # (B, T, d)
    return x, (ln1, attn, ln2, mlp)


def block_backward(dx, p, cache):
    """δresid_pre (B, T, d) and the block's gradients, from δresid_post (B, T, d)."""
    ln1, attn, ln2, mlp = cache
    dx2, grads = mlp_backward(dx, p, mlp)  # (B, T, d)  the MLP branch
    dx_ln, grads["ln2.w"], grads["ln2.b"] = layer_norm_backward(dx2, ln2)
    dx = dx + dx_ln  # (B, T, d)  δresid_mid: the skip plus the branch
    dx1, attn_grads = attention_backward(dx, p, attn)  # (B, T, d)
    grads.update(attn_grads)
    dx_ln, grads["ln1.w"], grads["ln1.b"] = layer_norm_backward(dx1, ln1)
    return dx + dx_ln, grads  # (B, T, d)  δresid_pre


# ----------------------------------------------------------------------------- the model

def transformer_forward(model, tokens, point=identity_point):
    """Logits (B, T, V) of token ids (B, T), and the cache for :func:`transformer_backward`."""
    T = tokens.shape[1]
    x = point("hook_embed", model["embed.W_E"][tokens])  # (B, T, d)
    x = x + point("hook_pos_embed", model["pos_embed.W_pos"][:T])  # (B, T, d)
    caches = []
    for l in range(config_of(model)["n_layers"]):
        x, cache = block_forward(x, block_params(model, l), point, f"blocks.{l}.")  # (B, T, d)
        caches.append(cache)
    x_final, ln_final = layer_norm_forward(x, model["ln_final.w"], model["ln_final.b"])
    x_final = point("ln_final.hook_normalized", x_final)  # (B, T, d)
    logits = x_final @ model["unembed.W_U"] + model["unembed.b_U"]  # (B, T, V)
    return logits, (tokens, caches, ln_final, x_final)


def transformer_backward(dlogits, model, cache):
    """Every parameter's gradient (a dict like ``model``) from δlogits (B, T, V)."""
    tokens, caches, ln_final, x_final = cache
    B, T, V = dlogits.shape
    d = x_final.shape[-1]
    grads = {"unembed.W_U": x_final.reshape(-1, d).T @ dlogits.reshape(-1, V),  # (d, V)
             "unembed.b_U": dlogits.sum(axis=(0, 1))}  # (V,)
    dx, grads["ln_final.w"], grads["ln_final.b"] = layer_norm_backward(
        dlogits @ model["unembed.W_U"].T, ln_final)  # (B, T, d)
    for l in reversed(range(len(caches))):
        dx, block_grads = block_backward(dx, block_params(model, l), caches[l])  # (B, T, d)
        grads.update({f"blocks.{l}.{name}": g for name, g in block_grads.items()})
    dW_pos = np.zeros_like(model["pos_embed.W_pos"])  # (n_ctx, d)
    dW_pos[:T] = dx.sum(axis=0)  # (T, d)
    onehot = np.eye(V, dtype=dx.dtype)[tokens.ravel()]  # (B T, V)
    grads["pos_embed.W_pos"], grads["embed.W_E"] = dW_pos, onehot.T @ dx.reshape(-1, d)  # (V, d)
    return {name: grads[name] for name in model}


def transformer_loss_and_grad(model, tokens):
    """J (nats per token, every position predicting the next) and its gradient.

    Parameters
    ----------
    model : dict of ndarray
        From :func:`init_transformer` or training.
    tokens : int ndarray of shape (B, T + 1)
        Sequences of ids; positions 0 … T − 1 are read, 1 … T are the targets.
    """
    check_tokens(model, tokens[:, :-1] if np.ndim(tokens) == 2 else tokens)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]  # (B, T), (B, T)
    logits, cache = transformer_forward(model, inputs)  # (B, T, V)
    B, T, V = logits.shape
    J, dlogits = cross_entropy(logits.reshape(B * T, V), targets.ravel())  # δ (B T, V)
    return J, transformer_backward(dlogits.reshape(B, T, V), model, cache)


def check_tokens(model, tokens):
    """``tokens`` a 2-D integer array of ids below V, at most n_ctx positions long."""
    config = config_of(model)
    tokens = np.asarray(tokens)
    if tokens.dtype.kind not in "iu" or tokens.ndim != 2 or not \
            1 <= tokens.shape[1] <= config["n_ctx"]:
        fail("tokens", f"an integer array of shape (B, T), 1 <= T <= n_ctx = "
             f"{config['n_ctx']}", tokens)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= config["d_vocab"]):
        fail("tokens", f"token ids in [0, {config['d_vocab']})", tokens)
    return tokens
