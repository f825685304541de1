"""What the language model's neurons do on text: collected, sampled for an SAE, and spliced.

Shapes: m positions of the text ``ids`` (N,), n_h neurons per hidden layer, L layers, V = 97.

A sparse autoencoder is trained on the neurons a_l of one hidden layer (``layer`` = l) and
judged by what its reconstruction â_l does to the model: the *spliced-in* loss runs the
model up to layer l, replaces a_l by â_l, and runs the rest (Bricken et al. 2023; SAELens
calls it the CE loss with the SAE spliced in). Against the clean loss and the loss with
the layer zero-ablated (a_l = 0), it gives the share of the loss the SAE recovers::

    recovered = (bits_zero − bits_spliced) / (bits_zero − bits_clean)

Mean-ablation, a_l replaced by its mean over other text, is the stricter baseline (the
layer's average still reaches the rest of the model): ``loss_recovered`` takes either. The
model runs with numpy's BLAS on one thread, so the same numbers come on any number of cores.
"""

import numpy as np

from tinysae.validation.checks import fail
from tinysae.networks.char_mlp import context_of, cross_entropy, lm_forward, logits_from, n_layers_of
from tinysae.networks.training import EVAL_CHUNK, random_positions, windows_at
from tinysae.runtime.blas_threads import limit_blas_threads
from tinysae.validation.validated import validated


def _check_layer(model, layer):
    if not 1 <= layer <= n_layers_of(model):
        fail("layer", f"a hidden layer of the model, 1 … {n_layers_of(model)}", layer)


def _forward_chunks(model, ids, positions):
    """:func:`lm_forward`'s cache at ``positions``, EVAL_CHUNK positions at a time."""
    T, positions = context_of(model), np.asarray(positions)
    for start in range(0, positions.size, EVAL_CHUNK):
        yield lm_forward(model, windows_at(ids, positions[start:start + EVAL_CHUNK], T)[0])


def _layers(cache, L):
    """Every hidden layer's neurons from one forward pass, stacked: (m, L, n_h)."""
    return np.stack([cache[f"a{layer}"] for layer in range(1, L + 1)], axis=1)


@validated
@limit_blas_threads(numpy_threads=1)  # one BLAS thread: see the module docstring
def neuron_activations(model, ids, positions, layer=1):
    """a_l at each of ``positions`` of ``ids``: (m, n_h), in the model's float dtype."""
    _check_layer(model, layer)
    return np.concatenate([cache[f"a{layer}"] for cache in
                           _forward_chunks(model, ids, positions)])  # (m, n_h)


@limit_blas_threads(numpy_threads=1)  # the same bits as neuron_activations, on any cores
def all_layer_activations(model, ids, positions):
    """Every hidden layer's neurons at ``positions``, stacked: (m, L, n_h)."""
    L = n_layers_of(model)
    return np.concatenate([_layers(cache, L) for cache in
                           _forward_chunks(model, ids, positions)])  # (m, L, n_h)


def activation_sampler(model, ids, layer=None, scale=1.0):
    """``sample(B, rng)``: the neurons at B fresh random positions of ``ids``, times ``scale``.

    With ``layer`` = l, shape (B, n_h), for :func:`tinysae.modern.train_sae`; with
    ``layer=None``, every layer, (B, L, n_h), for :func:`tinysae.modern.train_crosscoder`
    (``scale`` then may be one factor per layer, shape (L, 1)).
    """
    if layer is not None:
        _check_layer(model, layer)
    T = context_of(model)

    def sample(B, rng):
        cache = lm_forward(model, windows_at(ids, random_positions(ids, B, T, rng), T)[0])
        if layer is not None:
            return cache[f"a{layer}"] * scale  # (B, n_h)
        return _layers(cache, n_layers_of(model)) * scale  # (B, L, n_h)
    return sample


@validated
@limit_blas_threads(numpy_threads=1)
def spliced_bits(model, ids, positions, layer, replace):
    """Bits per character at ``positions`` when layer ``layer``'s neurons a are replaced by
    ``replace(a)`` ((m, n_h) → (m, n_h); e.g. an SAE's reconstruction, or zeros)."""
    _check_layer(model, layer)
    T, positions, total = context_of(model), np.asarray(positions), 0.0
    for start in range(0, positions.size, EVAL_CHUNK):
        windows, targets = windows_at(ids, positions[start:start + EVAL_CHUNK], T)
        a = lm_forward(model, windows)[f"a{layer}"]  # (m, n_h)
        J, _ = cross_entropy(logits_from(model, replace(a), layer), targets)
        total += J * targets.size
    return total / positions.size / np.log(2)


def loss_recovered(clean, spliced, zero):
    """(zero − spliced) / (zero − clean): 1 when splicing costs nothing, 0 when it is as bad as
    ablating the layer (``zero``: the bits with it zero- or mean-ablated)."""
    return (zero - spliced) / (zero - clean)
