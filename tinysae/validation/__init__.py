"""Parameter checks at the door: the one table of rules, its checks, and ``@validated``.

- :mod:`~tinysae.validation.checks` — the checks behind the table, each an error that names
  the parameter and the value it got (numpy only: the lowest floor of the house);
- :mod:`~tinysae.validation.constraints` — every public parameter's range, declared once;
- :mod:`~tinysae.validation.validated` — ``@validated``: a public entry point's arguments
  checked against the table when it is called.

Import each from its module (``from tinysae.validation.validated import validated``): this
file imports nothing, so that :mod:`tinysae.model.parameters` can use the checks while the
table uses the parameters' layout, without a circle.
"""
