"""The student's text: the file read as source, not run (blank functions, parameter names), and its output made safe to show."""

import ast
from pathlib import Path


def blank_functions(path):
    """The names of the functions of the file at ``path`` whose body is only a docstring
    and ``raise NotImplementedError`` (read from the source, not run)."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return set()
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and _is_blank(node)}


def arguments_of(path):
    """``{function: [its parameters' names]}`` of the file at ``path`` (from the source), to
    name an argument in a diagnosis as the student's code names it."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return {}
    return {node.name: [a.arg for a in node.args.posonlyargs + node.args.args]
            for node in tree.body if isinstance(node, ast.FunctionDef)}


def _is_blank(node):
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def printable(data, total, limit):
    """``data``, the first bytes of the ``total`` that the student's code wrote, as text
    safe to show: printable characters (and newlines, tabs) only, at most ``limit``."""
    text = data.decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text)
    if len(text) > limit or total > len(data):
        text = text[:limit] + f"\n… (cut: {total} bytes in all)"
    return text


def one_line(text, width=300):
    """One printable line of the student's process's text, at most ``width`` characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text).rstrip())[:width]
