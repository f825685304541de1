"""Lesson 10 — a sparse autoencoder on a real network's neurons.

Goal: lessons 08–09 recovered features that we had planted ourselves. The reason people
train sparse autoencoders today is different: they read one off a real network's
activations and find directions that each mean one thing, where single neurons mean
several (Bricken et al. 2023, "Towards monosemanticity"). Here the network is ours, trained
in this lesson: a character-level language model of Python source (embeddings of the last
32 characters → 128 GELU neurons → softmax over the next character; Bengio et al. 2003),
written and differentiated by hand (gradient-checked in tests/test_char_mlp.py) and trained
with the package's Adam on the Python standard library's own source, which every machine
already has. A TopK sparse autoencoder with 8× as many latents as neurons then reads those
neurons on text the model never saw, and we measure, property by property of Python source
(in a string, a comment, a docstring, a number, just after `def `, …), whether the best
single feature detects it better than the best single neuron.

Command:   python lessons/10_language_model_features.py        (add --quick for the tests)
Full run:  1 min 59 s on 2 cores, 2 min 11 s of CPU (`tinysae bench --lessons 10`).

What you will see (full run, on one thread): the corpus (101 files, 2.9 M characters
for the model; 33 files each for the SAE and the test, 0.84 M and 0.92 M); the language
model's progress; on 40000 test positions, 2.51 bits per character against the bigram's
3.53. The SAE (1024 latents, TopK k = 16): L0 16, FVU 0.054, 56 dead latents; spliced in,
it raises the model's loss from 2.513 to 2.568 bits per character, against 6.14 with the
neurons zeroed — 98.5% of the loss recovered. Then the table: the best feature beats the
best neuron on 9 of 12 properties, by far where a property is one concrete thing — just
after `def ` (F1 0.95 against 0.28), just after `self.` (0.81 against 0.27), a digit (0.70
against 0.32), inside a number (0.43 against 0.24). The best neuron for after `def ` and
after `self.` is the same one, neuron 97, and its top activations are neither: it fires
most early in words such as `else`, `Encodes`, `Imports`. One neuron, three meanings; the
SAE gives each its own feature. Elsewhere the two are close (comment 0.31 each, brackets
0.53 each), and the neuron wins on three: keyword (0.21 against 0.20, poor either way) and
the broadest properties, docstring (0.42 against 0.39) and prose (0.58 against 0.49), where
no unit of either kind does much better than predicting the property everywhere (the "all"
column: 0.37 and 0.61). A 32-character model has no single direction for "inside a
docstring"; the SAE cuts such text into narrower features (its best prose feature:
precision 0.77, recall 0.36), where a dense neuron covers more at a lower precision. Sparse
features are specific, not exhaustive.

Pictures: 10_features.png, dashboards of the best feature for six properties (top contexts
shaded by the feature's activation, its histogram, the next characters it promotes):
feature 758 fires on the space after `def`; feature 241 detects the dot after `self`
(F1 0.81), yet its very top activations are on `# =====` rulers — a good feature is still
not perfectly monosemantic. 10_neurons.png, the same for the best neuron of each property
(neuron 97 once, for two); 10_properties.png, the F1 table as bars. The trained SAE is
exported to 10_sae_saelens/ (cfg.json, the weights under SAELens' names, and a check set:
the neurons at 32 test positions and the SAE's latents on them). Reference
picture: lessons/figures/10_features.png; lessons/README.md has it with the full run's
numbers and questions to try.
"""

# %%
import numpy as np

from tinysae import limit_blas_threads, plot_dashboards, plot_detection_table
from tinysae.networks import (activation_sampler, best_units, bigram_bits_per_character,
                            bits_per_character, corpus_properties, detection_title, fit_bigram,
                            loss_recovered, neuron_activations, random_positions, spliced_bits,
                            stdlib_corpus, train_lm, unit_dashboard)
from tinysae.lessonkit import lesson_args
from tinysae.modern import dead_latents, export_saelens, fvu, l0, sae_forward, train_sae
from tinysae.measures import detection_table

# %% [markdown]
# ## Hyperparameters

# %%
CONTEXT = 32              # T: characters the model reads before predicting the next one
N_EMBED = 16              # d: dimensions of a character's embedding
N_NEURONS = 128           # n_h: GELU neurons, the units we will try to read
LM_STEPS = 6000           # Adam steps for the language model ...
LM_BATCH = 512            # ... each on this many random windows of the training text
LM_LEARNING_RATE = 4e-3   # Adam's α (decays linearly to 0 over the last 20% of the steps)
N_LATENTS = 1024          # the SAE's dictionary: 8 × the neurons
K = 16                    # TopK: latents active per position
SAE_STEPS = 2000          # Adam steps for the SAE ...
SAE_BATCH = 512           # ... each on the neurons at this many fresh positions of the "sae" text
SAE_LEARNING_RATE = 1e-3
DEAD_WINDOW = 20_000      # a latent silent on this many positions is dead and resampled
RESAMPLE_EVERY = 100      # (every this many steps, during the first half of training)
EVAL_POSITIONS = 40_000   # random positions of the "test" text for every number below
SHOWN = ("after_def", "after_self", "comment", "digit", "uppercase", "indentation")
SEED = 0

args = lesson_args(__doc__, "10_language_model_features")
MAX_FILES = None          # every top-level file of the standard library
if args.quick:            # a smoke test: a few files, a few steps, numbers without meaning
    MAX_FILES, LM_STEPS, LM_BATCH, N_LATENTS, K, SAE_STEPS, SAE_BATCH = 25, 60, 64, 256, 8, 40, 128
    DEAD_WINDOW, EVAL_POSITIONS, SHOWN = 2000, 3000, SHOWN[2:4]
    print("quick run: 25 files, a language model trained for 60 steps and an SAE for 40\n"
          "  — it is barely better than the bigram and its features mean little; the\n"
          "  full run's numbers are in the docstring")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The text: the standard library's own source
# Whole files go to one of three parts: the model learns from "train", the SAE from "sae"
# (text the model never saw), and every number we report is measured on "test".

# %%
corpus = stdlib_corpus(max_files=MAX_FILES)
print(corpus.describe())
test_ids = corpus.ids["test"]
positions = np.sort(random_positions(test_ids, EVAL_POSITIONS, CONTEXT, rng))  # (m,)

# %% [markdown]
# ## The baseline to beat: a bigram model
# p(next character | this character), from counts with add-one smoothing.

# %%
bigram_bits = bigram_bits_per_character(fit_bigram(corpus.ids["train"]), test_ids, positions)
print(f"bigram baseline: {bigram_bits:.3f} bits per character on the test text")

# %% [markdown]
# ## The language model
# One BLAS thread: on a small shared machine a second one mostly waits (lesson 09 does the same).

# %%
with limit_blas_threads(numpy_threads=1):
    lm = train_lm(corpus.ids["train"], CONTEXT, N_EMBED, N_NEURONS, n_steps=LM_STEPS,
                  batch_size=LM_BATCH, learning_rate=LM_LEARNING_RATE,
                  log_every=max(1, LM_STEPS // 6), rng=rng, verbose=True)
    model = lm.params
    model_bits = bits_per_character(model, test_ids, positions)
print(f"language model: {model_bits:.3f} bits per character on the test text, against the "
      f"bigram's {bigram_bits:.3f} (trained in {lm.seconds:.0f} s)")

# %% [markdown]
# ## A sparse autoencoder on the 128 neurons
# Trained on the neurons at fresh random positions of the "sae" text (lesson 09's TopK SAE
# with resampling of dead latents), then measured on the test positions: L0, FVU, dead
# latents, and the *spliced-in* loss — the model's bits per character when its neurons are
# replaced by the SAE's reconstruction — against the clean model and against zeroing the
# neurons (the share in between that the SAE keeps is "loss recovered").

# %%
with limit_blas_threads(numpy_threads=1):
    sae = train_sae(activation_sampler(model, corpus.ids["sae"], layer=1), N_NEURONS,
                    N_LATENTS, activation="topk", k=K, n_steps=SAE_STEPS, batch_size=SAE_BATCH,
                    learning_rate=SAE_LEARNING_RATE, dead_window=DEAD_WINDOW,
                    resample_every=RESAMPLE_EVERY, rng=rng, dtype=np.float32).params
    neurons = neuron_activations(model, test_ids, positions, layer=1)  # (m, n_h)
    forward = sae_forward(sae, neurons, "topk", K)
    features = forward["a2"]  # (m, n_latents)
    spliced = spliced_bits(model, test_ids, positions, 1,
                           lambda a: sae_forward(sae, a, "topk", K)["a3"])
    zeroed = spliced_bits(model, test_ids, positions, 1, np.zeros_like)
print(f"SAE: L0 {l0(features):.1f}, FVU {fvu(neurons, forward['a3']):.3f}, "
      f"dead latents {int(dead_latents(features).sum())} of {N_LATENTS}")
print(f"bits per character: clean {model_bits:.3f}, SAE spliced in {spliced:.3f}, "
      f"neurons zeroed {zeroed:.3f} → loss recovered "
      f"{loss_recovered(model_bits, spliced, zeroed):.1%}")

# %% [markdown]
# ## Monosemanticity, measured
# Python's own tokenizer and parser label every test position with a dozen properties. For
# each, every neuron and every feature is tried as a detector — it predicts the property
# where it fires above a threshold θ ≥ 0, with the best θ kept — and the best single unit of
# each kind is compared by F1. Precision (P) and recall (R) at that θ say *how* each falls
# short; "all" is the F1 of predicting the property everywhere, what a useless unit gets.

# %%
labels = corpus_properties(corpus.texts["test"])
table = detection_table({"neuron": neurons, "feature": features},
                        {name: flags[positions] for name, flags in labels.items()})
print(f"{'property':<15}{'share':>6}{'all':>6}   {'neuron':>6} {'F1':>5} {'P':>5} {'R':>5}"
      f"   {'feature':>7} {'F1':>5} {'P':>5} {'R':>5}")
for name, row in table.items():
    n, f, p = row["neuron"], row["feature"], row["frequency"]
    print(f"{name:<15}{p:>6.1%}{2 * p / (1 + p):>6.2f}   {n.unit:>6d} {n.f1:5.2f} "
          f"{n.precision:5.2f} {n.recall:5.2f}   {f.unit:>7d} {f.f1:5.2f} {f.precision:5.2f} "
          f"{f.recall:5.2f}   {'feature' if f.f1 > n.f1 else 'neuron'}")
wins = sum(row["feature"].f1 > row["neuron"].f1 for row in table.values())
print(f"the best feature beats the best neuron on {wins} of {len(table)} properties")
for unit, best in best_units(table, "neuron", table).items():
    split = sorted({table[name]["feature"].unit for name, _ in best})
    if len(split) > 1:
        print(f"neuron {unit} is the best neuron for {' and '.join(name for name, _ in best)}; "
              f"the SAE has a feature for each ({', '.join(map(str, split))})")

# %% [markdown]
# ## Dashboards: what the best feature and the best neuron of six properties do
# Each row: the top-activating contexts (each character shaded by the unit's activation
# there; the boxed character is where it fired), the histogram of its activations, and the
# next characters its direction promotes (through the output layer W_out).

# %%
valid = (CONTEXT - 1, test_ids.size - 2)


def feature_at(j):
    def at(p):
        return sae_forward(sae, neuron_activations(model, test_ids, p), "topk", K)["a2"][:, j]
    return at


def neuron_at(j):
    return lambda p: neuron_activations(model, test_ids, p)[:, j]


with limit_blas_threads(numpy_threads=1):  # a unit best for two properties is shown once
    feature_boards = [unit_dashboard(feature_at(j), test_ids, positions, features[:, j],
                                     model["W_out"] @ sae["W2"][:, j],
                                     detection_title("feature", j, best), valid=valid)
                      for j, best in best_units(table, "feature", SHOWN).items()]
    neuron_boards = [unit_dashboard(neuron_at(j), test_ids, positions, neurons[:, j],
                                    model["W_out"][:, j], detection_title("neuron", j, best),
                                    valid=valid)
                     for j, best in best_units(table, "neuron", SHOWN).items()]
args.save(plot_dashboards(feature_boards, title=f"SAE features ({N_LATENTS} latents, TopK "
                          f"k = {K}) on {N_NEURONS} neurons: the best feature per property"),
          "10_features.png", main=True)
args.save(plot_dashboards(neuron_boards, title="The best single neuron per property"),
          "10_neurons.png")
args.save(plot_detection_table(table, title=f"Best single neuron against best single feature "
                               f"({wins} of {len(table)} to the feature)"), "10_properties.png")

# %% [markdown]
# ## Export: the same SAE for SAELens
# `cfg.json` with SAELens' keys and the weights as W_enc, W_dec, b_enc, b_dec (see the README).

# %%
path = export_saelens(sae, args.out / "10_sae_saelens", "topk", K, hook_name="hidden.1",
                      context_size=CONTEXT, check_inputs=neurons[:32])
print(f"SAE exported to {path}")
print(f"figures in {args.out}")
