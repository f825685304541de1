"""The student's files with blanks, made from the reference: its docstrings, the exercise's signatures.

Each blank is a reference function's docstring (the equation, the shapes, a hint) under the
exercise's signature, with ``raise NotImplementedError`` for a body. The exercise's
signatures leave out the reference's variants (``decoder``, ``sparsity``, ``activation``
...), so their docstrings are adapted: the entries and paragraphs about a left-out
parameter are dropped, defaults the exercise does not have are not mentioned, and reST
roles become plain code.
"""

import inspect
import re

from tinysae.model import gradient_check, sparse_autoencoder as classic
from tinysae.modern import sae as modern

#: The classic exercise: (reference function, the exercise's signature), in the notes' order.
CLASSIC = [
    (classic.sigmoid, "sigmoid(z)"),
    (classic.forward, "forward(params, X)"),
    (classic.reconstruction_cost, "reconstruction_cost(a3, X)"),
    (classic.output_delta, "output_delta(a3, X)"),
    (classic.weight_decay_cost, "weight_decay_cost(W1, W2, weight_decay)"),
    (classic.kl_divergence, "kl_divergence(rho, rho_hat)"),
    (classic.sparsity_delta, "sparsity_delta(rho_hat, sparsity_target, sparsity_weight)"),
    (classic.hidden_delta, "hidden_delta(delta3, W2, a2, sparsity_term)"),
    (classic.parameter_gradients,
     "parameter_gradients(params, X, a2, delta2, delta3, weight_decay)"),
    (classic.loss_and_grad,
     "loss_and_grad(theta, X, n_hidden, weight_decay, sparsity_target, sparsity_weight)"),
    (gradient_check.numerical_gradient, "numerical_gradient(f, x, eps=1e-4)"),
]

#: The modern exercise (lesson 08): ReLU latents, L1, a pre-encoder bias, a linear decoder.
MODERN = [
    (modern.sae_forward, "sae_forward(params, X)"),
    (modern.reconstruction_cost, "reconstruction_cost(a3, X)"),
    (modern.l1_cost, "l1_cost(a2, sparsity_weight)"),
    (modern.output_delta, "output_delta(a3, X)"),
    (modern.hidden_delta, "hidden_delta(delta3, W2, mask, sparsity_term)"),
    (modern.parameter_gradients, "parameter_gradients(cache, delta2, delta3, W1)"),
    (modern.sae_loss_and_grad, "sae_loss_and_grad(params, X, sparsity_weight)"),
]


def parameters_of(signature):
    """``{name: has a default}`` from ``"f(a, b, eps=1e-4)"``."""
    inside = signature[signature.index("(") + 1:-1]
    return {part.split("=")[0].strip(): "=" in part for part in inside.split(",") if part.strip()}


def adapted_docstring(reference, signature):
    """The reference's docstring, for a student's function with ``signature``.

    Dropped: the paragraphs that name a parameter the exercise leaves out (``decoder``,
    ...) or point into the library (``:mod:``), and the Parameters entries of left-out
    parameters; a default the exercise does not have is not mentioned.
    """
    kept = parameters_of(signature)
    left_out = [n for n in inspect.signature(reference).parameters if n not in kept]
    mentions_left_out = re.compile(r"``(%s)\b" % "|".join(left_out)) if left_out else None
    paragraphs, section = [], None
    for paragraph in inspect.getdoc(reference).split("\n\n"):
        lines = paragraph.split("\n")
        if len(lines) > 1 and re.fullmatch(r"-+", lines[1]):
            section = lines[0]
        if section == "Parameters":
            paragraph = _keep_entries(lines, kept)
        elif ":mod:" in paragraph or (mentions_left_out and mentions_left_out.search(paragraph)):
            continue
        paragraphs.append(paragraph)
    text = "\n\n".join(paragraphs)
    return re.sub(r":\w+:`~?([\w.]+)`", r"``\1``", text)  # :func:`x` -> ``x``


def _keep_entries(lines, kept):
    """A numpydoc Parameters block with only the entries of ``kept`` parameters."""
    out, keep = [], True
    for line in lines:
        entry = re.match(r"^(\w+(?:, \w+)*) : ", line)
        if entry:
            names = [n.strip() for n in entry[1].split(",")]
            keep = any(n in kept for n in names)
            if keep and not any(kept.get(n) for n in names):
                line = re.sub(r", default .+$", "", line)
        elif not line.startswith(" "):
            keep = True  # the heading and its underline
        if keep:
            out.append(line)
    return "\n".join(out)


def blank_function(reference, signature, message):
    """The source of one blank: ``def signature:``, the docstring, the raise."""
    doc = adapted_docstring(reference, signature)
    body = "\n".join(("    " + line).rstrip() for line in doc.split("\n")).lstrip()
    end = '"""' if "\n" not in doc else '\n    """'
    return (f'def {signature}:\n    """{body}{end}\n'
            f"    raise NotImplementedError({message!r})\n")


def blank_file(docstring, imports, functions, step_of):
    """A whole exercise file: a docstring, the imports, and one blank per function.

    ``step_of(name)`` says where the README explains the function (for the error message).
    """
    blanks = []
    for reference, signature in functions:
        name = signature.split("(")[0]
        blanks.append(blank_function(reference, signature,
                                     f"{name}: write it ({step_of(name)} in README.md)"))
    return f'"""{docstring}"""\n\n{imports}\n\n\n' + "\n\n".join(blanks)
