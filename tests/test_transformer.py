"""The small transformer: its gradient check catches a mistake, causality, LayerNorm, bad
tokens; the four-point difference. (The gradient rows themselves are in the class demo,
tests/test_gradient_checks.py.)"""

import numpy as np
import pytest

from tinysae import (FOUR_POINT_EPSILON, GRADIENT_CHECK_THRESHOLD, four_point_gradient,
                     numerical_gradient)
from tinysae.networks import transformer as tf
from tinysae.networks import transformer_gradcheck as gradcheck


def test_grad_check_catches_a_missing_softmax_derivative(monkeypatch):
    """Drop the −Σ δp∘p term of softmax′ in attention: the attention row must fail there."""
    right = tf.attention_backward

    def wrong(dout, p, cache):
        x, qh, kh, vh, pattern, z = cache
        return right(dout, p, (x, qh, kh, vh, pattern ** 0.5 * (pattern > 0.5), z))
    monkeypatch.setattr(tf, "attention_backward", wrong)
    ratio, blocks = gradcheck.check_row(gradcheck.ROWS[1])
    print(f"\n    attention backward broken: ratio {ratio:.0e}  caught", end="  ")
    assert ratio > 1e-3 and blocks["attn.W_Q"] > 1e-3


def test_causal_attention_never_reads_the_future():
    rng = np.random.default_rng(0)
    model = tf.init_transformer(2, 16, 4, 32, 8, rng)
    tokens = rng.integers(0, 97, size=(3, 8))
    logits, _ = tf.transformer_forward(model, tokens)
    changed = tokens.copy()
    changed[:, 5:] = (changed[:, 5:] + 1) % 97
    logits2, _ = tf.transformer_forward(model, changed)
    np.testing.assert_allclose(logits[:, :5], logits2[:, :5], atol=1e-12)
    assert not np.allclose(logits[:, 5:], logits2[:, 5:])


def test_layer_norm_output_has_zero_mean_and_unit_variance():
    x = np.random.default_rng(1).standard_normal((4, 6, 10)) * 3 + 2
    y, _ = tf.layer_norm_forward(x, np.ones(10), np.zeros(10))
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1, atol=1e-5)


@pytest.mark.parametrize("bad, match", [(np.zeros((2, 9), int), "n_ctx"),
                                        (np.full((2, 3), 97), r"\[0, 97\)"),
                                        (np.zeros((2, 3)), "integer")])
def test_bad_tokens_are_named(bad, match):
    model = tf.init_transformer(1, 8, 2, 16, 8, 0)
    with pytest.raises(ValueError, match=match):
        tf.check_tokens(model, bad)


def test_n_heads_must_divide_d_model():
    with pytest.raises(ValueError, match="n_heads"):
        tf.init_transformer(1, 10, 3, 16, 8, 0)


def test_the_four_point_difference_errs_as_eps_to_the_fourth():
    """On J = Σ x⁵ the two-point difference errs by 10 x² ε² and the four-point one by 4 ε⁴:
    at ε = 3e-4, about 1e-6 against below 1e-12. The point is restored exactly."""
    x = np.random.default_rng(0).uniform(-2, 2, size=6)
    saved, exact = x.copy(), 5 * x ** 4

    def J(v):
        return float(np.sum(v ** 5))
    two = numerical_gradient(J, x, eps=FOUR_POINT_EPSILON)
    four = four_point_gradient(J, x)
    np.testing.assert_array_equal(x, saved)
    assert np.max(np.abs(two - exact)) > 1e-7
    assert np.max(np.abs(four - exact)) < 1e-9
