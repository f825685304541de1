"""Lesson 11 — a sparse crosscoder across the two layers of a language model.

Goal: a sparse autoencoder reads one layer. A sparse crosscoder (Lindsey et al. 2024) keeps
one dictionary for several layers at once: each latent has an encoder and a decoder
direction in every layer, reads them all, and writes its reconstruction into each. Its
penalty charges a latent the *sum* of its decoder norms over the layers, so a feature that
lives in one layer is cheapest with its other decoder directions at zero, and a feature
that persists through both layers is one latent instead of two. The paper's picture shows
which is which: the histogram of each latent's relative decoder norm
r = ‖d(layer 2)‖ / (‖d(layer 1)‖ + ‖d(layer 2)‖) — layer-1-only features at 0,
layer-2-only at 1, shared ones in between. Its gradient is written and checked by hand in
tests/test_crosscoder.py, like everything else.

The network is lesson 10's character model of Python source with a second layer of 128
GELU neurons (32 characters → 128 → 128 → next character), trained here.

Command:   python lessons/11_crosscoders.py        (add --quick for the test suite)
Full run:  3 min 44 s on 2 cores, 3 min 45 s of CPU (`tinysae bench --lessons 11`).

What you will see (full run, on one thread): the two-layer model reaches 2.34
bits per character on the test text (the bigram: 3.53; lesson 10's one-layer model: 2.51).
The crosscoder (1024 latents on 2 × 128 neurons, β = 1, 3000 steps): L0 14.3, FVU 0.173 on
layer 1 and 0.122 on layer 2, no dead latent. Its relative decoder norms have the paper's
shape — a peak at each end and a broad hump in the middle: 72 latents write to layer 1 only
(r < 0.1), 58 to layer 2 only (r > 0.9), 894 to both. Layer 2 reads layer 1, so most of
what layer 1 holds is still there one layer up. The shared latents also carry the sharpest
meanings: latent 578 fires on the space after `def` (F1 0.99), another shared one on the
dot after `self.` (0.99). The layer-specific ones fire more often (2.9% and 3.4% of
positions each, against 1.1%) and mean less — the best any of them does is F1 0.65, at
indentation — as Anthropic later reported for the features a crosscoder finds in one model
only (its 2025 update "Insights on crosscoder model diffing"). A table gives, for each of
lesson 10's properties, the best single latent of each kind.

Pictures: 11_relative_norms.png, the histogram with the counts of layer-1-only, shared and
layer-2-only latents; 11_dashboards.png, a dashboard for the latent of each kind that best
detects some property (contexts shaded by its activation, its histogram, the next
characters its layer-2 decoder promotes; a layer-1-only latent's bars are ~1e-4).
Reference picture: lessons/figures/11_relative_norms.png; lessons/README.md has it with the
full run's numbers and questions to try.
"""

# %%
import numpy as np

from tinysae import limit_blas_threads, plot_dashboards, plot_relative_norms
from tinysae.networks import (activation_sampler, all_layer_activations, bigram_bits_per_character,
                            bits_per_character, corpus_properties, fit_bigram, random_positions,
                            stdlib_corpus, train_lm, unit_dashboard)
from tinysae.lessonkit import lesson_args
from tinysae.modern import (
    crosscoder_forward,
    dead_latents,
    decoder_norms,
    fvu,
    l0,
    relative_decoder_norms,
    train_crosscoder,
)
from tinysae.measures import best_f1

# %% [markdown]
# ## Hyperparameters

# %%
CONTEXT = 32              # T: characters read
N_EMBED = 16              # d: dimensions of a character's embedding
N_NEURONS = 128           # n_h: GELU neurons in each of the two hidden layers
N_LAYERS = 2              # L
LM_STEPS = 6000           # Adam steps for the language model ...
LM_BATCH = 512            # ... each on this many random windows
LM_LEARNING_RATE = 4e-3
N_LATENTS = 1024          # the crosscoder's dictionary: 4 × all 256 neurons
SPARSITY_WEIGHT = 1.0     # β of the decoder-norm-weighted L1 penalty
CC_STEPS = 3000           # Adam steps for the crosscoder ...
CC_BATCH = 512            # ... each on both layers at this many fresh positions of "sae" text
CC_LEARNING_RATE = 1e-3
SPECIFIC = 0.1            # r below this: layer 1 only; above 1 − SPECIFIC: layer 2 only
EVAL_POSITIONS = 40_000   # random positions of the "test" text for the numbers below
SEED = 0

args = lesson_args(__doc__, "11_crosscoders")
MAX_FILES = None
if args.quick:            # a smoke test: a few files, a few steps
    MAX_FILES, LM_STEPS, LM_BATCH, N_LATENTS, CC_STEPS, CC_BATCH, EVAL_POSITIONS = (
        25, 60, 64, 256, 60, 128, 3000)
    print("quick run: 25 files, 60 steps for the model and for the crosscoder — too few\n"
          "  for layer-specific latents to appear; the full run's numbers are in the\n"
          "  docstring")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The text and the two-layer model
# As in lesson 10: the standard library's source, split by file into "train" (the model),
# "sae" (the crosscoder) and "test" (every number below).

# %%
corpus = stdlib_corpus(max_files=MAX_FILES)
print(corpus.describe())
test_ids = corpus.ids["test"]
positions = np.sort(random_positions(test_ids, EVAL_POSITIONS, CONTEXT, rng))  # (m,)
with limit_blas_threads(numpy_threads=1):  # one BLAS thread: see lesson 10
    lm = train_lm(corpus.ids["train"], CONTEXT, N_EMBED, N_NEURONS, N_LAYERS, n_steps=LM_STEPS,
                  batch_size=LM_BATCH, learning_rate=LM_LEARNING_RATE,
                  log_every=max(1, LM_STEPS // 6), rng=rng, verbose=True)
    model = lm.params
    model_bits = bits_per_character(model, test_ids, positions)
bigram_bits = bigram_bits_per_character(fit_bigram(corpus.ids["train"]), test_ids, positions)
print(f"two-layer model: {model_bits:.3f} bits per character on the test text "
      f"(bigram: {bigram_bits:.3f}), trained in {lm.seconds:.0f} s")

# %% [markdown]
# ## Both layers, on one scale
# The crosscoder reconstructs both layers with one squared error, so each layer is first
# scaled to the same mean squared norm per neuron (1), as Lindsey et al. do; otherwise the
# louder layer would own the dictionary.

# %%
with limit_blas_threads(numpy_threads=1):
    X_test = all_layer_activations(model, test_ids, positions)  # (m, L, n_h)
scale = 1 / np.sqrt(np.mean(X_test ** 2, axis=(0, 2)))[:, None]  # (L, 1)
X_test = X_test * scale  # (m, L, n_h)
print("scale per layer:", np.round(scale.ravel(), 3))

# %% [markdown]
# ## The crosscoder
# One ReLU code a2 for both layers, a decoder direction per latent and layer, the penalty
# β Σ_j a2_j (‖d_j(1)‖ + ‖d_j(2)‖) (tinysae.modern.crosscoder); Adam, β warmed up at the
# start, the learning rate decayed at the end.

# %%
with limit_blas_threads(numpy_threads=1):
    result = train_crosscoder(activation_sampler(model, corpus.ids["sae"], scale=scale),
                              N_LAYERS, N_NEURONS, N_LATENTS, sparsity_weight=SPARSITY_WEIGHT,
                              n_steps=CC_STEPS, batch_size=CC_BATCH,
                              learning_rate=CC_LEARNING_RATE, log_every=max(1, CC_STEPS // 8),
                              rng=rng, verbose=True)
coder = result.params
forward = crosscoder_forward(coder, X_test)
a2 = forward["a2"]  # (m, n_latents)
alive = ~dead_latents(a2)  # (n_latents,)
print(f"crosscoder: L0 {l0(a2):.1f}, FVU layer 1 {fvu(X_test[:, 0], forward['a3'][:, 0]):.3f}, "
      f"layer 2 {fvu(X_test[:, 1], forward['a3'][:, 1]):.3f}, "
      f"dead latents {int((~alive).sum())} of {N_LATENTS}")

# %% [markdown]
# ## Which latents live where: the relative decoder norm
# r = ‖d(2)‖ / (‖d(1)‖ + ‖d(2)‖) for every latent that fires on the test text.

# %%
r = relative_decoder_norms(coder)  # (n_latents,)
kinds = {"layer 1 only": alive & (r < SPECIFIC), "shared": alive & (r >= SPECIFIC)
         & (r <= 1 - SPECIFIC), "layer 2 only": alive & (r > 1 - SPECIFIC)}
for kind, members in kinds.items():
    print(f"{kind:>13}: {int(members.sum()):4d} latents, "
          f"firing on {np.mean(a2[:, members] > 0) if members.any() else 0:.2%} of positions each "
          f"on average")
args.save(plot_relative_norms(r[alive], low=SPECIFIC, high=1 - SPECIFIC,
                              title=f"Crosscoder on both layers: {int(alive.sum())} live "
                              f"latents of {N_LATENTS}"), "11_relative_norms.png", main=True)

# %% [markdown]
# ## What each kind detects
# Lesson 10's properties of Python source, on the same test positions: for each property,
# the best F1 of a single latent of each kind (it predicts the property where it fires).

# %%
labels = corpus_properties(corpus.texts["test"])
names = [name for name in labels if labels[name][positions].any()]
f1, _ = best_f1(a2, np.stack([labels[name][positions] for name in names], axis=1),
                min_threshold=0.0)  # (n_latents, p)
print(f"{'property':<15}" + "".join(f"{kind:>14}" for kind in kinds))
for p, name in enumerate(names):
    print(f"{name:<15}" + "".join(f"{f1[members, p].max() if members.any() else 0:>14.2f}"
                                  for members in kinds.values()))

# %% [markdown]
# ## One latent of each kind
# For each kind, the latent that detects some property best, with its dashboard. The
# logits are the direct effect of its *layer-2* decoder direction through the output layer
# (a layer-1-only latent writes almost nothing there: its bars are tiny).

# %%
valid = (CONTEXT - 1, test_ids.size - 2)


def latent_at(j):
    def at(p):
        X = all_layer_activations(model, test_ids, p) * scale  # (k, L, n_h)
        return crosscoder_forward(coder, X)["a2"][:, j]
    return at


norms = decoder_norms(coder)  # (L, n_latents)
boards = []
with limit_blas_threads(numpy_threads=1):
    for kind, members in kinds.items():
        if not members.any():
            continue
        best, p = np.unravel_index(np.argmax(f1[members]), f1[members].shape)
        j = int(np.flatnonzero(members)[best])
        print(f"{kind}: latent {j} detects {names[p]} best (F1 {f1[j, p]:.2f}), r = {r[j]:.2f}")
        boards.append(unit_dashboard(
            latent_at(j), test_ids, positions, a2[:, j],
            model["W_out"] @ coder["W2"][1][:, j] / scale[1, 0],  # back to the neurons' units
            f"latent {j}, {kind} (r = {r[j]:.2f}, ‖d(1)‖ = {norms[0, j]:.2f}, ‖d(2)‖ = "
            f"{norms[1, j]:.2f}): best at {names[p]}, F1 {f1[j, p]:.2f}", valid=valid))
args.save(plot_dashboards(boards, title="One crosscoder latent of each kind"),
          "11_dashboards.png")
print(f"figures in {args.out}")
