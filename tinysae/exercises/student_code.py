"""The student's file: imported by its path, its functions called so that nothing they do crashes the grader.

A call of a student's function returns its output, or raises one of

- :class:`NotWritten` — a ``raise NotImplementedError`` was reached (in this function, or
  in another one of the file that it calls);
- :class:`StudentError` — anything else went wrong: an exception (with the student's line),
  or a call into tinysae's own answer (the reference), which the exercise is to write.

Warnings and prints of the student's code are swallowed, so the table stays readable (run
the file yourself to see them).
"""

import contextlib
import copy
import importlib.util
import io
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np

import tinysae

TINYSAE = Path(tinysae.__file__).parent

#: tinysae's files a student's code may run: the θ layout (``pack``, ``unpack``) and the
#: grader's own (the functions it hands over). Everything else of tinysae is the answer key.
ALLOWED = {str(TINYSAE / name) for name in ("__init__.py", "model/parameters.py")}
GRADER = str(TINYSAE / "exercises")


class UnusableFile(Exception):
    """The file is missing or cannot be imported; the message is one or two lines."""


class NotWritten(Exception):
    """``raise NotImplementedError`` reached in the student's function ``function``."""

    def __init__(self, function):
        super().__init__(function)
        self.function = function


class StudentError(Exception):
    """The student's code failed (``crashed``: raised an exception) or used the answer key;
    ``lines`` say how."""

    def __init__(self, *lines, crashed=False):
        super().__init__(lines[0])
        self.lines, self.crashed = list(lines), crashed


def load(path):
    """Import the file at ``path`` as a fresh module (never from ``sys.path``)."""
    path = Path(path)
    if not path.is_file():
        raise UnusableFile(f"there is no file {path}")
    name = f"tinysae_student_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with _quiet():
            spec.loader.exec_module(module)
    except SyntaxError as error:
        raise UnusableFile(f"{path.name}, line {error.lineno}: SyntaxError: {error.msg}"
                           + (f"\n    {error.text.strip()}" if error.text else "")) from None
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001  a student's file may raise anything
        raise UnusableFile(f"{path.name}, " + "\n".join(_where(error, path))
                           .replace(", in <module>", "")) from None
    return module


def call(module, function, *args, forbidden=(), copy_args=True):
    """``module.function(*args)``, guarded (see the module docstring).

    The student's function gets copies of ``args`` unless ``copy_args`` is false (to see
    what it does to them). ``forbidden`` are other functions of the student's that this one
    must not call (the numerical gradient inside ``loss_and_grad``).
    """
    fn = getattr(module, function, None)
    path = Path(module.__file__)
    if not callable(fn):
        raise StudentError(f"{path.name} has no function {function} (renamed or deleted?)")
    args = copy.deepcopy(args) if copy_args else args
    codes = {getattr(getattr(module, f, None), "__code__", None): f for f in forbidden}
    used = []
    try:
        with _quiet(), _watching(codes, used):
            result = fn(*args)
    except NotImplementedError as error:
        raise NotWritten(_raised_in(error, path) or function) from None
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001
        raise StudentError(*_where(error, path), crashed=True) from None
    if used:
        raise StudentError(f"{function} calls {used[0]}: the exercise is to write it",
                           "yourself (numpy, tinysae.pack and tinysae.unpack are allowed)")
    return result


@contextlib.contextmanager
def _quiet():
    """No warnings (overflow in exp, ...) and no prints in the middle of the table."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def _watching(codes, used):
    """Record calls into tinysae's answer key, or into the student's ``codes``, meanwhile."""
    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if code in codes:
            used.append(f"your {codes[code]}")
        elif (code.co_filename.startswith(str(TINYSAE)) and code.co_filename not in ALLOWED
              and not code.co_filename.startswith(GRADER)):
            used.append(f"{frame.f_globals.get('__name__', 'tinysae')}.{code.co_name}")
    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


def _student_frames(error, path):
    """The traceback's frames that are in the student's file, innermost last."""
    return [frame for frame in traceback.extract_tb(error.__traceback__)
            if Path(frame.filename).resolve() == path.resolve()]


def _raised_in(error, path):
    """The student's function in which a NotImplementedError was raised."""
    frames = _student_frames(error, path)
    return frames[-1].name if frames else None


def _where(error, path):
    """Two lines: the error, and the student's line that raised it."""
    message = " ".join(str(error).split()) or type(error).__name__
    text = f"{type(error).__name__}: {message}"
    if isinstance(error, SystemExit):
        text = f"SystemExit: your code called exit() ({message})"
    frames = _student_frames(error, path)
    if not frames:
        return [text]
    frame = frames[-1]
    return [f"line {frame.lineno}, in {frame.name}: {text}"] + (
        [f"    {frame.line.strip()}"] if frame.line else [])
