"""Hooks with TransformerLens' names: recorded, spliced, read at text positions; the export."""

import json

import numpy as np
import pytest

from tinysae.networks import transformer as tf
from tinysae.networks.transformer_export import export_transformerlens
from tinysae.networks.transformer_hooks import (activations_at, hook_names, hook_sampler,
                                                run_with_cache, run_with_hooks, splice_rows,
                                                transformer_bits_per_character)
from tinysae.networks.transformer_training import train_transformer


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    m = tf.init_transformer(2, 16, 4, 32, 8, rng)
    return {name: p + 0.2 * rng.standard_normal(p.shape) for name, p in m.items()}


def test_the_cache_has_every_hook_with_transformerlens_shapes(model):
    tokens = np.random.default_rng(1).integers(0, 97, size=(3, 8))
    logits, cache = run_with_cache(model, tokens)
    assert set(cache) == set(hook_names(model)) and logits.shape == (3, 8, 97)
    assert cache["blocks.1.attn.hook_pattern"].shape == (3, 4, 8, 8)
    assert cache["blocks.0.attn.hook_q"].shape == (3, 8, 4, 4)
    assert cache["blocks.0.mlp.hook_post"].shape == (3, 8, 32)
    np.testing.assert_allclose(cache["blocks.1.attn.hook_pattern"].sum(-1), 1, atol=1e-12)
    np.testing.assert_allclose(cache["blocks.0.hook_resid_mid"],
                               cache["blocks.0.hook_resid_pre"] + cache["blocks.0.hook_attn_out"])
    np.testing.assert_array_equal(cache["blocks.0.hook_resid_post"],
                                  cache["blocks.1.hook_resid_pre"])


def test_a_float32_model_stays_float32_at_every_hook_and_gradient(model):
    # One float64 scalar (NumPy 2 promotes float32 arrays to it) would run the rest of the
    # "float32" model in float64 at twice the cost.
    model32 = {name: p.astype(np.float32) for name, p in model.items()}
    tokens = np.random.default_rng(2).integers(0, 97, size=(3, 9))
    logits, cache = run_with_cache(model32, tokens[:, :-1])
    assert logits.dtype == np.float32
    assert {name: a.dtype for name, a in cache.items() if a.dtype != np.float32} == {}
    _, grads = tf.transformer_loss_and_grad(model32, tokens)
    assert {name: g.dtype for name, g in grads.items() if g.dtype != np.float32} == {}


def test_splicing_changes_what_follows_and_only_that(model):
    tokens = np.random.default_rng(2).integers(0, 97, size=(2, 8))
    clean, cache = run_with_cache(model, tokens)
    same = run_with_hooks(model, tokens, {"blocks.1.hook_resid_mid": lambda x: x})
    np.testing.assert_array_equal(same, clean)
    zeroed = run_with_hooks(model, tokens, {"blocks.1.hook_mlp_out": np.zeros_like})
    expected = tf.layer_norm_forward(cache["blocks.1.hook_resid_mid"], model["ln_final.w"],
                                     model["ln_final.b"])[0] @ model["unembed.W_U"] \
        + model["unembed.b_U"]
    np.testing.assert_allclose(zeroed, expected, atol=1e-12)
    assert not np.allclose(zeroed, clean)


def test_activations_at_positions_are_their_windows_last_rows(model):
    ids = np.random.default_rng(3).integers(0, 97, size=200).astype(np.uint8)
    positions = np.array([7, 50, 198])
    acts = activations_at(model, ids, positions, "blocks.0.hook_resid_post")
    _, cache = run_with_cache(model, np.stack([ids[p - 7:p + 1] for p in positions]))
    np.testing.assert_allclose(acts, cache["blocks.0.hook_resid_post"][:, -1])
    bits = transformer_bits_per_character(model, ids, positions)
    spliced = transformer_bits_per_character(
        model, ids, positions, {"blocks.0.hook_resid_post": splice_rows(lambda a: a)})
    assert bits == spliced and bits > 0
    sample = hook_sampler(model, ids, "blocks.0.mlp.hook_post")(32, np.random.default_rng(0))
    assert sample.shape == (32, 32)


def test_a_wrong_hook_name_is_named(model):
    with pytest.raises(ValueError, match="hook_name"):
        run_with_hooks(model, np.zeros((1, 4), int), {"blocks.0.hook_resid": np.zeros_like})


def test_training_lowers_the_loss():
    ids = np.random.default_rng(4).integers(0, 5, size=3000).astype(np.uint8)  # 5 symbols
    result = train_transformer(ids, 1, 16, 2, 32, 8, n_steps=60, batch_size=16,
                               learning_rate=1e-2, log_every=10, rng=0)
    assert result.history["bits"][-1] < result.history["bits"][0] - 2  # ~6.6 → log2 5 ≈ 2.3


def test_export_writes_the_config_the_weights_and_a_check_set(model, tmp_path):
    path = export_transformerlens(model, tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert {k: config[k] for k in ("n_layers", "d_model", "n_heads", "d_head", "d_mlp", "n_ctx",
                                   "d_vocab", "act_fn", "normalization_type",
                                   "positional_embedding_type")} == {
        "n_layers": 2, "d_model": 16, "n_heads": 4, "d_head": 4, "d_mlp": 32, "n_ctx": 8,
        "d_vocab": 97, "act_fn": "gelu_new", "normalization_type": "LN",
        "positional_embedding_type": "standard"}
    tokens = np.load(tmp_path / "check_tokens.npy", allow_pickle=False)
    logits = np.load(tmp_path / "check_logits.npy", allow_pickle=False)
    assert tokens.shape == (4, 8) and logits.shape == (4, 8, 97) and logits.dtype == np.float32
    np.testing.assert_allclose(logits, tf.transformer_forward(model, tokens)[0], atol=1e-5)
    if path.suffix == ".safetensors":
        from safetensors.numpy import load_file
        weights = load_file(str(path))
        assert weights["blocks.1.attn.W_Q"].shape == (4, 16, 4)
        assert weights["unembed.W_U"].shape == (16, 97)
