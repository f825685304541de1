"""The transformer's activations by TransformerLens' hook names: recorded, sampled, spliced.

Shapes: N characters of text ``ids`` (N,), m positions, T = n_ctx, d = d_model, V = 97.

Every activation of :func:`tinysae.networks.transformer.transformer_forward` passes through
a named hook point, with TransformerLens' names and shapes::

    hook_embed, hook_pos_embed                          (B, T, d), (T, d)
    blocks.{l}.hook_resid_pre / hook_resid_mid / hook_resid_post     (B, T, d)
    blocks.{l}.attn.hook_q / hook_k / hook_v / hook_z   (B, T, H, d_h)
    blocks.{l}.attn.hook_attn_scores / hook_pattern     (B, H, T_query, T_key)
    blocks.{l}.hook_attn_out, blocks.{l}.hook_mlp_out   (B, T, d)
    blocks.{l}.mlp.hook_pre / hook_post                 (B, T, d_m)
    ln_final.hook_normalized                            (B, T, d)

:func:`run_with_cache` returns them (TransformerLens' ``run_with_cache``); :func:`run_with_hooks`
replaces one or more by a function of their value, so a sparse autoencoder's reconstruction
is spliced in with one call. A position p of the text is read as the last position of the
window ``ids[p−T+1 : p+1]``, so it always has the full T characters of context (the MLP of
lesson 10 reads the same window): its activation at a hook is that window's last row, and
its loss is −log p(ids[p+1]) from that row's logits. Reading many positions
(:func:`activations_at`, :func:`transformer_bits_per_character`) runs numpy's BLAS on one
thread, as the character model's evaluation does: the same numbers on any number of cores.
"""

import numpy as np

from tinysae.networks.char_mlp import cross_entropy
from tinysae.networks.training import EVAL_CHUNK, check_ids, random_positions, windows_at
from tinysae.networks.transformer import check_tokens, config_of, transformer_forward
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.validation.checks import fail

#: Windows per forward pass when many positions are read (bounds the memory).
WINDOW_CHUNK = EVAL_CHUNK // 8


def hook_names(model):
    """Every hook name of ``model``, in the order of the forward pass."""
    names = ["hook_embed", "hook_pos_embed"]
    for l in range(config_of(model)["n_layers"]):
        block = f"blocks.{l}."
        names += [block + name for name in (
            "hook_resid_pre", "attn.hook_q", "attn.hook_k", "attn.hook_v",
            "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z", "hook_attn_out",
            "hook_resid_mid", "mlp.hook_pre", "mlp.hook_post", "hook_mlp_out",
            "hook_resid_post")]
    return names + ["ln_final.hook_normalized"]


def _check_hook(model, name):
    if name not in hook_names(model):
        fail("hook_name", "one of the model's hook names, e.g. 'blocks.0.hook_resid_post' "
             "(see hook_names)", name)


def run_with_cache(model, tokens, names=None):
    """The logits (B, T, V) of ``tokens`` (B, T) and ``{hook name: activation}``.

    ``names`` limits the cache to those hooks (default: every one).
    """
    tokens = check_tokens(model, tokens)
    for name in names or ():
        _check_hook(model, name)
    cache = {}

    def point(name, value):
        if names is None or name in names:
            cache[name] = value
        return value
    return transformer_forward(model, tokens, point)[0], cache


def run_with_hooks(model, tokens, hooks):
    """The logits (B, T, V) when each hook ``name`` in ``hooks`` passes ``hooks[name](value)``
    on instead of its value (e.g. ``{"blocks.0.hook_resid_post": sae_reconstruction}``)."""
    tokens = check_tokens(model, tokens)
    for name in hooks:
        _check_hook(model, name)

    def point(name, value):
        return hooks[name](value) if name in hooks else value
    return transformer_forward(model, tokens, point)[0]


def _windows(model, ids, positions):
    """The windows ending at ``positions`` and their targets, WINDOW_CHUNK at a time."""
    T, positions = config_of(model)["n_ctx"], np.asarray(positions)
    ids = check_ids(ids, T)
    for start in range(0, positions.size, WINDOW_CHUNK):
        yield windows_at(ids, positions[start:start + WINDOW_CHUNK], T)  # (c, T), (c,)


@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def activations_at(model, ids, positions, hook_name):
    """The activation at ``hook_name`` of each of ``positions`` of ``ids`` (its window's last
    row): (m, width), e.g. (m, d) for the residual stream, (m, d_m) for ``mlp.hook_post``."""
    _check_hook(model, hook_name)
    rows = [run_with_cache(model, windows, [hook_name])[1][hook_name][:, -1]
            for windows, _ in _windows(model, ids, positions)]
    return np.concatenate(rows).reshape(len(np.asarray(positions)), -1)  # (m, width)


@limit_blas_threads(numpy_threads=1)
def transformer_bits_per_character(model, ids, positions, hooks=None):
    """The mean −log₂ p(next character) at ``positions`` of ``ids``, each read with its full
    window of n_ctx characters; with ``hooks`` (as in :func:`run_with_hooks`) spliced in."""
    total, positions = 0.0, np.asarray(positions)
    for windows, targets in _windows(model, ids, positions):
        logits = run_with_hooks(model, windows, hooks or {})[:, -1]  # (c, V)
        J, _ = cross_entropy(logits, targets)
        total += J * targets.size
    return total / positions.size / np.log(2)


def splice_rows(replace):
    """A hook that applies ``replace`` ((m, width) → (m, width)) to every position's row."""
    def hook(value):
        shape = value.shape
        return replace(value.reshape(-1, shape[-1])).reshape(shape)
    return hook


def hook_sampler(model, ids, hook_name, scale=1.0):
    """``sample(B, rng)``: the activations at ``hook_name`` of every position of B / n_ctx
    random windows of ``ids`` (at least one), times ``scale``: (B', width), for
    :func:`tinysae.modern.train_sae`."""
    _check_hook(model, hook_name)
    T = config_of(model)["n_ctx"]
    ids = check_ids(ids, T)

    def sample(B, rng):
        windows, _ = windows_at(ids, random_positions(ids, max(1, B // T), T, rng), T)
        value = run_with_cache(model, windows, [hook_name])[1][hook_name]  # (B/T, T, width)
        return value.reshape(-1, value.shape[-1]) * scale  # (B, width)
    return sample
