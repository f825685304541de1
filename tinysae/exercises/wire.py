"""The grader's wire format: what passes between it and the student's process, as plain data.

A message is the length of its header (8 bytes), the header (JSON: the values as tagged
lists, and the dtype and shape of each array), then the raw bytes of each array. Both sides
read it as untrusted data: lengths and dtypes are checked against budgets before anything
is read, and nothing is ever unpickled. The functions a student's code is handed (the
numerical gradient's f) travel as a name and their arrays.

Only the standard library and numpy are imported: the student's process loads this file by
its path, before it refuses tinysae's files.
"""

import json
import math
import struct

import numpy as np


#: The dtypes an array may have on the wire (little-endian numbers and booleans).
DTYPES = ("<f8", "<f4", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", "|b1")
#: A message's header is at most this long (bytes); its arrays at most ARRAY_BUDGET in all.
HEADER_BUDGET, ARRAY_BUDGET = 1 << 20, 256 << 20
#: At most this many values (lists, dicts, arrays, numbers) in one encoded output.
NODE_BUDGET = 10000

class Malformed(Exception):
    """A message that does not follow the format (the other side wrote something else)."""


# ----------------------------------------------------------------------------- the wire format

def encode(value, arrays, budget=None):
    """``value`` as a JSON-able tree; its arrays are appended to ``arrays``.

    Tags: ``["none"]``, ``["bool", b]``, ``["int", i]``, ``["float", x]``, ``["str", text]``,
    ``["array", index]``, ``["list", [...]]``, ``["tuple", [...]]``,
    ``["dict", [[key, value], ...]]`` (string keys), ``["other", type name]``. Anything
    that is not one of these plain types is converted with ``numpy.asarray`` (which may run
    the student's ``__array__`` or ``__float__``: call this where the student's errors are
    caught).
    """
    budget = budget if budget is not None else [NODE_BUDGET]
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("the output is too large (over %d values)" % NODE_BUDGET)
    kind = type(value)
    if value is None:
        return ["none"]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", value] if abs(value) < 2 ** 63 else ["float", float(value)]
    if kind is float:
        return ["float", value]
    if kind is str:
        return ["other", "str"]
    if kind in (list, tuple):
        return [kind.__name__, [encode(v, arrays, budget) for v in value]]
    if kind is dict:
        return ["dict", [[k, encode(v, arrays, budget)] for k, v in value.items()
                         if type(k) is str]]
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        array = np.array(value, subok=False)
    elif callable(value):
        return ["other", "function"]
    else:
        array = np.asarray(value, dtype=np.float64)
    if array.dtype.str not in DTYPES:
        if array.dtype.kind not in "fiub":
            return ["other", "array of %s" % array.dtype.name]
        array = array.astype(np.float64)
    arrays.append(array.copy(order="C"))  # (ascontiguousarray would make a 0-d array 1-d)
    return ["array", len(arrays) - 1]


def decode(tree, arrays, opaque):
    """The value of an :func:`encode` tree (``opaque(type name)`` stands for "other")."""
    if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
        raise Malformed("a value that is not a tagged list")
    tag, rest = tree[0], tree[1:]
    simple = {"bool": bool, "int": int, "float": (int, float)}
    if tag == "none":
        return None
    if tag in simple and len(rest) == 1 and isinstance(rest[0], simple[tag]) and \
            (tag == "bool" or not isinstance(rest[0], bool)):
        return float(rest[0]) if tag == "float" else rest[0]
    if tag == "array" and len(rest) == 1 and type(rest[0]) is int and 0 <= rest[0] < len(arrays):
        return arrays[rest[0]]
    if tag in ("list", "tuple") and len(rest) == 1 and isinstance(rest[0], list):
        items = [decode(v, arrays, opaque) for v in rest[0]]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict" and len(rest) == 1 and isinstance(rest[0], list):
        pairs = rest[0]
        if not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in pairs):
            raise Malformed("a dict entry that is not a pair")
        return {k: decode(v, arrays, opaque) for k, v in pairs}
    if tag == "other" and len(rest) == 1 and isinstance(rest[0], str):
        return opaque(rest[0][:60])
    raise Malformed("an unknown value %r" % tag[:20])


def write_message(write, header, arrays=()):
    """Write one message with ``write(bytes)``: the header's length (8 bytes), the header
    (JSON, with the dtype and shape of each array under "arrays"), the arrays' bytes."""
    header = dict(header, arrays=[[a.dtype.str, list(a.shape)] for a in arrays])
    text = json.dumps(header, allow_nan=True).encode("utf-8")
    write(struct.pack("<Q", len(text)) + text)
    for array in arrays:
        write(array.tobytes())


def read_message(read_exact):
    """``(header, arrays)`` of one message, read with ``read_exact(n) -> bytes``.

    Read as untrusted data: the lengths are checked against the budgets before anything is
    read, the dtypes against :data:`DTYPES`; no object is ever unpickled.
    """
    (length,) = struct.unpack("<Q", read_exact(8))
    if length > HEADER_BUDGET:
        raise Malformed("a header of %d bytes" % length)
    try:
        header = json.loads(read_exact(length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Malformed("a header that is not JSON") from None
    specs = header.get("arrays") if isinstance(header, dict) else None
    if not isinstance(specs, list):
        raise Malformed("a header without its list of arrays")
    sizes = []
    for spec in specs:
        if not (isinstance(spec, list) and len(spec) == 2 and spec[0] in DTYPES
                and isinstance(spec[1], list) and len(spec[1]) <= 8
                and all(type(n) is int and 0 <= n < 2 ** 40 for n in spec[1])):
            raise Malformed("an array that is not a plain array of numbers")
        sizes.append(math.prod(spec[1]) * np.dtype(spec[0]).itemsize)
    if sum(sizes) > ARRAY_BUDGET:
        raise Malformed("arrays of %d bytes in all" % sum(sizes))
    arrays = [np.frombuffer(read_exact(size), dtype=spec[0]).reshape(spec[1]).copy()
              for spec, size in zip(specs, sizes)]
    return header, arrays


# ----------------------------------------------------------------------------- functions sent as data

def sin_quadratic(x, c, A):
    """f(x) = Σ sin(c ∘ x) + ½ xᵀAx: the function a student's ``numerical_gradient`` is
    checked on (sent as its name and c, A)."""
    return float(np.sum(np.sin(c * x)) + 0.5 * x @ A @ x)


def function_of(spec, arrays):
    """The function a ``["function", name, c, A, returns_pair]`` argument stands for."""
    _, name, c, A, pair = spec
    c, A = arrays[c], arrays[A]
    if name != "sin_quadratic":
        raise Malformed("an unknown function %r" % name)

    def f(x):
        value = sin_quadratic(np.asarray(x, dtype=np.float64), c, A)
        return (value, np.zeros_like(x)) if pair else value
    return f


class Function:
    """A function handed to the student's code, sent as data: ``f(x) = Σ sin(c ∘ x) +
    ½ xᵀAx`` (:func:`tinysae.exercises.wire.sin_quadratic`); ``pair``: f returns (value,
    a zero gradient)."""

    def __init__(self, c, A, pair=False):
        self.c, self.A, self.pair = c, A, pair

    def __call__(self, x):
        value = sin_quadratic(np.asarray(x, dtype=np.float64), self.c, self.A)
        return (value, np.zeros_like(x)) if self.pair else value


class Opaque:
    """Stands for a student's output that is not numbers (its class is named after the
    student's type, so that a diagnosis can say "got a str")."""


def opaque(name):
    clean = "".join(ch for ch in name if ch.isalnum() or ch in "_ .") or "object"
    return type(clean, (Opaque,), {})()
