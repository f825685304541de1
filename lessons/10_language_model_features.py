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
Full run:  5 min 20 s on 2 cores, 6 min 8 s of CPU (`tinysae bench --lessons 10`).

What you will see (full run; the same numbers on one core or two): the corpus (101 files,
2.9 M characters for the model; 33 files each for the SAE and the test, 0.84 M and 0.92 M);
the language model's progress; on 40000 test positions, 2.513 bits per character, against
3.529 for the bigram model and 4.531 for the unigram. The SAE (1024 latents, TopK k = 16):
L0 16, FVU 0.049, 83 latents that never fire on the test positions; spliced in, it raises
the model's loss from 2.513 to 2.557 bits per character (+0.044). With the neurons replaced
by their mean the model gets 4.787, so the SAE recovers 98.0% of the loss against
mean-ablation. Zeroing the neurons (6.142, worse than the unigram: it also removes their
typical push through the output layer) would give a flattering 98.8%.

Then the table, held out: each unit and threshold is chosen on 20000 test positions and
scored on the other 20000, with a 95% bootstrap interval; the SAE is trained from three
seeds. The best feature is ahead of the best neuron on 4 of 12 properties for every seed —
just after `self.` (F1 0.92 against 0.27), just after `def ` (0.53 against 0.29; 0.53–0.95
over the seeds), a digit (0.48 against 0.31) and indentation (0.92 against 0.88) — behind on
2, the broad ones, docstring (0.37 against 0.41) and prose (0.52 against 0.58), and tied on
the other 6 (string, comment, number, uppercase, brackets, keyword). The control: the best
of 2048 signed random directions in the neurons' space, with any threshold, scores higher
than the best neuron on 7 of the 12 (after `def ` 0.55, after `self.` 0.58, number 0.36),
and the feature is ahead of it on only 5 of the 12 (after `self.`, indentation, uppercase,
comment, brackets). A linear probe per property shows what one direction with a bias can
reach (digit 0.93, number 0.74, keyword 0.55, after `def ` 0.86); an SAE feature is not a
direction of the neurons — TopK makes each depend on the others — and after `self.` it
passes the probe. The best neuron for after `def ` and after `self.` is the same one, neuron
97; the SAE has a feature for each (683 and 754), and neuron 39 is the best neuron for
string, number and brackets at once. Sparse features are specific, not exhaustive: where a
property is broad (prose, docstring), one narrow feature covers less of it than a dense
neuron does.

Pictures: 10_features.png, dashboards of the best feature for six properties (top contexts
shaded by the feature's activation, one context drawn at random from each third of its
activation range, its histogram, the next characters it promotes); 10_neurons.png, the same
for the best neuron of each property; 10_properties.png, the held-out table as bars with
their intervals and verdicts; 10_density.png, the feature-density histogram (83 latents
never fire; 372 fire on under 0.1% of positions); 10_frontier.png, FVU and loss recovered
against L0 for short runs of TopK (k = 4 … 32) and L1 (β = 1 … 8). The trained SAE is
exported to 10_sae_saelens/ (cfg.json, the weights under SAELens' names, and a check set:
the neurons at 32 test positions and the SAE's latents on them). Reference picture:
lessons/figures/10_features.png; lessons/README.md has it with the full run's numbers and
questions to try.
"""

# %%
import numpy as np

from tinysae.lessonkit import lesson_args
from tinysae.measures import (fit_probes, held_out_table, paired_interval,
                              signed_random_projections, split_positions, verdict)
from tinysae.modern import (dead_latents, export_saelens, firing_frequencies, fvu, l0,
                            sae_forward, train_sae)
from tinysae.networks import (activation_sampler, best_units, bigram_bits_per_character,
                              bits_per_character, corpus_properties, detection_title, fit_bigram,
                              fit_unigram, loss_recovered, neuron_activations, random_positions,
                              spliced_bits, stdlib_corpus, train_lm, unigram_bits_per_character,
                              unit_dashboard)
from tinysae.pictures import plot_feature_density, plot_frontier
from tinysae.pictures.dashboards import plot_dashboards
from tinysae.pictures.feature_plots import plot_detection_table

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
SAE_SEEDS = (0, 1, 2)     # the SAE trained from each seed: the first is the one shown, all give the range
EVAL_POSITIONS = 40_000   # random positions of the "test" text: half choose, half score
FRONTIER_KS = (4, 8, 16, 32)          # the frontier's TopK runs ...
FRONTIER_L1 = (1.0, 2.0, 4.0, 8.0)    # ... and L1 runs (β chosen to span the same L0)
FRONTIER_STEPS = 500      # Adam steps of each frontier run (short: a trend, not a result)
SHOWN = ("after_def", "after_self", "comment", "digit", "uppercase", "indentation")
SEED = 0

args = lesson_args(__doc__, "10_language_model_features")
MAX_FILES = None          # every top-level file of the standard library
if args.quick:            # a smoke test: a few files, a few steps, numbers without meaning
    MAX_FILES, EVAL_POSITIONS, SHOWN = 25, 3000, SHOWN[2:4]     # the text
    LM_STEPS, LM_BATCH = 60, 64                                 # the language model
    N_LATENTS, K, DEAD_WINDOW = 256, 8, 2000                    # the SAE ...
    SAE_STEPS, SAE_BATCH, SAE_SEEDS = 40, 128, (0, 1)           # ... and its training
    FRONTIER_KS, FRONTIER_L1, FRONTIER_STEPS = (4, 16), (1.0, 4.0), 20  # the frontier
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
# ## The baselines to beat: unigram and bigram models
# p(next character), and p(next character | this character), from counts with add-one
# smoothing.

# %%
unigram_bits = unigram_bits_per_character(fit_unigram(corpus.ids["train"]), test_ids, positions)
bigram_bits = bigram_bits_per_character(fit_bigram(corpus.ids["train"]), test_ids, positions)
print(f"baselines on the test text: unigram {unigram_bits:.3f}, bigram {bigram_bits:.3f} "
      "bits per character")

# %% [markdown]
# ## The language model

# %%
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
# replaced by the SAE's reconstruction. "Loss recovered" puts that between the clean model
# (100%) and the model with its neurons ablated (0%): zeroed, which also drops their typical
# contribution through the output bias, or replaced by their mean on the "sae" text, the
# stricter baseline. The absolute cost (bits per character added) says the same without a
# baseline.

# %%
sample = activation_sampler(model, corpus.ids["sae"], layer=1)


def fit_sae(seed, activation="topk", k=K, sparsity_weight=0.0, n_steps=SAE_STEPS):
    return train_sae(sample, N_NEURONS, N_LATENTS, activation=activation, k=k,
                     sparsity_weight=sparsity_weight, n_steps=n_steps, batch_size=SAE_BATCH,
                     learning_rate=SAE_LEARNING_RATE, dead_window=DEAD_WINDOW,
                     resample_every=RESAMPLE_EVERY, rng=seed, dtype=np.float32).params


sae = fit_sae(SAE_SEEDS[0])
neurons = neuron_activations(model, test_ids, positions, layer=1)  # (m, n_h)
forward = sae_forward(sae, neurons, "topk", K)
features = forward["a2"]  # (m, n_latents)
mean_neurons = sample(16_384, np.random.default_rng(SEED)).mean(axis=0)  # (n_h,) on "sae" text
ablated = {"zeroed": np.zeros_like, "mean": lambda a: np.broadcast_to(mean_neurons, a.shape)}
ablated_bits = {name: spliced_bits(model, test_ids, positions, 1, replace)
                for name, replace in ablated.items()}


def spliced_in(params, activation="topk", k=K):
    return spliced_bits(model, test_ids, positions, 1,
                        lambda a: sae_forward(params, a, activation, k)["a3"])


spliced = spliced_in(sae)
print(f"SAE: L0 {l0(features):.1f}, FVU {fvu(neurons, forward['a3']):.3f}, "
      f"dead latents {int(dead_latents(features).sum())} of {N_LATENTS}")
print(f"bits per character: clean {model_bits:.3f}, SAE spliced in {spliced:.3f} "
      f"(+{spliced - model_bits:.3f}), neurons mean-ablated {ablated_bits['mean']:.3f}, "
      f"zeroed {ablated_bits['zeroed']:.3f}; unigram {unigram_bits:.3f}, bigram "
      f"{bigram_bits:.3f}")
print(f"loss recovered: {loss_recovered(model_bits, spliced, ablated_bits['mean']):.1%} "
      f"against mean-ablation, {loss_recovered(model_bits, spliced, ablated_bits['zeroed']):.1%} "
      "against zero-ablation")
args.save(plot_feature_density({f"SAE on the neurons ({N_LATENTS} latents, TopK k = {K})":
                                firing_frequencies(features)},
                               title=f"How often each latent fires on {positions.size} test "
                                     "positions"), "10_density.png")

# %% [markdown]
# ## Monosemanticity, measured — held out, against controls
# Python's own tokenizer and parser label every test position with a dozen properties. For
# each, every neuron and every feature is tried as a detector — it predicts the property
# where it fires above a threshold θ ≥ 0 — and the best unit of each kind with its θ is
# chosen on one half of the test positions, then scored (F1) on the other half: chosen and
# scored on the same positions, the best of a thousand units would partly fit their noise.
# Two yardsticks: the best of as many random unit directions in the neurons' space as the SAE
# has latents (signed, any threshold) — what a dictionary of that size gets by luck — and a
# linear probe per property, fitted on the choosing half: the best any one direction can do.
# Each F1 has a 95% bootstrap interval over the scored positions; the SAE is retrained from
# other seeds to see how much its F1 moves. The feature is called ahead of the neuron only
# when the paired interval of their difference is above zero for every seed, behind when
# below for every seed, and a tie otherwise.

# %%
labels = corpus_properties(corpus.texts["test"])
properties = {name: flags[positions] for name, flags in labels.items()}  # name → (m,)
select, score = split_positions(positions.size, SEED)  # (m/2,) each
names = [name for name in properties if properties[name][select].any()
         and properties[name][score].any()]
probes = fit_probes(neurons[select], np.stack([properties[name][select] for name in names], 1))
sets = {"neuron": neurons, "random": signed_random_projections(neurons, N_LATENTS, SEED),
        "feature": features, "probe": ("per property", probes(neurons))}
fires = {"neuron": 0.0, "feature": 0.0}  # θ ≥ 0; the random directions and probe: any θ
table = held_out_table(sets, {name: properties[name] for name in names}, select, score,
                       min_thresholds=fires, rng=SEED)
other_seeds = [held_out_table({"neuron": neurons, "feature": sae_forward(
    fit_sae(seed), neurons, "topk", K)["a2"]}, {name: properties[name] for name in names},
    select, score, min_thresholds=fires, rng=SEED) for seed in SAE_SEEDS[1:]]
tables = [table] + other_seeds
verdicts = {name: verdict([paired_interval(t[name]["feature"], t[name]["neuron"])
                           for t in tables]) for name in names}
against_random = {name: verdict([paired_interval(table[name]["feature"],
                                                 table[name]["random"])]) for name in names}


def cell(d):
    return f"{d.f1:.2f} [{d.low:.2f}–{d.high:.2f}]"


print(f"held out: unit and θ chosen on {select.size} positions, F1 on the other {score.size}; "
      f"[95% bootstrap interval]; feature F1 over {len(SAE_SEEDS)} SAE seeds")
print(f"{'property':<12}{'share':>6}{'all':>5}  {'neuron':>17} {'random dir.':>17} "
      f"{'feature':>17} {'seeds':>10} {'probe':>5}  feature vs neuron, vs random")
for name in names:
    row, p = table[name], table[name]["frequency"]
    seeds = [t[name]["feature"].f1 for t in tables]
    print(f"{name:<12}{p:>6.1%}{2 * p / (1 + p):>5.2f}  {cell(row['neuron']):>17} "
          f"{cell(row['random']):>17} {cell(row['feature']):>17} "
          f"{min(seeds):.2f}–{max(seeds):.2f} {row['probe'].f1:>5.2f}  "
          f"{verdicts[name]}, {against_random[name]}")
wins = sum(v == "ahead" for v in verdicts.values())
ties = sum(v == "tie" for v in verdicts.values())
print(f"the best feature is ahead of the best neuron on {wins} of {len(names)} properties, "
      f"behind on {len(names) - wins - ties}, tied on {ties}; ahead of the best random "
      f"direction on {sum(v == 'ahead' for v in against_random.values())}")
for unit, best in best_units(table, "neuron", names).items():
    split = sorted({table[name]["feature"].unit for name, _ in best})
    if len(split) > 1:
        print(f"neuron {unit} is the best neuron for {' and '.join(name for name, _ in best)}; "
              f"the SAE has a feature for each ({', '.join(map(str, split))})")
args.save(plot_detection_table(
    {name: {key: table[name][key] for key in ("frequency", "neuron", "random", "feature",
                                              "probe")} for name in names},
    verdicts={name: f"feature {verdicts[name]}" for name in names},
    labels={"neuron": "best single neuron", "random": f"best of {2 * N_LATENTS} random directions",
            "feature": "best single feature",
            "probe": "linear probe on the neurons"},
    indexed=("neuron", "feature"),
    title=f"Held out: best neuron, best of {2 * N_LATENTS} signed random directions, best "
          f"feature, probe\n(feature ahead of the neuron on {wins} of {len(names)}, on every "
          f"one of {len(SAE_SEEDS)} SAE seeds; {ties} ties)"), "10_properties.png")

# %% [markdown]
# ## Dashboards: what the best feature and the best neuron of six properties do
# Each row: the top-activating contexts (each character shaded by the unit's activation
# there; the boxed character is where it fired), then one context drawn at random from each
# third of its activation range (what it does most of the time, not only at its peak), the
# histogram of its activations, and the next characters its direction promotes (through the
# output layer W_out).

# %%
valid = (CONTEXT - 1, test_ids.size - 2)


def feature_at(j):
    def at(p):
        return sae_forward(sae, neuron_activations(model, test_ids, p), "topk", K)["a2"][:, j]
    return at


def neuron_at(j):
    return lambda p: neuron_activations(model, test_ids, p)[:, j]


# a unit best for two properties is shown once
feature_boards = [unit_dashboard(feature_at(j), test_ids, positions, features[:, j],
                                 model["W_out"] @ sae["W2"][:, j],
                                 detection_title("feature", j, best), valid=valid, rng=SEED)
                  for j, best in best_units(table, "feature", SHOWN).items()]
neuron_boards = [unit_dashboard(neuron_at(j), test_ids, positions, neurons[:, j],
                                model["W_out"][:, j], detection_title("neuron", j, best),
                                valid=valid, rng=SEED)
                 for j, best in best_units(table, "neuron", SHOWN).items()]
args.save(plot_dashboards(feature_boards, title=f"SAE features ({N_LATENTS} latents, TopK "
                          f"k = {K}) on {N_NEURONS} neurons: the best feature per property "
                          "(held-out F1)"), "10_features.png", main=True)
args.save(plot_dashboards(neuron_boards, title="The best single neuron per property "
                          "(held-out F1)"), "10_neurons.png")

# %% [markdown]
# ## The sparsity–fidelity frontier
# Short runs of TopK at several k and of L1 at several β, each measured by FVU and by the
# loss recovered (against mean-ablation) at its L0: how much of the model a given sparsity
# keeps. (Short runs: the points sit above what the full-length SAE reaches.)

# %%
frontier = {"TopK": {}, "L1": {}}
for family, settings in (("TopK", [dict(k=k) for k in FRONTIER_KS]),
                         ("L1", [dict(activation="relu", k=None, sparsity_weight=b)
                                 for b in FRONTIER_L1])):
    for setting in settings:
        params = fit_sae(SEED, n_steps=FRONTIER_STEPS, **setting)
        activation, k = setting.get("activation", "topk"), setting["k"]
        out = sae_forward(params, neurons, activation, k)
        label = f"k={k}" if family == "TopK" else f"β={setting['sparsity_weight']:g}"
        frontier[family][label] = {
            "l0": l0(out["a2"]), "fvu": fvu(neurons, out["a3"]),
            "loss_recovered": loss_recovered(model_bits, spliced_in(params, activation, k),
                                             ablated_bits["mean"])}
        row = frontier[family][label]
        print(f"frontier {family} {label}: L0 {row['l0']:.1f}, FVU {row['fvu']:.3f}, "
              f"loss recovered {row['loss_recovered']:.1%}", flush=True)
args.record(unigram=unigram_bits, bigram=bigram_bits, clean=model_bits, spliced=spliced,
            zeroed=ablated_bits["zeroed"], mean_ablated=ablated_bits["mean"],
            l0=l0(features), fvu=fvu(neurons, forward["a3"]),
            dead=int(dead_latents(features).sum()),
            rare=int(np.sum((firing_frequencies(features) > 0)
                            & (firing_frequencies(features) < 1e-3))),
            wins=wins, ties=ties, behind=len(names) - wins - ties,
            ahead_of_random=sum(v == "ahead" for v in against_random.values()),
            table={name: {"verdict": verdicts[name], "frequency": table[name]["frequency"],
                          "seeds": [t[name]["feature"].f1 for t in tables],
                          **{key: [table[name][key].unit, table[name][key].f1,
                                   table[name][key].low, table[name][key].high]
                             for key in ("neuron", "random", "feature", "probe")}}
                   for name in names},
            frontier=frontier)
args.save(plot_frontier(frontier, metrics=("fvu", "loss_recovered"), log_l0=True,
                        title=f"The language model's SAE: {FRONTIER_STEPS}-step runs of "
                              f"{N_LATENTS} latents"), "10_frontier.png")

# %% [markdown]
# ## Export: the same SAE for SAELens
# `cfg.json` with SAELens' keys and the weights as W_enc, W_dec, b_enc, b_dec (see the README).

# %%
path = export_saelens(sae, args.out / "10_sae_saelens", "topk", K, hook_name="hidden.1",
                      context_size=CONTEXT, check_inputs=neurons[:32])
print(f"SAE exported to {path}")
print(f"figures in {args.out}")
