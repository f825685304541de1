"""``@validated``: check a public function's arguments against :mod:`tinysae.validation.constraints`.

It goes on the public entry points a user calls (``loss_and_grad``, ``train``,
``sae_loss_and_grad``, the loaders, ...), never on the equations they call: those trust
their inputs, so each argument is checked once, where it comes in (scikit-learn checks in
``fit``, never in ``_backprop``).
"""

import functools
import inspect

from tinysae.validation.constraints import CONSTRAINTS


def validated(function):
    """Check a public function's arguments against the constraints table when it is entered.

    Parameters whose names are in the table are checked (in the table's order) and replaced
    by their converted values; other parameters pass through, and so does ``None`` for a
    parameter whose default is ``None`` (it means "not given").
    """
    signature = inspect.signature(function)
    parameters = signature.parameters
    named_only = all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                     for p in parameters.values())  # no *args, **kwargs or positional-only
    positional = [name for name, p in parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    defaults = {name: p.default for name, p in parameters.items() if p.default is not p.empty}
    names = tuple(name for name in CONSTRAINTS if name in parameters)  # in the table's order

    def call_with(args, kwargs):
        """``(arguments by name with defaults filled in, how to call with them)``:
        ``Signature.bind``'s answer, made directly for a well-formed call of named parameters
        (bind is slow), by bind otherwise (and for the error of a malformed call)."""
        given = dict(zip(positional, args))
        if named_only and len(args) <= len(positional) and not kwargs.keys() & given.keys():
            arguments = {**defaults, **given, **kwargs}
            if arguments.keys() == parameters.keys():
                return arguments, lambda: function(**arguments)
        bound = signature.bind(*args, **kwargs)  # raises the TypeError of a malformed call
        bound.apply_defaults()
        return bound.arguments, lambda: function(*bound.args, **bound.kwargs)

    @functools.wraps(function)
    def checked_call(*args, **kwargs):
        arguments, call = call_with(args, kwargs)
        for name in names:
            value = arguments[name]
            if value is not None or defaults.get(name, 0) is not None:
                arguments[name] = CONSTRAINTS[name](name, value, arguments)
        return call()
    checked_call.validated = True  # what tests/test_constraints.py looks for
    return checked_call
