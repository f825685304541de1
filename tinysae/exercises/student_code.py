"""The student's file, run in a process of its own: the grader sends it inputs and reads back outputs.

:class:`StudentProcess` starts :mod:`tinysae.exercises.child` (``python -I``, limited in
memory and CPU time), which imports the student's file; :func:`call` sends one call's
inputs and returns the outputs, read as untrusted plain data. The reference's answer is
computed in this process, after the student's has arrived. A call returns the output or
raises one of

- :class:`NotWritten` — a ``raise NotImplementedError`` was reached (in this function, or
  in another one of the file that it calls);
- :class:`StudentError` — anything else: an exception (with the student's line), the
  process ended (``os._exit``, a crash) or went over the step's time, an input changed in
  place, or an output that is not numbers.

A process that ended or timed out is started again for the next step. Everything the
student's code prints (and its warnings) is kept, step by step, to be shown apart from the
table (:meth:`StudentProcess.take_output`).
"""

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import tinysae
from tinysae.exercises.compare import changed_in_place
from tinysae.exercises.student_source import arguments_of, blank_functions, one_line, printable
from tinysae.exercises.wire import (Function, Malformed, decode, encode, opaque, read_message,
                                    write_message)

TINYSAE = Path(tinysae.__file__).parent

#: Seconds a step's calls may take in all, unless ``--time-limit`` says otherwise.
TIME_LIMIT = 5.0
#: Bytes of memory (address space) the student's process may use.
MEMORY_LIMIT = 2 << 30
#: Seconds Python and numpy may take to start in the student's process.
START_LIMIT = 20.0
#: The student's output shown per step, at most (characters).
OUTPUT_SHOWN = 2000


class UnusableFile(Exception):
    """The file is missing; the message is one line."""


class NotWritten(Exception):
    """``raise NotImplementedError`` reached in the student's function ``function``."""

    def __init__(self, function):
        super().__init__(function)
        self.function = function


class StudentError(Exception):
    """The student's code failed; ``lines`` say how (``crashed``: it raised an exception)."""

    def __init__(self, *lines, crashed=False):
        super().__init__(lines[0])
        self.lines, self.crashed = list(lines), crashed


class StudentProcess:
    """The student's file at ``path``, imported in a process of its own (started on the
    first call, again after it ended). ``time_limit``: seconds for each step's calls."""

    def __init__(self, path, time_limit=TIME_LIMIT, memory_limit=MEMORY_LIMIT, steps=20):
        self.path = Path(path)
        if not self.path.is_file():
            raise UnusableFile(f"there is no file {self.path}")
        self.time_limit, self.memory_limit = float(time_limit), int(memory_limit)
        self.cpu_seconds = int(self.time_limit * (steps + 2) + START_LIMIT + 10)
        self.blanks, self.arguments = blank_functions(self.path), arguments_of(self.path)
        self.process = None
        self.unusable = None  # the lines saying why the file cannot be imported
        self.deadline = None
        self.output = tempfile.TemporaryFile()
        self.shown = 0

    # -- the process

    def _start(self):
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        child = Path(__file__).with_name("child.py").resolve()
        command = [sys.executable, "-I", "-u", str(child),
                   str(self.path.resolve()),
                   str(request_read), str(reply_write), str(self.cpu_seconds),
                   str(self.memory_limit), str(TINYSAE.resolve())]
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL",
                                                             "TMPDIR", "SYSTEMROOT")}
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=self.output, stderr=self.output,
                pass_fds=(request_read, reply_write), cwd=str(self.path.resolve().parent),
                env=env,
                start_new_session=True)
        finally:
            os.close(request_read)
            os.close(reply_write)
        self.requests, self.replies = request_write, reply_read
        doing = "while your file was imported"
        try:
            started = self._read(time.monotonic() + START_LIMIT, "while Python started")
            message = self._read(self._deadline(), doing) \
                if started[0].get("kind") == "started" else started
            lines = [] if message[0].get("kind") == "imported" else \
                self._trouble(message, doing)
        except StudentError as error:
            lines = error.lines
        if lines:
            self.unusable = [f"{self.path.name} cannot be imported:"] + lines
            self.stop()
            raise StudentError(*self.unusable)

    def stop(self):
        """End the student's process (and anything it started), if it is running."""
        if self.process is None:
            return
        for fd in (self.requests, self.replies):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.output.close()

    def start(self):
        """Start the process now (else at the first call); a file that cannot be imported
        is remembered (:attr:`unusable`), not raised."""
        if self.process is None and not self.unusable:
            try:
                self._start()
            except StudentError:
                pass

    # -- one step, one call

    def begin_step(self):
        """The step's calls share one time limit from now."""
        self.deadline = time.monotonic() + self.time_limit

    def _deadline(self):
        return self.deadline if self.deadline is not None else \
            time.monotonic() + self.time_limit

    def call(self, function, args, forbidden=()):
        """The student's ``function(*args)`` (see the module docstring)."""
        if self.unusable:
            raise StudentError(*self.unusable)
        if function in self.blanks:
            raise NotWritten(function)
        if self.process is None:
            self._start()
        arrays, paths = [], []
        names = self.arguments.get(function, [])
        tree = [self._encode(a, arrays, paths, names[i] if i < len(names) else
                             f"argument {i + 1}") for i, a in enumerate(args)]
        sent = [a.copy() for a in arrays]
        try:
            write_message(self._send, {"function": function, "args": tree,
                                       "forbidden": list(forbidden)}, arrays)
            header, got = self._read(self._deadline(), f"in your {function}")
        except StudentError:
            self.stop()
            raise
        kind = header.get("kind")
        if kind == "not_written":
            raise NotWritten(str(header.get("function", function))[:60])
        if kind != "value":
            lines = self._trouble((header, got), f"in your {function}")
            if kind != "error":
                self.stop()
            raise StudentError(*lines, crashed=kind == "error")
        try:
            changed = [int(i) for i in header.get("changed", [])]
            n_out = len(got) - len(changed)
            value = decode(header.get("value"), got[:n_out], opaque)
            after = dict(zip(changed, got[n_out:]))
        except (Malformed, TypeError, ValueError, RecursionError) as error:
            self.stop()
            raise StudentError(f"your process sent something unreadable ({error})") from None
        for i, new in after.items():
            if 0 <= i < len(sent) and not (new.shape == sent[i].shape and
                                           np.array_equal(new, sent[i], equal_nan=True)):
                raise StudentError(*changed_in_place(function, paths[i], sent[i], new))
        return value

    def _encode(self, value, arrays, paths, name):
        """An argument as a wire tree, remembering which argument each array is."""
        if isinstance(value, Function):
            arrays += [np.ascontiguousarray(value.c, dtype=np.float64),
                       np.ascontiguousarray(value.A, dtype=np.float64)]
            paths += [f"{name}'s c", f"{name}'s A"]
            return ["function", "sin_quadratic", len(arrays) - 2, len(arrays) - 1, value.pair]
        if isinstance(value, dict):
            return ["dict", [[k, self._encode(v, arrays, paths, f"{name}['{k}']")]
                             for k, v in value.items()]]
        if isinstance(value, np.ndarray):
            arrays.append(value.copy(order="C"))
            paths.append(name)
            return ["array", len(arrays) - 1]
        count = len(arrays)
        tree = encode(value, arrays)
        paths += [name] * (len(arrays) - count)
        return tree

    # -- the pipe

    def _send(self, data):
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.requests, view):]
        except (BrokenPipeError, OSError):
            raise StudentError(*self._ended("before the call")) from None

    def _read(self, deadline, doing):
        """One message from the student's process, by ``deadline``."""
        def read_exact(n):
            chunks = []
            while n:
                left = deadline - time.monotonic()
                ready = select.select([self.replies], [], [], max(left, 0))[0] if left > 0 \
                    else []
                if not ready:
                    raise StudentError(f"took over {self.time_limit:g} s {doing}: an endless "
                                       "loop? (the grader's time limit; --time-limit S)")
                chunk = os.read(self.replies, min(n, 1 << 20))
                if not chunk:
                    raise StudentError(*self._ended(doing))
                chunks.append(chunk)
                n -= len(chunk)
            return b"".join(chunks)
        try:
            return read_message(read_exact)
        except Malformed as error:
            raise StudentError(f"your process sent something that is not an answer "
                               f"({error}) {doing}") from None

    def _ended(self, doing):
        """Why the process ended, in words."""
        try:
            status = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            status = None
        if status is not None and status < 0:
            name = signal.Signals(-status).name
            reason = {"SIGXCPU": "over the grader's CPU time limit",
                      "SIGKILL": "killed (out of memory?)",
                      "SIGSEGV": "a crash (segmentation fault)"}.get(name, name)
            return [f"your code ended the process {doing}: {reason}"]
        return [f"your code ended the process {doing} (exit status {status})"]

    def _trouble(self, message, doing):
        """The lines saying what went wrong, from a message that is not an answer."""
        header = message[0]
        kind = header.get("kind")
        if kind == "exit":
            at = header.get("where")
            status = header.get("status")
            return [f"your code ended the process {doing}: os._exit({one_line(status)})"
                    + (f" in {one_line(at)}" if at else "")]
        if kind in ("error", "unusable") and isinstance(header.get("lines"), list):
            return [one_line(line) for line in header["lines"][:4]] or ["an error"]
        return [f"your process sent an unexpected message {doing}"]

    def take_output(self):
        """What the student's code printed since the last call of this (at most
        :data:`OUTPUT_SHOWN` characters)."""
        self.output.seek(0, os.SEEK_END)
        end = self.output.tell()
        self.output.seek(self.shown)
        data = self.output.read(min(end - self.shown, 4 * OUTPUT_SHOWN))
        total, self.shown = end - self.shown, end
        return printable(data, total, OUTPUT_SHOWN)


def call(student, function, *args, forbidden=()):
    """``student.call(function, args)``: the student's output (see the module docstring)."""
    return student.call(function, args, forbidden)
