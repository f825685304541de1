"""The character-level language model: gradient checks, the corpus, the baseline, training.

Run the checks in front of students:   pytest -v -s -k grad tests/test_char_mlp.py

GELU is smooth, so unlike ReLU no kink margin is needed: any seed checks to ~1e-10.
"""

import numpy as np
import pytest

from tinysae import CHECK_EPSILON, GRADIENT_CHECK_THRESHOLD, gradient_check_params
from tinysae.networks import (OTHER, VOCABULARY, activation_sampler, all_layer_activations,
                            bigram_bits_per_character, bits_per_character, context_of, ids_to_text,
                            text_to_ids, fit_bigram, gelu, gelu_derivative, init_lm, lm_forward,
                            lm_loss_and_grad, neuron_activations, spliced_bits, stdlib_corpus,
                            stdlib_files, train_lm, windows_at)
from tinysae.networks.char_mlp import embed_backward

# A tiny model: 4 characters of context, 3 embedding dimensions, 5 neurons, 7 windows.
CONTEXT, N_EMBED, N_NEURONS, M = 4, 3, 5, 7


def report(term, ratio):
    print(f"\n    {term:<42} ratio = {ratio:8.1e}   threshold = {GRADIENT_CHECK_THRESHOLD:.0e}")


def tiny_problem(n_layers, seed=0):
    rng = np.random.default_rng(seed)
    model = init_lm(CONTEXT, N_EMBED, N_NEURONS, n_layers, rng)
    model = {name: p + 0.1 * rng.standard_normal(p.shape) for name, p in model.items()}  # b ≠ 0
    windows = rng.integers(0, len(VOCABULARY), size=(M, CONTEXT))  # (m, T)
    targets = rng.integers(0, len(VOCABULARY), size=M)  # (m,)
    return model, windows, targets


@pytest.mark.parametrize("n_layers", [1, 2])
def test_grad_language_model(n_layers):
    model, windows, targets = tiny_problem(n_layers)
    ratio = gradient_check_params(lambda p: lm_loss_and_grad(p, windows, targets), model,
                                  eps=CHECK_EPSILON)
    report(f"character model, {n_layers} GELU layer{'s' * (n_layers > 1)} + softmax", ratio)
    assert ratio < GRADIENT_CHECK_THRESHOLD


def test_grad_check_catches_a_wrong_gelu_derivative():
    """Replace gelu′ by the derivative of ReLU: the check must fail."""
    import tinysae.networks.char_mlp as lm
    model, windows, targets = tiny_problem(1)
    right = lm.gelu_derivative
    try:
        lm.gelu_derivative = lambda z: (z > 0).astype(z.dtype)
        ratio = gradient_check_params(lambda p: lm_loss_and_grad(p, windows, targets), model,
                                      eps=CHECK_EPSILON)
    finally:
        lm.gelu_derivative = right
    print(f"\n    gelu′ replaced by ReLU′                    ratio = {ratio:8.1e}   caught")
    assert ratio > 1e-4


def test_gelu_derivative_matches_centred_differences():
    z = np.linspace(-4, 4, 81)
    numerical = (gelu(z + 1e-6) - gelu(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(gelu_derivative(z), numerical, atol=1e-8)
    assert gelu(np.array([0.0]))[0] == 0.0 and abs(gelu(np.array([5.0]))[0] - 5.0) < 1e-4


def test_embedding_gradient_adds_up_repeated_characters():
    windows = np.array([[2, 2], [2, 5]])  # character 2 read three times, 5 once
    delta_x = np.arange(8.0).reshape(2, 4)  # (m, T d) with d = 2
    dE = embed_backward(delta_x, windows, 7)  # (V, d)
    np.testing.assert_array_equal(dE[2], [0 + 2 + 4, 1 + 3 + 5])
    np.testing.assert_array_equal(dE[5], [6, 7])
    assert np.count_nonzero(dE.sum(axis=1)) == 2


def test_encode_and_decode_are_inverse_on_the_vocabulary():
    text = "def f(x):\n    return x ** 2  # ~"
    assert ids_to_text(text_to_ids(text)) == text
    assert ids_to_text(text_to_ids("tab\there, é")) == f"tab{OTHER}here, {OTHER}"
    assert text_to_ids("\n ~").tolist() == [0, 1, len(VOCABULARY) - 2]


def test_corpus_splits_whole_files_by_their_sorted_index(tmp_path):
    for i in range(10):
        (tmp_path / f"m{i}.py").write_text(f"x = {i}\n")
    (tmp_path / "_sysconfigdata_x.py").write_text("build = {}\n")
    assert [f.name for f in stdlib_files(tmp_path)] == [f"m{i}.py" for i in range(10)]
    corpus = stdlib_corpus(tmp_path)
    assert corpus.files == {"train": ["m0.py", "m1.py", "m2.py", "m5.py", "m6.py", "m7.py"],
                            "sae": ["m3.py", "m8.py"], "test": ["m4.py", "m9.py"]}
    assert ids_to_text(corpus.ids["test"]) == corpus.text("test") == "x = 4\n\n\nx = 9\n"


def test_the_real_corpus_is_there_and_reproducible():
    first, again = stdlib_corpus(max_files=10), stdlib_corpus(max_files=10)
    assert sum(len(f) for f in first.files.values()) == 10
    assert all(np.array_equal(first.ids[p], again.ids[p]) for p in first.ids)
    assert first.ids["train"].size > 1000


def test_windows_end_at_the_position_and_the_target_follows():
    ids = np.arange(20)
    windows, targets = windows_at(ids, np.array([3, 10]), context=4)
    np.testing.assert_array_equal(windows, [[0, 1, 2, 3], [7, 8, 9, 10]])
    np.testing.assert_array_equal(targets, [4, 11])
    with pytest.raises(ValueError, match="positions"):
        windows_at(ids, np.array([2]), context=4)


def test_bigram_knows_an_alternating_text():
    ids = text_to_ids("ab" * 500)
    log_p = fit_bigram(ids)
    # 500 pairs "ab", 499 pairs "ba"; add-one smoothing over V = 97 characters
    p_b_after_a, p_a_after_b = (500 + 1) / (500 + 97), (499 + 1) / (499 + 97)
    expected = -(500 * np.log2(p_b_after_a) + 499 * np.log2(p_a_after_b)) / 999
    assert bigram_bits_per_character(log_p, ids) == pytest.approx(expected, rel=1e-12)


def test_training_learns_a_periodic_text_far_below_the_bigram():
    ids = text_to_ids("abcabdabeabf" * 200)  # after "ab" the next character needs more context
    result = train_lm(ids, 4, 4, 16, n_steps=300, batch_size=64, learning_rate=1e-2, rng=0)
    bigram = bigram_bits_per_character(fit_bigram(ids), ids)
    assert bits_per_character(result.params, ids) < 0.2 < 0.5 < bigram


def test_training_is_reproducible_from_its_seed():
    ids = text_to_ids("hello world, hello python\n" * 20)
    a = train_lm(ids, 4, 3, 8, n_steps=5, batch_size=16, rng=3).params
    b = train_lm(ids, 4, 3, 8, n_steps=5, batch_size=16, rng=3).params
    assert all(np.array_equal(a[name], b[name]) for name in a)


def test_splicing_in_the_neurons_themselves_changes_nothing():
    model, _, _ = tiny_problem(2)
    ids = np.random.default_rng(1).integers(0, len(VOCABULARY), size=300)
    positions = np.arange(context_of(model) - 1, 298)
    clean = bits_per_character(model, ids, positions)
    for layer in (1, 2):
        assert spliced_bits(model, ids, positions, layer, lambda a: a) == pytest.approx(clean,
                                                                                       rel=1e-12)
    assert spliced_bits(model, ids, positions, 1, np.zeros_like) != pytest.approx(clean)
    a2 = neuron_activations(model, ids, positions[:5], layer=2)
    np.testing.assert_array_equal(a2, lm_forward(model, windows_at(ids, positions[:5], 4)[0])["a2"])


def test_every_layer_at_once_equals_each_layer_alone_and_the_sampler_draws_the_same():
    model, _, _ = tiny_problem(2)
    ids = np.random.default_rng(2).integers(0, len(VOCABULARY), size=20_000)
    positions = np.arange(3, 19_000)  # more than one chunk of EVAL_CHUNK
    X = all_layer_activations(model, ids, positions)  # (m, L, n_h)
    assert X.shape == (positions.size, 2, N_NEURONS)
    for layer in (1, 2):
        np.testing.assert_array_equal(X[:, layer - 1], neuron_activations(model, ids, positions,
                                                                          layer))
    drawn = activation_sampler(model, ids, scale=np.array([[2.0], [3.0]]))(6, np.random.default_rng(4))
    where = np.random.default_rng(4).integers(3, ids.size - 1, size=6)
    np.testing.assert_allclose(drawn, all_layer_activations(model, ids, where) * [[2.0], [3.0]])


@pytest.mark.parametrize("call, match", [
    (lambda: init_lm(0, 3, 5), "context"),
    (lambda: init_lm(4, 3, 5, n_layers=0), "n_layers"),
    (lambda: lm_loss_and_grad(init_lm(4, 3, 5), np.zeros((2, 3), int), np.zeros(2, int)),
     "windows"),
    (lambda: lm_loss_and_grad(init_lm(4, 3, 5), np.zeros((2, 4), int), np.full(2, 97)),
     "targets"),
    (lambda: neuron_activations(init_lm(4, 3, 5), np.arange(10), [5], layer=2), "layer"),
])
def test_bad_parameters_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
