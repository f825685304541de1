"""``@validated``: check a public function's arguments against :mod:`tinysae.validation.constraints`.

The table is looked up at the first call, not at import: its rules know the model's
parameter layout (:mod:`tinysae.model.parameters`), whose own functions use this decorator.
"""

import contextlib
import contextvars
import functools
import inspect

#: Inside a ``@validated(trusted_body=True)`` function, nested validated calls are not
#: checked again: the reference calls the public ``forward`` with arguments already checked.
_trusted = contextvars.ContextVar("tinysae_trusted", default=False)


def validated(function=None, *, trusted_body=False):
    """Check a public function's arguments against the constraints table when it is entered.

    Parameters whose names are in the table are checked (in the table's order) and replaced
    by their converted values; other parameters pass through, and so does ``None`` for a
    parameter whose default is ``None`` (it means "not given"). With ``trusted_body=True``,
    validated functions that the body calls skip their checks: use it only for math that
    calls no user code.
    """
    if function is None:
        return functools.partial(validated, trusted_body=trusted_body)
    signature = inspect.signature(function)
    parameters = signature.parameters
    named_only = all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                     for p in parameters.values())  # no *args, **kwargs or positional-only
    positional = [name for name, p in parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    defaults = {name: p.default for name, p in parameters.items() if p.default is not p.empty}
    names = None  # the checked parameters, in the table's order (found at the first call)

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
        if _trusted.get():
            return function(*args, **kwargs)
        nonlocal names
        table = _table()
        if names is None:
            names = tuple(name for name in table if name in parameters)
        arguments, call = call_with(args, kwargs)
        for name in names:
            value = arguments[name]
            if value is not None or defaults.get(name, 0) is not None:
                arguments[name] = table[name](name, value, arguments)
        if not trusted_body:
            return call()
        with trusted():
            return call()
    return checked_call


@contextlib.contextmanager
def trusted():
    """Within the block, validated functions skip their checks: their arguments come from
    code that has checked them (or made them) already."""
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


def checks_skipped():
    """True inside :func:`trusted`: helpers that check by hand (not via the table) skip too."""
    return _trusted.get()


_TABLE = None


def _table():
    """The constraints table (imported at the first call: see the module docstring)."""
    global _TABLE
    if _TABLE is None:
        from tinysae.validation.constraints import CONSTRAINTS
        _TABLE = CONSTRAINTS
    return _TABLE
