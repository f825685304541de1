"""``@validated``: check a public function's arguments against :mod:`tinysae.constraints`.

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
    names = None  # the checked parameters, in the table's order (found at the first call)

    @functools.wraps(function)
    def checked_call(*args, **kwargs):
        if _trusted.get():
            return function(*args, **kwargs)
        nonlocal names
        table = _table()
        if names is None:
            names = tuple(name for name in table if name in signature.parameters)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        for name in names:
            value = bound.arguments[name]
            if value is not None or signature.parameters[name].default is not None:
                bound.arguments[name] = table[name](name, value, bound.arguments)
        if not trusted_body:
            return function(*bound.args, **bound.kwargs)
        with trusted():
            return function(*bound.args, **bound.kwargs)
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


def _table():
    """The constraints table (imported here, at the first call: see the module docstring)."""
    from tinysae.constraints import CONSTRAINTS
    return CONSTRAINTS
