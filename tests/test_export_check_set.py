"""Every SAELens export carries a check set: check_inputs.npy and tinysae's latents on them."""

import numpy as np
import pytest

from tinysae.modern import encode, export_saelens, init_sae


def small_sae(rng, n_v=6, n_h=10):
    params = init_sae(n_v, n_h, rng, data_mean=rng.standard_normal(n_v))
    params["b1"] = 0.1 * rng.standard_normal(n_h)
    return params


@pytest.mark.parametrize("activation, k", [("relu", None), ("topk", 3)])
def test_the_check_set_holds_the_given_inputs_and_their_latents(tmp_path, activation, k):
    rng = np.random.default_rng(1)
    params, inputs = small_sae(rng), rng.standard_normal((5, 6))
    export_saelens(params, tmp_path, activation, k, check_inputs=inputs)
    saved_inputs = np.load(tmp_path / "check_inputs.npy", allow_pickle=False)
    saved_latents = np.load(tmp_path / "check_latents.npy", allow_pickle=False)
    assert saved_inputs.dtype == saved_latents.dtype == np.float32
    assert saved_inputs.shape == (5, 6) and saved_latents.shape == (5, 10)
    np.testing.assert_allclose(saved_inputs, inputs, rtol=1e-6)
    expected = encode(params, saved_inputs.astype(np.float64), activation, k)
    np.testing.assert_allclose(saved_latents, expected, rtol=1e-6, atol=1e-6)
    assert np.count_nonzero(saved_latents) > 0


def test_without_inputs_the_check_set_comes_from_the_dictionary(tmp_path):
    params = small_sae(np.random.default_rng(2))
    export_saelens(params, tmp_path, "relu")
    inputs = np.load(tmp_path / "check_inputs.npy", allow_pickle=False)
    latents = np.load(tmp_path / "check_latents.npy", allow_pickle=False)
    assert inputs.shape == (8, 6) and latents.shape == (8, 10)
    np.testing.assert_allclose(inputs, params["b2"] + 2 * params["W2"][:, :8].T, rtol=1e-6)
    assert np.all(latents[np.arange(8), np.arange(8)] > 0)  # latent j fires on its own direction


def test_check_inputs_of_the_wrong_width_are_named(tmp_path):
    with pytest.raises(ValueError, match="check_inputs"):
        export_saelens(small_sae(np.random.default_rng(3)), tmp_path, "relu",
                       check_inputs=np.zeros((4, 5)))
