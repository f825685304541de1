"""Export a trained sparse autoencoder as a SAELens-style folder: ``cfg.json`` and the weights.

Where users outgrow NumPy they move to SAELens (PyTorch). A folder written here holds what
its loader reads from disk (the flat ``cfg.json`` of SAELens before 6.0, which 6.x converts
on load) and the four weight arrays under SAELens' names, transposed to its row convention::

    tinysae                         SAELens
    W1 (n_h, n_v)            →      W_enc (d_in, d_sae) = W1ᵀ
    W2 (n_v, n_h)            →      W_dec (d_sae, d_in) = W2ᵀ
    b1 (n_h,)                →      b_enc (d_sae,)
    b2 (n_v,)                →      b_dec (d_in,)
    n_v, n_h                 →      d_in, d_sae
    activation "relu"        →      architecture "standard"
    activation "topk", k     →      architecture "topk", k
    z2 = (x − b2) W1ᵀ + b1    ⇔      (x − b_dec) W_enc + b_enc with apply_b_dec_to_input = true

The weights go to ``sae_weights.safetensors`` when the small ``safetensors`` package is
installed (``pip install "tinysae[export]"``), else to ``sae_weights.npz`` with the same
names (convert it with ``safetensors.numpy.save_file`` on a machine that has the package).
Nothing here imports torch; :func:`load_saelens` reads either form back.

Beside the weights every folder holds a check set, so that anyone can verify a round trip
in any library: ``check_inputs.npy`` (m, d_in), float32, a few inputs at the SAE's hook,
positions as rows, and ``check_latents.npy`` (m, d_sae), float32, tinysae's latents a2 on
them. Pass the network's own activations as ``check_inputs``; without them the check
inputs are b_dec plus twice each of the first few decoder directions, so every latent that
owns one of them fires.
"""

import json
from pathlib import Path

import numpy as np

from tinysae.runtime.atomic_write import atomic_write
from tinysae.modern.sae import encode
from tinysae.validation.checks import check_data, fail
from tinysae.validation.validated import validated

CONFIG_FILE = "cfg.json"
CHECK_INPUTS_FILE = "check_inputs.npy"
CHECK_LATENTS_FILE = "check_latents.npy"
N_DEFAULT_CHECKS = 8  # rows of the check set built from the dictionary when none is given
SAFETENSORS_FILE = "sae_weights.safetensors"
NPZ_FILE = "sae_weights.npz"


def _safetensors():
    """``safetensors.numpy`` if installed, else None."""
    try:
        from safetensors import numpy as safetensors_numpy
    except ImportError:
        return None
    return safetensors_numpy


@validated
def saelens_config(params, activation="relu", k=None, *, model_name="tinysae-charlm",
                   hook_name="hidden.1", hook_layer=1, context_size=None,
                   dataset_path="python-stdlib"):
    """The ``cfg.json`` dict for ``params`` (W1 (n_h, n_v), …) with SAELens' keys."""
    n_h, n_v = np.shape(params["W1"])
    config = {
        "architecture": "topk" if activation == "topk" else "standard",
        "d_in": int(n_v), "d_sae": int(n_h), "dtype": "float32", "device": "cpu",
        "activation_fn_str": activation, "apply_b_dec_to_input": True,
        "normalize_activations": "none", "finetuning_scaling_factor": False,
        "model_name": model_name, "hook_name": hook_name, "hook_layer": int(hook_layer),
        "hook_head_index": None, "context_size": context_size, "prepend_bos": False,
        "dataset_path": dataset_path, "sae_lens_training_version": None,
    }
    if activation == "topk":
        config["k"] = int(k)
        config["activation_fn_kwargs"] = {"k": int(k)}
    return config


@validated
def export_saelens(params, folder, activation="relu", k=None, *, check_inputs=None,
                   **metadata):
    """Write ``params`` to ``folder`` as ``cfg.json`` and the weights; returns the weights' path.

    Parameters
    ----------
    params : dict of ndarray
        A trained SAE: ``W1`` (n_h, n_v), ``W2`` (n_v, n_h), ``b1`` (n_h,), ``b2`` (n_v,).
    folder : str or Path
        Created if missing; files in it with the same names are replaced.
    activation, k : as in :func:`tinysae.modern.train_sae`.
    check_inputs : ndarray of shape (m, n_v), optional
        A few inputs at the SAE's hook (the network's activations, positions as rows),
        written as ``check_inputs.npy`` with tinysae's latents on them as
        ``check_latents.npy``. If omitted: b2 + 2 W2[:, j] for the first few latents j.
    **metadata
        ``model_name``, ``hook_name``, ``hook_layer``, ``context_size``, ``dataset_path``
        (see :func:`saelens_config`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = saelens_config(params, activation, k, **metadata)
    weights = {"W_enc": params["W1"].T, "W_dec": params["W2"].T,
               "b_enc": params["b1"], "b_dec": params["b2"]}
    weights = {name: np.ascontiguousarray(w, dtype=np.float32) for name, w in weights.items()}
    atomic_write(folder / CONFIG_FILE,
                 lambda tmp: Path(tmp).write_text(json.dumps(config, indent=2) + "\n"))
    _write_check_set(params, folder, activation, k, check_inputs)
    writer = _safetensors()
    if writer is not None:
        return atomic_write(folder / SAFETENSORS_FILE, lambda tmp: writer.save_file(weights, tmp))
    return atomic_write(folder / NPZ_FILE, lambda tmp: _save_npz(tmp, weights))


def _write_check_set(params, folder, activation, k, check_inputs):
    """``check_inputs.npy`` (m, n_v) and ``check_latents.npy`` (m, n_h), both float32."""
    n_v = params["W2"].shape[0]
    if check_inputs is None:
        first = params["W2"][:, :N_DEFAULT_CHECKS]  # (n_v, ≤ 8)  the first directions
        check_inputs = params["b2"] + 2.0 * first.T  # (≤ 8, n_v)
    inputs = check_data("check_inputs", check_inputs, n_v).astype(np.float32)  # (m, n_v)
    latents = encode(params, inputs.astype(np.float64), activation, k)  # (m, n_h)
    for name, array in ((CHECK_INPUTS_FILE, inputs), (CHECK_LATENTS_FILE, latents)):
        array = np.ascontiguousarray(array, dtype=np.float32)
        atomic_write(folder / name, lambda tmp, array=array: _save_npy(tmp, array))


def _save_npy(path, array):
    with open(path, "wb") as f:  # a file object: np.save would append .npy to a name
        np.save(f, array, allow_pickle=False)


def _save_npz(path, weights):
    with open(path, "wb") as f:  # a file object: np.savez would append .npz to a name
        np.savez(f, **weights)


def load_saelens(folder):
    """Read a folder written by :func:`export_saelens` (either weights file) back.

    Returns
    -------
    params : dict of ndarray
        ``W1, W2, b1, b2`` in tinysae's layout (float64).
    config : dict
        The ``cfg.json``.
    """
    folder = Path(folder)
    config = json.loads((folder / CONFIG_FILE).read_text())
    if (folder / SAFETENSORS_FILE).is_file():
        reader = _safetensors()
        if reader is None:
            fail("folder", "readable: its weights are safetensors; pip install "
                 "'tinysae[export]'", str(folder))
        weights = reader.load_file(str(folder / SAFETENSORS_FILE))
    else:
        with np.load(folder / NPZ_FILE, allow_pickle=False) as archive:
            weights = dict(archive)
    params = {"W1": weights["W_enc"].T, "W2": weights["W_dec"].T, "b1": weights["b_enc"],
              "b2": weights["b_dec"]}
    return {name: np.array(w, dtype=np.float64) for name, w in params.items()}, config
