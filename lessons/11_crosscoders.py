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
Full run:  4 min 52 s on 2 cores, 4 min 56 s of CPU (`tinysae bench --lessons 11`).

What you will see (full run): the two-layer model reaches 2.344 bits per character on the
test text (the bigram: 3.529; lesson 10's one-layer model: 2.513). Each layer is scaled on
the "sae" text (0.64 and 0.845). The crosscoder (1024 latents on 2 × 128 neurons, β = 1,
3000 steps): L0 14.3, FVU 0.171 on layer 1 and 0.120 on layer 2, no dead latent. Its
relative decoder norms have the paper's shape — a peak at each end and a broad hump in the
middle: 67 latents write to layer 1 only (r < 0.1), 50 to layer 2 only (r > 0.9), 907 to
both. Layer 2 reads layer 1, so most of what layer 1 holds is still there one layer up.
The layer-specific latents fire more often (2.92% and 3.70% of positions each, against
1.15% for shared ones). Held out (latent and threshold chosen on half of the test
positions, F1 on the other half, 95% bootstrap intervals), no kind carries the sharpest
meanings across the board: a layer-specific latent is best alone on 7 of the 12
properties (layer 2 only on 5: docstring, comment, prose, uppercase, indentation; layer 1
only on 2: string, brackets), a shared one on 2 (digit 0.82, after `def ` 0.98), and 3
are ties. The groups differ in size (907 shared against 67 and 50), so a random draw of 67
shared latents is scored too: it is best alone on none.

Pictures: 11_relative_norms.png, the histogram with the counts of layer-1-only, shared and
layer-2-only latents; 11_dashboards.png, a dashboard for the latent of each kind that best
detects some property (top contexts and random-interval contexts shaded by its activation,
its histogram, the next characters its layer-2 decoder promotes; a layer-1-only latent
reaches the logits only through layer 2, so its panel is left out); 11_density.png, the
feature-density histogram.
Reference picture: lessons/figures/11_relative_norms.png; lessons/README.md has it with the
full run's numbers and questions to try.
"""

# %%
import numpy as np

from tinysae.lessonkit import lesson_args
from tinysae.measures import held_out_table, paired_interval, split_positions, verdict
from tinysae.modern import (
    crosscoder_forward,
    dead_latents,
    decoder_norms,
    firing_frequencies,
    fvu,
    l0,
    relative_decoder_norms,
    train_crosscoder,
)
from tinysae.networks import (activation_sampler, all_layer_activations, bigram_bits_per_character,
                              bits_per_character, corpus_properties, fit_bigram, random_positions,
                              stdlib_corpus, train_lm, unit_dashboard)
from tinysae.pictures import plot_feature_density
from tinysae.pictures.dashboards import plot_dashboards
from tinysae.pictures.feature_plots import plot_relative_norms

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
SCALE_POSITIONS = 16_384  # positions of the "sae" text that set each layer's scale
SPECIFIC = 0.1            # r below this: layer 1 only; above 1 − SPECIFIC: layer 2 only
EVAL_POSITIONS = 40_000   # random positions of the "test" text: half choose, half score
SEED = 0

args = lesson_args(__doc__, "11_crosscoders")
MAX_FILES = None
if args.quick:            # a smoke test: a few files, a few steps
    MAX_FILES, EVAL_POSITIONS = 25, 3000        # the text
    LM_STEPS, LM_BATCH = 60, 64                 # the language model
    N_LATENTS, CC_STEPS, CC_BATCH = 256, 60, 128  # the crosscoder
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
# louder layer would own the dictionary. The scale is measured on the crosscoder's own
# training text, not on the test text.

# %%
X_sae = activation_sampler(model, corpus.ids["sae"])(SCALE_POSITIONS, rng)  # (m', L, n_h)
scale = 1 / np.sqrt(np.mean(X_sae ** 2, axis=(0, 2)))[:, None]  # (L, 1)
X_test = all_layer_activations(model, test_ids, positions) * scale  # (m, L, n_h)
print("scale per layer:", np.round(scale.ravel(), 3))

# %% [markdown]
# ## The crosscoder
# One ReLU code a2 for both layers, a decoder direction per latent and layer, the penalty
# β Σ_j a2_j (‖d_j(1)‖ + ‖d_j(2)‖) (tinysae.modern.crosscoder); Adam, β warmed up at the
# start, the learning rate decayed at the end.

# %%
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
args.save(plot_feature_density({"crosscoder": firing_frequencies(a2)},
                               title=f"How often each latent fires on {positions.size} test "
                                     "positions"), "11_density.png")

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
# the best single latent of each kind, chosen (with its threshold) on half of the positions
# and scored on the other half, with a 95% bootstrap interval. The groups differ in size —
# hundreds of shared latents, tens of layer-specific ones — and the best of many has more
# chances, so the shared latents are also shown as a random draw of as many latents as the
# larger layer-specific group.

# %%
labels = corpus_properties(corpus.texts["test"])
properties = {name: flags[positions] for name, flags in labels.items()}  # name → (m,)
select, score = split_positions(positions.size, SEED)  # (m/2,) each
groups = {kind: np.flatnonzero(members) for kind, members in kinds.items() if members.any()}
if "shared" in groups and len(groups) > 1:
    n_drawn = max(len(g) for kind, g in groups.items() if kind != "shared")
    groups[f"{n_drawn} shared, drawn"] = np.sort(np.random.default_rng(SEED).choice(
        groups["shared"], size=min(n_drawn, len(groups["shared"])), replace=False))
table = held_out_table({kind: a2[:, g] for kind, g in groups.items()}, properties, select,
                       score, min_thresholds=dict.fromkeys(groups, 0.0), rng=SEED)
print(f"{'property':<13}" + "".join(f"{kind:>21}" for kind in groups) + "   best kind")
best_kind = {}
for name, row in table.items():
    leader = max(groups, key=lambda kind: row[kind].f1)
    ties = [kind for kind in groups if kind != leader
            and verdict([paired_interval(row[leader], row[kind])]) != "ahead"]
    best_kind[name] = " = ".join([leader] + ties) if ties else leader
    print(f"{name:<13}" + "".join(f"{row[k].f1:>9.2f} [{row[k].low:.2f}–{row[k].high:.2f}]"
                                  for k in groups) + f"   {best_kind[name]}")
for kind in groups:
    alone = sum(best == kind for best in best_kind.values())
    print(f"{kind} best alone on {alone} of {len(table)} properties")

args.record(bits=model_bits, l0=l0(a2), fvu_1=fvu(X_test[:, 0], forward["a3"][:, 0]),
            fvu_2=fvu(X_test[:, 1], forward["a3"][:, 1]), dead=int((~alive).sum()),
            kinds={kind: int(members.sum()) for kind, members in kinds.items()},
            firing={kind: float(np.mean(a2[:, members] > 0)) if members.any() else 0.0
                    for kind, members in kinds.items()},
            best_kind=best_kind,
            table={name: {kind: [row[kind].f1, row[kind].low, row[kind].high]
                          for kind in groups} for name, row in table.items()})

# %% [markdown]
# ## One latent of each kind
# For each kind, the latent that detects some property best (held out), with its dashboard:
# its top contexts, then one drawn at random from each third of its activation range. The
# logits are the direct effect of its *layer-2* decoder direction through the output layer.
# A layer-1-only latent has no such direct effect: what it writes into layer 1 reaches the
# logits only through layer 2's GELUs, which depend on everything else in layer 1, so its
# logit panel is left out rather than drawn as the ~1e-4 its tiny layer-2 decoder gives.

# %%
valid = (CONTEXT - 1, test_ids.size - 2)


def latent_at(j):
    def at(p):
        X = all_layer_activations(model, test_ids, p) * scale  # (k, L, n_h)
        return crosscoder_forward(coder, X)["a2"][:, j]
    return at


norms = decoder_norms(coder)  # (L, n_latents)
boards = []
for kind, members in kinds.items():
    if not members.any():
        continue
    name = max(table, key=lambda n: table[n][kind].f1)
    j = int(groups[kind][table[name][kind].unit])
    f1 = table[name][kind].f1
    print(f"{kind}: latent {j} detects {name} best (held-out F1 {f1:.2f}), r = {r[j]:.2f}")
    layer_1_only = kind == "layer 1 only"
    boards.append(unit_dashboard(
        latent_at(j), test_ids, positions, a2[:, j],
        None if layer_1_only else model["W_out"] @ coder["W2"][1][:, j] / scale[1, 0],
        f"latent {j}, {kind} (r = {r[j]:.2f}, ‖d(1)‖ = {norms[0, j]:.2f}, ‖d(2)‖ = "
        f"{norms[1, j]:.2f}): of lesson 10's properties, it detects {name} best (held-out "
        f"F1 {f1:.2f})", valid=valid, rng=SEED,
        no_effect="no direct logit effect:\nit reaches the logits\nonly through layer 2"))
args.save(plot_dashboards(boards, title="One crosscoder latent of each kind"),
          "11_dashboards.png")
print(f"figures in {args.out}")
