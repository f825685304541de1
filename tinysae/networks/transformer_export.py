"""Export the transformer as TransformerLens loads it: ``config.json``, the weights, a check set.

The parameters already carry TransformerLens' state-dict names and shapes
(:mod:`tinysae.networks.transformer`), so the weights are written as they are, in float32,
to ``model.safetensors`` (``pip install "tinysae[export]"``; else ``model.npz``, the same
names). ``config.json`` holds the ``HookedTransformerConfig`` fields that describe this
architecture: pre-LayerNorm ("LN", ε = 1e-5), learned positions ("standard"), GPT-2's tanh
GELU ("gelu_new"), attention scaled by 1/√d_head, no BOS token, no tokenizer (the ids are
the 97 characters of :data:`tinysae.networks.corpus.VOCABULARY`). TransformerLens' state dict
also has two buffers per block (``attn.mask``, ``attn.IGNORE``) that it builds itself, hence
``load_state_dict(..., strict=False)`` on its side.

Beside them, a check set: ``check_tokens.npy`` (n, T) int64, a few windows of token ids,
and ``check_logits.npy`` (n, T, V) float32, tinysae's logits on them, so that a round trip
can be verified anywhere (README, "From tinysae to SAELens"; tests/test_interop_transformerlens.py).
"""

import json
from pathlib import Path

import numpy as np

from tinysae.modern.export import _safetensors, _save_npy, _save_npz
from tinysae.networks.transformer import LN_EPS, config_of, transformer_forward
from tinysae.networks.transformer import check_tokens as _checked_tokens
from tinysae.runtime.atomic_write import atomic_write

CONFIG_FILE = "config.json"
SAFETENSORS_FILE = "model.safetensors"
NPZ_FILE = "model.npz"
CHECK_TOKENS_FILE = "check_tokens.npy"
CHECK_LOGITS_FILE = "check_logits.npy"


def transformerlens_config(model, model_name="tinysae-transformer"):
    """The ``HookedTransformerConfig`` keyword arguments of ``model``, as a dict."""
    config = {name: int(value) for name, value in config_of(model).items()}
    config.update({"d_vocab_out": config["d_vocab"], "act_fn": "gelu_new",
                   "normalization_type": "LN", "positional_embedding_type": "standard",
                   "eps": LN_EPS, "use_attn_scale": True, "attn_only": False,
                   "default_prepend_bos": False, "tokenizer_name": None,
                   "model_name": model_name, "original_architecture": "GPT2LMHeadModel",
                   "init_weights": False})
    return config


def export_transformerlens(model, folder, check_tokens=None, model_name="tinysae-transformer"):
    """Write ``model`` to ``folder`` for TransformerLens; returns the weights' path.

    Parameters
    ----------
    model : dict of ndarray
        From :func:`tinysae.networks.train_transformer` (TransformerLens' names and shapes).
    folder : str or Path
        Created if missing; files with the same names are replaced.
    check_tokens : int ndarray of shape (n, T), optional
        Windows of token ids for the check set; default four windows of n_ctx ids drawn
        with seed 0.
    model_name : str
        ``model_name`` in ``config.json``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = transformerlens_config(model, model_name)
    if check_tokens is None:
        check_tokens = np.random.default_rng(0).integers(0, config["d_vocab"],
                                                          size=(4, config["n_ctx"]))
    tokens = _checked_tokens(model, check_tokens).astype(np.int64)  # (n, T)
    logits, _ = transformer_forward(model, tokens)  # (n, T, V)
    atomic_write(folder / CONFIG_FILE,
                 lambda tmp: Path(tmp).write_text(json.dumps(config, indent=2) + "\n"))
    for name, array in ((CHECK_TOKENS_FILE, tokens),
                        (CHECK_LOGITS_FILE, logits.astype(np.float32))):
        atomic_write(folder / name, lambda tmp, array=array: _save_npy(tmp, array))
    weights = {name: np.ascontiguousarray(p, dtype=np.float32) for name, p in model.items()}
    writer = _safetensors()
    if writer is not None:
        return atomic_write(folder / SAFETENSORS_FILE, lambda tmp: writer.save_file(weights, tmp))
    return atomic_write(folder / NPZ_FILE, lambda tmp: _save_npz(tmp, weights))
