"""The student's process: it imports the student's file and calls its functions, nothing else.

The grader (:mod:`tinysae.exercises.student_code`) starts this file as a script in a
process of its own::

    python -I child.py STUDENT_FILE REQUEST_FD REPLY_FD TIME_LIMIT MEMORY_LIMIT

It receives the inputs of one call at a time on REQUEST_FD and answers on REPLY_FD with the
outputs, as plain data (:func:`write_message`: a JSON header, then the raw bytes of each
array; never pickle). The grade is decided in the grader's process, which draws the
problems, computes the reference's answers only after the student's have arrived, and
compares: nothing done here (exiting, printing, patching numpy, reading frames, threads)
can change a row or the exit status. The student's stdout and stderr go to a file the
grader shows as the student's own output.

What this process guards (so that a student's code fails with a reason rather than passing
by calling the answer key): ``import tinysae`` gives a module with only ``pack`` and
``unpack``; any other tinysae import, reading tinysae's source files, reading another
process's memory and starting processes raise an error that says why (an audit hook, which
Python code cannot remove). Its memory, CPU time and output size are limited here; the
wall-clock limit is the grader's.

Only the standard library and numpy are imported: this file is not imported as part of
tinysae here, and the grader imports it for :func:`write_message` and :func:`read_message`.
"""

import json
import math
import os
import struct
import sys

#: The dtypes an array may have on the wire (little-endian numbers and booleans).
DTYPES = ("<f8", "<f4", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", "|b1")
#: A message's header is at most this long (bytes); its arrays at most ARRAY_BUDGET in all.
HEADER_BUDGET, ARRAY_BUDGET = 1 << 20, 256 << 20
#: At most this many values (lists, dicts, arrays, numbers) in one encoded output.
NODE_BUDGET = 10000
#: The student's output file may grow to this many bytes (then writing to it fails).
OUTPUT_BUDGET = 1 << 20

REFUSED_IMPORT = ("the grader runs your own model: tinysae.pack and tinysae.unpack are the "
                  "only allowed imports from tinysae")


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
    import numpy as np
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
    import numpy as np
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
    import numpy as np
    return float(np.sum(np.sin(c * x)) + 0.5 * x @ A @ x)


def function_of(spec, arrays):
    """The function a ``["function", name, c, A, returns_pair]`` argument stands for."""
    import numpy as np
    _, name, c, A, pair = spec
    c, A = arrays[c], arrays[A]
    if name != "sin_quadratic":
        raise Malformed("an unknown function %r" % name)

    def f(x):
        value = sin_quadratic(np.asarray(x, dtype=np.float64), c, A)
        return (value, np.zeros_like(x)) if pair else value
    return f


# ----------------------------------------------------------------------------- the guard

def _limit(memory_limit, cpu_seconds):
    """Memory (address space), CPU time, output size; numpy's thread pools to one thread."""
    import resource
    import signal
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write over the budget fails instead
    for limit, value in ((resource.RLIMIT_AS, memory_limit),
                         (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, OUTPUT_BUDGET)):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass  # a hard limit lower than ours already holds


def _install_guard(tinysae_dir, unpacked):
    """``import tinysae`` → pack/unpack only; the rest of tinysae refused, by an audit hook."""
    import types
    stub = types.ModuleType("tinysae", "tinysae in the grader: pack and unpack only.")
    stub.pack, stub.unpack = unpacked
    stub.__path__ = []
    stub.__getattr__ = _refuse_attribute
    sys.modules["tinysae"] = stub
    own = str(os.getpid())
    guarded = tuple({tinysae_dir, os.path.realpath(tinysae_dir)})

    def hook(event, args):
        if event == "import":
            name = args[0] if args and isinstance(args[0], str) else ""
            if name == "tinysae" or name.startswith("tinysae."):
                raise ImportError(f"import {name}: {REFUSED_IMPORT}")
        elif event == "open" and args and isinstance(args[0], (str, bytes)):
            path = os.fsdecode(args[0])
            full = os.path.realpath(path) if not path.startswith("/proc/") else path
            if full.startswith(guarded):
                raise PermissionError(f"{path}: the grader runs your own model, not "
                                      "tinysae's (its files cannot be read here)")
            parts = full.split("/")
            if len(parts) > 2 and parts[1] == "proc" and parts[2] not in (own, "self",
                                                                           "thread-self"):
                raise PermissionError(f"{path}: another process's files cannot be read here")
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.spawn",
                       "os.posix_spawn", "os.fork", "os.forkpty", "pty.spawn"):
            raise PermissionError("your code starts a process: not allowed in the grader")
    sys.addaudithook(hook)


def _refuse_attribute(name):
    raise ImportError(f"tinysae.{name}: {REFUSED_IMPORT}")


def _pack_unpack():
    """``pack`` and ``unpack`` of tinysae's θ layout (W1, W2, b1, b2 in order; views)."""
    import numpy as np
    names = ("W1", "W2", "b1", "b2")

    def pack(params):
        """Flatten ``params`` into ``theta = concat(W1.ravel(), W2.ravel(), b1, b2)``."""
        return np.concatenate([np.ravel(params[k]) for k in names])

    def unpack(theta, n_visible, n_hidden):
        """Split ``theta`` into ``W1, W2, b1, b2``; the arrays are views of ``theta``."""
        shapes = {"W1": (n_hidden, n_visible), "W2": (n_visible, n_hidden),
                  "b1": (n_hidden,), "b2": (n_visible,)}
        theta = np.asarray(theta)
        size = sum(math.prod(s) for s in shapes.values())
        if theta.ndim != 1 or theta.size != size:
            raise ValueError(f"theta must have shape ({size},) = (2·n_h·n_v + n_h + n_v,) "
                             f"for n_visible = {n_visible}, n_hidden = {n_hidden}; got "
                             f"shape {theta.shape}")
        params, start = {}, 0
        for name, shape in shapes.items():
            params[name] = theta[start:start + math.prod(shape)].reshape(shape)  # a view
            start += math.prod(shape)
        return params
    return pack, unpack


# ----------------------------------------------------------------------------- what went wrong, in words

def _student_frames(error, path):
    import traceback
    return [f for f in traceback.extract_tb(error.__traceback__)
            if os.path.realpath(f.filename) == path]


def where(error, path):
    """The error and the student's line that raised it, as short lines."""
    message = " ".join(str(error).split())[:300] or type(error).__name__
    text = f"{type(error).__name__}: {message}"
    if isinstance(error, SystemExit):
        text = f"SystemExit: your code called exit() ({message})"
    elif isinstance(error, KeyboardInterrupt):
        text = "KeyboardInterrupt: your code raised it"
    elif isinstance(error, MemoryError):
        text = "MemoryError: your code needed more memory than the grader allows"
    frames = _student_frames(error, path)
    if not frames:
        return [text]
    frame = frames[-1]
    return [f"line {frame.lineno}, in {frame.name}: {text}"] + (
        [f"    {frame.line.strip()}"] if frame.line else [])


def _caller_line(path):
    """``"sparse_autoencoder.py line 12"``: the student's innermost line now running."""
    frame = sys._getframe(1)
    while frame is not None:
        if os.path.realpath(frame.f_code.co_filename) == path:
            return f"{os.path.basename(path)} line {frame.f_lineno}"
        frame = frame.f_back
    return None


# ----------------------------------------------------------------------------- the loop

def main(argv):
    student_file, request_fd, reply_fd, cpu_seconds, memory_limit, tinysae_dir = argv
    sys.path[:] = [p for p in sys.path if p != os.path.dirname(os.path.abspath(__file__))]
    _limit(int(memory_limit), int(cpu_seconds))
    import numpy as np
    requests = os.fdopen(int(request_fd), "rb", buffering=0)
    reply_fd = int(reply_fd)
    path = os.path.realpath(student_file)

    def write(data):
        view = memoryview(data)
        while view:
            view = view[os.write(reply_fd, view):]

    def reply(header, arrays=()):
        write_message(write, header, arrays)

    def read_exact(n):
        chunks = []
        while n:
            chunk = requests.read(n)
            if not chunk:
                os._exit(0)  # the grader is done: end without atexit handlers
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    real_exit = os._exit

    def exit_now(status):
        try:
            reply({"kind": "exit", "status": status, "where": _caller_line(path)})
        finally:
            real_exit(status)
    _install_guard(tinysae_dir, _pack_unpack())
    os._exit = exit_now
    reply({"kind": "started"})

    import importlib.util
    spec = importlib.util.spec_from_file_location("student_" + os.path.basename(path)[:-3],
                                                  path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        reply({"kind": "unusable", "lines": [
            f"line {error.lineno}: SyntaxError: {error.msg}"]
            + ([f"    {error.text.strip()}"] if error.text else [])})
        real_exit(0)
    except BaseException as error:  # noqa: BLE001  a student's file may raise anything
        reply({"kind": "unusable", "lines": [line.replace(", in <module>", "")
                                             for line in where(error, path)]})
        real_exit(0)
    reply({"kind": "imported"})

    while True:
        header, arrays = read_message(read_exact)
        args = [function_of(a, arrays) if a and a[0] == "function" else
                decode(a, arrays, lambda name: None) for a in header["args"]]
        sent = [a.copy() for a in arrays]
        answer, out = _call(module, path, header["function"], args, header["forbidden"],
                            np)
        changed = [i for i, (a, b) in enumerate(zip(arrays, sent))
                   if a.shape != b.shape or a.tobytes() != b.tobytes()]
        answer["changed"] = changed  # their new values follow the output's arrays
        reply(answer, out + [arrays[i] for i in changed])


def _call(module, path, function, args, forbidden, np):
    """Call the student's ``function(*args)``: the answer's header and its arrays."""
    fn = getattr(module, function, None)
    if not callable(fn):
        return {"kind": "error", "lines": [
            f"{os.path.basename(path)} has no function {function} (renamed or deleted?)"]}, []
    codes = {getattr(getattr(module, f, None), "__code__", None): f for f in forbidden}
    used = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])
    out = []
    try:
        sys.setprofile(profile if codes else None)
        try:
            result = fn(*args)
        finally:
            sys.setprofile(None)
        value = encode(result, out)
    except NotImplementedError as error:
        frames = _student_frames(error, path)
        return {"kind": "not_written", "function": frames[-1].name if frames else function}, []
    except BaseException as error:  # noqa: BLE001
        lines = where(error, path)
        if "result" in locals():
            lines = [f"your {function} returned a {type(result).__name__} that cannot be "
                     "read as numbers:"] + lines
        return {"kind": "error", "lines": lines}, []
    if used:
        return {"kind": "error", "lines": [
            f"{function} calls your {used[0]}: the exercise is to write it yourself"]}, []
    return {"kind": "value", "value": value}, out


if __name__ == "__main__":
    main(sys.argv[1:])
