"""Export to a SAELens-style folder: the names, the shapes, and the same forward pass after loading."""

import json

import numpy as np
import pytest

import tinysae.modern.export as export
from tinysae.modern import export_saelens, init_sae, load_saelens, sae_forward


def trained_looking_sae(rng):
    params = init_sae(6, 10, rng, data_mean=rng.standard_normal(6))
    params["b1"] = 0.1 * rng.standard_normal(10)
    return params


def saelens_forward(weights, x, k=None):
    """SAELens' standard (or TopK) forward pass, written from its documented equations."""
    pre = (x - weights["b_dec"]) @ weights["W_enc"] + weights["b_enc"]  # (m, d_sae)
    if k is not None:
        keep = np.argsort(-pre, axis=1)[:, :k]
        mask = np.zeros_like(pre, dtype=bool)
        np.put_along_axis(mask, keep, True, axis=1)
        pre = np.where(mask, pre, 0.0)
    return np.maximum(pre, 0) @ weights["W_dec"] + weights["b_dec"]  # (m, d_in)


@pytest.mark.parametrize("writer", ["npz", "safetensors"])
@pytest.mark.parametrize("activation, k", [("relu", None), ("topk", 3)])
def test_export_then_load_gives_the_same_sae(tmp_path, monkeypatch, writer, activation, k):
    if writer == "safetensors":
        pytest.importorskip("safetensors")
    else:
        monkeypatch.setattr(export, "_safetensors", lambda: None)
    rng = np.random.default_rng(0)
    params = trained_looking_sae(rng)
    path = export_saelens(params, tmp_path / "sae", activation, k, hook_name="hidden.1")
    assert path.name == {"npz": "sae_weights.npz", "safetensors": "sae_weights.safetensors"}[writer]
    config = json.loads((tmp_path / "sae" / "cfg.json").read_text())
    assert (config["d_in"], config["d_sae"], config["hook_name"]) == (6, 10, "hidden.1")
    assert config["architecture"] == {"relu": "standard", "topk": "topk"}[activation]
    assert config.get("k") == k and config["apply_b_dec_to_input"] is True
    loaded, _ = load_saelens(tmp_path / "sae")
    x = rng.standard_normal((5, 6))
    ours = sae_forward(params, x, activation, k)["a3"]
    np.testing.assert_allclose(sae_forward(loaded, x, activation, k)["a3"], ours, atol=1e-5)
    weights = {"W_enc": loaded["W1"].T, "W_dec": loaded["W2"].T, "b_enc": loaded["b1"],
               "b_dec": loaded["b2"]}
    assert weights["W_enc"].shape == (6, 10) and weights["W_dec"].shape == (10, 6)
    np.testing.assert_allclose(saelens_forward(weights, x, k), ours, atol=1e-5)


@pytest.mark.parametrize("activation, k, match", [("topk", None, "'k'"), ("topk", 11, "'k'"),
                                                  ("gelu", None, "'activation'")])
def test_a_bad_activation_or_k_is_named(tmp_path, activation, k, match):
    with pytest.raises((ValueError, TypeError), match=match):
        export_saelens(trained_looking_sae(np.random.default_rng(0)), tmp_path, activation, k)
