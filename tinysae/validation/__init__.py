"""Parameter checks at the door: the one table of rules, its checks, and ``@validated``.

- :mod:`~tinysae.validation.constraints` — every public parameter's range, declared once;
- :mod:`~tinysae.validation.checks` — the checks behind the table, each an error that names
  the parameter and the value it got;
- :mod:`~tinysae.validation.validated` — ``@validated``: a public entry point's arguments
  checked against the table when it is called.
"""

from tinysae.validation.validated import checks_skipped, trusted, validated  # noqa: F401
