"""The constraints table is the one place a parameter's range is written, and @validated applies it."""

import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import tinysae
from tinysae.validation.constraints import CONSTRAINTS, check, check_option, describe
from tinysae.validation.validated import validated

PACKAGE = Path(tinysae.__file__).parent


def package_sources():
    """{path: text} of every module except the table itself."""
    return {p: p.read_text() for p in PACKAGE.rglob("*.py") if p.name != "constraints.py"}


def test_no_module_writes_a_range_of_a_table_parameter_again():
    by_hand = re.compile(r"check_(?:int|real|choice|bool|float_dtype|rng)\(\s*\"(\w+)\"")
    for path, text in package_sources().items():
        again = [name for name in by_hand.findall(text) if name in CONSTRAINTS]
        assert not again, f"{path.relative_to(PACKAGE)} checks {again} by hand: use the table"


def test_every_rule_of_the_table_is_used():
    modules = [m.name for m in pkgutil.walk_packages(tinysae.__path__, "tinysae.")]
    names = set()
    for name in modules:
        module = __import__(name, fromlist=["_"])
        for _, function in inspect.getmembers(module, inspect.isfunction):
            names |= set(inspect.signature(function).parameters)
    text = "\n".join(package_sources().values())
    used = {name for name in CONSTRAINTS if name in names or f'"{name}"' in text}
    assert used == set(CONSTRAINTS), set(CONSTRAINTS) - used


@pytest.mark.parametrize("name, bad", [("weight_decay", -1.0), ("sparsity_target", 1.0),
                                       ("sparsity", "L1"), ("max_iter", 0), ("dtype", "int8")])
def test_a_bad_value_names_the_parameter_and_echoes_the_value(name, bad):
    with pytest.raises((ValueError, TypeError), match=f"'{name}'.*{re.escape(str(bad))}"):
        check(name, bad)
    assert describe(name) in str(pytest.raises((ValueError, TypeError), check, name, bad).value)


def test_a_command_line_option_is_checked_by_the_rule_of_its_parameter():
    assert check_option("--sparsity-target", 0.05) == 0.05
    with pytest.raises(ValueError, match="'--sparsity-target'"):
        check_option("--sparsity-target", 0.0)


def test_validated_converts_on_entry_and_lets_none_mean_not_given():
    @validated
    def f(weight_decay, chunk_size=None, n_threads=4):
        return weight_decay, chunk_size, n_threads

    assert f(1) == (1.0, None, 4) and type(f(1)[0]) is float
    with pytest.raises(TypeError, match="'n_threads'"):  # None is "not given" only by default
        f(1, n_threads=None)
    with pytest.raises(ValueError, match="'chunk_size'"):
        f(1, chunk_size=0)


#: The entry points of the classic model a user calls; the module docstring names them too.
ENTRY_POINTS = {"init_params", "loss_and_grad", "cost_terms", "hidden_activations"}


def test_only_the_entry_points_of_the_model_check_their_arguments():
    from tinysae.model import sparse_autoencoder as model

    functions = dict(inspect.getmembers(model, inspect.isfunction))
    wrapped = {name for name, f in functions.items()
               if getattr(f, "validated", False) and f.__module__ == model.__name__}
    assert wrapped == ENTRY_POINTS, wrapped ^ ENTRY_POINTS
    docstring = " ".join(model.__doc__.split())
    assert all(f":func:`{name}`" in docstring for name in ENTRY_POINTS)


def test_the_equations_behind_the_doors_trust_their_arguments():
    from tinysae.model import parameters
    from tinysae.modern import sae

    inner = [tinysae.forward, tinysae.pack, tinysae.unpack, tinysae.n_params, sae.activate,
             sae.sae_forward, sae.encode, sae.normalize_columns, sae.remove_parallel_component]
    assert not [f.__name__ for f in inner if getattr(f, "validated", False)]
    assert not [name for name, f in inspect.getmembers(parameters, inspect.isfunction)
                if getattr(f, "validated", False)]


def test_an_entry_point_checks_each_argument_once(monkeypatch):
    X = np.random.default_rng(0).random((4, 3))
    params = tinysae.init_params(3, 2, rng=0)
    theta = tinysae.pack(params)
    calls, rule = [], CONSTRAINTS["theta"]
    monkeypatch.setitem(CONSTRAINTS, "theta", lambda *a: calls.append(1) or rule(*a))
    tinysae.loss_and_grad(theta, X, 2)  # forward, pack and unpack inside: no checks of theirs
    assert len(calls) == 1
    with pytest.raises(ValueError, match="'weight_decay'"):
        tinysae.loss_and_grad(theta, X, 2, weight_decay=-1.0)


def test_validated_binds_every_kind_of_signature_as_python_does():
    @validated
    def f(weight_decay, *, max_iter=3, **extra):
        return weight_decay, max_iter, extra

    assert f(1, max_iter=5, note="x") == (1.0, 5, {"note": "x"})
    with pytest.raises(ValueError, match="'max_iter'"):
        f(1, max_iter=0)

    @validated
    def g(weight_decay, max_iter=3):
        return weight_decay, max_iter

    assert g(max_iter=4, weight_decay=2) == (2.0, 4)
    for bad_call in (lambda: g(), lambda: g(1, 2, 3), lambda: g(1, weight_decay=2),
                     lambda: g(1, bogus=2)):
        with pytest.raises(TypeError):  # the errors Python gives a malformed call
            bad_call()


def test_the_door_keeps_float32_data_in_a_call_without_a_dtype():
    """sae_loss_and_grad on float32 parameters and data computes in float32 (as FastStep's
    readable twin is timed); ints still become float64, and a call's ``dtype`` rules."""
    from tinysae.modern import init_sae, sae_loss_and_grad

    X = np.random.default_rng(0).random((8, 4))
    params = {n: p.astype(np.float32) for n, p in init_sae(4, 6, rng=0).items()}
    _, grads = sae_loss_and_grad(params, X.astype(np.float32))
    assert all(g.dtype == np.float32 for g in grads.values())
    assert check("X", np.ones((2, 3), int)).dtype == np.float64
    assert check("X", X.astype(np.float32), dtype=np.float64).dtype == np.float64
