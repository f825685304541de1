"""Lesson 13 — today's sparse autoencoders on one frontier, and features that do something.

Goal: since 2024 every SAE paper draws the same figure — reconstruction against sparsity,
L0 on a log axis, one curve per architecture. Here are the architectures the field uses,
each written by hand with its backward pass beside it and gradient-checked (rows 9–13 of
`tinysae gradcheck`): TopK with the AuxK loss that gives dead latents something to do (Gao
et al. 2024), JumpReLU with a threshold per latent trained through an L0 penalty and a
pseudo-derivative (Rajamanoharan et al. 2024), BatchTopK, which keeps the top k·B of a whole
batch and a single threshold at inference (Bussmann et al. 2024), and Matryoshka, whose
nested prefixes must each reconstruct alone (Bussmann et al. 2025) — beside lesson 09's
TopK with resampling. All train on the same activations at three sparsities: the
superposition toy of lesson 08 (where the true features are known, so MMCS says how many
were found) and the 128 neurons of lesson 10's character-level language model (where
"loss recovered" says how much of the model's skill survives the SAE spliced in).

What Matryoshka is for: feature absorption (Chanin et al. 2024). On toy data where a child
feature is on only with its parent ("snake" only with "starts with s"), an SAE can give the
child's latent the parent's direction too and let the parent's latent fall silent wherever
a child is on — one latent fewer, nothing lost in reconstruction, and a parent latent that
is no longer a reliable detector. The lesson measures how often that happens, held out,
against the same latent's misses where the parent is on alone.

Then the part every earlier lesson lacked: a feature that *does* something. Removing a
feature's contribution from the neurons, where it was active, shifts the model's
next-character distribution; removing a random direction of the same size at the same
positions is the control; clamping a feature high steers generated text. Last, feature
splitting: dictionaries of 256, 1024 and 4096 latents on the same neurons, and one feature
of the small one whose decoder direction reappears, split, in the large ones.

Command:   python lessons/13_architectures.py        (add --quick for the tests)
Full run:  4 min 45 s on 2 cores, 5 min 8 s of CPU (`tinysae bench --lessons 13`).

What you will see (full run; the same printed tables on one core and on two): on the toy
data (256 latents, 256 true features), TopK with resampling and TopK + AuxK lie on one curve
(k = 5: FVU 0.153 and 0.156, MMCS 0.849 and 0.846), BatchTopK and Matryoshka reconstruct
worse at the same L0 (0.198, 0.269) and find fewer true features (MMCS 0.748, 0.663), and
JumpReLU lies above them all (FVU 0.265–0.344). AuxK does not beat resampling on dead
latents here: 69, 17, 1 dead at k = 3, 5, 8 against 51, 17, 0.

Absorption (8 parents with 4 children each, 16 unrelated features, k = 4, 5 seeds; mean
over parents, then mean and range over seeds): where a parent is on with a child, its
latent is silent in 57.3% of examples for TopK + AuxK (45.3–67.7%), against 15.9% where it
is on alone, and its children's latents lean toward it with cosine 0.633 (0.71 would be
the parent taken in whole; its L0 is 3.59, as TopK keeps no negative pre-activation).
BatchTopK absorbs less (8.5% against 0.5% alone), Matryoshka almost nothing (1.0% against
0.2%; lean 0.028). Beyond the control, Matryoshka's 0.008 (-0.001–0.023) is lower than
BatchTopK's 0.080 (0.021–0.128) and TopK + AuxK's 0.414 on each of the 5 seeds. The price:
on the same data Matryoshka's FVU is 0.085 against BatchTopK's 0.049.

On the language model's 128 neurons (512 latents, k = 8, 16, 32) the k-based architectures
are within a few thousandths of FVU of each other (k = 16: 0.101–0.106). Loss recovered,
against mean-ablation (the model: 2.671 bits per character; 4.751 with its neurons held at
their mean, 6.397 zeroed): 94.6–96.1% at k = 16, 97.0–97.8% against zero-ablation;
Matryoshka a little lower at k = 8 and 16. JumpReLU needs more active latents for the same
FVU. Resampling leaves 37 dead at k = 8, AuxK 19, BatchTopK 8.

Ablation, honestly measured: removing a feature where it fires shifts the next-character
distribution by 0.034 bits (median over 12 features), removing a random direction of the
same size at the same positions by 0.028: a median ratio of 1.0, 0.7–1.4 over 5 seeds, 48%
of feature × seed pairs above 1. Against that control, ablating one feature is a tie.
Steering is not: clamping feature 511 (it promotes `(`) makes `(` 48.3% of the generated
characters (46.2–53.1% over 5 seeds), against 0.9% clean and 0.0% with a random direction
clamped to the same size. Feature splitting: of the 256 live features of the 256-latent
dictionary, 6 have two or more children with decoder cosine above 0.6 in the 1024-latent
one and 8 in the 4096-latent one (13_splitting.png).

Pictures: 13_toy_frontier.png and 13_frontier.png (FVU and loss recovered against L0, one
curve per architecture); 13_absorption.png (each seed's share of silent parent latents,
with a child and alone); 13_splitting.png. Each architecture's k = 16 model is exported to
SAELens (13_*_saelens/, with its check set). Reference picture: lessons/figures/13_frontier.png.
"""

# %%
import numpy as np

from tinysae.lessonkit import lesson_args
from tinysae.measures import absorption
from tinysae.modern import (architecture_forward, cosine_similarities, dead_latents,
                            export_architecture, firing_probabilities, fvu, ground_truth_features,
                            hierarchy_sampler, l0, mmcs, sae_forward, sampler, train_architecture,
                            train_sae)
from tinysae.networks import (ablate_direction, activation_sampler, bits_per_character,
                              clamp_direction, generate, ids_to_text, kl_bits, loss_recovered,
                              neuron_activations, next_character_probabilities,
                              random_positions, random_unit_directions, spliced_bits,
                              stdlib_corpus, text_to_ids, train_lm, unit_dashboard)
from tinysae.pictures import metrics_table, plot_absorption, plot_frontier
from tinysae.pictures.dashboards import plot_dashboards

# %% [markdown]
# ## Hyperparameters

# %%
# the toy data (lesson 08's superposition, smaller)
N_FEATURES = 256          # n_f: true features
N_VISIBLE = 64            # n_v: their dimensions
MEAN_ACTIVE = 4.0         # features firing in an average example
TOY_LATENTS = 256         # the SAEs' dictionary: one latent per true feature
TOY_KS = (3, 5, 8)        # k of the k-based architectures ...
TOY_L0_WEIGHTS = (0.03, 0.02, 0.012)  # ... and JumpReLU's λ, spanning a similar L0
TOY_JUMP = (0.05, 0.05)   # JumpReLU's initial θ and kernel width ε on the toy data
# absorption: toy data with a hierarchy (a child is on only with its parent)
PARENTS = 8               # parent features ...
CHILDREN = 4              # ... each with this many children (one at a time)
UNRELATED = 16            # features with no relative
HIERARCHY_VISIBLE = 32    # their dimensions; the dictionary has one latent per feature
P_PARENT, P_CHILD, P_UNRELATED = 0.15, 0.6, 0.05  # P(parent), P(a child | parent), P(other)
ABSORPTION_K = 4          # k (2.7 features are on in an average example)
ABSORPTION_STEPS = 2000   # Adam steps of each SAE (small: 2000 steps take a second)
ABSORPTION_SEEDS = 5      # features, data and SAEs drawn afresh for each seed
ABSORBING = ("TopK + AuxK", "BatchTopK", "Matryoshka")
# the language model (lesson 10's, trained for fewer steps)
CONTEXT = 32              # T: characters the model reads
N_EMBED = 16              # d: dimensions of a character's embedding
N_NEURONS = 128           # n_h: GELU neurons, what the SAEs read
LM_STEPS = 3000           # Adam steps of the language model, each on LM_BATCH windows
LM_BATCH = 512
LM_LEARNING_RATE = 4e-3
N_LATENTS = 512           # the SAEs' dictionary on the neurons: 4 × the neurons
KS = (8, 16, 32)          # k of the k-based architectures ...
L0_WEIGHTS = (0.01, 0.003, 0.001)  # ... and JumpReLU's λ, in units of the neurons' variance
JUMP = (1.0, 0.1)         # JumpReLU's initial θ and kernel width ε on the neurons
# every SAE
SAE_STEPS = 500           # Adam steps ...
SAE_BATCH = 512           # ... on this many fresh examples each
SAE_LEARNING_RATE = 2e-3
DEAD_WINDOW = 20_000      # a latent silent on this many examples is dead (AuxK, resampling)
RESAMPLE_EVERY = 100      # TopK + resampling: every so many steps, in the first half
EVAL_POSITIONS = 20_000   # test positions for every number on the neurons
# features that do something
ABLATED = 12              # features drawn at random (among those firing on 0.5–20% of the
MIN_SHARE, MAX_SHARE = 0.005, 0.2  # "sae" positions) and ablated where they fire
CONTROL_SEEDS = 5         # random directions per feature, each seed a new draw
N_GENERATED = 160         # characters generated, clean and steered ...
STEER_SEEDS = 5           # ... with this many sampling seeds
CLAMP = 2.0               # a steered feature is clamped to CLAMP × its largest activation
# feature splitting
SPLIT_SIZES = (256, 1024, 4096)  # dictionaries on the same neurons (TopK, resampled)
SPLIT_K = 16
SPLIT_STEPS = 500
SPLIT_BATCH = 256
SPLIT_COSINE = 0.6        # a large-dictionary latent this close to a small one is a child
SEED = 0

args = lesson_args(__doc__, "13_architectures")
MAX_FILES = None
if args.quick:            # a smoke test: tiny sizes and few steps, numbers without meaning
    MAX_FILES, LM_STEPS, LM_BATCH, SAE_STEPS, SAE_BATCH, N_LATENTS = 25, 60, 64, 40, 128, 128
    TOY_LATENTS, N_FEATURES, KS, TOY_KS = 64, 64, (8, 16), (3, 5)
    L0_WEIGHTS, TOY_L0_WEIGHTS = L0_WEIGHTS[:2], TOY_L0_WEIGHTS[:2]
    EVAL_POSITIONS, DEAD_WINDOW, ABLATED, CONTROL_SEEDS, STEER_SEEDS = 2000, 2000, 3, 2, 2
    ABSORPTION_STEPS, ABSORPTION_SEEDS = 200, 2
    N_GENERATED, SPLIT_SIZES, SPLIT_STEPS, SPLIT_BATCH = 40, (32, 64, 128), 30, 64
    print("quick run: tiny dictionaries trained for a few dozen steps on a language model\n"
          "  trained for 60 — the numbers mean little; the full run's are in the docstring")
rng = np.random.default_rng(SEED)


FAMILIES = ("TopK + resampling", "TopK + AuxK", "BatchTopK", "Matryoshka", "JumpReLU")
ARCHITECTURE = {"TopK + AuxK": "topk_auxk", "BatchTopK": "batchtopk",
                "Matryoshka": "matryoshka", "JumpReLU": "jumprelu"}


def train(sample, n_visible, n_latents, family, setting, jump, l0_unit=1.0):
    """One SAE of ``family`` at one sparsity ``setting`` (k, or JumpReLU's λ in units of
    ``l0_unit``; ``jump`` its initial θ and ε): lesson 09's TopK (its params) or one of
    today's architectures (an ArchitectureResult)."""
    common = dict(n_steps=SAE_STEPS, batch_size=SAE_BATCH, learning_rate=SAE_LEARNING_RATE,
                  dead_window=DEAD_WINDOW, rng=rng, dtype=np.float32)
    if family == "TopK + resampling":
        return train_sae(sample, n_visible, n_latents, activation="topk", k=setting,
                         resample_every=RESAMPLE_EVERY, n_threads=1, **common).params
    if family == "JumpReLU":
        return train_architecture(sample, n_visible, n_latents, "jumprelu",
                                  sparsity_weight=setting * l0_unit, threshold_init=jump[0],
                                  bandwidth=jump[1], **common)
    return train_architecture(sample, n_visible, n_latents, ARCHITECTURE[family], k=setting,
                              **common)


def settings_of(family, ks, weights):
    return weights if family == "JumpReLU" else ks


def forward_of(trained, k):
    """X ↦ the inference forward pass (a dict with a2, a3) of a trained SAE."""
    if isinstance(trained, dict):  # train_sae's params: TopK
        return lambda X: sae_forward(trained, X, "topk", k)
    return lambda X: architecture_forward(trained, X)


def decoder_of(trained):
    return (trained if isinstance(trained, dict) else trained.params)["W2"]  # (n_v, n_h)


def label_of(family, setting):
    return f"λ={setting:g}" if family == "JumpReLU" else f"k={setting}"


# %% [markdown]
# ## Toy data: every architecture where the true features are known
# Each SAE is scored on held-out examples: L0, FVU, dead latents, and MMCS against the
# true features.

# %%
features = ground_truth_features(N_FEATURES, N_VISIBLE, rng)  # (n_f, n_v)
toy_sample = sampler(features, firing_probabilities(N_FEATURES, MEAN_ACTIVE, 0.99))
toy_test = toy_sample(10_000, np.random.default_rng(SEED + 1))  # (m, n_v) held out
toy_rows = {}
for family in FAMILIES:
    for setting in settings_of(family, TOY_KS, TOY_L0_WEIGHTS):
        trained = train(toy_sample, N_VISIBLE, TOY_LATENTS, family, setting, TOY_JUMP)
        out = forward_of(trained, setting)(toy_test)
        toy_rows[family, setting] = {"l0": l0(out["a2"]), "fvu": fvu(toy_test, out["a3"]),
                                     "mmcs": mmcs(features, decoder_of(trained)),
                                     "dead": int(dead_latents(out["a2"]).sum())}
print(metrics_table({f"{family}, {label_of(family, s)}": row
                     for (family, s), row in toy_rows.items()},
                    columns=("l0", "fvu", "mmcs", "dead")))
args.save(plot_frontier({family: {label_of(f, s): row for (f, s), row in toy_rows.items()
                                  if f == family} for family in FAMILIES},
                        metrics=("fvu", "mmcs"), log_l0=True,
                        title=f"Toy data ({N_FEATURES} true features in {N_VISIBLE} dimensions)"),
          "13_toy_frontier.png")

# %% [markdown]
# ## Absorption: what Matryoshka is for
# Toy data with a hierarchy: each of 8 parent features has 4 children, and a child is on
# only with its parent (as "snake" only with "starts with s"). A dictionary that absorbs
# gives each child's latent its parent's direction too, and lets the parent's latent fire
# only where the parent is on alone: one latent fewer per example, nothing lost. For each
# parent (its latent: the decoder column closest to it), on fresh held-out examples: how
# often that latent is silent where the parent is on *with a child* (absorbed), and where
# it is on *alone* (the control: misses no child can explain); and how far the children's
# latents lean toward the parent (cosine; 0.71 for a child that took its parent in whole).
# Matryoshka against BatchTopK is the fair pair: the same BatchTopK latents, the nested
# losses the only difference. Each seed draws new features, data and SAEs.

# %%
absorbed = {family: [] for family in ABSORBING}
for seed in range(ABSORPTION_SEEDS):
    seeded = np.random.default_rng([SEED, seed])
    relatives = ground_truth_features(PARENTS * (1 + CHILDREN) + UNRELATED, HIERARCHY_VISIBLE,
                                      seeded)  # (n_f, n_v) parents, children, the others
    hierarchy = hierarchy_sampler(relatives, PARENTS, CHILDREN, P_PARENT, P_CHILD, P_UNRELATED)
    held_out, C = hierarchy.draw(20_000, seeded)  # (m, n_v), (m, n_f): not seen in training
    for family in ABSORBING:
        trained = train_architecture(hierarchy, HIERARCHY_VISIBLE, relatives.shape[0],
                                     ARCHITECTURE[family], k=ABSORPTION_K,
                                     n_steps=ABSORPTION_STEPS, batch_size=SAE_BATCH,
                                     learning_rate=SAE_LEARNING_RATE, dead_window=DEAD_WINDOW,
                                     rng=seeded, dtype=np.float32)
        out = architecture_forward(trained, held_out)
        found = absorption(out["a2"], trained.params["W2"], relatives, C, hierarchy.parent_of)
        absorbed[family].append({"absorbed": found["absorbed"].mean(),
                                 "alone": found["alone"].mean(), "lean": found["lean"].mean(),
                                 "fvu": fvu(held_out, out["a3"]), "l0": l0(out["a2"])})
absorbed = {family: {key: np.array([run[key] for run in runs]) for key in runs[0]}
            for family, runs in absorbed.items()}  # family → key → (S,)


def spread(values, spec=".3f"):
    return f"{values.mean():{spec}} ({values.min():{spec}}–{values.max():{spec}})"


print(f"{'':>12} {'silent, with a child':>22} {'silent, alone':>22} {'children lean':>22} "
      f"{'L0':>5} {'FVU':>6}   (mean over parents; mean (min–max) over {ABSORPTION_SEEDS} seeds)")
for family, runs in absorbed.items():
    print(f"{family:>12} {spread(runs['absorbed']):>22} {spread(runs['alone']):>22} "
          f"{spread(runs['lean']):>22} {runs['l0'].mean():>5.2f} {runs['fvu'].mean():>6.3f}")
for family in ABSORBING[:2]:  # each against Matryoshka, seed by seed (the same data)
    excess = {f: absorbed[f]["absorbed"] - absorbed[f]["alone"] for f in (family, "Matryoshka")}
    fewer = int(np.sum(excess["Matryoshka"] < excess[family]))
    verdict = ("Matryoshka absorbs less" if fewer == ABSORPTION_SEEDS else
               "Matryoshka absorbs more" if fewer == 0 else "a tie")
    print(f"absorbed beyond the control, Matryoshka {spread(excess['Matryoshka'])} against "
          f"{family} {spread(excess[family])}: lower on {fewer} of {ABSORPTION_SEEDS} seeds "
          f"— {verdict}")
args.save(plot_absorption(absorbed, title=f"Feature absorption: {PARENTS} parents with "
                          f"{CHILDREN} children each, k = {ABSORPTION_K}, "
                          f"{ABSORPTION_SEEDS} seeds"), "13_absorption.png")

# %% [markdown]
# ## The language model and its neurons
# Lesson 10's model, trained on the standard library's source ("train" files); the SAEs
# read its neurons on the "sae" files and are scored on the "test" files.

# %%
corpus = stdlib_corpus(max_files=MAX_FILES)
test_ids = corpus.ids["test"]
positions = np.sort(random_positions(test_ids, EVAL_POSITIONS, CONTEXT, rng))  # (m,)
model = train_lm(corpus.ids["train"], CONTEXT, N_EMBED, N_NEURONS, n_steps=LM_STEPS,
                 batch_size=LM_BATCH, learning_rate=LM_LEARNING_RATE, rng=rng).params
neuron_sample = activation_sampler(model, corpus.ids["sae"], layer=1)
mean_neurons = neuron_sample(16_384, np.random.default_rng(SEED)).mean(axis=0)  # (n_h,)
clean_bits = bits_per_character(model, test_ids, positions)
ablated_bits = {"zero": spliced_bits(model, test_ids, positions, 1, np.zeros_like),
                "mean": spliced_bits(model, test_ids, positions, 1,
                                     lambda a: np.broadcast_to(mean_neurons, a.shape))}
neurons = neuron_activations(model, test_ids, positions, layer=1)  # (m, n_h)
print(f"language model: {clean_bits:.3f} bits per character on the test text; "
      f"{ablated_bits['mean']:.3f} with its neurons mean-ablated, "
      f"{ablated_bits['zero']:.3f} zeroed")

# %% [markdown]
# ## The frontier on the neurons
# Loss recovered: the model's bits per character with its neurons replaced by the SAE's
# reconstruction, between the clean model (100%) and its neurons mean-ablated (0%: each
# neuron held at its mean over the "sae" text, so the layer's average still reaches the
# output); against zeroed neurons, a lower bar, beside it (lesson 10 shows why mean-ablation
# is the fairer one). JumpReLU's λ is given in units of the neurons' variance Σ_i Var(a_i)
# per position (on the "sae" text): the reconstruction error it trades against L0 is of
# that size.

# %%
rows, saes = {}, {}
variance = float(np.sum(neuron_sample(5000, np.random.default_rng(SEED)).var(axis=0)))
for family in FAMILIES:
    for setting in settings_of(family, KS, L0_WEIGHTS):
        trained = train(neuron_sample, N_NEURONS, N_LATENTS, family, setting, JUMP, variance)
        forward = forward_of(trained, setting)
        out = forward(neurons.astype(np.float64))
        spliced = spliced_bits(model, test_ids, positions, 1, lambda a: forward(a)["a3"])
        rows[family, setting] = {
            "l0": l0(out["a2"]), "fvu": fvu(neurons, out["a3"]),
            "loss_recovered": loss_recovered(clean_bits, spliced, ablated_bits["mean"]),
            "loss_recovered_zero": loss_recovered(clean_bits, spliced, ablated_bits["zero"]),
            "dead": int(dead_latents(out["a2"]).sum())}
        saes[family, setting] = trained
print(metrics_table({f"{family}, {label_of(family, s)}": row for (family, s), row in rows.items()},
                    columns=("l0", "fvu", "loss_recovered", "loss_recovered_zero", "dead")))
args.save(plot_frontier({family: {label_of(f, s): row for (f, s), row in rows.items()
                                  if f == family} for family in FAMILIES},
                        metrics=("fvu", "loss_recovered"), log_l0=True, annotate=False,
                        title=f"{N_LATENTS} latents on the language model's {N_NEURONS} "
                              f"neurons (k = {', '.join(map(str, KS))}; JumpReLU: λ = "
                              f"{', '.join(f'{w:g}' for w in L0_WEIGHTS)} × variance)\nloss "
                              f"recovered: 100% the clean model, 0% its neurons mean-ablated"),
          "13_frontier.png", main=True)

# %% [markdown]
# ## Features that do something: ablation against a random direction
# The TopK + AuxK SAE of the middle k. Features are drawn at random among those that fire
# on 0.5–20% of the "sae" positions (no choice by effect). On the test text, where a feature
# fires, its contribution a2_j d_j is removed from the neurons and the shift of the
# next-character distribution is measured (KL, bits); the control removes a random direction
# of the same length at the same positions (one per seed), and a second control removes a
# random *other* feature there (mostly silent where the first fires).

# %%
K_SHOWN = KS[len(KS) // 2]
sae = saes["TopK + AuxK", K_SHOWN]
W2 = sae.params["W2"]  # (n_h neurons, n_latents)


def activation_of(j):
    return lambda a: architecture_forward(sae, a)["a2"][:, j]  # (m,)


sae_positions = random_positions(corpus.ids["sae"], EVAL_POSITIONS, CONTEXT, rng)
sae_latents = architecture_forward(
    sae, neuron_activations(model, corpus.ids["sae"], sae_positions))["a2"]  # (m, n_lat)
share = np.mean(sae_latents > 0, axis=0)  # (n_latents,)  on the "sae" text
eligible = np.flatnonzero((share >= MIN_SHARE) & (share <= MAX_SHARE))
chosen = rng.choice(eligible, size=min(ABLATED, eligible.size), replace=False)
test_latents = architecture_forward(sae, neurons)["a2"]  # (m, n_latents)
p_clean = next_character_probabilities(model, test_ids, positions, 1)  # (m, V)
effect, control, other = [], [], []
for j in chosen:
    where = np.flatnonzero(test_latents[:, j] > 0)  # test positions where j fires
    at = positions[where]
    shift = kl_bits(p_clean[where], next_character_probabilities(
        model, test_ids, at, 1, ablate_direction(activation_of(j), W2[:, j])))
    seeds = []  # the same size a2_j at the same positions, along a random direction
    for seed in range(CONTROL_SEEDS):
        r = random_unit_directions(1, N_NEURONS, np.random.default_rng([SEED, j, seed]))[0]
        seeds.append(kl_bits(p_clean[where], next_character_probabilities(
            model, test_ids, at, 1, ablate_direction(activation_of(j), r))).mean())
    k_other = rng.choice(np.setdiff1d(eligible, [j]))
    shift_other = kl_bits(p_clean[where], next_character_probabilities(
        model, test_ids, at, 1, ablate_direction(activation_of(k_other), W2[:, k_other])))
    effect.append(shift.mean())
    control.append(seeds)
    other.append(shift_other.mean())
effect, control, other = np.array(effect), np.array(control), np.array(other)  # (F,), (F, S)
ratio = effect[:, None] / control  # (F, S)
print(f"{'feature':>8} {'fires':>6} {'KL ablated':>11} {'random dir.':>12} {'other feat.':>12}")
for j, e, c, o in zip(chosen, effect, control, other):
    print(f"{j:>8} {np.mean(test_latents[:, j] > 0):>6.1%} {e:>11.4f} "
          f"{c.mean():>8.4f}±{c.std():.4f} {o:>12.4f}")
per_seed = np.median(ratio, axis=0)  # (S,) the median over features, one per control seed
print(f"ablating a feature shifts the next character {np.median(effect):.4f} bits (median "
      f"over {len(chosen)} features); a random direction of the same size "
      f"{np.median(control):.4f}; another feature {np.median(other):.4f}")
print(f"effect size: median ratio feature / random direction {per_seed.mean():.1f} "
      f"(seed spread {per_seed.min():.1f}–{per_seed.max():.1f} over {CONTROL_SEEDS} seeds); "
      f"{np.mean(ratio > 1):.0%} of feature × seed pairs above 1")

# %% [markdown]
# ## Steering: clamp one feature high while the model writes
# The feature with the largest ablation effect on the "sae" text (chosen there, not on the
# test text) is clamped to CLAMP × its largest activation at every step of generation. Its
# decoder direction's strongest promoted character (through W_out) is the one to watch:
# how often the model writes it, clean, steered, and with a random direction of the same
# length added instead, over several sampling seeds (the same seed draws the same random
# numbers in all three, so the texts differ only where the edit changes the distribution).

# %%
p_sae = next_character_probabilities(model, corpus.ids["sae"], sae_positions, 1)
selection = []
for j in chosen:
    where = np.flatnonzero(sae_latents[:, j] > 0)
    selection.append(kl_bits(p_sae[where], next_character_probabilities(
        model, corpus.ids["sae"], sae_positions[where], 1,
        ablate_direction(activation_of(j), W2[:, j]))).mean())
steered = int(chosen[int(np.argmax(selection))])
clamp = CLAMP * float(sae_latents[:, steered].max())
logit_effect = model["W_out"] @ W2[:, steered]  # (V,)
watched = int(np.argmax(logit_effect))
prompt = text_to_ids("class Reader:\n    def __init__(self, path):\n        self.path = ")
edits = {"clean": None,
         "steered": clamp_direction(activation_of(steered), W2[:, steered], clamp),
         "random direction": clamp_direction(
             lambda a: np.zeros(len(a)),
             random_unit_directions(1, N_NEURONS, np.random.default_rng(SEED))[0], clamp)}
texts = {name: [generate(model, prompt, N_GENERATED, np.random.default_rng(seed),
                         edit=edit) for seed in range(STEER_SEEDS)]
         for name, edit in edits.items()}
share_watched = {name: np.array([np.mean(t == watched) for t in runs])
                 for name, runs in texts.items()}
print(f"feature {steered} clamped to {clamp:.2f}; it promotes "
      f"{ids_to_text([watched])!r} most (logit effect {logit_effect[watched]:.2f})")
for name in ("clean", "steered"):
    print(f"--- {name}, seed 0:\n{ids_to_text(prompt)}{ids_to_text(texts[name][0])}")
for name, s in share_watched.items():
    print(f"{name:>17}: {ids_to_text([watched])!r} is {s.mean():.1%} of the generated "
          f"characters (seeds: {', '.join(f'{v:.1%}' for v in s)})")

# %% [markdown]
# ## Feature splitting: 256, 1024 and 4096 latents on the same neurons
# A TopK SAE (lesson 09's, resampled) of each size. For each latent of the smallest, its
# children in a larger dictionary are the latents whose decoder direction has cosine above
# SPLIT_COSINE with it. The smallest dictionary's latent with the most children in the
# largest one is shown beside them.

# %%
def latents_of(params, X, columns):
    """The TopK latents ``columns`` of X (m, n_v), 2000 rows at a time: (m, len(columns))."""
    return np.concatenate([sae_forward(params, X[i:i + 2000], "topk", SPLIT_K)["a2"][:, columns]
                           for i in range(0, len(X), 2000)])


dictionaries = {n: train_sae(neuron_sample, N_NEURONS, n, activation="topk", k=SPLIT_K,
                             n_steps=SPLIT_STEPS, batch_size=SPLIT_BATCH,
                             learning_rate=SAE_LEARNING_RATE, dead_window=DEAD_WINDOW,
                             resample_every=RESAMPLE_EVERY, rng=rng, n_threads=1,
                             dtype=np.float32).params for n in SPLIT_SIZES}
small, *larger = SPLIT_SIZES
alive = {n: latents_of(p, neurons, slice(None)).any(axis=0) if n <= 1024 else
         np.concatenate([latents_of(p, neurons, slice(c, c + 1024)).any(axis=0)
                         for c in range(0, n, 1024)]) for n, p in dictionaries.items()}
cosines = {n: cosine_similarities(dictionaries[small]["W2"].T, dictionaries[n]["W2"])
           for n in larger}  # (n_small, n)
children = {n: (cosines[n] > SPLIT_COSINE) & alive[n] for n in larger}  # (n_small, n)
counts = children[larger[-1]].sum(axis=1) * alive[small]  # (n_small,)
parent = int(np.argmax(counts))
for n in larger:
    split = np.sum(children[n].sum(axis=1)[alive[small]] >= 2)
    print(f"{n} latents: {split} of the {int(alive[small].sum())} live {small}-latent "
          f"features have 2 or more children (cosine > {SPLIT_COSINE})")
boards = []
for n, j, title in [(small, parent, f"{small} latents: feature {parent}")] + [
        (n, int(c), f"{n} latents: feature {c} (cosine {cosines[n][parent, c]:.2f})")
        for n in larger
        for c in np.argsort(-cosines[n][parent] * children[n][parent])[
            :min(4, int(children[n][parent].sum()))]]:
    params = dictionaries[n]
    values = latents_of(params, neurons, [j])[:, 0]  # (m,)
    boards.append(unit_dashboard(
        lambda p, params=params, j=j: latents_of(
            params, neuron_activations(model, test_ids, p), [j])[:, 0],
        test_ids, positions, values, model["W_out"] @ params["W2"][:, j], title,
        valid=(CONTEXT - 1, test_ids.size - 2)))
args.save(plot_dashboards(boards, title=f"Feature {parent} of the {small}-latent dictionary "
                          f"and its children in the larger ones"), "13_splitting.png")

# %% [markdown]
# ## Export: each architecture for SAELens
# In the form SAELens saves for inference: TopK + AuxK as "topk", the others as "jumprelu"
# with their thresholds (BatchTopK's and Matryoshka's one global threshold for every latent).

# %%
for family, architecture in ARCHITECTURE.items():
    setting = settings_of(family, KS, L0_WEIGHTS)[len(KS) // 2]
    path = export_architecture(saes[family, setting], args.out / f"13_{architecture}_saelens",
                               hook_name="hidden.1", context_size=CONTEXT)
    print(f"{family} ({label_of(family, setting)}) exported to {path}")
args.record(
    toy={f"{family}, {label_of(family, s)}": row for (family, s), row in toy_rows.items()},
    neurons={f"{family}, {label_of(family, s)}": row for (family, s), row in rows.items()},
    clean=clean_bits, mean_ablated=ablated_bits["mean"], zeroed=ablated_bits["zero"],
    absorption={family: {key: values.tolist() for key, values in runs.items()}
                for family, runs in absorbed.items()},
    ablation={"effect": float(np.median(effect)), "control": float(np.median(control)),
              "other": float(np.median(other)), "per_seed": per_seed.tolist(),
              "above": float(np.mean(ratio > 1)), "features": len(chosen)},
    steering={"feature": steered, "character": ids_to_text([watched]),
              **{name: s.tolist() for name, s in share_watched.items()}},
    splitting={str(n): int(np.sum(children[n].sum(axis=1)[alive[small]] >= 2)) for n in larger})
print(f"figures in {args.out}")
