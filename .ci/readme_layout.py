"""The README's layout table, made from the tree: ``python .ci/readme_layout.py`` rewrites it.

Each row is a module of the package: its path and the first line of its docstring, grouped
by subpackage in the order the data flows. The README holds the table between the two
marker lines below; ``tests/test_package.py`` checks that the README lists every module and
only real ones, each with its docstring's first line.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- layout: made by `python .ci/readme_layout.py`; do not edit by hand -->"
END = "<!-- /layout -->"

#: The order of the groups in the table: the data flows from top to bottom.
GROUPS = ("tinysae", "tinysae/model", "tinysae/data", "tinysae/validation", "tinysae/runtime",
          "tinysae/training", "tinysae/modern", "tinysae/networks", "tinysae/measures",
          "tinysae/pictures", "tinysae/exercises", "tinysae/commands", "tinysae/commands/bench")


def modules():
    """Every module of the package, as paths relative to the checkout, in table order."""
    paths = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tinysae").rglob("*.py"))

    def key(path):
        folder = path.rsplit("/", 1)[0]
        group = GROUPS.index(folder) if folder in GROUPS else len(GROUPS)
        return group, folder, not path.endswith("__init__.py"), path
    return sorted(paths, key=key)


def summary(path):
    """The first line of a module's docstring, its reST roles (``:mod:`x```) as plain code."""
    doc = ast.get_docstring(ast.parse((ROOT / path).read_text())) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", first)


def table():
    """The markdown table, one row per module."""
    rows = ["| path | what it holds |", "|---|---|"]
    for path in modules():
        rows.append(f"| `{path}` | {summary(path).replace('|', '/')} |")
    return "\n".join(rows)


def main():
    readme = (ROOT / "README.md").read_text()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        sys.exit(f"README.md lacks the markers {BEGIN} ... {END}")
    new = pattern.sub(lambda _: f"{BEGIN}\n{table()}\n{END}", readme)
    (ROOT / "README.md").write_text(new)
    print("README.md layout table:", "unchanged" if new == readme else "rewritten")


if __name__ == "__main__":
    main()
