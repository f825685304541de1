"""Every public parameter's range, declared once; ``@validated`` applies it.

This is scikit-learn's ``_parameter_constraints`` idea: one table, :data:`CONSTRAINTS`, says
what each parameter name may hold (λ ≥ 0, ρ in (0, 1), ...). A public function is wrapped
in ``@validated`` (:mod:`tinysae.validation.validated`): when it is entered, every argument whose
name is in the table is checked and converted (ints to floats, lists to arrays), and a bad
one raises a ``ValueError`` or ``TypeError`` that names the parameter and echoes the value.
The function body then trusts its inputs, so the files of equations hold equations.
The rules for ``params`` and ``theta`` call the θ layout's own checks, which live beside the
layout in :mod:`tinysae.model.parameters`: the one import from this floor to a higher one. The
command line checks its options against the same table (:func:`check_option`), and so do
training checkpoints read back from disk.

A parameter whose default is None may be None: that means "not given", and each such
function says what it does then. Arrays are checked in context: ``X`` must have
``params["W1"]``'s number of columns when both are given, and ``theta`` must have the length
that ``X``'s width and ``n_hidden`` ask for. The table lists scalars first, then the arrays
that depend on them, and arguments are checked in that order.
"""

import math
import numbers

import numpy as np

from tinysae.model.parameters import check_params, check_theta, n_params, n_visible_packed
from tinysae.validation.checks import (check_bool, check_choice, check_data, check_float_dtype,
                                       check_int, check_real, check_rng, fail, interval_text)

# ----------------------------------------------------------------------------- the rules
# Each rule is called as rule(name, value, context) and returns the checked value; context
# holds the other arguments of the call (already checked if they come earlier in the table).


class Integer:
    def __init__(self, minimum):
        self.minimum, self.expected = minimum, f"an integer >= {minimum}"

    def __call__(self, name, value, context):
        return check_int(name, value, self.minimum)


class Real:
    def __init__(self, low, high, closed="both"):
        self.low, self.high, self.closed = low, (None if high == np.inf else high), closed
        self.expected = f"a real number in {interval_text(low, self.high, closed)}"

    def __call__(self, name, value, context):
        return check_real(name, value, self.low, self.high, self.closed)


class Options:
    def __init__(self, *choices):
        self.choices, self.expected = choices, "one of " + ", ".join(map(repr, choices))

    def __call__(self, name, value, context):
        return check_choice(name, value, self.choices)


class Boolean:
    expected = "True or False"

    def __call__(self, name, value, context):
        return check_bool(name, value)


class FloatDtype:
    expected = "None, numpy.float64 or numpy.float32"

    def __call__(self, name, value, context):
        return check_float_dtype(name, value)


class Rng:
    """Checked, not converted: the function makes its Generator with
    ``np.random.default_rng(rng)``, and can still see whether it was given a seed."""
    expected = "None, a non-negative int seed or a numpy.random.Generator"

    def __call__(self, name, value, context):
        check_rng(name, value)
        return int(value) if isinstance(value, numbers.Integral) else value


class Params:
    expected = "a dict with exactly the keys W1, W2, b1, b2"

    def __call__(self, name, value, context):
        return check_params(value, name=name)


class Data:
    """(m, n_v) finite real rows, converted to the call's ``dtype`` (None: float64); in a
    call without a ``dtype``, float32 stays float32 (the arithmetic of the equations behind
    the door follows the data) and anything else becomes float64. With ``params`` in the
    call, n_v must be their W1's width."""
    expected = "a 2-D array of real numbers, one example per row"

    def __call__(self, name, value, context):
        params = context.get("params")
        n_columns = params["W1"].shape[1] if isinstance(params, dict) else None
        if "dtype" in context:
            dtype = context["dtype"] or np.float64
        else:
            dtype = np.float32 if getattr(value, "dtype", None) == np.float32 else np.float64
        return check_data(name, value, n_columns, dtype)


class PreActivations:
    """z2 (m, n_h): finite real numbers, one example per row; float32 stays float32."""
    expected = "a 2-D array of real numbers, one example per row"

    def __call__(self, name, value, context):
        dtype = getattr(value, "dtype", None)
        return check_data(name, value, dtype=dtype if dtype in (np.float32, np.float64)
                          else np.float64)


class Theta:
    """theta packed for n_v = X's width (or ``n_visible``) and ``n_hidden``; a theta whose
    length fits another n_v is reported as an X of the wrong width."""
    expected = "a 1-D float array of length 2*n_h*n_v + n_h + n_v"

    def __call__(self, name, value, context):
        n_h, X = context["n_hidden"], context.get("X")
        n_v = context["n_visible"] if X is None else X.shape[1]
        size = getattr(value, "size", None)
        if X is not None and getattr(value, "ndim", None) == 1 and size != n_params(n_v, n_h):
            implied = n_visible_packed(size, n_h)
            if implied == int(implied) and implied > 0:
                fail("X", f"an array with {int(implied)} columns, the n_visible that theta "
                     f"(length {size}, n_hidden={n_h}) was packed for", X)
        return check_theta(name, value, n_v, n_h)


class Activation(Options):
    """"relu" or "topk"; for "topk", ``k`` must be an integer from 1 to n_h, the latents
    (``params``' W1 rows, ``n_latents``, or ``z2``'s columns, whichever the call has)."""

    def __init__(self):
        super().__init__("relu", "topk")

    def __call__(self, name, value, context):
        value = check_choice(name, value, self.choices)
        if value == "topk":
            params, z2 = context.get("params"), context.get("z2")
            n_h = (params["W1"].shape[0] if params is not None else
                   context["n_latents"] if "n_latents" in context else np.shape(z2)[-1])
            k = context["k"] = check_int("k", context.get("k"))
            if k > n_h:
                fail("k", f"an integer <= n_latents = {n_h}", k)
        return value


class Architecture(Options):
    """One of today's SAEs (:mod:`tinysae.modern.architecture_training`); all but JumpReLU
    need ``k``, an integer from 1 to ``n_latents``."""

    def __init__(self):
        super().__init__("topk_auxk", "jumprelu", "batchtopk", "matryoshka")

    def __call__(self, name, value, context):
        value = check_choice(name, value, self.choices)
        if value != "jumprelu":
            k = context["k"] = check_int("k", context.get("k"))
            if k > context["n_latents"]:
                fail("k", f"an integer <= n_latents = {context['n_latents']}", k)
        return value


#: The name of every checked parameter, its rule, and (in the comment) its meaning.
CONSTRAINTS = {
    # sizes
    "n_visible": Integer(1),                      # n_v, visible units (inputs = outputs)
    "n_hidden": Integer(1),                       # n_h, hidden units
    "n_latents": Integer(1),                      # n_h of a modern SAE: its dictionary size
    # the classic model (CS294A notes §3)
    "weight_decay": Real(0, math.inf),            # λ, weight of (1/2)(‖W1‖² + ‖W2‖²)
    "sparsity_target": Real(0, 1, "neither"),     # ρ, the mean activation asked of a unit
    "sparsity_weight": Real(0, math.inf),         # β, weight of the sparsity penalty
    "sparsity": Options("kl", "l1"),              # Σ KL(ρ‖ρ̂_j), or (1/m) Σ |a2|
    "decoder": Options("sigmoid", "linear"),      # output units: f(z3), or z3 itself
    # the modern model (tinysae.modern)
    "learning_rate": Real(0, math.inf, "right"),  # α of Adam
    "beta1": Real(0, 1, "left"),                  # Adam's decay of the first moment
    "beta2": Real(0, 1, "left"),                  # Adam's decay of the second moment
    "eps": Real(0, math.inf, "right"),            # ε: Adam's guard, or the gradient check's step
    "n_steps": Integer(1),                        # Adam steps
    "batch_size": Integer(1),                     # examples per Adam step
    "dead_window": Integer(1),                    # examples a latent may stay silent, alive
    "resample_every": Integer(1),                 # steps between resamplings of dead latents
    "resample_until": Real(0, 1),                 # share of the steps during which to resample
    "log_every": Integer(1),                      # steps between logged rows
    "k_aux": Integer(1),                          # AuxK: dead latents reconstructing the residual
    "aux_weight": Real(0, math.inf),              # α of the AuxK loss
    "threshold_init": Real(0, math.inf, "right"), # JumpReLU: the initial threshold θ
    "bandwidth": Real(0, math.inf, "right"),      # ε, the width of JumpReLU's kernel
    # training by L-BFGS
    "max_iter": Integer(1),                       # L-BFGS iterations
    "print_every": Integer(1),                    # iterations between progress lines
    "checkpoint_every": Integer(1),               # iterations between checkpoints
    "max_parameters": Integer(1),                 # a model file's size cap (opt in past it)
    "verbose": Boolean(),                         # print progress
    "force": Boolean(),                           # resume although the data have changed
    "chunk_size": Integer(1),                     # rows per block with bounded memory
    "n_threads": Integer(1),                      # worker threads of the fast kernel
    "dtype": FloatDtype(),                        # float64, or float32 for speed
    "rng": Rng(),                                 # None, a seed >= 0, or a Generator
    # the UFLDL experiment (tinysae train)
    "patch_size": Integer(1),                     # p: p × p patches
    "n_patches": Integer(1),                      # m: patches sampled
    "seed": Integer(0),                           # seeds the patches and the initial weights
    "whiten": Boolean(),                          # whiten the photos first
    "rolloff": Real(0, math.inf, "right"),        # f0 / N of the whitening filter (0.4)
    "variance": Real(0, math.inf, "right"),       # pixel variance of a whitened image (0.1)
    "zca_epsilon": Real(0, math.inf),             # ε of ZCA: U diag(1/√(σ² + ε)) Uᵀ
    # superposition data (tinysae.modern)
    "n_features": Integer(1),                     # n_f, ground-truth features
    "mean_active": Real(0, math.inf, "right"),    # features firing per example, on average
    "decay": Real(0, 1, "right"),                 # p_f ∝ decay^f: how fast firing rates fall
    "n_examples": Integer(1),                     # examples drawn
    "n_parents": Integer(1),                      # parent features of a hierarchy
    "n_children": Integer(1),                     # children of each parent
    "parent_probability": Real(0, 1),             # P(a parent feature is on)
    "child_probability": Real(0, 1),              # P(one of its children is on | parent on)
    "other_probability": Real(0, 1),              # P(a feature with no relative is on)
    # tinysae bench
    "repeats": Integer(1),                        # rounds of the round-robin timing
    # tinysae grade
    "time_limit": Real(0, math.inf, "right"),     # seconds a graded step's calls may take
    "jobs": Integer(1),                           # folders graded at once
    # the character-level language model and what is read from it (tinysae.networks)
    "context": Integer(1),                        # T, characters the model reads
    "n_embed": Integer(1),                        # d, dimensions of a character's embedding
    "n_neurons": Integer(1),                      # n_h of the model: neurons per hidden layer
    "n_layers": Integer(1),                       # L, hidden layers (a crosscoder reads them all)
    "layer": Integer(1),                          # which hidden layer (1 … L) to read
    "max_files": Integer(1),                      # source files read (the first, sorted by name)
    # the small transformer (tinysae.networks.transformer), TransformerLens' names
    "d_model": Integer(1),                        # d, the residual stream's width
    "n_heads": Integer(1),                        # H, attention heads per block
    "d_mlp": Integer(1),                          # d_m, the MLP's neurons per block
    "n_ctx": Integer(1),                          # the longest sequence the model reads
    "d_vocab": Integer(1),                        # V, token ids the model reads and predicts
    # arrays, checked after the scalars they depend on
    "params": Params(),                           # W1 (n_h, n_v), W2 (n_v, n_h), b1, b2
    "X": Data(),                                  # (m, n_v), one example per row
    "theta": Theta(),                             # packed params, (2 n_h n_v + n_h + n_v,)
    "z2": PreActivations(),                       # (m, n_h) latents before the activation
    # after params: TopK's k may be at most the number of latents
    "activation": Activation(),                   # latents: ReLU, or TopK (k of them) then ReLU
    "architecture": Architecture(),               # today's SAEs; k for all but JumpReLU
}


def check(name, value, label=None, **context):
    """Check one value against the table's rule for ``name``; ``label`` names it in the
    message (default ``name``); ``context`` holds the arguments it depends on."""
    return CONSTRAINTS[name](label or name, value, context)


def check_option(option, value):
    """Check a command-line option's value, e.g. ``check_option("--sparsity-target", 2.0)``,
    with the rule of the parameter it sets (``sparsity_target``)."""
    return check(option.lstrip("-").replace("-", "_"), value, label=option)


def describe(name):
    """The table's rule for ``name`` in words, e.g. ``'a real number in (0, 1)'``."""
    return CONSTRAINTS[name].expected
