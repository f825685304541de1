"""The bridge, held by the real libraries: the exported transformer in TransformerLens and its
SAEs in SAELens give tinysae's logits and latents (float32, to 1e-4).

Skipped unless torch, transformer-lens and sae-lens are installed (``pip install
"tinysae[interop]"``; CI's interop stage). Nothing touches the network: no hub, no tokenizer;
the model is built from its ``config.json``.
"""

import json
import os
import warnings

import numpy as np
import pytest

for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_name, "1")
torch = pytest.importorskip("torch")
transformer_lens = pytest.importorskip("transformer_lens")
sae_lens = pytest.importorskip("sae_lens")
safetensors_torch = pytest.importorskip("safetensors.torch")

from tinysae.modern import encode, export_saelens, init_sae  # noqa: E402
from tinysae.networks import transformer as tf  # noqa: E402
from tinysae.networks.transformer_export import export_transformerlens  # noqa: E402
from tinysae.networks.transformer_hooks import run_with_cache  # noqa: E402

TOLERANCE = 1e-4
HOOKS = {"blocks.1.hook_resid_post": ("topk", 4), "blocks.0.mlp.hook_post": ("relu", None)}


def trained_looking_model(rng):
    """A two-block model whose weights are far from their small initial values."""
    model = tf.init_transformer(2, 16, 4, 32, 8, rng)
    return {name: p + 0.2 * rng.standard_normal(p.shape) for name, p in model.items()}


def load_transformerlens(folder):
    """How a user loads the folder (README, "From tinysae to SAELens")."""
    from transformer_lens import HookedTransformer, HookedTransformerConfig
    config = json.loads((folder / "config.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = HookedTransformer(HookedTransformerConfig(**config))
    state = safetensors_torch.load_file(str(folder / "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith(("attn.mask", "attn.IGNORE")) for k in missing)
    return model.eval()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("interop")
    model = trained_looking_model(rng)
    tokens = rng.integers(0, 97, size=(3, 8))
    export_transformerlens(model, folder / "model", tokens)
    _, cache = run_with_cache(model, tokens, list(HOOKS))
    saes = {}
    for hook, (activation, k) in HOOKS.items():
        inputs = cache[hook].reshape(-1, cache[hook].shape[-1])  # (n T, width)
        sae = init_sae(inputs.shape[1], 64, rng, data_mean=inputs.mean(axis=0))
        sae["b1"] = 0.05 * rng.standard_normal(64)
        export_saelens(sae, folder / hook, activation, k, check_inputs=inputs, hook_name=hook,
                       hook_layer=int(hook.split(".")[1]), model_name="tinysae-transformer",
                       context_size=8)
        saes[hook] = sae
    return folder, model, tokens


def test_transformerlens_gives_tinysae_logits_and_activations(exported):
    folder, model, tokens = exported
    tl_model = load_transformerlens(folder / "model")
    check_tokens = np.load(folder / "model" / "check_tokens.npy")
    check_logits = np.load(folder / "model" / "check_logits.npy")
    np.testing.assert_array_equal(check_tokens, tokens)
    with torch.no_grad():
        logits, cache = tl_model.run_with_cache(torch.from_numpy(check_tokens))
    delta = float(np.max(np.abs(logits.numpy() - check_logits)))
    print(f"\n    max |Δlogit| TransformerLens − tinysae: {delta:.1e}", end="  ")
    assert delta < TOLERANCE
    _, ours = run_with_cache(model, tokens)
    for name in ("hook_embed", "blocks.0.hook_resid_mid", "blocks.1.attn.hook_pattern",
                 "blocks.0.mlp.hook_post", "blocks.1.hook_mlp_out", "blocks.1.hook_resid_post"):
        np.testing.assert_allclose(cache[name].numpy(), ours[name], atol=TOLERANCE, err_msg=name)


@pytest.mark.parametrize("hook", list(HOOKS))
def test_saelens_gives_tinysae_latents_on_transformerlens_activations(exported, hook):
    folder, model, tokens = exported
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sae = sae_lens.SAE.load_from_disk(str(folder / hook), device="cpu")
    assert sae.cfg.metadata.hook_name == hook
    inputs = np.load(folder / hook / "check_inputs.npy")
    latents = np.load(folder / hook / "check_latents.npy")
    tl_model = load_transformerlens(folder / "model")
    with torch.no_grad():
        direct = sae.encode(torch.from_numpy(inputs)).numpy()
        _, cache = tl_model.run_with_cache(torch.from_numpy(tokens), names_filter=[hook])
        acts = cache[hook].reshape(-1, inputs.shape[1])
        through = sae.encode(acts).numpy()
    delta = max(float(np.max(np.abs(direct - latents))), float(np.max(np.abs(through - latents))))
    print(f"\n    {hook}: max |Δlatent| SAELens − tinysae: {delta:.1e} "
          f"({int(np.count_nonzero(latents))} non-zero)", end="  ")
    assert np.count_nonzero(latents) > 0
    assert delta < TOLERANCE
