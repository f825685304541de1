"""Today's architectures, exported by tinysae, loaded by the real SAELens (6.x): same latents.

Skipped where sae_lens is not installed (the optional interop stage installs it with torch).
Each architecture is trained briefly on superposition data, written by
:func:`tinysae.modern.export.export_architecture` and read back with SAELens'
``SAE.load_from_disk``; its ``encode`` must give tinysae's latents to 1e-4 on held-out
examples, and on the check set written beside the weights. The architectures go out in SAELens' inference form: TopK + AuxK as "topk",
JumpReLU as "jumprelu", BatchTopK and Matryoshka as "jumprelu" with one global threshold.
"""

import json

import numpy as np
import pytest

sae_lens = pytest.importorskip("sae_lens")
torch = pytest.importorskip("torch")

from tinysae.modern.architecture_training import architecture_forward, train_architecture  # noqa: E402
from tinysae.modern.export import export_architecture  # noqa: E402
from tinysae.modern.superposition import (firing_probabilities, ground_truth_features,  # noqa: E402
                                          sampler)

#: Largest |latent(SAELens) − latent(tinysae)| allowed (the weights are saved as float32).
TOLERANCE = 1e-4

ARCHITECTURES = {
    "topk_auxk": ("topk", dict(k=4)),
    "jumprelu": ("jumprelu", dict(sparsity_weight=0.01, threshold_init=0.05, bandwidth=0.05)),
    "batchtopk": ("jumprelu", dict(k=4)),
    "matryoshka": ("jumprelu", dict(k=4, prefixes=(16, 32, 64))),
}


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    F = ground_truth_features(128, 32, rng)
    return sampler(F, firing_probabilities(128, 3.0, 0.98))


@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_saelens_reproduces_the_latents(toy, tmp_path, architecture):
    saved_as, settings = ARCHITECTURES[architecture]
    result = train_architecture(toy, 32, 64, architecture, n_steps=100, batch_size=256,
                                learning_rate=3e-3, rng=1, **settings)
    export_architecture(result, tmp_path, hook_name="hidden.1")
    assert json.loads((tmp_path / "cfg.json").read_text())["architecture"] == saved_as

    sae = sae_lens.SAE.load_from_disk(str(tmp_path), device="cpu")
    assert sae.cfg.architecture() == saved_as
    X = toy(2000, np.random.default_rng(2))  # (m, n_v) held out
    ours = architecture_forward(result, X)["a2"]  # (m, n_h)
    with torch.no_grad():
        theirs = sae.encode(torch.tensor(X, dtype=torch.float32)).double().numpy()
    delta = float(np.max(np.abs(theirs - ours)))
    print(f"\n{architecture:>10} as SAELens {saved_as!r}: max |Δlatent| = {delta:.1e}, "
          f"L0 {np.count_nonzero(ours) / len(X):.2f}")
    assert np.count_nonzero(ours) > 0
    assert delta < TOLERANCE
    # the check set written beside the weights holds tinysae's latents in this form too
    inputs = np.load(tmp_path / "check_inputs.npy", allow_pickle=False)
    expected = np.load(tmp_path / "check_latents.npy", allow_pickle=False)
    with torch.no_grad():
        theirs = sae.encode(torch.tensor(inputs, dtype=torch.float32)).double().numpy()
    assert np.count_nonzero(expected) > 0
    assert float(np.max(np.abs(theirs - expected))) < TOLERANCE
