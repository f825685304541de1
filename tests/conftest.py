"""``pytest -k grad`` is the class demo (README "In class"): it runs tests/test_gradient_checks.py alone.

(And every test's pyplot figures are closed after it: :func:`close_pyplot_figures`.)

pytest's ``-k grad`` would also pick every other test whose name holds "grad"
(``loss_and_grad``, ``gradient``, ...), whose lines would come between the demo's rows on
the projector. So with exactly ``-k grad``, when the demo's file is among the tests
collected, only its tests are kept. ``pytest tests/test_modern_sae.py -k grad`` and any
other expression (``-k "grad or kernel"``, ``-k gradient``) select as pytest always does.
"""

import sys
from pathlib import Path

import pytest

DEMO = "test_gradient_checks.py"


def pytest_collection_modifyitems(config, items):
    if config.getoption("keyword") != "grad":
        return
    demo = [item for item in items if Path(str(item.fspath)).name == DEMO]
    if demo and len(demo) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in demo])
        items[:] = demo


@pytest.fixture(autouse=True)
def close_pyplot_figures():
    """Close the figures a test drew: plots make pyplot figures, and pyplot keeps them open."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")  # never imported here if no test drew
    if pyplot is not None:
        pyplot.close("all")
