"""A student's output against the reference's: equal, or a diagnosis that says where and why.

A diagnosis is a list of short lines: the shape that is wrong (with the names of its sizes),
the worst entry (expected, got, and their ratio), UFLDL's ratio per parameter block for
gradients, and the usual mistake whose output the student's equals, by name.
"""

import numpy as np

from tinysae.model.parameters import unpack

#: Equal means |yours − expected| ≤ RTOL·|expected| + ATOL·max|expected| entry by entry: a
#: right answer computed another way differs by ~1e-15; a wrong one by 1e-3 or more.
RTOL, ATOL = 1e-8, 1e-12


class Wrong(Exception):
    """The output cannot be compared (wrong type or shape); ``lines`` say why."""

    def __init__(self, *lines):
        super().__init__(lines[0])
        self.lines = list(lines)


def numbers(*values):
    """The values for a diagnosis line, with as many significant digits (4 to 12) as it takes
    for different values to look different."""
    for digits in range(4, 13):
        texts = [f"{v:.{digits}g}" for v in values]
        if len(set(texts)) == len(set(values)):
            break
    return texts


def shape_text(shape, sizes):
    """``(7, 4) = (m, n_h)``: a shape with the names of its sizes, when they are known."""
    names = {size: name for name, size in sizes.items()}
    text = str(tuple(shape)) if shape else "a number"
    if shape and all(n in names for n in shape):
        text += " = (" + ", ".join(names[n] for n in shape) + ("," if len(shape) == 1 else "") + ")"
    return text


def as_output(got, expected, sizes, what):
    """``got`` as a float64 array of ``expected``'s shape, or :class:`Wrong` saying why not."""
    if got is None:
        raise Wrong(f"{what}: got None. Did you forget to return it?")
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(f"{what}: expected {shape_text(np.shape(expected), sizes)}, got a "
                    f"{type(got).__name__}") from None
    want = np.shape(expected)
    if array.shape != want:
        line = f"{what}: expected shape {shape_text(want, sizes)}, got {shape_text(array.shape, sizes)}"
        names = {size: name for name, size in sizes.items()}
        if want and array.shape == want[::-1]:
            line += ": transposed?"
        elif not want and array.size == 1:
            line += f": one number is asked for, not an array of one: return float({what})"
        elif not want:
            line += ": sum (and average) over the entries"
        elif not array.shape:
            unit = {"n_h": "hidden unit", "n_v": "visible unit", "m": "example"}.get(
                names.get(want[0]) if len(want) == 1 else None, "entry")
            line += f": one value per {unit}, not their sum"
        raise Wrong(line)
    return array


def close(got, expected):
    """Entry by entry, to RTOL (see above)."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected), initial=0.0))
    return bool(np.all(np.abs(got - expected) <= RTOL * np.abs(expected) + ATOL * scale))


def worst_entry(what, got, expected):
    """The entry furthest from the expected one, relatively: ``what[i, j]: expected …, got …``."""
    expected = np.asarray(expected, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        error = np.abs(got - expected) / (np.abs(expected) + ATOL)
    error = np.where(np.isnan(error), np.inf, error)
    index = np.unravel_index(np.argmax(error), expected.shape) if expected.shape else ()
    where = f"{what}[{', '.join(map(str, index))}]" if index else what
    g, e = float(got[index]), float(expected[index])
    text_e, text_g = numbers(e, g)
    line = f"{where}: expected {text_e}, got {text_g}"
    if e == 0 or not np.isfinite(g):
        return line
    return line + f" (yours / expected = {numbers(g / e, 1.0)[0]})"


def uniform_factor(got, expected):
    """c when ``got`` = c · ``expected`` in every entry (to 1e-6), else None."""
    expected = np.asarray(expected, dtype=np.float64)
    keep = np.abs(expected) > 1e-8 * np.max(np.abs(expected), initial=0.0)
    if not np.any(keep) or not np.all(np.isfinite(got)):
        return None
    ratios = got[keep] / expected[keep]
    c = float(np.median(ratios))
    ok = np.allclose(ratios, c, rtol=1e-6) and np.allclose(got[~keep], 0, atol=1e-12)
    return c if ok and not np.isclose(c, 1.0) else None


def factor_hint(c, m, n_v=None):
    """Words for a uniform factor c between yours and expected (m: the number of examples,
    n_v: of visible units; None where the step has none)."""
    hints = [] if m is None else [
        (m, f"yours = m × expected (m = {m}): did you divide by m?"),
        (1 / m, f"yours = expected / m (m = {m}): divided by m twice?")]
    hints += [] if n_v is None else [
        (1 / n_v, f"yours = expected / n_v (n_v = {n_v}): a mean over every entry? J "
                  "sums over the n_v units and divides by m only")]
    hints += [(2.0, "yours = 2 × expected: a ½ missing?"),
             (0.5, "yours = expected / 2: an extra ½?"),
             (-1.0, "yours = −expected: the sign is flipped")]
    return next((text for value, text in hints if np.isclose(c, value, rtol=1e-6)), None)


class Hint:
    """A mistake known only by its output (no planted function): ``says`` names it."""

    def __init__(self, says):
        self.says = says


def diagnose(what, got, expected, sizes, wrongs=(), factors=()):
    """Lines saying how ``got`` differs from ``expected`` ([] when equal).

    ``wrongs`` are pairs (mistake, the mistaken function's output on the same inputs): the
    mistakes whose output equals ``got`` are named. ``factors`` are pairs (c, words) for a
    step's own factors (yours = c · expected), tried before the usual ones.
    """
    got = as_output(got, expected, sizes, what)
    if close(got, expected):
        return []
    lines = [worst_entry(what, got, expected)]
    named = [m.says for m, out in wrongs if close(got, out) and not close(out, expected)]
    if named:
        return lines + [f"→ {says}" for says in named]
    lines += same_numbers_reordered(got, expected)
    c = uniform_factor(got, expected)
    hint = next((text for value, text in factors if c is not None and
                 np.isclose(c, value, rtol=1e-6)), None)
    if hint is None and c is not None:
        hint = factor_hint(c, sizes.get("m"), sizes.get("n_v"))
    if hint is None and close(got, 1 - np.asarray(expected, dtype=np.float64)):
        hint = "yours = 1 − expected: f(−z)? check the sign inside exp"
    return lines + ([f"→ {hint}"] if hint else [])


def same_numbers_reordered(got, expected):
    """A line when ``got`` holds ``expected``'s numbers in another order (θ's blocks
    concatenated in the wrong order, a block transposed before ravel)."""
    expected = np.asarray(expected, dtype=np.float64)
    if got.ndim != 1 or got.size < 2 or close(got, expected):
        return []
    if close(np.sort(got), np.sort(expected)):
        return ["→ the right numbers in another order: pack(grads) puts the blocks as theta "
                "has them (W1, W2, b1, b2, each row by row)"]
    return []


def block_ratio(got, expected):
    """UFLDL's ‖expected − yours‖ / ‖expected + yours‖ over one block (0 when both are 0)."""
    denominator = np.linalg.norm(expected + got)
    difference = np.linalg.norm(expected - got)
    return float(difference / denominator) if denominator else float(difference)


def diagnose_blocks(got, expected, sizes, wrongs=(), what="∇"):
    """Lines for a gradient, a dict of the blocks W1, W2, b1, b2 ([] when every block is equal).

    Gives UFLDL's ratio ‖expected − yours‖ / ‖expected + yours‖ per block, the worst entry
    of (at most two) wrong blocks, and the usual mistake whose blocks equal the student's
    wrong ones.
    """
    if not isinstance(got, dict):
        raise Wrong(f"{what}: expected a dict with keys {', '.join(expected)}, got a "
                    f"{type(got).__name__}")
    missing = [k for k in expected if k not in got]
    if missing:
        raise Wrong(f"{what}: the dict has no {', '.join(missing)}")
    arrays = {k: as_output(got[k], expected[k], sizes, f"{what}{k}") for k in expected}
    wrong_blocks = [k for k in expected if not close(arrays[k], expected[k])]
    if not wrong_blocks:
        return []
    ratios = "  ".join(f"{k} {block_ratio(arrays[k], expected[k]):.0e}" for k in expected)
    lines = [f"UFLDL's ratio per block:  {ratios}"]
    lines += [worst_entry(f"{what}{k}", arrays[k], expected[k]) for k in wrong_blocks[:2]]
    for mistake, out in wrongs:
        shows = [k for k in wrong_blocks if close(arrays[k], out[k])]
        if shows and len(shows) == len(wrong_blocks):
            where = "" if len(shows) == len(expected) else " ".join(what + k for k in shows) + ": "
            lines.append(f"→ {where}{mistake.says}")
            return lines
    for k in wrong_blocks:
        c = uniform_factor(arrays[k], expected[k])
        hint = factor_hint(c, sizes.get("m")) if c is not None else None
        if hint:
            lines.append(f"→ {what}{k}: {hint}")
    return lines


def theta_blocks(theta_like, sizes):
    """A θ-shaped vector as the dict of its blocks W1, W2, b1, b2 (views)."""
    return unpack(np.asarray(theta_like, dtype=np.float64), sizes["n_v"], sizes["n_h"])


def changed_in_place(function, name, before, after):
    """The diagnosis of an input the student's ``function`` changed."""
    short = name.split("[")[-1].strip("']") if "[" in name else name
    how = "an in-place operation"
    with np.errstate(all="ignore"):
        if before.shape == after.shape:
            ratio = after / before
            keep = before != 0
            if np.any(keep) and np.allclose(ratio[keep], ratio[keep].flat[0]) and \
                    np.allclose(after[~keep], 0):
                how = f"{short} *= …"
            else:
                how = f"{short} += … or {short} -= …"
    lines = [f"your {function} changed {name} in place ({how}): make a new array",
             f"    ({short} = {short} + …, not {short} += …; the caller's {name} must stay "
             "as it was)"]
    if function == "numerical_gradient":
        lines.append("→ restore x[i] after each step")
    return lines
