"""The house's floors: tinysae's imports, read from its source, point down and never go round.

Each module's ``import`` and ``from … import`` lines (at any depth: a lazy import inside a
function counts too) are read with :mod:`ast`. Importing ``tinysae.modern.sae`` also runs
the package ``tinysae.modern``'s ``__init__``, so that counts as an import of it as well
(unless the importer is inside ``tinysae.modern`` already). Two properties follow:

- no circle among the modules (a circle is an import order that can fail);
- every import points down :data:`LAYERS`, but for the ones listed in :data:`UPWARD`.

Run ``pytest -s tests/test_layers.py`` to print the floors.
"""

import ast
from collections import defaultdict
from pathlib import Path

import tinysae

PACKAGE = Path(tinysae.__file__).parent

#: The floors, lowest first. A module's room is its folder under tinysae/ (or, at the top,
#: its own name). The package face ``tinysae`` (``__init__``) stands at the bottom: it
#: imports nothing when it is imported (its public names load on first use, by name), so
#: anything may ask it for ``__version__``. ``ufldl_experiment`` and ``lessonkit`` are
#: applications of the layers below, used by the commands; ``cli`` points into them all.
LAYERS = [
    ("tinysae",),
    ("validation",),                 # the table of rules, its checks, @validated
    ("runtime",),                    # atomic writes, locks, signals, BLAS threads
    ("model",),                      # the classic equations, the θ layout
    ("data",),                       # photos, whitening, patches
    ("training",),                   # L-BFGS, Adam and its schedule, model files
    ("modern", "networks"),          # today's SAEs; the networks they read
    ("measures",),                   # numbers about what was learned
    ("pictures",),                   # drawings only
    ("exercises", "ufldl_experiment", "lessonkit"),
    ("commands",),                   # one module per tinysae COMMAND
    ("cli",),
]

#: The imports allowed to point up, and why. The table's rules for ``params`` and ``theta``
#: call the θ layout's own checks, which live beside the layout (a floor above the table,
#: since the model's entry points use ``@validated``).
UPWARD = {("tinysae.validation.constraints", "tinysae.model.parameters")}


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: The package's modules; an installed wheel also carries the lesson scripts as
#: tinysae/lessons (pyproject.toml), which are scripts, not modules of the package.
MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")
           if (PACKAGE / "lessons") not in p.parents}


def imports(with_packages=False):
    """{module: set of tinysae modules it imports}; ``with_packages``: and the packages whose
    ``__init__`` that runs (module docstring)."""
    graph = defaultdict(set)
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.level == 0, f"{name}: relative import"
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES
                           else node.module for a in node.names]
            else:
                continue
            for target in (t for t in targets if t in MODULES):
                parts = target.split(".")
                parents = {".".join(parts[:i]) for i in range(2, len(parts))}
                graph[name].add(target)
                if with_packages:
                    graph[name] |= {p for p in parents if not name.startswith(p + ".")}
        graph[name].discard(name)
    return graph


def room(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "tinysae"


FLOOR = {room_: i for i, rooms in enumerate(LAYERS) for room_ in rooms}


def circle(graph):
    """One circle of imports as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = "done"
        return None

    for m in sorted(MODULES):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_every_room_has_a_floor():
    assert {room(m) for m in MODULES} == set(FLOOR), {room(m) for m in MODULES} ^ set(FLOOR)


def test_no_circle_of_imports():
    found = circle(imports(with_packages=True))
    assert found is None, " → ".join(found)


def test_imports_point_down_but_for_the_one_listed():
    graph = imports()
    upward = {(a, b) for a, targets in graph.items() for b in targets
              if FLOOR[room(b)] > FLOOR[room(a)]}
    assert upward == UPWARD, upward ^ UPWARD
    assert len(UPWARD) <= 1
    # the floors the rooms actually use: the longest chain of rooms, each importing the next
    rooms = defaultdict(set)
    for a, targets in graph.items():
        rooms[room(a)] |= {room(b) for b in targets if (a, b) not in UPWARD} - {room(a)}
    height = {}

    def floor(r):
        if r not in height:
            height[r] = 1 + max((floor(s) for s in rooms[r]), default=0)
        return height[r]

    print(f"\n  {len(FLOOR)} rooms on {max(map(floor, FLOOR))} floors; upward: {sorted(UPWARD)}")


def test_at_most_five_modules_stand_loose_at_the_top():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    print(f"\n  loose at the top: {loose}")
    assert len(loose) <= 5, loose
