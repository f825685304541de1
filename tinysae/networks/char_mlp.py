"""A character-level language model by hand: embeddings → GELU neurons → softmax (Bengio et al. 2003).

Shapes, defined once for this module::

    m    windows (examples)       T    characters of context      d    embedding dimensions
    n_h  neurons per hidden layer  V    vocabulary size (97)       L    hidden layers (1 or 2)

The model reads the T characters c_{t−T+1} … c_t and predicts c_{t+1}. Its parameters, a
dict (rows are units, as in the classic model: row j of W1 is neuron j's weights)::

    E      (V, d)       one embedding per character
    W1     (n_h, T d)   b1 (n_h,)     first hidden layer
    W2     (n_h, n_h)   b2 (n_h,)     second hidden layer (L = 2 only)
    W_out  (V, n_h)     b_out (V,)    output layer

Forward pass, with its backward step beside each line (δ = ∂J/∂ of that line's output)::

    x      = [E[c_{t−T+1}], …, E[c_t]]         (m, T d)   ∇E[c] += δx's block of c
    z_l    = a_{l−1} W_lᵀ + b_l  (a_0 = x)     (m, n_h)   ∇W_l = δz_lᵀ a_{l−1}, δa_{l−1} = δz_l W_l
    a_l    = gelu(z_l)                         (m, n_h)   δz_l = δa_l ∘ gelu′(z_l)
    logits = a_L W_outᵀ + b_out                (m, V)     ∇W_out = δlogitsᵀ a_L
    J      = −(1/m) Σ_i log softmax(logits_i)[c_{t+1}]    δlogits = (softmax − onehot) / m

J is in nats per character; J / ln 2 is bits per character. The "neurons" of later
lessons are the a_l: their GELU is the nonlinearity that makes single neurons a natural
(if, as lesson 10 shows, imperfect) unit of analysis. GELU is the tanh form of GPT-2,
smooth everywhere, so the gradient check needs no kink margin.
"""

import numpy as np

from tinysae.validation.checks import fail
from tinysae.networks.corpus import VOCABULARY
from tinysae.validation.validated import validated

_GELU_C = float(np.sqrt(2 / np.pi))  # √(2/π), a Python float: keeps float32 arrays float32
_GELU_A = 0.044715            # the cubic coefficient of the tanh approximation


# ----------------------------------------------------------------------------- parameters

@validated
def init_lm(context, n_embed, n_neurons, n_layers=1, rng=None):
    """Random initial parameters: E ~ N(0, 1), W_l ~ N(0, 2/fan_in), W_out ~ N(0, 1/n_h), biases 0.

    Parameters
    ----------
    context, n_embed, n_neurons, n_layers : int
        T, d, n_h and L.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    dict of ndarray (float64), keyed as in the module docstring.
    """
    rng = np.random.default_rng(rng)
    V = len(VOCABULARY)
    model = {"E": rng.standard_normal((V, n_embed))}  # (V, d)
    fan_in = context * n_embed
    for layer in range(1, n_layers + 1):
        model[f"W{layer}"] = rng.standard_normal((n_neurons, fan_in)) * np.sqrt(2 / fan_in)
        model[f"b{layer}"] = np.zeros(n_neurons)  # (n_h,)
        fan_in = n_neurons
    model["W_out"] = rng.standard_normal((V, n_neurons)) / np.sqrt(n_neurons)  # (V, n_h)
    model["b_out"] = np.zeros(V)  # (V,)
    return model


def n_layers_of(model):
    """L, the number of hidden layers of ``model``."""
    return sum(1 for name in model if name.startswith("W") and name != "W_out")


def context_of(model):
    """T, the characters of context ``model`` reads."""
    return model["W1"].shape[1] // model["E"].shape[1]


# ----------------------------------------------------------------------------- the layers

def gelu(z):
    """gelu(z) = ½ z (1 + tanh(√(2/π)(z + 0.044715 z³))), elementwise."""
    return 0.5 * z * (1 + np.tanh(_GELU_C * (z + _GELU_A * z ** 3)))


def gelu_derivative(z):
    """gelu′(z) = ½ (1 + t) + ½ z (1 − t²) √(2/π)(1 + 3·0.044715 z²), t = tanh(…)."""
    t = np.tanh(_GELU_C * (z + _GELU_A * z ** 3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t ** 2) * _GELU_C * (1 + 3 * _GELU_A * z ** 2)


def embed(E, windows):
    """x: the embeddings of each window's characters, side by side: (m, T d)."""
    return E[windows].reshape(windows.shape[0], -1)  # (m, T d)


def embed_backward(delta_x, windows, V):
    """∇E: row c sums the blocks of δx at the places where character c was read: (V, d)."""
    d = delta_x.shape[1] // windows.shape[1]
    read, blocks = windows.ravel(), delta_x.reshape(-1, d)  # (m T,), (m T, d)
    dE = [np.bincount(read, weights=blocks[:, k], minlength=V) for k in range(d)]  # d × (V,)
    return np.stack(dE, axis=1).astype(delta_x.dtype)  # (V, d)


def cross_entropy(logits, targets):
    """J = −(1/m) Σ log softmax(logits)[target] and δlogits = (softmax − onehot)/m: (m, V)."""
    m = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # (m, V)  same softmax, no overflow
    log_z = np.log(np.exp(shifted).sum(axis=1))  # (m,)
    J = float(np.mean(log_z - shifted[np.arange(m), targets]))
    delta = np.exp(shifted - log_z[:, None])  # (m, V)  the softmax p
    delta[np.arange(m), targets] -= 1.0  # p − onehot
    return J, delta / m  # (m, V)


# ----------------------------------------------------------------------------- forward

def lm_forward(model, windows):
    """The forward pass: ``x`` (m, T d), ``z1, a1, …`` (m, n_h) and ``logits`` (m, V)."""
    cache = {"x": embed(model["E"], windows)}  # (m, T d)
    a = cache["x"]
    for layer in range(1, n_layers_of(model) + 1):
        cache[f"z{layer}"] = a @ model[f"W{layer}"].T + model[f"b{layer}"]  # (m, n_h)
        a = cache[f"a{layer}"] = gelu(cache[f"z{layer}"])  # (m, n_h)
    cache["logits"] = a @ model["W_out"].T + model["b_out"]  # (m, V)
    return cache


def logits_from(model, a, layer):
    """The logits when hidden layer ``layer``'s neurons take the values ``a`` (m, n_h): (m, V).

    The rest of the forward pass as in :func:`lm_forward`; this is where a sparse
    autoencoder's reconstruction is spliced in.
    """
    for later in range(layer + 1, n_layers_of(model) + 1):
        a = gelu(a @ model[f"W{later}"].T + model[f"b{later}"])  # (m, n_h)
    return a @ model["W_out"].T + model["b_out"]  # (m, V)


# ----------------------------------------------------------------------------- J and ∇J

def lm_loss_and_grad(model, windows, targets):
    """J (nats per character) and its hand-written gradient, a dict shaped like ``model``.

    Parameters
    ----------
    model : dict of ndarray
        From :func:`init_lm` or training.
    windows : int ndarray of shape (m, T)
        Each row the ids of T consecutive characters.
    targets : int ndarray of shape (m,)
        The id of the character after each window.
    """
    check_windows(model, windows, targets)
    cache = lm_forward(model, windows)
    J, delta = cross_entropy(cache["logits"], targets)  # δlogits (m, V)
    L = n_layers_of(model)
    grads = {"W_out": delta.T @ cache[f"a{L}"], "b_out": delta.sum(axis=0)}  # (V, n_h), (V,)
    delta = delta @ model["W_out"]  # (m, n_h)  δa_L
    for layer in range(L, 0, -1):
        delta = delta * gelu_derivative(cache[f"z{layer}"])  # (m, n_h)  δz_l
        below = cache[f"a{layer - 1}"] if layer > 1 else cache["x"]  # (m, n_h) or (m, T d)
        grads[f"W{layer}"] = delta.T @ below  # (n_h, n_h) or (n_h, T d)
        grads[f"b{layer}"] = delta.sum(axis=0)  # (n_h,)
        delta = delta @ model[f"W{layer}"]  # δa_{l−1}, or δx at the bottom
    grads["E"] = embed_backward(delta, windows, model["E"].shape[0])  # (V, d)
    return J, {name: grads[name] for name in model}


def check_windows(model, windows, targets=None):
    """``windows`` (m, T) and ``targets`` (m,) integer ids below V, T as ``model`` reads."""
    V, T = model["E"].shape[0], context_of(model)
    windows = np.asarray(windows)
    if windows.dtype.kind not in "iu" or windows.ndim != 2 or windows.shape[1] != T:
        fail("windows", f"an integer array of shape (m, {T}) (T = the model's context)",
             windows)
    if windows.size and (windows.min() < 0 or windows.max() >= V):
        fail("windows", f"character ids in [0, {V})", windows)
    if targets is not None:
        if windows.shape[0] == 0:  # a mean over no windows: the cost is not defined
            fail("windows", f"at least one window of shape (1, {T}) and its target", windows)
        targets = np.asarray(targets)
        if targets.dtype.kind not in "iu" or targets.shape != windows.shape[:1]:
            fail("targets", f"an integer array of shape ({windows.shape[0]},)", targets)
        if targets.min() < 0 or targets.max() >= V:
            fail("targets", f"character ids in [0, {V})", targets)
