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
    threshold θ (n_h,)       →      architecture "jumprelu", threshold (d_sae,)

Today's architectures (:mod:`tinysae.modern.architecture_training`) go out in the form
SAELens 6.x saves for inference: TopK + AuxK as "topk" (AuxK only trains); JumpReLU as
"jumprelu" with its thresholds; BatchTopK and Matryoshka as "jumprelu" too, every latent
with the one global threshold (as SAELens turns its own BatchTopK and Matryoshka-BatchTopK
into JumpReLU when it saves them). :func:`export_architecture` picks the form.

The weights go to ``sae_weights.safetensors`` when the small ``safetensors`` package is
installed (``pip install "tinysae[export]"``), else to ``sae_weights.npz`` with the same
names (convert it with ``safetensors.numpy.save_file`` on a machine that has the package).
Nothing here imports torch; :func:`~tinysae.modern.saelens_files.load_saelens` reads either
form back, trusting nothing in it.

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
from tinysae.modern.jumprelu import jumprelu_forward
from tinysae.modern.sae import encode
from tinysae.validation.checks import check_data, check_vector, fail
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
                   dataset_path="python-stdlib", jumprelu=False):
    """The ``cfg.json`` dict for ``params`` (W1 (n_h, n_v), …) with SAELens' keys
    (``jumprelu``: a JumpReLU, whose thresholds go with the weights)."""
    n_h, n_v = np.shape(params["W1"])
    config = {
        "architecture": ("jumprelu" if jumprelu else
                         "topk" if activation == "topk" else "standard"),
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
                   threshold=None, **metadata):
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
    threshold : ndarray of shape (n_h,), optional
        A JumpReLU's thresholds θ > 0 (with ``activation="relu"``): a2 = z2 ∘ H(z2 − θ).
    **metadata
        ``model_name``, ``hook_name``, ``hook_layer``, ``context_size``, ``dataset_path``
        (see :func:`saelens_config`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if threshold is not None:
        threshold = _checked_threshold(threshold, params, activation)  # (n_h,)
    config = saelens_config(params, activation, k, jumprelu=threshold is not None, **metadata)
    weights = {"W_enc": params["W1"].T, "W_dec": params["W2"].T,
               "b_enc": params["b1"], "b_dec": params["b2"]}
    if threshold is not None:
        weights["threshold"] = threshold
    weights = {name: np.ascontiguousarray(w, dtype=np.float32) for name, w in weights.items()}
    atomic_write(folder / CONFIG_FILE,
                 lambda tmp: Path(tmp).write_text(json.dumps(config, indent=2) + "\n"))
    _write_check_set(params, folder, activation, k, check_inputs, threshold)
    writer = _safetensors()
    if writer is not None:
        return atomic_write(folder / SAFETENSORS_FILE, lambda tmp: writer.save_file(weights, tmp))
    return atomic_write(folder / NPZ_FILE, lambda tmp: _save_npz(tmp, weights))


def _write_check_set(params, folder, activation, k, check_inputs, threshold=None):
    """``check_inputs.npy`` (m, n_v) and ``check_latents.npy`` (m, n_h), both float32."""
    n_v = params["W2"].shape[0]
    if check_inputs is None:
        first = params["W2"][:, :N_DEFAULT_CHECKS]  # (n_v, ≤ 8)  the first directions
        check_inputs = params["b2"] + 2.0 * first.T  # (≤ 8, n_v)
    inputs = check_data("check_inputs", check_inputs, n_v).astype(np.float32)  # (m, n_v)
    latents = (encode(params, inputs.astype(np.float64), activation, k) if threshold is None
               else jumprelu_forward(params, threshold, inputs.astype(np.float64))["a2"])
    for name, array in ((CHECK_INPUTS_FILE, inputs), (CHECK_LATENTS_FILE, latents)):
        array = np.ascontiguousarray(array, dtype=np.float32)
        atomic_write(folder / name, lambda tmp, array=array: _save_npy(tmp, array))


def _checked_threshold(threshold, params, activation):
    """θ (n_h,): finite and positive, for a ReLU-based (JumpReLU) export."""
    if activation != "relu":
        fail("threshold", "None with activation 'topk' (a JumpReLU is ReLU-based)", threshold)
    n_h = np.shape(params["W1"])[0]
    threshold = check_vector("threshold", threshold, n_h)  # (n_h,)
    if not np.all(threshold > 0):
        fail("threshold", f"{n_h} positive numbers (one per latent)", threshold)
    return threshold


def export_architecture(result, folder, *, check_inputs=None, **metadata):
    """Export a :func:`tinysae.modern.train_architecture` result in SAELens' inference form:
    TopK + AuxK as "topk" with k, the others as "jumprelu" with their thresholds.
    Returns the weights' path."""
    if result.architecture == "topk_auxk":
        return export_saelens(result.params, folder, "topk", result.k,
                              check_inputs=check_inputs, **metadata)
    return export_saelens(result.params, folder, check_inputs=check_inputs,
                          threshold=result.threshold, **metadata)


def _save_npy(path, array):
    with open(path, "wb") as f:  # a file object: np.save would append .npy to a name
        np.save(f, array, allow_pickle=False)


def _save_npz(path, weights):
    with open(path, "wb") as f:  # a file object: np.savez would append .npz to a name
        np.savez(f, **weights)


# The reader lives in its own module (it trusts nothing in the folder); its name stays here too.
from tinysae.modern.saelens_files import load_saelens  # noqa: E402,F401
