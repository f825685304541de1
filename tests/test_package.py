"""The promises the README makes: the layout it lists, the dependencies it names, the paths it gives."""

import importlib
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

import tinysae

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MODULES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tinysae").rglob("*.py"))


def ci_tool(name):
    """A script of .ci/ (the tools that write the README's tables), imported as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / ".ci" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def layout_rows():
    """{path: what it holds} from the README's layout table."""
    return dict(re.findall(r"^\| `(tinysae/[\w/]+\.py)` \| (.*) \|$", README, re.M))


def test_readme_lists_every_module_and_only_real_ones():
    assert sorted(layout_rows()) == MODULES


def test_readme_layout_rows_say_what_each_module_holds():
    summary = ci_tool("readme_layout").summary
    for path, row in layout_rows().items():
        assert row == summary(path).replace("|", "/"), (
            f"the README's row for {path} is not its docstring's first line: run "
            "python .ci/readme_layout.py")


#: Paths the texts name that are made at run time, not shipped: a lesson's output folder,
#: the lessons inside a wheel, and the pattern of a lesson's name.
MADE_AT_RUN_TIME = ("data/lessons", "tinysae/lessons", "lessons/NN_name")


def named_texts():
    """{where: text} of the README, the lesson gallery and every module of tinysae and tests."""
    texts = {"README.md": README, "lessons/README.md": (ROOT / "lessons/README.md").read_text()}
    for path in [*(ROOT / "tinysae").rglob("*.py"), *(ROOT / "tests").glob("*.py")]:
        texts[path.relative_to(ROOT).as_posix()] = path.read_text()
    return texts


def test_every_file_the_readme_and_the_docstrings_name_exists():
    named = re.compile(r"(?<![\w/.])((?:tinysae|tests|lessons|data|\.ci)/[\w/.-]*\w)")
    missing = sorted((where, name) for where, text in named_texts().items()
                     for name in named.findall(text)
                     if not (ROOT / name).exists() and not name.startswith(MADE_AT_RUN_TIME))
    assert not missing, missing


def test_every_module_the_docstrings_name_exists():
    """``tinysae.<package>.<name>`` names a module, or a name the package exposes."""
    packages = {".".join(p.relative_to(ROOT).parent.parts) for p in ROOT.rglob("__init__.py")
                if p.relative_to(ROOT).parts[0] == "tinysae"}
    modules = {".".join(Path(m).with_suffix("").parts) for m in MODULES} | packages
    missing = set()
    for where, text in named_texts().items():
        for name in re.findall(r"(?<![\w.])(tinysae(?:\.\w+)+)", text):
            parts = name.split(".")
            prefix = max((".".join(parts[:i]) for i in range(1, len(parts) + 1)
                          if ".".join(parts[:i]) in modules), key=len)
            rest = name[len(prefix) + 1:].split(".")[0]
            if prefix in packages and rest and not hasattr(importlib.import_module(prefix), rest):
                missing.add((where, name))
    assert not missing, sorted(missing)


def test_the_four_training_results_share_one_shape():
    """``params`` and a ``history`` that is a dict of lists, whichever trainer made them."""
    from tinysae.modern import CrosscoderResult, SAEResult
    from tinysae.networks import LMResult
    from tinysae.training.progress import TrainResult

    for result in (TrainResult, SAEResult, CrosscoderResult, LMResult):
        kinds = {f.name: f.type for f in fields(result)}
        assert kinds["params"] in (dict, "dict") and kinds["history"] in (dict, "dict"), result


def test_each_public_name_is_exposed_by_one_face():
    """``tinysae.<name>`` (the PUBLIC table) or one subpackage's ``__init__``, never both."""
    faces = {"tinysae": set(tinysae.__all__)}
    for package in ("modern", "networks", "measures", "pictures", "commands"):
        module = importlib.import_module(f"tinysae.{package}")
        faces[package] = {n for n, v in vars(module).items() if not n.startswith("_")
                          and getattr(v, "__module__", "").startswith("tinysae.")}
    twice = {name for a in faces for b in faces if a < b for name in faces[a] & faces[b]}
    assert not twice, twice


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
