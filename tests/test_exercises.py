"""The student's exercises: the starter folder, the grader's verdicts, and the usual mistakes named.

A correct solution is written here from the notes (not copied from tinysae's reference), in a
student's own words; each usual mistake is then planted in it, one at a time, and the grader
must fail at the step where the mistake is made, with the mistake's name in the diagnosis.
"""

import importlib.util
import inspect
import json
import re
import subprocess
import sys
import textwrap

import pytest

import tinysae

from tinysae.cli import main
from tinysae.exercises import grading, starter as starter_files
from tinysae.exercises.grading import EXERCISES
from tinysae.exercises.mistakes import ALL_MISTAKES, MISTAKES
from tinysae.exercises.student_code import blank_functions


#: A student's solution of sparse_autoencoder.py, from the notes: the body of each function.
CLASSIC = {
    "sigmoid": "return 1 / (1 + np.exp(-z))",
    "forward": """
        W1, W2, b1, b2 = params["W1"], params["W2"], params["b1"], params["b2"]
        z2 = X @ W1.T + b1
        a2 = sigmoid(z2)
        z3 = a2 @ W2.T + b2
        a3 = sigmoid(z3)
        return {"z2": z2, "a2": a2, "z3": z3, "a3": a3, "rho_hat": np.mean(a2, axis=0)}""",
    "reconstruction_cost": """
        m = X.shape[0]
        return np.sum(0.5 * np.sum((a3 - X) ** 2, axis=1)) / m""",
    "output_delta": "return -(X - a3) * (a3 * (1 - a3))",
    "weight_decay_cost": "return weight_decay / 2 * (np.sum(W1 * W1) + np.sum(W2 * W2))",
    "kl_divergence": "return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / "
                     "(1 - rho_hat))",
    "sparsity_delta": """
        rho = sparsity_target
        return sparsity_weight * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))""",
    "hidden_delta": "return (delta3 @ W2 + sparsity_term) * (a2 * (1 - a2))",
    "parameter_gradients": """
        m = X.shape[0]
        return {"W1": delta2.T @ X / m + weight_decay * params["W1"],
                "W2": delta3.T @ a2 / m + weight_decay * params["W2"],
                "b1": np.mean(delta2, axis=0), "b2": np.mean(delta3, axis=0)}""",
    "loss_and_grad": """
        params = unpack(theta, X.shape[1], n_hidden)
        out = forward(params, X)
        J = (reconstruction_cost(out["a3"], X)
             + weight_decay_cost(params["W1"], params["W2"], weight_decay)
             + sparsity_weight * np.sum(kl_divergence(sparsity_target, out["rho_hat"])))
        delta3 = output_delta(out["a3"], X)
        term = sparsity_delta(out["rho_hat"], sparsity_target, sparsity_weight)
        delta2 = hidden_delta(delta3, params["W2"], out["a2"], term)
        grads = parameter_gradients(params, X, out["a2"], delta2, delta3, weight_decay)
        return J, pack(grads)""",
    "numerical_gradient": """
        def value(t):
            out = f(t)
            return out[0] if isinstance(out, tuple) else out
        grad = np.zeros(x.size)
        for i in range(x.size):
            e = np.zeros(x.size)
            e[i] = eps
            grad[i] = (value(x + e) - value(x - e)) / (2 * eps)
        return grad""",
}

#: The same for modern_sae.py (lesson 08).
MODERN = {
    "sae_forward": """
        xc = X - params["b2"]
        z2 = xc @ params["W1"].T + params["b1"]
        mask = z2 > 0
        a2 = np.where(mask, z2, 0.0)
        a3 = a2 @ params["W2"].T + params["b2"]
        return {"xc": xc, "z2": z2, "a2": a2, "mask": mask, "a3": a3}""",
    "reconstruction_cost": "return 0.5 * np.sum((a3 - X) ** 2) / len(X)",
    "l1_cost": "return sparsity_weight * np.abs(a2).sum() / a2.shape[0]",
    "output_delta": "return a3 - X",
    "hidden_delta": "return (delta3 @ W2 + sparsity_term) * mask",
    "parameter_gradients": """
        m = delta3.shape[0]
        return {"W1": delta2.T @ cache["xc"] / m, "W2": delta3.T @ cache["a2"] / m,
                "b1": delta2.mean(axis=0), "b2": delta3.mean(axis=0) - delta2.mean(axis=0) @ W1}""",
    "sae_loss_and_grad": """
        c = sae_forward(params, X)
        J = reconstruction_cost(c["a3"], X) + l1_cost(c["a2"], sparsity_weight)
        delta3 = output_delta(c["a3"], X)
        delta2 = hidden_delta(delta3, params["W2"], c["mask"], sparsity_weight)
        return J, parameter_gradients(c, delta2, delta3, params["W1"])""",
    "topk_mask": """
        kth = np.sort(z2, axis=1)[:, -k][:, None]
        return (z2 >= kth) & (z2 > 0)""",
    "topk_loss_and_grad": """
        xc = X - params["b2"]
        z2 = xc @ params["W1"].T + params["b1"]
        mask = topk_mask(z2, k)
        a2 = z2 * mask
        a3 = a2 @ params["W2"].T + params["b2"]
        c = {"xc": xc, "z2": z2, "a2": a2, "mask": mask, "a3": a3}
        delta3 = output_delta(a3, X)
        delta2 = hidden_delta(delta3, params["W2"], mask, 0.0)
        return reconstruction_cost(a3, X), parameter_gradients(c, delta2, delta3, params["W1"])""",
    "jumprelu_forward": """
        xc = X - params["b2"]
        z2 = xc @ params["W1"].T + params["b1"]
        mask = z2 > threshold
        a2 = z2 * mask
        return {"xc": xc, "z2": z2, "a2": a2, "mask": mask,
                "a3": a2 @ params["W2"].T + params["b2"]}""",
    "l0_cost": "return sparsity_weight * np.count_nonzero(z2 > threshold) / len(z2)",
    "rectangle": "return (np.abs(u) < 0.5).astype(float)",
    "step_pseudo_derivative": "return -rectangle((z2 - threshold) / bandwidth) / bandwidth",
    "l0_threshold_gradient": """
        return sparsity_weight * step_pseudo_derivative(z2, threshold, bandwidth).mean(axis=0)""",
    "jump_threshold_gradient": """
        jump = threshold * step_pseudo_derivative(z2, threshold, bandwidth)
        return np.mean(delta_a2 * jump, axis=0)""",
    "jumprelu_loss_and_grad": """
        c = jumprelu_forward(params, threshold, X)
        J = reconstruction_cost(c["a3"], X) + l0_cost(c["z2"], threshold, sparsity_weight)
        delta3 = output_delta(c["a3"], X)
        g = delta3 @ params["W2"]
        delta2 = g * c["mask"]
        grads = parameter_gradients(c, delta2, delta3, params["W1"])
        grads["threshold"] = (jump_threshold_gradient(c["z2"], threshold, g, bandwidth)
                              + l0_threshold_gradient(c["z2"], threshold, sparsity_weight,
                                                      bandwidth))
        return J, grads, c""",
}

#: Each usual mistake as a student makes it: (mistake, file, function, its wrong body, the
#: step that must fail first).
PLANTS = [
    ("no-divide-by-m", "sparse_autoencoder.py", "parameter_gradients", """
        return {"W1": delta2.T @ X + weight_decay * params["W1"],
                "W2": delta3.T @ a2 + weight_decay * params["W2"],
                "b1": np.sum(delta2, axis=0), "b2": np.sum(delta3, axis=0)}""", 6),
    ("decay-on-biases", "sparse_autoencoder.py", "parameter_gradients", """
        m = X.shape[0]
        return {"W1": delta2.T @ X / m + weight_decay * params["W1"],
                "W2": delta3.T @ a2 / m + weight_decay * params["W2"],
                "b1": np.mean(delta2, axis=0) + weight_decay * params["b1"],
                "b2": np.mean(delta3, axis=0) + weight_decay * params["b2"]}""", 9),
    ("no-fprime-in-delta3", "sparse_autoencoder.py", "output_delta", "return a3 - X", 4),
    ("fprime-of-a3", "sparse_autoencoder.py", "output_delta",
     "s = sigmoid(a3)\nreturn -(X - a3) * s * (1 - s)", 4),
    ("fprime-of-a2", "sparse_autoencoder.py", "hidden_delta",
     "s = sigmoid(a2)\nreturn (delta3 @ W2 + sparsity_term) * s * (1 - s)", 5),
    ("no-fprime-in-delta2", "sparse_autoencoder.py", "hidden_delta",
     "return delta3 @ W2 + sparsity_term", 5),
    ("no-sparsity-in-delta2", "sparse_autoencoder.py", "hidden_delta",
     "return (delta3 @ W2) * (a2 * (1 - a2))", 13),
    ("sparsity-outside-fprime", "sparse_autoencoder.py", "hidden_delta",
     "return (delta3 @ W2) * (a2 * (1 - a2)) + sparsity_term", 13),
    ("kl-sign", "sparse_autoencoder.py", "sparsity_delta", """
        rho = sparsity_target
        return sparsity_weight * (rho / rho_hat - (1 - rho) / (1 - rho_hat))""", 12),
    ("no-half", "sparse_autoencoder.py", "reconstruction_cost",
     "return np.sum((a3 - X) ** 2) / X.shape[0]", 3),
    ("no-half-in-decay", "sparse_autoencoder.py", "weight_decay_cost",
     "return weight_decay * (np.sum(W1 ** 2) + np.sum(W2 ** 2))", 8),
    ("sums-not-means", "sparse_autoencoder.py", "loss_and_grad",
     CLASSIC["loss_and_grad"].replace("return J, pack(grads)",
                                      "return X.shape[0] * J, X.shape[0] * pack(grads)"), 7),
    ("forward-difference", "sparse_autoencoder.py", "numerical_gradient",
     CLASSIC["numerical_gradient"].replace("(value(x + e) - value(x - e)) / (2 * eps)",
                                           "(value(x + e) - value(x)) / eps"), 15),
    ("fprime-in-linear-delta3", "modern_sae.py", "output_delta",
     "return (a3 - X) * a3 * (1 - a3)", 4),
    ("relu-mask-missing", "modern_sae.py", "hidden_delta", "return delta3 @ W2 + sparsity_term", 5),
    ("l1-outside-mask", "modern_sae.py", "hidden_delta",
     "return (delta3 @ W2) * mask + sparsity_term", 5),
    ("b2-one-path", "modern_sae.py", "parameter_gradients", """
        m = delta3.shape[0]
        return {"W1": delta2.T @ cache["xc"] / m, "W2": delta3.T @ cache["a2"] / m,
                "b1": delta2.mean(axis=0), "b2": delta3.mean(axis=0)}""", 6),
    # TopK (Part 5)
    ("topk-smallest", "modern_sae.py", "topk_mask", """
        mask = np.zeros(z2.shape, dtype=bool)
        np.put_along_axis(mask, np.argsort(z2, axis=1)[:, :k], True, axis=1)
        return mask & (z2 > 0)""", 9),
    ("topk-no-relu", "modern_sae.py", "topk_mask",
     "return z2 >= np.sort(z2, axis=1)[:, -k][:, None]", 9),
    ("topk-k-minus-one", "modern_sae.py", "topk_mask",
     "return (z2 > np.sort(z2, axis=1)[:, -k][:, None]) & (z2 > 0)", 9),
    ("topk-backward-relu-mask", "modern_sae.py", "topk_loss_and_grad",
     MODERN["topk_loss_and_grad"].replace('params["W2"], mask, 0.0', 'params["W2"], z2 > 0, 0.0'),
     10),
    ("topk-backward-no-mask", "modern_sae.py", "topk_loss_and_grad",
     MODERN["topk_loss_and_grad"].replace('hidden_delta(delta3, params["W2"], mask, 0.0)',
                                          'delta3 @ params["W2"]'), 10),
    # JumpReLU (Part 6)
    ("jumprelu-relu-mask", "modern_sae.py", "jumprelu_forward",
     MODERN["jumprelu_forward"].replace("mask = z2 > threshold", "mask = z2 > 0"), 11),
    ("jumprelu-shifted", "modern_sae.py", "jumprelu_forward",
     MODERN["jumprelu_forward"].replace("a2 = z2 * mask", "a2 = (z2 - threshold) * mask"), 11),
    ("l0-counts-positive", "modern_sae.py", "l0_cost",
     "return sparsity_weight * np.count_nonzero(z2 > 0) / len(z2)", 12),
    ("l0-sums-values", "modern_sae.py", "l0_cost",
     "return sparsity_weight * np.sum(z2 * (z2 > threshold)) / len(z2)", 12),
    ("kernel-too-wide", "modern_sae.py", "rectangle", "return (np.abs(u) < 1).astype(float)", 13),
    ("threshold-sign", "modern_sae.py", "step_pseudo_derivative",
     "return rectangle((z2 - threshold) / bandwidth) / bandwidth", 14),
    ("no-bandwidth-factor", "modern_sae.py", "step_pseudo_derivative",
     "return -rectangle((z2 - threshold) / bandwidth)", 14),
    ("kernel-unscaled", "modern_sae.py", "step_pseudo_derivative",
     "return -rectangle(z2 - threshold) / bandwidth", 14),
    ("l0-threshold-sign", "modern_sae.py", "l0_threshold_gradient",
     "return sparsity_weight * np.mean(rectangle((z2 - threshold) / bandwidth), axis=0) "
     "/ bandwidth",
     15),
    ("jump-sign", "modern_sae.py", "jump_threshold_gradient",
     "return np.mean(delta_a2 * threshold * rectangle((z2 - threshold) / bandwidth), axis=0) "
     "/ bandwidth", 16),
    ("jump-size-missing", "modern_sae.py", "jump_threshold_gradient",
     "return np.mean(delta_a2 * step_pseudo_derivative(z2, threshold, bandwidth), axis=0)", 16),
    ("jumprelu-gradient-below-threshold", "modern_sae.py", "jumprelu_loss_and_grad",
     MODERN["jumprelu_loss_and_grad"].replace('delta2 = g * c["mask"]',
                                              'delta2 = g * (c["z2"] > 0)'),
     17),
    ("straight-through-on-z2", "modern_sae.py", "jumprelu_loss_and_grad",
     MODERN["jumprelu_loss_and_grad"].replace(
         'delta2 = g * c["mask"]', 'delta2 = g * c["mask"] + sparsity_weight * rectangle('
         '(c["z2"] - threshold) / bandwidth) / bandwidth'), 17),
]


def fill(path, bodies):
    """Replace the ``raise NotImplementedError`` of each function in ``bodies`` by its body."""
    text = path.read_text()
    for name, body in bodies.items():
        blank = re.compile(r"^    raise NotImplementedError\(['\"]%s:.*$" % name, re.M)
        assert len(blank.findall(text)) == 1, name
        text = blank.sub(lambda _: textwrap.indent(textwrap.dedent(body).strip(), "    "), text)
    path.write_text(text)


def starter(folder, classic=None, modern=None):
    """A starter folder, with the functions of ``classic`` and ``modern`` filled in."""
    assert main(["exercises", str(folder)]) == 0
    if classic:
        fill(folder / "sparse_autoencoder.py", classic)
    if modern:
        fill(folder / "modern_sae.py", modern)
    return folder


def grade(capsys, *argv):
    """``tinysae grade ...``: (exit status, stdout, stderr)."""
    capsys.readouterr()
    code = main(["grade", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def diagnosis(out, step):
    """The lines under step ``step``'s row."""
    lines = out.split("\n")
    start = next(i for i, line in enumerate(lines) if re.match(rf" +{step}  ", line))
    below = []
    for line in lines[start + 1:]:
        if not line.startswith(" " * 6):
            break
        below.append(line.strip())
    return below


def rows(out):
    """{step number: the row's verdict} for each row of the grader's table."""
    found = re.findall(r"^ +(\d+)  .{30}  (PASS|FAIL|not written yet|skipped.*)$", out, re.M)
    return [(int(n), verdict) for n, verdict in found]


# ----------------------------------------------------------------------------- the starter folder

def test_blank_folder_is_not_written_yet_at_every_step(tmp_path, capsys):
    folder = starter(tmp_path / "my-sae")
    code, out, err = grade(capsys, folder)
    assert code == 1 and err == "" and "Traceback" not in out
    verdicts = rows(out)
    assert [n for n, _ in verdicts] == list(range(1, 16))
    assert {v for _, v in verdicts} == {"not written yet"}
    assert "modern_sae.py" in out and "not started" in out
    assert "Next: step 1, sigmoid" in out


def test_blank_files_have_the_signatures_issue_10_asks_for(tmp_path):
    folder = starter(tmp_path / "my-sae")
    for name, functions in (("sparse_autoencoder.py", starter_files.CLASSIC),
                            ("modern_sae.py", starter_files.MODERN)):
        spec = importlib.util.spec_from_file_location(f"blank_{name[:-3]}", folder / name)
        student = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(student)  # our own blank file, safe to import here
        blank = blank_functions(folder / name)
        for reference, signature, *doc in functions:
            function = getattr(student, signature.split("(")[0])
            asked = {}
            exec(f"def {signature}: pass", asked)
            assert inspect.signature(function) == inspect.signature(asked[function.__name__])
            assert function.__name__ in blank
            # the blank's docstring is the reference's (STYLE #13), less what the exercise
            # drops, or the one written for it where the reference is a variant
            first = (doc[0] if doc else reference.__doc__).split("\n")[0]
            assert function.__doc__.split("\n")[0] == first.replace(" or TopK", "")
        text = (folder / name).read_text()
        classic = name == "sparse_autoencoder.py"
        left_out = "decoder|sparsity|activation|return_cache" + ("|k" if classic else "")
        assert not re.search(rf"``({left_out})\b|:mod:|default|tinysae\.modern|" + (
            "TopK" if classic else r"ReLU \+ L1 or TopK"),
            text.split('"""', 2)[2]), name


def test_the_starter_folder_never_overwrites_a_file_and_restores_a_deleted_one(tmp_path,
                                                                              capsys):
    folder = starter(tmp_path / "my-sae")
    (folder / "README.md").write_text("my notes")
    (folder / "train.py").unlink()
    capsys.readouterr()
    assert main(["exercises", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Wrote the missing train.py" in out and "kept the 5 files" in out
    assert (folder / "README.md").read_text() == "my notes"
    assert (folder / "train.py").read_text() == starter_files.TRAIN_FILE
    assert main(["exercises", str(folder)]) == 0
    assert "nothing written" in capsys.readouterr().out


def test_student_readme_walks_the_steps_in_order(tmp_path):
    text = (starter(tmp_path / "my-sae") / "README.md").read_text()
    for words in ("STEP 0", "STEP 1 — the forward pass", "STEP 5 — gradient checking",
                  "STEP 6 — train it", "tinysae grade .", "pytest -v", "lesson 01",
                  "λ = β = 0"):
        assert words in text, words
    numbers = [int(n) for n in re.findall(r"^\| (\d+) \| `", text, re.M)]
    assert numbers == list(range(1, 16)) + list(range(1, 18))  # the classic steps, then modern
    assert text.index("Part 3 — backpropagation") < text.index("Part 4 — train it") < \
        text.index("Part 5 — TopK") < text.index("Part 6 — JumpReLU")
    assert "no derivative to check" in text.split("Part 6 — JumpReLU")[1]
    assert text.index("`sigmoid`") < text.index("`loss_and_grad`") < text.index("`kl_divergence`")


def test_blank_topk_and_jumprelu_steps_score_zero(tmp_path, capsys):
    """Parts 1–3 of modern_sae.py written, Parts 5 and 6 (TopK, JumpReLU) still blank."""
    relu_only = {name: MODERN[name] for name in (
        "sae_forward", "reconstruction_cost", "l1_cost", "output_delta", "hidden_delta",
        "parameter_gradients", "sae_loss_and_grad")}
    folder = starter(tmp_path / "my-sae", CLASSIC, relu_only)
    code, out, _ = grade(capsys, folder, "--json", tmp_path / "grades.json")
    record = json.loads((tmp_path / "grades.json").read_text())[0]["files"]["modern_sae.py"]
    assert code == 1 and record["graded"] and record["max"] == 21
    assert [s["status"] for s in record["steps"]] == ["PASS"] * 8 + ["not written yet"] * 9
    assert record["total"] == 10 and sum(s["points"] for s in record["steps"][8:]) == 0
    assert "Next: step 9, topk_mask (Part 5 in README.md)" in out


# ----------------------------------------------------------------------------- a correct solution

@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    return starter(tmp_path_factory.mktemp("solved") / "my-sae", CLASSIC, MODERN)


def test_correct_solution_passes_every_step(solved, capsys):
    code, out, err = grade(capsys, solved)
    assert code == 0 and err == "", out
    verdicts = rows(out)
    assert len(verdicts) == 15 + 17 and {v for _, v in verdicts} == {"PASS"}
    assert out.count("All 15 steps pass") == 1 and out.count("All 17 steps pass") == 1


def test_pytest_inside_the_filled_folder_passes(solved):
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=solved, capture_output=True, text=True)
    assert run.returncode == 0 and "32 passed" in run.stdout, run.stdout[-2000:]


def test_pytest_steps_of_a_blank_folder_fail_or_skip(tmp_path):
    folder = starter(tmp_path / "blank")
    with pytest.raises(pytest.fail.Exception, match="not written yet"):
        grading.pytest_step(folder / "sparse_autoencoder.py", "loss_and_grad")
    with pytest.raises(pytest.skip.Exception, match="not started"):
        grading.pytest_step(folder / "modern_sae.py", "sae_forward")


def test_train_py_trains_the_students_model(solved):
    run = subprocess.run([sys.executable, "train.py", "--n-patches", "300", "--max-iter", "5"],
                         cwd=solved, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "J after" in run.stdout and (solved / "my_filters.png").stat().st_size > 1000
    assert "should take about" in run.stdout and "abnormally" not in run.stdout
    params, config = tinysae.load(solved / "model.npz")  # what `tinysae show` reads
    assert params["W1"].shape == (25, 64) and config["iteration"] == 5


def test_train_modern_py_trains_the_students_modern_model(solved):
    run = subprocess.run([sys.executable, "train_modern.py", "--steps", "4"], cwd=solved,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "step     4" in run.stdout and "true features (MMCS" in run.stdout


def test_train_py_says_when_lbfgs_stops_abnormally(tmp_path):
    wrong = CLASSIC["loss_and_grad"].replace("return J, pack(grads)", "return J, -pack(grads)")
    folder = starter(tmp_path / "my-sae", {**CLASSIC, "loss_and_grad": wrong})
    run = subprocess.run([sys.executable, "train.py", "--n-patches", "300", "--max-iter", "50"],
                         cwd=folder, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "L-BFGS stopped abnormally" in run.stdout and "tinysae grade ." in run.stdout


# ----------------------------------------------------------------------------- the usual mistakes

def test_every_mistake_is_planted_by_a_test():
    assert sorted(plant[0] for plant in PLANTS) == sorted(ALL_MISTAKES)


@pytest.mark.parametrize("mistake, file, function, body, step", PLANTS,
                         ids=[plant[0] for plant in PLANTS])
def test_a_planted_mistake_fails_its_step_with_its_name(mistake, file, function, body, step,
                                                        tmp_path, capsys):
    classic, modern = dict(CLASSIC), dict(MODERN)
    (classic if file == "sparse_autoencoder.py" else modern)[function] = body
    folder = starter(tmp_path / "my-sae", classic, modern)
    code, out, err = grade(capsys, folder / file)
    assert code == 1 and err == ""
    verdicts = dict(rows(out))
    assert min(n for n, v in verdicts.items() if v == "FAIL") == step, out
    assert all(verdicts[n] == "PASS" for n in verdicts if n < step)
    lines = diagnosis(out, step)
    assert f"→ {ALL_MISTAKES[mistake].says}" in lines or any(
        line.endswith(f": {ALL_MISTAKES[mistake].says}") for line in lines), lines


def test_a_mistake_made_inside_loss_and_grad_is_named_there(tmp_path, capsys):
    """A student who writes J inline, forgetting the ½, passes the pieces but not step 7."""
    inline = CLASSIC["loss_and_grad"].replace("reconstruction_cost(out[\"a3\"], X)",
                                              "np.sum((out[\"a3\"] - X) ** 2) / len(X)")
    folder = starter(tmp_path / "my-sae", {**CLASSIC, "loss_and_grad": inline})
    code, out, _ = grade(capsys, folder / "sparse_autoencoder.py")
    assert code == 1 and min(n for n, v in rows(out) if v == "FAIL") == 7
    assert f"→ {MISTAKES['no-half'].says}" in diagnosis(out, 7)


@pytest.mark.parametrize("function, body, hint", [
    ("reconstruction_cost", "return 0.5 * np.mean((a3 - X) ** 2)", "a mean over every entry?"),
    ("sigmoid", "return 1.0 / (1.0 + np.exp(z))", "yours = 1 − expected: f(−z)?"),
    ("sparsity_delta", "rho = sparsity_target\nreturn -rho / rho_hat + (1 - rho) / (1 - rho_hat)",
     "yours = expected / β"),
    ("parameter_gradients", CLASSIC["parameter_gradients"].replace(" + weight_decay * params[",
                                                                   " + 0 * params["),
     "λW missing from the gradient"),
    ("parameter_gradients", CLASSIC["parameter_gradients"].replace(" + weight_decay * params[",
                                                                   " + weight_decay / 2 * params["),
     "λW halved"),
    ("reconstruction_cost", "return np.array([np.sum((a3 - X) ** 2) / 2 / len(X)])",
     "return float(cost)"),
    ("kl_divergence", "return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho)"
                      " / (1 - rho_hat)))", "one value per hidden unit, not their sum"),
    ("numerical_gradient", "\n        eps = 1e-2" + CLASSIC["numerical_gradient"],
     "your ε looks like 0.01"),
    ("loss_and_grad", CLASSIC["loss_and_grad"].replace("sparsity_weight * np.sum(kl", "np.sum(kl"),
     "J's term β Σ_j KL(ρ‖ρ̂_j) without its β"),
    ("loss_and_grad", CLASSIC["loss_and_grad"].replace(
        "return J, pack(grads)", "return J, np.concatenate([grads[k].ravel() for k in "
        "('W1', 'b1', 'W2', 'b2')])"), "the right numbers in another order: pack(grads)")])
def test_usual_slips_get_a_hint(function, body, hint, tmp_path, capsys):
    folder = starter(tmp_path / "my-sae", {**CLASSIC, function: body})
    code, out, _ = grade(capsys, folder / "sparse_autoencoder.py")
    failing = [n for n, v in rows(out) if v == "FAIL"]
    assert code == 1 and any(hint in line for n in failing for line in diagnosis(out, n)), out


# ----------------------------------------------------------------------------- not fooled

def test_returning_tinysae_s_answers_passes_nothing(tmp_path, capsys):
    """Each function hands the work to tinysae's reference: no step may pass."""
    cheats = {name: f"return tinysae.model.sparse_autoencoder.{name}({args})"
              for name, args in [("sigmoid", "z"), ("forward", "params, X"),
                                 ("reconstruction_cost", "a3, X"), ("output_delta", "a3, X"),
                                 ("weight_decay_cost", "W1, W2, weight_decay"),
                                 ("kl_divergence", "rho, rho_hat"),
                                 ("sparsity_delta", "rho_hat, sparsity_target, sparsity_weight"),
                                 ("hidden_delta", "delta3, W2, a2, sparsity_term"),
                                 ("parameter_gradients",
                                  "params, X, a2, delta2, delta3, weight_decay")]}
    cheats["loss_and_grad"] = ("return tinysae.loss_and_grad(theta, X, n_hidden, weight_decay="
                               "weight_decay, sparsity_target=sparsity_target, "
                               "sparsity_weight=sparsity_weight)")
    cheats["numerical_gradient"] = "return tinysae.numerical_gradient(f, x, eps)"
    folder = starter(tmp_path / "my-sae", cheats)
    path = folder / "sparse_autoencoder.py"
    path.write_text(path.read_text().replace("import numpy as np", "import numpy as np\nimport tinysae"))
    code, out, _ = grade(capsys, path)
    assert code == 1 and not any(v == "PASS" for _, v in rows(out))
    assert "ImportError: tinysae.model: the grader runs your own model: tinysae.pack and " \
           "tinysae.unpack are the only allowed imports from tinysae" in out


def test_a_gradient_by_numerical_differences_is_not_backpropagation(tmp_path, capsys):
    by_differences = """
        J = lambda t: _cost(t, X, n_hidden, weight_decay, sparsity_target, sparsity_weight)
        return J(theta), numerical_gradient(J, theta.copy())"""
    folder = starter(tmp_path / "my-sae", {**CLASSIC, "loss_and_grad": by_differences})
    path = folder / "sparse_autoencoder.py"
    path.write_text(path.read_text() + textwrap.dedent("""

        def _cost(theta, X, n_hidden, weight_decay, sparsity_target, sparsity_weight):
            params = unpack(theta, X.shape[1], n_hidden)
            out = forward(params, X)
            return (reconstruction_cost(out["a3"], X)
                    + weight_decay_cost(params["W1"], params["W2"], weight_decay)
                    + sparsity_weight * np.sum(kl_divergence(sparsity_target, out["rho_hat"])))
        """))
    code, out, _ = grade(capsys, path)
    assert code == 1 and "loss_and_grad calls your numerical_gradient" in out


def test_random_sizes_differ_between_cases_and_seeds():
    import numpy as np
    problem = EXERCISES["sparse_autoencoder.py"].problem
    sizes = {tuple(problem(np.random.default_rng([seed, 7, case])).sizes.values())
             for seed in range(3) for case in range(grading.CASES)}
    assert len(sizes) == 3 * grading.CASES
    assert all(len(set(s)) == 3 for s in sizes)  # m, n_v, n_h all different: no transposes


# ----------------------------------------------------------------------------- the student's errors

def test_an_exception_in_the_students_code_is_a_row_with_their_line(tmp_path, capsys):
    folder = starter(tmp_path / "my-sae", {
        "sigmoid": CLASSIC["sigmoid"],
        "forward": "a2 = sigmoid(X @ params['W1'] + params['b1'])\nreturn {'a2': a2}",
        "reconstruction_cost": "0.5 * np.sum((a3 - X) ** 2) / len(X)"})
    code, out, err = grade(capsys, folder)
    assert code == 1 and err == "" and "Traceback" not in out
    lines = diagnosis(out, 2)
    assert re.match(r"line \d+, in forward: ValueError: matmul", lines[0]), lines
    assert lines[1] == "a2 = sigmoid(X @ params['W1'] + params['b1'])"
    assert diagnosis(out, 3) == ["cost: got None. Did you forget to return it?"]


def test_a_wrong_shape_names_its_sizes(tmp_path, capsys):
    folder = starter(tmp_path / "my-sae", {
        "kl_divergence": "return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * "
                         "np.log((1 - rho) / (1 - rho_hat)))",
        "output_delta": "return ((a3 - X) * a3 * (1 - a3)).T"})
    out = grade(capsys, folder)[1]
    assert re.fullmatch(r"δ3: expected shape \((\d+), (\d+)\) = \(m, n_v\), got \(\2, \1\) = "
                        r"\(n_v, m\): transposed\?", diagnosis(out, 4)[0])
    assert diagnosis(out, 11)[0].endswith("got a number: one value per hidden unit, not their sum")


@pytest.mark.parametrize("old, new, words", [
    ("def sigmoid(z):\n", "def sigmoid(z)\n", "SyntaxError: expected ':'\n    def sigmoid(z)"),
    ("import numpy as np\n", "import numpy as np\nW = np.zeros(3) + V\n",
     "NameError: name 'V' is not defined\n    W = np.zeros(3) + V"),
])
def test_a_file_that_cannot_be_imported_fails_with_the_students_line(tmp_path, capsys,
                                                                     old, new, words):
    folder = starter(tmp_path / "my-sae")
    path = folder / "sparse_autoencoder.py"
    path.write_text(path.read_text().replace(old, new, 1))
    code, out, err = grade(capsys, folder)
    assert code == 1 and err == "" and "Traceback" not in out
    assert re.search(r"sparse_autoencoder.py cannot be imported:\n +line \d+", out), out
    assert words.replace("\n", "\n      ") in out


def test_a_missing_folder_or_file_is_exit_2(tmp_path, capsys):
    code, _, err = grade(capsys, tmp_path / "nowhere")
    assert code == 2 and "tinysae exercises" in err and err.count("\n") == 1
    (tmp_path / "empty").mkdir()
    code, _, err = grade(capsys, tmp_path / "empty")
    assert code == 2 and "sparse_autoencoder.py" in err
    code, _, err = grade(capsys, tmp_path / "empty", "--seed", "-1")
    assert code == 1 and "--seed" in err
    assert grade(capsys, "--no-such-option")[0] == 2


# ----------------------------------------------------------------------------- the class demo

def test_the_class_demo_shows_a_planted_mistake_where_it_enters(capsys):
    assert main(["gradcheck", "--bug", "kl-sign"]) == 0
    out = capsys.readouterr().out
    failing = re.findall(r"^(\d)\. .*FAIL$", out, re.M)
    assert failing == ["3", "4", "6"]  # the rows with the KL term; not L1 (5) nor ReLU (7)
    assert "caught by rows 3, 4 and 6: in W1 and b1" in out
    verdicts = re.findall(r"^checker.*  (PASS|FAIL|caught|missed)$", out, re.M)
    assert verdicts == ["PASS", "caught"]
    assert max(len(line) for line in out.split("\n")) <= 72  # a projector's width


#: The first row of the demo each mistake must fail (0: the checker's self-test).
FIRST_ROW = {"no-divide-by-m": 1, "decay-on-biases": 2, "no-fprime-in-delta3": 1,
             "no-fprime-in-delta2": 1, "no-sparsity-in-delta2": 3, "sparsity-outside-fprime": 3,
             "kl-sign": 3, "no-half": 1, "no-half-in-decay": 2, "forward-difference": 0,
             "fprime-in-linear-delta3": 7, "relu-mask-missing": 7, "l1-outside-mask": 7,
             "b2-one-path": 7, "sums-not-means": 8, "fprime-of-a3": 1, "fprime-of-a2": 1,
             "l0-sums-values": 12, "kernel-too-wide": 13, "threshold-sign": 13,
             "no-bandwidth-factor": 13,
             "kernel-unscaled": 13}


@pytest.mark.parametrize("name", sorted(FIRST_ROW))
def test_the_class_demo_catches_each_mistake_at_its_row(name):
    from tinysae.commands import gradcheck
    from tinysae.exercises.mistakes import planted
    from tinysae.model.gradient_check import GRADIENT_CHECK_THRESHOLD
    from tinysae.modern.architecture_checks import ARCHITECTURE_ROWS
    assert sorted(FIRST_ROW) == sorted(MISTAKES)
    with planted(MISTAKES[name]):
        if FIRST_ROW[name] == 0:
            assert gradcheck.self_test() > GRADIENT_CHECK_THRESHOLD
        elif FIRST_ROW[name] == 8:  # J and ∇J alike: only the value check sees it
            assert all(gradcheck.check_row(row)[0] < GRADIENT_CHECK_THRESHOLD
                       for row in gradcheck.ROWS)
            assert gradcheck.value_check() > 1e3 * GRADIENT_CHECK_THRESHOLD
        elif FIRST_ROW[name] > 8:  # today's architectures (architecture_checks)
            row = next(r for r in ARCHITECTURE_ROWS if r.number == str(FIRST_ROW[name]))
            assert row.check()[0] > 1e2 * GRADIENT_CHECK_THRESHOLD
            assert all(r.check()[0] < GRADIENT_CHECK_THRESHOLD for r in ARCHITECTURE_ROWS
                       if int(r.number) < FIRST_ROW[name])  # it enters at its own row
        else:
            ratio, blocks = gradcheck.check_row(gradcheck.ROWS[FIRST_ROW[name] - 1])
            assert ratio > 1e3 * GRADIENT_CHECK_THRESHOLD
        if FIRST_ROW[name] == 2:  # weight decay's mistakes: invisible while λ = 0
            assert gradcheck.check_row(gradcheck.ROWS[0])[0] < GRADIENT_CHECK_THRESHOLD


def test_the_class_demo_fails_when_the_checker_fails_its_own_tests(capsys, monkeypatch):
    from tinysae.commands import gradcheck
    assert main(["gradcheck", "--bug", "forward-difference"]) == 0
    assert "caught by the checker's own tests" in capsys.readouterr().out
    monkeypatch.setattr(gradcheck, "wrong_gradient", lambda: 0.0)  # a checker that cannot fail
    assert main(["gradcheck"]) == 1
    assert re.search(r"^checker: wrong .*missed$", capsys.readouterr().out, re.M)


# ----------------------------------------------------------------------------- where students find it

def test_help_readme_and_lessons_point_to_the_exercises(capsys):
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    main(["--help"])
    out = capsys.readouterr().out
    assert all(word in out for word in ("exercises", "grade", "gradcheck"))
    readme = (root / "README.md").read_text()
    for words in ("## For students", "## For instructors", "tinysae exercises my-sae",
                  "tinysae grade my-sae", "tinysae gradcheck --bug"):
        assert words in readme, words
    assert all(f"| `{name}` |" in readme for name in ALL_MISTAKES)
    for lesson in ("01_forward_pass.py", "02_backprop_gradient_check.py"):
        assert "tinysae exercises my-sae" in (root / "lessons" / lesson).read_text()
