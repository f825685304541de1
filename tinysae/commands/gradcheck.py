"""``tinysae gradcheck``: the class demo — the gradient checked term by term, with a ratio per block.

The table has one row per check, readable on a projector. First the checker itself, on
UFLDL's test function and on a gradient known to be wrong; then the cost built up one term
at a time, as the notes advise (reconstruction, + weight decay, + sparsity, UFLDL's
settings); then the variants later lessons use (L1, a linear decoder, today's ReLU + L1
model); last, J's value against its three terms computed one by one, which catches what a
gradient check cannot: J and ∇J wrong by the same factor (``--bug sums-not-means``). Each
model row gives UFLDL's ratio ‖num − ana‖ / ‖num + ana‖ for all of θ and for
W1, W2, b1, b2 separately, so a wrong gradient shows *where* it is wrong.

``tinysae gradcheck --bug NAME`` plants one of the usual mistakes
(:mod:`tinysae.exercises.mistakes`, the ones the grader names) in the reference while the
table is made: the rows it touches fail, in the blocks it touches. ``pytest -v -s -m grad``
prints the same rows (tests/test_gradient_checks.py).
"""

import argparse
import textwrap
from dataclasses import dataclass

import numpy as np

from tinysae.commands import Parser
from tinysae.exercises.mistakes import MISTAKES, planted
from tinysae.model import gradient_check as checker
from tinysae.model import sparse_autoencoder
from tinysae.model.gradient_check import (CHECK_EPSILON, FOUR_POINT_EPSILON,
                                          GRADIENT_CHECK_THRESHOLD, relative_difference,
                                          relative_difference_by_block)
from tinysae.model.parameters import pack, unpack
from tinysae.model.sparse_autoencoder import init_params
from tinysae.modern import sae as modern
from tinysae.modern.architecture_checks import ARCHITECTURE_ROWS

#: The tiny problem: 4×4 patches (n_v = 16), n_h = 5 hidden units, m = 10 examples.
N_VISIBLE, N_HIDDEN, M = 16, 5, 10
#: A ReLU pre-activation at least this far from 0 cannot cross the kink when θ moves by ε.
KINK_MARGIN = 1e-3
LABEL, COLUMN, WIDTH = 24, 7, 72
BLOCKS = ("W1", "W2", "b1", "b2")


@dataclass(frozen=True)
class Row:
    label: str
    settings: dict  # the hyperparameters of loss_and_grad; "modern" for the ReLU + L1 row
    legend: str

    @property
    def number(self):
        return self.label.split(".")[0]

    @property
    def id(self):
        """``3-kl-sparsity``: the label as a test id."""
        words = "".join(c if c.isalnum() else " " for c in self.label.lower().replace("'s", ""))
        return "-".join(words.split())


ROWS = [
    Row("1. reconstruction", dict(weight_decay=0.0, sparsity_weight=0.0), "λ = 0, β = 0"),
    Row("2. + weight decay", dict(weight_decay=1e-2, sparsity_weight=0.0), "λ = 1e-2"),
    Row("3. + KL sparsity", dict(weight_decay=1e-2, sparsity_weight=3.0, sparsity_target=0.1),
        "λ = 1e-2, β = 3, ρ = 0.1"),
    Row("4. UFLDL's settings", dict(weight_decay=1e-4, sparsity_weight=3.0,
                                    sparsity_target=0.01), "λ = 1e-4, β = 3, ρ = 0.01"),
    Row("5. L1 instead of KL", dict(weight_decay=1e-4, sparsity_weight=0.5, sparsity="l1"),
        "β = 0.5 on (1/m) Σ|a2|"),
    Row("6. linear decoder", dict(weight_decay=3e-3, sparsity_weight=5.0, sparsity_target=0.035,
                                  decoder="linear"), "a3 = z3, x in [−0.8, 0.8]"),
    Row("7. ReLU + L1, modern", dict(modern=True, sparsity_weight=0.3), "lesson 08, β = 0.3"),
]

#: The value check: J against the sum of its three terms, each computed on its own
#: (``cost_terms``); a mistake that scales J and ∇J alike passes every gradient row but this.
VALUE_ROW = Row("8. J = its three terms", dict(weight_decay=1e-4, sparsity_weight=3.0,
                                               sparsity_target=0.01),
                "J against Σ of its terms, alone")


def tiny_problem():
    """(θ, X) of the classic rows: X in [0.1, 0.9] like patches; biases not zero, so that a
    gradient that decays them is caught."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0.1, 0.9, size=(M, N_VISIBLE))  # (m, n_v)
    params = init_params(N_VISIBLE, N_HIDDEN, rng)
    params["b1"] = 0.1 * rng.standard_normal(N_HIDDEN)  # (n_h,)
    params["b2"] = 0.1 * rng.standard_normal(N_VISIBLE)  # (n_v,)
    return pack(params), X


def modern_problem():
    """(θ, X) of the ReLU row: the first seed whose pre-activations all lie KINK_MARGIN from
    ReLU's kink, where a centred difference would straddle it."""
    for seed in range(1000):
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1, 1, size=(M, N_VISIBLE))  # (m, n_v)
        params = modern.init_sae(N_VISIBLE, N_HIDDEN, rng,
                                 data_mean=0.1 * rng.standard_normal(N_VISIBLE))
        params["W1"] = params["W1"] + 0.3 * rng.standard_normal(params["W1"].shape)  # untied
        params["b1"] = 0.1 * rng.standard_normal(N_HIDDEN)  # (n_h,)
        if modern.kink_margin(modern.sae_forward(params, X)["z2"]) >= KINK_MARGIN:
            return pack(params), X
    raise AssertionError("no seed below 1000 keeps the pre-activations away from the kink")


def cost_function(row, X):
    """θ ↦ (J, ∇J) for one row, computed by the reference as it is at call time."""
    settings = dict(row.settings)
    if settings.pop("modern", False):
        def f(theta):
            J, grads = modern.sae_loss_and_grad(unpack(theta, N_VISIBLE, N_HIDDEN), X, **settings)
            return J, pack(grads)
        return f
    if settings.get("decoder") == "linear":
        X = 2 * X - 1  # (m, n_v), not in [0, 1]: why a linear decoder exists
    return lambda theta: sparse_autoencoder.loss_and_grad(theta, X, N_HIDDEN, **settings)


def check_row(row):
    """``(ratio over θ, {block: ratio})`` of one row: centred differences against backprop."""
    theta, X = modern_problem() if row.settings.get("modern") else tiny_problem()
    f = cost_function(row, X)
    analytic = f(theta)[1].copy()  # (n,)
    numerical = checker.numerical_gradient(f, theta, eps=CHECK_EPSILON)  # (n,)
    return (relative_difference(numerical, analytic),
            relative_difference_by_block(numerical, analytic, N_VISIBLE, N_HIDDEN))


def value_check(row=VALUE_ROW):
    """|J − (reconstruction + weight decay + sparsity)| / |J's terms|: ``loss_and_grad``'s
    value against its terms computed one by one (about 1e-16 when they agree)."""
    theta, X = tiny_problem()
    J = cost_function(row, X)(theta)[0]
    terms = sparse_autoencoder.cost_terms(theta, X, N_HIDDEN, **row.settings)
    total = terms["reconstruction"] + terms["weight_decay"] + terms["sparsity"]
    return abs(J - total) / abs(total)


def self_test():
    """UFLDL's checkNumericalGradient: h(x) = x1² + 3·x1·x2 at (4, 10), ∇h = (2x1 + 3x2, 3x1)."""
    def h(x):
        return x[0] ** 2 + 3 * x[0] * x[1], np.array([2 * x[0] + 3 * x[1], 3 * x[0]])
    return checker.gradient_check(h, np.array([4.0, 10.0]))


def wrong_gradient():
    """A gradient off by 1% (2.02x for ∇‖x‖² = 2x): a checker that cannot fail proves nothing."""
    return checker.gradient_check(lambda x: (np.sum(x ** 2), 2.02 * x), np.array([1.0, -2.0, 3.0]))


def header():
    """The lines above the rows."""
    return [f"Backpropagation against centred differences (ε = {CHECK_EPSILON:g}), term by term.",
            "UFLDL's ratio ‖num − ana‖ / ‖num + ana‖ over θ (all) and per block;",
            f"a row passes below {GRADIENT_CHECK_THRESHOLD:.0e}.",
            "",
            f"{'':<{LABEL}}" + "".join(f"{name:>{COLUMN}}" for name in ("all",) + BLOCKS)]


def format_row(label, ratio, blocks=None, should_pass=True, verdict=True):
    """One row: the label, the ratio over θ, the blocks' ratios, the verdict (PASS or FAIL;
    caught or missed for a check that should fail). Without ``verdict`` the row ends in two
    spaces, for pytest's PASSED or FAILED."""
    passed = ratio < GRADIENT_CHECK_THRESHOLD
    cells = [ratio] + ([blocks[name] for name in BLOCKS] if blocks else [])
    text = f"{label:<{LABEL}}" + f"{''.join(f'{v:>{COLUMN}.0e}' for v in cells):<{COLUMN * 5}}  "
    if not should_pass:
        return text + ("missed" if passed else "caught") + ("" if verdict else "  ")
    return text + ("PASS" if passed else "FAIL") * verdict


def table(mistake=None):
    """The demo's lines, whether the checker passed its own two tests (a known gradient
    passes, a wrong one is caught), and the model rows that failed with their wrong blocks."""
    lines, failed = header(), []
    with planted(mistake):
        known, wrong = self_test(), wrong_gradient()
        lines.append(format_row("checker: x1² + 3·x1·x2", known))
        lines.append(format_row("checker: wrong ∇ ×1.01", wrong, should_pass=False))
        checker_ok = known < GRADIENT_CHECK_THRESHOLD <= wrong
        for row in ROWS:
            ratio, blocks = check_row(row)
            lines.append(format_row(row.label, ratio, blocks))
            if ratio >= GRADIENT_CHECK_THRESHOLD:
                failed.append((row, [b for b in BLOCKS if blocks[b] >= GRADIENT_CHECK_THRESHOLD]))
        value = value_check()
        lines.append(format_row(VALUE_ROW.label, value))
        if value >= GRADIENT_CHECK_THRESHOLD:
            failed.append((VALUE_ROW, ["J's value"]))
        for row in ARCHITECTURE_ROWS:  # today's SAEs (tinysae.modern.architecture_checks)
            ratio, blocks = row.check()
            lines.append(format_row(row.label, ratio, blocks if set(BLOCKS) <= set(blocks)
                                    else None))
            if ratio >= GRADIENT_CHECK_THRESHOLD:
                failed.append((row, [b for b in blocks if blocks[b] >= GRADIENT_CHECK_THRESHOLD]))
    return lines + [""] + legend(), checker_ok, failed


def legend():
    """The settings of each row, in two columns."""
    texts = [f"{row.number}: {row.legend}" for row in ROWS + [VALUE_ROW] + ARCHITECTURE_ROWS]
    half = (len(texts) + 1) // 2
    return [f"{left:<34}{right}".rstrip()
            for left, right in zip(texts[:half], texts[half:] + [""])]


def main(argv):
    """``tinysae gradcheck [--bug NAME]``; returns the exit status."""
    def paragraph(text):  # wrapped here, where mistake names do not break at their hyphens
        return textwrap.fill(text, WIDTH, break_on_hyphens=False)
    parser = Parser(prog="tinysae gradcheck", formatter_class=argparse.RawDescriptionHelpFormatter,
                    description=paragraph(
                        "The class demo: the gradient of the cost checked term by term against "
                        "centred differences, with UFLDL's ratio per parameter block. Exit "
                        "status 0 when every row passes (with --bug: when the planted mistake "
                        "is caught)."),
                    epilog=paragraph("mistakes for --bug: " + ", ".join(MISTAKES)))
    parser.add_argument("--bug", metavar="NAME", choices=list(MISTAKES),
                        help="plant one of the usual mistakes (listed below) and watch the "
                             "check catch it")
    parser.add_argument("--transformer", action="store_true",
                        help="instead: lesson 12's transformer, block by block, a ratio per "
                             "parameter")
    options = parser.parse_args(argv)
    if options.transformer:
        return transformer_table()
    mistake = MISTAKES.get(options.bug)
    if mistake:
        print(textwrap.fill(f"planted mistake {mistake.name}: {mistake.wrong.__doc__.strip()}",
                            WIDTH, subsequent_indent="  ",
                            break_on_hyphens=False) + "\n")
    lines, checker_ok, failed = table(mistake)
    print("\n".join(lines))
    if mistake is None:
        return 0 if checker_ok and not failed else 1
    if checker_ok and not failed:
        print("\nnot caught by any row")
        return 1
    print("\n" + "\n".join((["caught by the checker's own tests"] if not checker_ok else [])
                           + (caught(failed) if failed else [])))
    return 0


def transformer_table():
    """Print the transformer's rows (:mod:`tinysae.networks.transformer_gradcheck`); 0 if all
    pass."""
    from tinysae.networks import transformer_gradcheck as rows

    print("The transformer's backward pass against four-point centred differences "
          f"(ε = {FOUR_POINT_EPSILON:g}), block by block;\nUFLDL's ratio over everything, "
          "then per parameter "
          f"(=0: a gradient that is exactly 0).\nA row passes below "
          f"{GRADIENT_CHECK_THRESHOLD:.0e}.\n")
    failed = 0
    for row in rows.ROWS:
        ratio, blocks = rows.check_row(row)
        passed = max(ratio, *blocks.values()) < GRADIENT_CHECK_THRESHOLD
        failed += not passed
        print(rows.format_row(row.label, ratio, blocks) + ("" if passed else "   FAIL"))
    return 1 if failed else 0


def caught(failed):
    """Which rows caught the mistake, in which blocks: one line when they agree."""
    def listed(words):
        return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
    blocks = {listed(b) for _, b in failed}
    if len(blocks) == 1:
        rows = listed([row.number for row, _ in failed])
        return [f"caught by row{'s' if len(failed) > 1 else ''} {rows}: in {blocks.pop()}"]
    return [f"caught by row {row.number}: in {listed(b)}" for row, b in failed]
