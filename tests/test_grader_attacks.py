"""A student's file cannot forge its grade, hang the grader or crash it (issue 21).

Each test plants one attack in an otherwise blank (or partly solved) exercise file and
grades it with a short time limit: no step passes that the file did not compute, the exit
status is 1, the grader ends within its limits and prints no traceback of its own.
"""

import json
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tinysae.cli import main
from tinysae.exercises import child, student_code, wire

sys.path.insert(0, str(Path(__file__).parent))
from test_exercises import CLASSIC, fill, rows, starter  # noqa: E402

TINYSAE = student_code.TINYSAE
REFERENCE = TINYSAE / "model" / "sparse_autoencoder.py"

#: Each attack: (name, code at the top of the file, the body of sigmoid). Sigmoid is the
#: first step; an honest file with these bodies would pass nothing.
ATTACKS = {
    "frame-read": ("", """
        import sys
        frame = sys._getframe(1)
        for _ in range(6):
            for key in ("expected", "J", "grad"):
                if frame is not None and key in frame.f_locals:
                    return frame.f_locals[key]
            frame = frame.f_back if frame is not None else None
        return np.zeros_like(z)"""),
    "gc-scan": ("", """
        import gc
        for obj in gc.get_objects():
            if isinstance(obj, np.ndarray) and obj.shape == z.shape and obj is not z \\
                    and np.all((obj > 0) & (obj < 1)):
                return obj
        return np.zeros_like(z)"""),
    "grader-patched-at-import": ("""
        import sys
        for name, module in list(sys.modules.items()):
            if "tinysae" in name or "grading" in name:
                for attr in ("PASS", "FAIL"):
                    if hasattr(module, attr):
                        setattr(module, attr, "PASS")
                for attr in ("close", "diagnose", "_outcome", "check"):
                    if hasattr(module, attr):
                        setattr(module, attr, lambda *a, **k: [])
        try:
            import tinysae.exercises.compare as compare
            compare.close = lambda *a: True
        except ImportError:
            pass
        """, "return np.zeros_like(z)"),
    "np-all-patched": ("""
        np.all = lambda *a, **k: True
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        """, "return np.zeros_like(z)"),
    "reference-from-thread": (f"TINYSAE_HOME = {str(TINYSAE.parent)!r}\n", """
        import threading
        box = []
        def run():
            import sys
            sys.path.insert(0, TINYSAE_HOME)
            try:
                from tinysae import sigmoid as answer
                box.append(answer(z))
            except ImportError:
                box.append(np.zeros_like(z))
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return box[0]"""),
    "reference-after-setprofile-none": ("", f"""
        import sys
        sys.setprofile(None)
        sys.path.insert(0, {str(TINYSAE.parent)!r})  # as if tinysae were installed
        import tinysae.model.sparse_autoencoder as ref
        return ref.sigmoid(z)"""),
    "reference-exec-of-its-source": ("", f"""
        import sys
        sys.path.insert(0, {str(TINYSAE.parent)!r})  # as if tinysae were installed
        namespace = {{}}
        source = open({str(REFERENCE)!r}).read()
        exec(compile(source, "not_tinysae.py", "exec"), namespace)
        return namespace["sigmoid"](z)"""),
    "meta-path-removed": (f"""
        import sys
        sys.path.insert(0, {str(TINYSAE.parent)!r})  # as if tinysae were installed
        sys.meta_path[:] = [f for f in sys.meta_path if "tinysae" not in repr(f)]
        sys.modules.pop("tinysae", None)
        """, """
        import tinysae.model.sparse_autoencoder as ref
        return ref.sigmoid(z)"""),
    "os-exit-at-import": ("""
        import os
        os.write(1, b"All 15 steps pass.\\n")
        os._exit(0)
        """, "return np.zeros_like(z)"),
    "os-exit-in-function": ("", """
        import os
        os.write(1, b"   1  sigmoid                         PASS\\n")
        os._exit(0)"""),
    "os-exit-in-float": ("""
        class Sneaky:
            def __float__(self):
                import os
                os._exit(0)
            def __array__(self, dtype=None, copy=None):
                import os
                os._exit(0)
        """, "return Sneaky()"),
    "os-exit-in-atexit": ("""
        import atexit, os
        atexit.register(lambda: os._exit(0))
        """, "return np.zeros_like(z)"),
    "print-replaced": ("""
        import builtins
        builtins.print = lambda *a, **k: builtins.__dict__.get("_p", None)
        """, "return np.zeros_like(z)"),
    "raising-array": ("""
        class Bad:
            def __array__(self, dtype=None, copy=None):
                raise RuntimeError("no array for you")
        """, "return Bad()"),
    "keyboard-interrupt": ("", "raise KeyboardInterrupt"),
    "non-daemon-thread": ("""
        import threading, time
        threading.Thread(target=lambda: time.sleep(3600), daemon=False).start()
        """, "return np.zeros_like(z)"),
    "returns-a-string": ("", "return '0.5'"),
    "subprocess": ("", """
        import subprocess, sys
        out = subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True)
        return np.zeros_like(z)"""),
}

#: Attacks that hang: at import, and in a function (the time limit ends them).
HANGS = {
    "while-true-at-import": ("while True:\n    pass\n", "return np.zeros_like(z)"),
    "while-true-in-function": ("", "while True:\n    pass"),
}


def attacked_folder(tmp_path, top, body):
    folder = starter(tmp_path / "my-sae")
    path = folder / "sparse_autoencoder.py"
    text = path.read_text()
    text = text.replace("from tinysae import pack, unpack  # the layout of theta is given: "
                        "it is not the lesson",
                        "from tinysae import pack, unpack\n" + textwrap.dedent(top))
    path.write_text(text)
    fill(path, {"sigmoid": body})
    return folder


def grade(capsys, *argv):
    capsys.readouterr()
    began = time.monotonic()
    code = main(["grade", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err, time.monotonic() - began


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_passes_nothing_and_the_grader_ends_cleanly(name, tmp_path, capsys):
    folder = attacked_folder(tmp_path, *ATTACKS[name])
    code, out, err, seconds = grade(capsys, folder, "--time-limit", "2")
    verdicts = dict(rows(out))
    assert code == 1, out
    assert len(verdicts) == 15 and "PASS" not in verdicts.values(), out
    assert verdicts[1] in ("FAIL", "not written yet") or verdicts[1].startswith("skipped"), out
    assert "Traceback" not in out + err and err == ""
    assert "All 15 steps pass" not in out.split("What your code printed")[0]
    assert seconds < 15


@pytest.mark.parametrize("name", HANGS)
def test_an_endless_loop_is_a_fail_named_as_such(name, tmp_path, capsys):
    folder = attacked_folder(tmp_path, *HANGS[name])
    code, out, err, seconds = grade(capsys, folder / "sparse_autoencoder.py", "--time-limit",
                                    "1")
    verdicts = dict(rows(out))
    assert code == 1 and "PASS" not in verdicts.values() and "Traceback" not in out + err
    assert verdicts[1] == "FAIL" and "took over 1 s" in out and "endless loop" in out
    assert seconds < 8  # one time limit, not one per step


def test_os_exit_is_named_with_the_students_line(tmp_path, capsys):
    folder = attacked_folder(tmp_path, *ATTACKS["os-exit-in-function"])
    code, out, _, _ = grade(capsys, folder / "sparse_autoencoder.py", "--time-limit", "2")
    line = next(i + 1 for i, text in enumerate(
        (folder / "sparse_autoencoder.py").read_text().split("\n")) if "os._exit(0)" in text)
    assert f"your code ended the process in your sigmoid: os._exit(0) in " \
           f"sparse_autoencoder.py line {line}" in out


def test_a_fake_table_printed_by_the_student_is_shown_apart(tmp_path, capsys):
    folder = attacked_folder(tmp_path, *ATTACKS["os-exit-in-function"])
    _, out, _, _ = grade(capsys, folder / "sparse_autoencoder.py", "--time-limit", "2")
    table, printed = out.split("What your code printed")
    assert "   1  sigmoid                         FAIL" in table
    assert "  | " + "   1  sigmoid                         PASS" in printed


def test_the_students_prints_and_warnings_are_shown_apart_by_step(tmp_path, capsys):
    folder = attacked_folder(tmp_path, "print('hello from import')\n", """
        import warnings
        print("sigmoid was called", end="")
        warnings.warn("mind the overflow")
        return 1 / (1 + np.exp(-z))""")
    code, out, _, _ = grade(capsys, folder / "sparse_autoencoder.py", "--time-limit", "2")
    table, printed = out.split("What your code printed")
    assert dict(rows(table))[1] == "PASS" and "hello" not in table
    assert "  step 1 (sigmoid):\n  | hello from import\n  | sigmoid was called" in printed
    assert "UserWarning: mind the overflow" in printed


@pytest.mark.parametrize("body, says", [
    ("while True:\n    print('x' * 1000)", "your code printed more than the grader keeps"),
    ("return np.ones(10 ** 11)", "MemoryError: your code needed more memory than the grader")])
def test_the_output_and_memory_limits_are_fails_named_as_such(body, says, tmp_path, capsys):
    folder = attacked_folder(tmp_path, "", body)
    code, out, _, seconds = grade(capsys, folder / "sparse_autoencoder.py", "--time-limit", "3")
    assert code == 1 and dict(rows(out))[1] == "FAIL" and says in out and seconds < 10
    assert len(out) < 10_000  # the output shown is cut


def test_a_dependent_step_is_skipped_an_independent_one_still_graded(tmp_path, capsys):
    folder = attacked_folder(tmp_path, *HANGS["while-true-in-function"])
    fill(folder / "sparse_autoencoder.py",
         {k: CLASSIC[k] for k in ("forward", "reconstruction_cost", "output_delta")})
    code, out, _, _ = grade(capsys, folder / "sparse_autoencoder.py", "--time-limit", "1")
    verdicts = dict(rows(out))
    assert verdicts[1] == "FAIL" and verdicts[2].startswith("skipped: needs step 1")
    assert verdicts[3] == verdicts[4] == "PASS"  # after the loop, a new process


def test_topk_and_jumprelu_steps_cannot_be_passed_by_tinysae_or_forged(tmp_path, capsys):
    """Parts 5 and 6 of modern_sae.py hand the work to tinysae's TopK and JumpReLU, one
    exits with status 0 after printing a fake table, one hangs: no step of theirs passes."""
    from test_exercises import MODERN
    cheats = {
        "topk_mask": "from tinysae.modern.sae import topk_mask as answer\nreturn answer(z2, k)",
        "topk_loss_and_grad": "import tinysae.modern as m\n"
                              "return m.sae_loss_and_grad(params, X, activation='topk', k=k)",
        "jumprelu_forward": "from tinysae.modern import jumprelu\n"
                            "return jumprelu.jumprelu_forward(params, threshold, X)",
        "l0_cost": "import os\nos.write(1, b'All 17 steps pass.\\n')\nos._exit(0)",
        "rectangle": "while True:\n    pass",
        "step_pseudo_derivative": "source = open(TINYSAE + '/modern/jumprelu.py').read()\n"
                                  "return np.zeros_like(z2)",
        "l0_threshold_gradient": "import subprocess\nsubprocess.run(['true'])",
        "jump_threshold_gradient": "import tinysae\nreturn tinysae.modern.jumprelu."
                                   "jump_threshold_gradient(z2, threshold, delta_a2, bandwidth)",
        "jumprelu_loss_and_grad": "import tinysae.modern.jumprelu as j\n"
                                  "return j.jumprelu_loss_and_grad(params, threshold, X, "
                                  "sparsity_weight, bandwidth)"}
    relu = {k: v for k, v in MODERN.items() if k not in cheats}
    folder = starter(tmp_path / "my-sae", modern={**relu, **cheats})
    path = folder / "modern_sae.py"
    path.write_text(path.read_text().replace(
        "import numpy as np", f"import numpy as np\nTINYSAE = {str(TINYSAE)!r}", 1))
    code, out, err, seconds = grade(capsys, path, "--time-limit", "1")
    verdicts = dict(rows(out))
    assert code == 1 and err == "" and "Traceback" not in out, out
    assert [n for n, v in verdicts.items() if v == "PASS"] == list(range(1, 9)), out
    assert verdicts[12] == verdicts[13] == "FAIL" and "os._exit(0)" in out
    assert "took over 1 s" in out and "the only allowed imports from tinysae" in out
    assert "All 17 steps pass" not in out.split("What your code printed")[0]
    assert seconds < 15


def test_importing_tinysae_s_model_says_why(tmp_path, capsys):
    folder = attacked_folder(tmp_path, "", "from tinysae import sigmoid\nreturn sigmoid(z)")
    _, out, _, _ = grade(capsys, folder / "sparse_autoencoder.py", "--time-limit", "2")
    assert "tinysae.pack and tinysae.unpack are the only allowed imports" in out


def test_the_childs_pack_and_unpack_are_tinysae_s(rng=None):
    import numpy as np
    import tinysae
    pack, unpack = child._pack_unpack()
    rng = np.random.default_rng(0)
    params = tinysae.init_params(7, 4, rng)
    params["b1"] = rng.normal(size=4)
    theta = tinysae.pack(params)
    np.testing.assert_array_equal(pack(params), theta)
    for key, block in unpack(theta, 7, 4).items():
        np.testing.assert_array_equal(block, tinysae.unpack(theta, 7, 4)[key])
        assert np.shares_memory(block, theta)  # views, as tinysae's


def test_the_wire_format_refuses_what_is_not_plain_data():
    import io
    import struct
    import numpy as np

    def reader(data):
        stream = io.BytesIO(data)
        return lambda n: stream.read(n)
    chunks = []
    wire.write_message(chunks.append, {"value": ["array", 0]}, [np.arange(3.0)])
    header, arrays = wire.read_message(reader(b"".join(chunks)))
    np.testing.assert_array_equal(arrays[0], [0.0, 1.0, 2.0])
    for bad in ({"arrays": [["|O", [1]]]}, {"arrays": [["<f8", [1 << 30, 1 << 30]]]},
                {"arrays": "x"}):
        text = json.dumps(bad).encode()
        with pytest.raises(wire.Malformed):
            wire.read_message(reader(struct.pack("<Q", len(text)) + text))
    with pytest.raises(wire.Malformed):
        wire.read_message(reader(struct.pack("<Q", 1 << 40)))


IN_PLACE = [
    ("parameter_gradients", """
        m = X.shape[0]
        W1, W2 = params["W1"], params["W2"]
        W1 *= weight_decay
        W1 += delta2.T @ X / m
        W2 *= weight_decay
        W2 += delta3.T @ a2 / m
        return {"W1": W1, "W2": W2, "b1": np.mean(delta2, axis=0),
                "b2": np.mean(delta3, axis=0)}""", 6,
     "your parameter_gradients changed params['W1'] in place"),
    ("reconstruction_cost", """
        a3 -= X
        return 0.5 * np.sum(a3 ** 2) / X.shape[0]""", 3,
     "your reconstruction_cost changed a3 in place (a3 += … or a3 -= …)"),
    ("sigmoid", """
        z *= -1
        np.exp(z, out=z)
        z += 1
        return 1 / z""", 1, "your sigmoid changed z in place"),
]


@pytest.mark.parametrize("function, body, step, says", IN_PLACE, ids=[p[0] for p in IN_PLACE])
def test_an_input_changed_in_place_fails_its_own_step_named(function, body, step, says,
                                                            tmp_path, capsys):
    folder = starter(tmp_path / "my-sae", {**CLASSIC, function: body})
    code, out, _, _ = grade(capsys, folder / "sparse_autoencoder.py")
    verdicts = dict(rows(out))
    assert code == 1 and verdicts[step] == "FAIL" and says in out, out
    assert "make a new array" in out
    first_fail = min(n for n, v in verdicts.items() if v == "FAIL")
    assert first_fail == step


def test_a_class_in_one_command_json_and_gradescope(tmp_path, capsys):
    good = starter(tmp_path / "good", CLASSIC)
    blank = starter(tmp_path / "blank")
    buggy = starter(tmp_path / "buggy", {**CLASSIC, "output_delta": "return a3 - X"})
    out_json, results = tmp_path / "out.json", tmp_path / "results.json"
    code, out, err, _ = grade(capsys, good, blank, buggy, "--json", out_json, "--jobs", "2")
    assert code == 1 and err == ""
    lines = out.strip().split("\n")
    assert len(lines) == 3 and lines[0].startswith(f"{good}: 20/20 points")
    assert lines[1].startswith(f"{blank}: 0/20 points")
    records = json.loads(out_json.read_text())
    assert [r["folder"] for r in records] == [str(good), str(blank), str(buggy)]
    assert [r["total"] for r in records][:2] == [20, 0] and 0 < records[2]["total"] < 20
    steps = records[2]["files"]["sparse_autoencoder.py"]["steps"]
    assert steps[3]["status"] == "FAIL" and steps[3]["points"] == 0
    assert any("f′(z3)" in line for line in steps[3]["diagnosis"])
    for record in records:
        assert {"seed", "tinysae_version", "seconds", "total", "max", "files"} <= set(record)
    code, _, _, _ = grade(capsys, buggy, "--gradescope", results, "--seed", "3")
    assert code == 1
    result = json.loads(results.read_text())
    # Gradescope's published fields (gradescope-autograders.readthedocs.io, "Autograder
    # Specifications"): top level score, execution_time, output, extra_data, tests; each
    # test name, number, score, max_score, status ("passed"/"failed"), output.
    assert set(result) <= {"score", "execution_time", "output", "visibility",
                           "stdout_visibility", "extra_data", "tests", "leaderboard"}
    assert isinstance(result["score"], (int, float)) and result["extra_data"]["seed"] == 3
    for test in result["tests"]:
        assert set(test) <= {"score", "max_score", "status", "name", "name_format", "number",
                             "output", "output_format", "tags", "visibility", "extra_data"}
        assert test["status"] in ("passed", "failed")
        assert isinstance(test["max_score"], (int, float)) and 0 <= test["score"] <= \
            test["max_score"]
    assert result["score"] == sum(t["score"] for t in result["tests"])
    assert sum(t["max_score"] for t in result["tests"]) == 20


def test_the_seed_reaches_the_pytest_route(tmp_path, monkeypatch):
    from tinysae.exercises import grading
    folder = starter(tmp_path / "my-sae", CLASSIC)
    seen = []
    monkeypatch.setattr(grading, "outcomes_of", lambda path, seed, limit: seen.append(
        (seed, limit)) or grading.grade_path(path, seed, limit)[0])
    monkeypatch.setenv(grading.SEED_VARIABLE, "4")
    monkeypatch.setenv(grading.TIME_LIMIT_VARIABLE, "3")
    grading.pytest_step(folder / "sparse_autoencoder.py", "sigmoid")
    assert seen == [(4, 3.0)]
