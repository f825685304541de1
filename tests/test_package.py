"""The promises the README makes: the layout it lists, the sizes it states, the dependencies it names."""

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

import tinysae
from readme_layout import summary

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MODULES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tinysae").rglob("*.py"))


def stated_sizes():
    """{path: lines} from the README's layout table."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^\| `(tinysae/[\w/]+\.py)` \| (\d+) \|",
                                                 README, re.M)}


def test_readme_lists_every_module_and_only_real_ones():
    assert sorted(stated_sizes()) == MODULES


def test_readme_module_sizes_are_true_to_within_15_percent():
    for path, lines in stated_sizes().items():
        actual = len((ROOT / path).read_text().splitlines())
        assert abs(actual - lines) <= max(10, 0.15 * lines), (
            f"README says {path} has {lines} lines; it has {actual}: run "
            "python tests/readme_layout.py")


def test_readme_layout_rows_say_what_each_module_holds():
    for path in MODULES:
        row = re.search(rf"^\| `{re.escape(path)}` \| \d+ \| (.*) \|$", README, re.M)
        assert row and row[1] == summary(path).replace("|", "/"), (
            f"the README's row for {path} is not its docstring's first line: run "
            "python tests/readme_layout.py")


def test_modules_stay_small_enough_to_read_in_one_sitting():
    for path in MODULES:
        assert len((ROOT / path).read_text().splitlines()) <= 300, path


def test_readme_picture_exists():
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / image).is_file(), image


def test_import_tinysae_needs_no_matplotlib():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import tinysae, numpy as np\n"
            "import tinysae.modern, tinysae.lessonkit, tinysae.commands.show\n"
            "X = np.random.default_rng(0).uniform(0.1, 0.9, (50, 16))\n"
            "print(tinysae.train(X, 4, max_iter=3, verbose=False).iteration)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.split() == ["3"], run.stderr[-2000:]


def test_importing_everything_pulls_in_no_heavy_framework():
    code = ("import sys, pkgutil, importlib, tinysae, tinysae.modern\n"
            "for m in pkgutil.walk_packages(tinysae.__path__, 'tinysae.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(' '.join(sorted({n.split('.')[0] for n in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout.split())
    assert {"numpy", "scipy", "tinysae"} <= loaded
    assert not loaded & {"torch", "jax", "sklearn", "skimage", "tensorflow", "pandas"}


def test_top_level_layout_is_as_documented():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:  # not a git checkout (an sdist): nothing to check
        return
    top = {line.split("/")[0] for line in tracked.stdout.split()}
    assert top <= {"pyproject.toml", "README.md", "LICENSE", "tinysae", "lessons", "tests", "data",
                   ".ci", ".gitignore"}, top


def declared_floors():
    """{name: lowest allowed version} of every requirement in pyproject.toml, extras too —
    but ``interop``, which CI's own interop stage installs as pinned (torch==2.13.0)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = project["dependencies"] + [r for name, extra in
                                       project["optional-dependencies"].items()
                                       if name != "interop" for r in extra]
    floors = {}
    for requirement in map(Requirement, texts):
        lowest = [s.version for s in requirement.specifier if s.operator == ">="]
        assert len(lowest) == 1, f"{requirement}: one '>=' floor, please (CI installs it)"
        floors[requirement.name] = Version(lowest[0])
    return floors


def test_ci_installs_exactly_the_declared_floors():
    pinned = {}
    for line in (ROOT / ".ci" / "floors.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[name.strip()] = Version(version)
    assert pinned == declared_floors()


def test_the_version_is_written_once_and_the_metadata_agrees():
    assert "version =" not in (ROOT / "pyproject.toml").read_text()
    assert importlib.metadata.version("tinysae") == tinysae.__version__, (
        "the installed metadata is stale: reinstall (pip install -e .)")


def test_every_public_name_is_where_tinysae_says():
    import tinysae

    for name in tinysae.__all__:
        assert getattr(tinysae, name) is not None, name
    assert set(dir(tinysae)) >= set(tinysae.__all__)
