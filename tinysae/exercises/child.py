"""The student's process: it imports the student's file and calls its functions, nothing else.

The grader (:mod:`tinysae.exercises.student_code`) starts this file as a script in a
process of its own::

    python -I -u child.py STUDENT_FILE REQUEST_FD REPLY_FD TIME_LIMIT MEMORY_LIMIT

It receives the inputs of one call at a time on REQUEST_FD and answers on REPLY_FD with the
outputs, as plain data (:mod:`tinysae.exercises.wire`: a JSON header, then the raw bytes
of each array; never pickle). The grade is decided in the grader's process, which draws the
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
tinysae here (the grader imports it only to know its path).
"""

import errno
import importlib.util
import math
import os
import sys


#: The student's output file may grow to this many bytes (then writing to it fails).
OUTPUT_BUDGET = 1 << 20

REFUSED_IMPORT = ("the grader runs your own model: tinysae.pack and tinysae.unpack are the "
                  "only allowed imports from tinysae")


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
    elif isinstance(error, OSError) and error.errno == errno.EFBIG:
        text = (f"your code printed more than the grader keeps ({OUTPUT_BUDGET >> 20} MB): a "
                "print in a loop?")
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

def _load_wire():
    """The wire format (:mod:`tinysae.exercises.wire`), loaded by its path: this process
    does not import tinysae."""
    spec = importlib.util.spec_from_file_location(
        "grader_wire", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    student_file, request_fd, reply_fd, cpu_seconds, memory_limit, tinysae_dir = argv
    sys.path[:] = [p for p in sys.path if p != os.path.dirname(os.path.abspath(__file__))]
    _limit(int(memory_limit), int(cpu_seconds))
    wire = _load_wire()
    requests = os.fdopen(int(request_fd), "rb", buffering=0)
    reply_fd = int(reply_fd)
    path = os.path.realpath(student_file)

    def write(data):
        view = memoryview(data)
        while view:
            view = view[os.write(reply_fd, view):]

    def reply(header, arrays=()):
        wire.write_message(write, header, arrays)

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
        header, arrays = wire.read_message(read_exact)
        args = [wire.function_of(a, arrays) if a and a[0] == "function" else
                wire.decode(a, arrays, lambda name: None) for a in header["args"]]
        sent = [a.copy() for a in arrays]
        answer, out = _call(module, path, header["function"], args, header["forbidden"],
                            wire)
        changed = [i for i, (a, b) in enumerate(zip(arrays, sent))
                   if a.shape != b.shape or a.tobytes() != b.tobytes()]
        answer["changed"] = changed  # their new values follow the output's arrays
        reply(answer, out + [arrays[i] for i in changed])


def _call(module, path, function, args, forbidden, wire):
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
        value = wire.encode(result, out)
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
