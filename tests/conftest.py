"""Every test's pyplot figures are closed after it: :func:`close_pyplot_figures`."""

import sys

import pytest


@pytest.fixture(autouse=True)
def close_pyplot_figures():
    """Close the figures a test drew: plots make pyplot figures, and pyplot keeps them open."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")  # never imported here if no test drew
    if pyplot is not None:
        pyplot.close("all")
