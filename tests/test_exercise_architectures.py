"""The TopK and JumpReLU steps of modern_sae.py (Parts 5 and 6), graded over many seeds.

tests/test_exercises.py plants each mistake in a student's file and grades it in the
student's own process, at seed 0. Here the steps' checks are run in this process on an
answer given directly (the reference's, or one usual mistake's), for many seeds: the
reference passes every time, and every named mistake fails every time, by name — so no
seed an instructor picks draws a problem on which a mistake passes. This also shows which
mistakes a gradient check cannot see (a wrong forward pass), and that the ties at θ the
grader does not grade are harmless.
"""

import numpy as np
import pytest

from tinysae.exercises import grading, modern_steps
from tinysae.exercises.compare import Wrong
from tinysae.exercises.mistakes import GRADER_ONLY, MISTAKES, planted
from tinysae.model.gradient_check import GRADIENT_CHECK_THRESHOLD
from tinysae.modern import jumprelu, sae
from tinysae.modern.architecture_checks import ARCHITECTURE_ROWS

#: Seeds per check: the grader's problems for seeds 0 … SEEDS − 1, each with its CASES.
SEEDS = 25

#: The new steps, by the name of the student's function.
STEPS = {step.function: step for step in modern_steps.STEPS if step.number >= 9}


def _topk_loss_and_grad(params, X, k):
    return sae.sae_loss_and_grad(params, X, activation="topk", k=k)


#: The student's functions of Parts 5 and 6, answered by the reference.
REFERENCE = {"topk_mask": sae.topk_mask, "topk_loss_and_grad": _topk_loss_and_grad,
             **{name: getattr(jumprelu, name) for name in STEPS if hasattr(jumprelu, name)}}

#: Each new mistake: the student's function it stands for.
NEW_MISTAKES = {**{name: m for name, m in MISTAKES.items() if m.module is jumprelu},
                **GRADER_ONLY}


def _student_function(mistake):
    return "topk_loss_and_grad" if mistake.function == "sae_loss_and_grad" else mistake.function


class Answers:
    """A student in this process: ``call`` answers with the functions given (the grader's
    :class:`~tinysae.exercises.student_code.StudentProcess` asks the student's process)."""

    def __init__(self, **functions):
        self.functions = {**REFERENCE, **functions}

    def call(self, function, args, forbidden=()):
        return self.functions[function](*args)


def _as_student(mistake):
    """The mistaken function, with the student's signature."""
    if mistake.function == "sae_loss_and_grad":
        return lambda params, X, k: mistake.wrong(params, X, activation="topk", k=k)
    return mistake.wrong


def _grade(step, student, seed):
    """The diagnosis of ``step`` at ``seed``: [] when every case passes."""
    exercise = grading.EXERCISES["modern_sae.py"]
    for case in range(grading.CASES):
        problem = exercise.problem(np.random.default_rng([seed, step.number, case]))
        lines = step.check(student, problem)
        if lines:
            return lines
    return []


def test_the_new_steps_are_parts_5_and_6_with_their_points():
    assert [(s.number, s.function, s.stage.number) for s in STEPS.values()] == [
        (9, "topk_mask", 5), (10, "topk_loss_and_grad", 5), (11, "jumprelu_forward", 6),
        (12, "l0_cost", 6), (13, "rectangle", 6), (14, "step_pseudo_derivative", 6),
        (15, "l0_threshold_gradient", 6), (16, "jump_threshold_gradient", 6),
        (17, "jumprelu_loss_and_grad", 6)]
    assert sum(s.points for s in grading.EXERCISES["modern_sae.py"].steps) == 21


@pytest.mark.parametrize("function", list(STEPS))
def test_the_reference_passes_every_seed(function):
    assert all(_grade(STEPS[function], Answers(), seed) == [] for seed in range(SEEDS))


@pytest.mark.parametrize("name", sorted(NEW_MISTAKES))
def test_each_mistake_fails_its_step_by_name_at_every_seed(name):
    mistake = NEW_MISTAKES[name]
    function = _student_function(mistake)
    student = Answers(**{function: _as_student(mistake)})
    for seed in range(SEEDS):
        lines = _grade(STEPS[function], student, seed)
        assert any(line.endswith(mistake.says) for line in lines), (seed, lines)
        if "threshold" in function or "pseudo" in function:
            assert lines[-1] == modern_steps.CHECKED  # says how θ's gradient was checked


def test_a_wrong_theta_gradient_in_loss_and_grad_says_how_it_was_checked():
    def only_the_l0_part(params, threshold, X, weight, bandwidth):
        J, grads, cache = jumprelu.jumprelu_loss_and_grad(params, threshold, X, weight,
                                                          bandwidth)
        l0 = jumprelu.l0_threshold_gradient(cache["z2"], threshold, weight, bandwidth)
        return J, {**grads, "threshold": l0}, cache
    lines = _grade(STEPS["jumprelu_loss_and_grad"],
                   Answers(jumprelu_loss_and_grad=only_the_l0_part), 0)
    assert "→ ∇threshold: ∇θ lacks its reconstruction term (1/m) Σ_i g_i ∘ −(θ/ε) " \
           "K((z2_i − θ)/ε)" in lines and lines[-1] == modern_steps.CHECKED


def test_a_pair_without_the_cache_is_accepted_and_a_single_value_is_not():
    pair = Answers(jumprelu_loss_and_grad=lambda *args: jumprelu.jumprelu_loss_and_grad(*args)[:2])
    assert _grade(STEPS["jumprelu_loss_and_grad"], pair, 0) == []
    with pytest.raises(Wrong, match=r"expected \(J, grads, cache\), got a float"):
        _grade(STEPS["jumprelu_loss_and_grad"],
               Answers(jumprelu_loss_and_grad=lambda *args: 0.0), 0)


def test_ties_at_the_threshold_are_not_graded_and_topks_tie_is():
    """≥ θ for > θ, and ≤ ½ for < ½ in the kernel, change nothing on real-valued data: both
    pass. TopK's comparison with the k-th largest is another matter (a named mistake)."""
    def forward_ge(params, threshold, X):
        cache = jumprelu.jumprelu_forward(params, threshold, X)
        mask = cache["z2"] >= threshold
        a2 = cache["z2"] * mask
        return {**cache, "mask": mask, "a2": a2, "a3": a2 @ params["W2"].T + params["b2"]}
    closed = Answers(jumprelu_forward=forward_ge,
                     l0_cost=lambda z2, t, w: w * np.sum(z2 >= t) / len(z2),
                     rectangle=lambda u: (np.abs(u) <= 0.5).astype(float))
    for function in ("jumprelu_forward", "l0_cost", "rectangle"):
        assert all(_grade(STEPS[function], closed, seed) == [] for seed in range(SEEDS))
    assert "topk-k-minus-one" in GRADER_ONLY


@pytest.mark.parametrize("name, row", [
    ("topk-smallest", "9"), ("topk-no-relu", "9"), ("topk-k-minus-one", "9"),
    ("jumprelu-relu-mask", "12"), ("jumprelu-shifted", "12"), ("l0-counts-positive", "12")])
def test_a_gradient_check_cannot_see_a_wrong_forward_pass(name, row):
    """Planted in tinysae's own TopK or JumpReLU, the class demo's row still passes: the
    gradient of the wrong forward pass agrees with it. Only comparing outputs catches it."""
    check = next(r for r in ARCHITECTURE_ROWS if r.number == row).check
    with planted(GRADER_ONLY[name]):
        assert check()[0] < GRADIENT_CHECK_THRESHOLD


def test_each_topk_problem_has_latents_topk_drops():
    """Else TopK's backward and ReLU's would agree, and the backward mistakes would pass."""
    step = STEPS["topk_loss_and_grad"]
    seen = []

    class Spy(Answers):
        def call(self, function, args, forbidden=()):
            params, X, k = args
            z2 = sae.sae_forward(params, X)["z2"]  # (m, n_h)
            seen.append(np.any((z2 > 0).sum(axis=1) > k))
            return super().call(function, args)
    assert all(_grade(step, Spy(), seed) == [] for seed in range(SEEDS))
    assert len(seen) == SEEDS * grading.CASES and all(seen)
