"""Gradient checking, term by term — the class demo.

Run it in front of students:   pytest -v -s -m grad      (without pytest: tinysae gradcheck)

Each test prints one row of ``tinysae gradcheck``'s table: UFLDL's ratio
‖num − ana‖ / ‖num + ana‖ over θ and for W1, W2, b1, b2 separately, and the verdict. First
the checker itself, then the cost built up one term at a time as in the notes
(reconstruction, + weight decay, + sparsity, UFLDL's settings), then the variants of later
lessons. Every test here carries the ``grad`` marker, so ``-m grad`` selects this file and
nothing else.
"""

import numpy as np
import pytest

from tinysae import FOUR_POINT_EPSILON, GRADIENT_CHECK_THRESHOLD, numerical_gradient
from tinysae.commands import gradcheck
from tinysae.modern.architecture_checks import ARCHITECTURE_ROWS
from tinysae.networks import transformer_gradcheck

pytestmark = pytest.mark.grad  # the class demo: pytest -v -s -m grad


@pytest.fixture(scope="module", autouse=True)
def table_header():
    print("\n\n" + "\n".join(gradcheck.header()), end="")


def show(row):
    print("\n" + row, end="")


def test_grad_checker_on_ufldl_self_test():
    """UFLDL's checkNumericalGradient: h(x) = x1² + 3·x1·x2 at (4, 10), ∇h = (38, 12)."""
    ratio = gradcheck.self_test()
    show(gradcheck.format_row("checker: x1² + 3·x1·x2", ratio, verdict=False))
    assert ratio < GRADIENT_CHECK_THRESHOLD
    x = np.array([4.0, 10.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: v[0] ** 2 + 3 * v[0] * v[1], x),
                               [38.0, 12.0], rtol=1e-9)
    np.testing.assert_array_equal(x, [4.0, 10.0])  # the point is restored


def test_grad_checker_catches_a_wrong_gradient():
    """A checker that cannot fail proves nothing: a gradient off by 1% must be caught."""
    ratio = gradcheck.wrong_gradient()
    show(gradcheck.format_row("checker: wrong ∇ ×1.01", ratio, should_pass=False,
                              verdict=False))
    assert ratio > 1e-3


@pytest.mark.parametrize("row", gradcheck.ROWS, ids=[row.id for row in gradcheck.ROWS])
def test_grad_term_by_term(row):
    ratio, blocks = gradcheck.check_row(row)
    show(gradcheck.format_row(row.label, ratio, blocks, verdict=False))
    assert ratio < GRADIENT_CHECK_THRESHOLD
    assert set(blocks) == {"W1", "W2", "b1", "b2"} and all(r < 1e-8 for r in blocks.values())


def test_grad_marker_selects_this_file_and_nothing_else():
    """``pytest -m grad`` (README, "In class") selects this file's tests: the marker is set
    here for the whole module, and nowhere else."""
    from pathlib import Path

    here = Path(__file__)
    marked = {p.name for p in here.parent.glob("test_*.py") if "mark.grad" in p.read_text()}
    assert marked == {here.name} and pytestmark.name == "grad"


@pytest.mark.parametrize("row", ARCHITECTURE_ROWS, ids=[row.id for row in ARCHITECTURE_ROWS])
def test_grad_architectures(row):
    """Today's SAEs (tinysae.modern.architecture_checks); JumpReLU's θ against the smoothed L0."""
    ratio, blocks = row.check()
    show(gradcheck.format_row(row.label, ratio, blocks if "W1" in blocks else None,
                              verdict=False))
    assert ratio < GRADIENT_CHECK_THRESHOLD
    assert all(r < 1e-8 for r in blocks.values())


@pytest.mark.parametrize("row", transformer_gradcheck.ROWS,
                         ids=[row.label for row in transformer_gradcheck.ROWS])
def test_grad_transformer(row):
    """Lesson 12's transformer, each sub-layer alone, then a block, then the two-block model
    with its loss (four-point differences; tinysae.networks.transformer_gradcheck)."""
    if row is transformer_gradcheck.ROWS[0]:
        show(f"Lesson 12's transformer, four-point differences (ε = {FOUR_POINT_EPSILON:.0e}):\n"
             "ratio over all, the worst block, then each block")
    ratio, blocks = transformer_gradcheck.check_row(row)
    show(transformer_gradcheck.format_row(row.label, ratio, blocks))
    assert ratio < GRADIENT_CHECK_THRESHOLD
    assert all(value < GRADIENT_CHECK_THRESHOLD for value in blocks.values()), blocks
