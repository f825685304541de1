"""Lesson 12 — features in the residual stream of a small transformer.

Goal: sparse autoencoders matter today because they are trained on a transformer's residual
stream and MLP outputs (Bricken et al. 2023 on a one-layer transformer; SAELens on GPT-2).
Lesson 10's network had neurons but no attention and no residual stream. Here it is a small
GPT-style transformer, written and differentiated by hand (each block gradient-checked in
tests/test_transformer.py), with TransformerLens' parameter and hook names, trained with
Adam on the same standard-library source and measured on the same test positions as lesson
10's model. TopK SAEs then read its residual stream (``blocks.0.hook_resid_post``, between
the two blocks) and its first MLP's output (``blocks.0.hook_mlp_out``), and we measure them
as the modern lessons do: loss recovered against zero- and mean-ablation, feature density,
detection of properties of Python source held out (chosen on one half of the test
positions, scored on the other, with bootstrap intervals) against random directions of the
same stream and a linear probe; dashboards; and what writes a feature, with the attention
pattern of the head that writes most of it. Everything is exported for TransformerLens and
SAELens, with a check set (README, "From tinysae to SAELens").

Command:   python lessons/12_residual_stream.py        (add --quick for the tests)
Full run:  2 min 29 s on 2 cores, 2 min 36 s of CPU (`tinysae bench --lessons 12`).

What you will see (full run; the same printed tables on one core and on two): the corpus
(101 files, 2.9 M characters for the model; 33 files each for the SAEs and the test); the
bigram's 3.529 bits per character on lesson 10's 40000 test positions (lesson 10 prints the
same figure: the same characters); the transformer's progress; 2.261 bits per character on
those positions, against 2.51 for lesson 10's MLP and 3.529 for the bigram. The
residual-stream SAE (384 latents, TopK k = 16): L0 16, FVU 0.078, 2 dead latents; spliced
in at every position of each window, 2.242 → 2.489 bits per character on 4000 of the
positions, against 7.55 with the stream zero-ablated and 6.24 mean-ablated: 95.4% of the
loss recovered against zero, 93.8% against the mean. The MLP-output SAE: L0 16, FVU 0.068,
0 dead latents, 2.358 spliced in (4.61 zero, 4.32 mean): 95.1% and 94.4%. Of the
residual-stream SAE's latents 12 fire on under 0.1% of the test positions, of the
MLP-output SAE's 3 (12_density.png).

Then the table, held out: each unit and threshold is chosen on 20000 test positions drawn
at random and scored (F1) on the other 20000, with a 95% bootstrap interval; each SAE is
trained from 3 seeds, and a verdict stands only if it holds for every seed and with the
halves swapped too. Against the control, the best of 768 signed random directions of the
same residual stream, the best residual-stream feature is ahead on only 2 of 12
properties: a digit (F1 0.81 [0.77–0.84] against 0.75 [0.71–0.80]; 0.81–0.90 over the
seeds) and a number (0.51 against 0.45). It is behind on 6, the broad properties (prose
0.46 against 0.66, docstring 0.30 against 0.40, brackets 0.31 against 0.43; string,
comment) and indentation (0.81 against 0.92), and tied on 4: uppercase, keyword, just
after `self.` (0.98 [0.96–1.00] against 0.93 [0.88–0.97], but 0.83–0.98 over the seeds)
and just after `def ` (0.19 against 0.11, on 29 scored positions). Mean F1 over the
properties: 0.49 for the features, 0.52 for random directions (0.49 and 0.52 with the
halves swapped). A linear probe on the stream reaches 0.92 just after `def ` and 0.99 at a
digit: one direction holds what no single feature does. The MLP-output SAE against the
MLP's own 192 neurons, lesson 10's question on this model: ahead on 1 of 12 (comment, 0.22
against 0.19), behind on 2 (string, brackets), tied on the other 9; mean F1 0.48 against
0.47. So, held out and against these controls, the residual-stream SAE finds nothing here
that lesson 10's neuron SAE did not: its best features detect about as well as the best of
as many random directions of the same stream, a little better at a narrow property, worse
at a broad one, where a dense direction with any threshold covers more. Sparse features
are specific, not exhaustive. The transformer is trained once: its own seed would move
these numbers too, which the SAE seeds do not measure. Who writes a feature: the best
after-`self.` feature (111) fires at 3.52 at its top activation after `self.`; of its
pre-activation the MLP writes 2.92, the attention 0.37 (head 0 the most, 0.30), the token
embedding 0.28, the position −0.02 and the SAE's biases −0.03. It is mostly the MLP's
feature; 12_attention.png shows what head 0 reads there.

Pictures: 12_features.png, dashboards of the best residual-stream feature for six
properties; 12_properties.png, the held-out table as bars with their intervals and verdicts;
12_attention.png, a head's attention pattern beside the feature it writes;
12_density.png, feature density of both SAEs. Exported: 12_transformer/ (config.json,
model.safetensors, check_tokens.npy, check_logits.npy) and one folder per SAE (cfg.json,
sae_weights.safetensors, check_inputs.npy, check_latents.npy). Reference picture:
lessons/figures/12_features.png.
"""

# %%
import numpy as np

from tinysae import plot_dashboards, plot_detection_table
from tinysae.lessonkit import lesson_args
from tinysae.measures import (fit_probes, held_out_table, paired_interval,
                              signed_random_projections, split_positions, verdict)
from tinysae.modern import (dead_latents, export_saelens, firing_frequencies, fvu, l0,
                            sae_forward, train_sae)
from tinysae.networks import (activations_at, best_units, bigram_bits_per_character,
                              corpus_properties, detection_title, export_transformerlens,
                              fit_bigram, hook_sampler, ids_to_text, loss_recovered,
                              random_positions, run_with_cache, splice_rows, stdlib_corpus,
                              train_transformer, transformer_bits_per_character,
                              unit_dashboard)
from tinysae.pictures import plot_feature_density
from tinysae.pictures.transformer_plots import plot_attention_beside_feature

# %% [markdown]
# ## Hyperparameters

# %%
N_CTX = 32                # T: characters of context, as lesson 10's model reads
N_LAYERS = 2              # transformer blocks
D_MODEL = 48              # d: the residual stream's width
N_HEADS = 4               # attention heads per block (d_head = 12)
D_MLP = 192               # neurons of each block's MLP (4 d)
LM_STEPS = 3000           # Adam steps for the transformer ...
LM_BATCH = 32             # ... each on this many windows of 32 characters (32 predictions each)
LM_LEARNING_RATE = 5e-3   # Adam's α (decays linearly to 0 over the last 20% of the steps)
HOOKS = ("blocks.0.hook_resid_post", "blocks.0.hook_mlp_out")  # what the two SAEs read
N_LATENTS = 384           # each SAE's dictionary: 8 × d
K = 16                    # TopK: latents active per position
SAE_STEPS = 1000          # Adam steps for each SAE ...
SAE_BATCH = 512           # ... each on every position of 16 fresh windows of the "sae" text
SAE_LEARNING_RATE = 1e-3
DEAD_WINDOW = 20_000      # a latent silent on this many positions is dead and resampled
RESAMPLE_EVERY = 100
SAE_SEEDS = (0, 1, 2)     # each SAE from each seed: the first is measured and shown, all judge
EVAL_POSITIONS = 40_000   # lesson 10's test positions: same seed, same draw, same text
SPLICE_POSITIONS = 4000   # of them, where loss recovered is measured (6 spliced runs)
LESSON_10_BITS = 2.51     # lesson 10's MLP on those 40000 positions (its full run)
SHOWN = ("after_def", "after_self", "comment", "digit", "uppercase", "indentation")
SEED = 0

args = lesson_args(__doc__, "12_residual_stream")
MAX_FILES = None
if args.quick:            # a smoke test: a few files, a few steps, numbers without meaning
    MAX_FILES, LM_STEPS, LM_BATCH, SAE_STEPS, SAE_BATCH, N_LATENTS, K = 25, 30, 8, 30, 256, 96, 8
    SAE_SEEDS = SAE_SEEDS[:2]
    D_MODEL, D_MLP, DEAD_WINDOW, EVAL_POSITIONS, SPLICE_POSITIONS = 16, 64, 2000, 1500, 300
    SHOWN = SHOWN[2:4]
    print("quick run: 25 files, a transformer trained for 30 steps and SAEs for 30 — its\n"
          "  numbers mean little; the full run's numbers are in the docstring")
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The text, and the test positions of lesson 10
# The same three parts of the standard library as lesson 10, and the same 40000 random test
# positions (the first draw of seed 0): the bigram's bits per character below are lesson
# 10's to the last digit, so the two models are compared on the very same characters.

# %%
corpus = stdlib_corpus(max_files=MAX_FILES)
print(corpus.describe())
test_ids = corpus.ids["test"]
positions = np.sort(random_positions(test_ids, EVAL_POSITIONS, N_CTX, rng))  # (m,)
bigram_bits = bigram_bits_per_character(fit_bigram(corpus.ids["train"]), test_ids, positions)
print(f"bigram baseline: {bigram_bits:.3f} bits per character on the test positions")

# %% [markdown]
# ## The transformer
# Two blocks of pre-LayerNorm causal attention and a GELU MLP, each adding to the residual
# stream. Every position of a training window predicts the next character. Each test
# position is read with its full window of 32 characters, as lesson 10's model reads it.

# %%
lm = train_transformer(corpus.ids["train"], N_LAYERS, D_MODEL, N_HEADS, D_MLP, N_CTX,
                       n_steps=LM_STEPS, batch_size=LM_BATCH, learning_rate=LM_LEARNING_RATE,
                       log_every=max(1, LM_STEPS // 6), rng=rng, verbose=True)
model = lm.params  # float64, TransformerLens' names
fast = {name: p.astype(np.float32) for name, p in model.items()}  # for reading it
model_bits = transformer_bits_per_character(fast, test_ids, positions)
print(f"transformer: {model_bits:.3f} bits per character on the test positions; lesson 10's "
      f"MLP: {LESSON_10_BITS:.2f}; bigram: {bigram_bits:.3f} (trained in {lm.seconds:.0f} s)")

# %% [markdown]
# ## Two sparse autoencoders: the residual stream and the MLP's output
# Each is trained on every position of fresh windows of the "sae" text, then measured on the
# test positions: L0, FVU, dead latents; and spliced back in at its hook (at every position
# of each window) for the loss recovered, against zero-ablating the hook and against
# mean-ablating it (replacing it by its mean over the "sae" text, a stricter baseline).

# %%
def fit_sae(hook, seed):
    return train_sae(hook_sampler(fast, corpus.ids["sae"], hook), D_MODEL, N_LATENTS,
                     activation="topk", k=K, n_steps=SAE_STEPS, batch_size=SAE_BATCH,
                     learning_rate=SAE_LEARNING_RATE, dead_window=DEAD_WINDOW,
                     resample_every=RESAMPLE_EVERY, rng=seed, dtype=np.float32).params


saes, acts, latents, measured = {}, {}, {}, {}
splice = np.sort(rng.choice(positions, SPLICE_POSITIONS, replace=False))  # (s,)
for hook in HOOKS:
    saes[hook] = fit_sae(hook, SAE_SEEDS[0])
    acts[hook] = activations_at(fast, test_ids, positions, hook)  # (m, d)
    forward = sae_forward(saes[hook], acts[hook], "topk", K)
    latents[hook] = forward["a2"]  # (m, n_latents)
    mean = hook_sampler(fast, corpus.ids["sae"], hook)(4096, np.random.default_rng(1)).mean(0)
    clean = transformer_bits_per_character(fast, test_ids, splice)
    bits = {how: transformer_bits_per_character(fast, test_ids, splice, {hook: hooked})
            for how, hooked in (
                ("SAE", splice_rows(lambda a, s=saes[hook]: sae_forward(s, a, "topk", K)["a3"])),
                ("zero", np.zeros_like),
                ("mean", lambda a, mean=mean: np.broadcast_to(mean, a.shape)))}
    print(f"{hook}: L0 {l0(latents[hook]):.1f}, FVU {fvu(acts[hook], forward['a3']):.3f}, "
          f"dead {int(dead_latents(latents[hook]).sum())} of {N_LATENTS}; bits per char: "
          f"clean {clean:.3f}, SAE {bits['SAE']:.3f}, zero {bits['zero']:.3f}, mean "
          f"{bits['mean']:.3f} → recovered {loss_recovered(clean, bits['SAE'], bits['zero']):.1%}"
          f" (zero), {loss_recovered(clean, bits['SAE'], bits['mean']):.1%} (mean)")
    measured[hook] = {"l0": l0(latents[hook]), "fvu": fvu(acts[hook], forward["a3"]),
                      "dead": int(dead_latents(latents[hook]).sum()), "clean": clean,
                      "rare": int(np.sum((firing_frequencies(latents[hook]) > 0)
                                         & (firing_frequencies(latents[hook]) < 1e-3))),
                      "spliced": bits["SAE"], "zeroed": bits["zero"], "mean_ablated": bits["mean"]}
args.save(plot_feature_density({hook: firing_frequencies(latents[hook]) for hook in HOOKS},
                               title="Feature density on the test positions"), "12_density.png")

# %% [markdown]
# ## Detection, held out, against controls
# Python's own tokenizer and parser label every test position with a dozen properties, as in
# lesson 10. Every unit is tried as a detector (it predicts the property where it exceeds a
# threshold θ); the best unit of a set and its θ are chosen on one half of the test positions,
# drawn at random, and scored (F1) on the other half, with a 95% bootstrap interval over the
# scored positions. Five sets: the first MLP's 192 neurons (``blocks.0.mlp.hook_post``,
# lesson 10's kind of unit), the two SAEs' features (these three must *fire*: θ ≥ 0), and two
# yardsticks in the residual stream the first SAE reads: as many signed random directions as
# that SAE has latents, with any θ (what a dictionary of that size gets by luck), and a
# linear probe per property fitted on the choosing half (the best one direction can do).
# Each SAE is retrained from other seeds to see how much its F1 moves. A feature set is
# called ahead of its rival only when the paired interval of their difference is above zero
# for every seed and both ways round (chosen on the first half and scored on the second,
# then the halves swapped), behind when it is below zero every time, and a tie otherwise.

# %%
labels = corpus_properties(corpus.texts["test"])
properties = {name: flags[positions] for name, flags in labels.items()}  # name → (m,)
select, score = split_positions(positions.size, SEED)  # (m/2,) each
names = [name for name in properties if properties[name][select].any()
         and properties[name][score].any()]
properties = {name: properties[name] for name in names}
resid, mlp_out = HOOKS
units = {"neuron": activations_at(fast, test_ids, positions, "blocks.0.mlp.hook_post"),
         "random": signed_random_projections(acts[resid], N_LATENTS, SEED),  # (m, 2 n_latents)
         "resid feature": latents[resid], "mlp-out feature": latents[mlp_out]}
probes = fit_probes(acts[resid][select], np.stack([properties[n][select] for n in names], 1))
fires = {"neuron": 0.0, "resid feature": 0.0, "mlp-out feature": 0.0}  # random, probe: any θ
FEATURES = ("resid feature", "mlp-out feature")
table = held_out_table(units | {"probe": ("per property", probes(acts[resid]))}, properties,
                       select, score, min_thresholds=fires, rng=SEED)
swapped = held_out_table(units, properties, score, select, min_thresholds=fires, rng=SEED)
tables = [table, swapped]  # per SAE seed: chosen on the first half, then on the second
for seed in SAE_SEEDS[1:]:
    retrained = {kind: sae_forward(fit_sae(hook, seed), acts[hook], "topk", K)["a2"]
                 for kind, hook in (("resid feature", resid), ("mlp-out feature", mlp_out))}
    tables += [held_out_table(units | retrained, properties, chooser, scorer,
                              min_thresholds=fires, rng=SEED)
               for chooser, scorer in ((select, score), (score, select))]
seeds = {name: {kind: [t[name][kind].f1 for t in tables[::2]] for kind in FEATURES}
         for name in names}  # F1 of each seed's SAE, chosen on the first half


def versus(name, a, b):
    """a against b at property ``name``: ahead, behind or tie, for every seed and split."""
    return verdict([paired_interval(t[name][a], t[name][b]) for t in tables])


def cell(d):
    return f"{d.f1:.2f} [{d.low:.2f}–{d.high:.2f}]"


RESID_VS, MLP_VS = "resid feature vs random", "mlp-out feature vs neuron"
COMPARED = {RESID_VS: ("resid feature", "random"), MLP_VS: ("mlp-out feature", "neuron")}
verdicts = {pair: {name: versus(name, a, b) for name in names}
            for pair, (a, b) in COMPARED.items()}
print(f"held out: unit and θ chosen on {select.size} test positions, F1 on the other "
      f"{score.size} [95% bootstrap interval]; each SAE's F1 over {len(SAE_SEEDS)} seeds; "
      "verdicts for every seed, both splits")
print(f"{'property':<12}{'share':>6}{'all':>5}{'neuron':>17}{'random dir.':>17}"
      f"{'resid feature':>17}{'seeds':>10}{'mlp-out feature':>17}{'seeds':>10}{'probe':>6}"
      "  resid vs random, mlp-out vs neuron")
for name in names:
    row, p = table[name], table[name]["frequency"]
    spread = {kind: f"{min(seeds[name][kind]):.2f}–{max(seeds[name][kind]):.2f}"
              for kind in FEATURES}
    print(f"{name:<12}{p:>6.1%}{2 * p / (1 + p):>5.2f}{cell(row['neuron']):>17}"
          f"{cell(row['random']):>17}{cell(row['resid feature']):>17}"
          f"{spread['resid feature']:>10}{cell(row['mlp-out feature']):>17}"
          f"{spread['mlp-out feature']:>10}{row['probe'].f1:>6.2f}"
          f"  {verdicts[RESID_VS][name]}, {verdicts[MLP_VS][name]}")
means = {kind: [float(np.mean([t[name][kind].f1 for name in names])) for t in (table, swapped)]
         for kind in units}
print("mean held-out F1 over the properties (halves swapped): " + ", ".join(
    f"{kind} {first:.2f} ({second:.2f})" for kind, (first, second) in means.items()))
for pair, found in verdicts.items():
    counts = {v: sum(x == v for x in found.values()) for v in ("ahead", "behind", "tie")}
    print(f"{pair}: ahead on {counts['ahead']} of {len(names)} properties, behind on "
          f"{counts['behind']}, tied on {counts['tie']}")
SAID = {"ahead": "ahead of", "behind": "behind", "tie": "tied with"}
args.save(plot_detection_table(
    table, verdicts={name: f"resid. feature {SAID[verdicts[RESID_VS][name]]} random\n"
                           f"MLP-out feature {SAID[verdicts[MLP_VS][name]]} neuron"
                     for name in names},
    labels={"neuron": "best MLP neuron", "random": f"best of {2 * N_LATENTS} random directions",
            "resid feature": "best residual-stream feature",
            "mlp-out feature": "best MLP-output feature", "probe": "probe on the residual stream"},
    indexed=("neuron", "resid feature", "mlp-out feature"), figsize=(9, 10),
    title=f"Held out: the best unit of each set at {len(names)} properties of Python source"),
    "12_properties.png")

# %% [markdown]
# ## Dashboards of the residual stream's best features
# Each row: the top-activating contexts, the histogram of its activations, and the next
# characters its decoder direction promotes when read straight through the final LayerNorm's
# gain and the unembedding (the direct path; the second block may change it).

# %%
valid = (N_CTX - 1, test_ids.size - 2)


def feature_at(hook, j):
    def at(p):
        read = activations_at(fast, test_ids, p, hook)  # (m', d)
        return sae_forward(saes[hook], read, "topk", K)["a2"][:, j]
    return at


W2 = saes[resid]["W2"]  # (d, n_latents)
boards = [unit_dashboard(feature_at(resid, j), test_ids, positions, latents[resid][:, j],
                         (W2[:, j] * model["ln_final.w"]) @ model["unembed.W_U"],
                         detection_title("feature", j, best), valid=valid)
          for j, best in best_units(table, "resid feature",
                                    [p for p in SHOWN if p in table]).items()]
args.save(plot_dashboards(boards, title=f"Residual-stream SAE ({N_LATENTS} latents, TopK k = "
                          f"{K}) on {resid}: the best feature per property (held out)"),
          "12_features.png", main=True)

# %% [markdown]
# ## A feature and the head that writes it
# The residual stream after block 0 is the sum of what was written into it: the token
# embedding, the position embedding, the attention's output (each head's z_h W_O[h], plus
# its bias b_O) and the MLP's output (after a later block, that block's two as well). A
# feature's pre-activation (x − b_dec) · W_enc[j] + b_enc[j] is linear in x, so it splits
# the same way. For the best "after `self.`" feature, at its top activation after `self.`,
# we read who writes it; the head with the largest share is drawn beside the feature.

# %%
prop = "after_self" if "after_self" in table else next(iter(table))
j = table[prop]["resid feature"].unit
has = labels[prop][positions]  # (m,)  the positions with the property
top = positions[has][np.argmax(latents[resid][has, j])]  # its top activation among them
window = test_ids[top - N_CTX + 1:top + 1][None].astype(np.intp)  # (1, T)
_, cache = run_with_cache(fast, window)
encoder = saes[resid]["W1"][j]  # (d,)  the feature's encoder row
block = resid.rsplit(".", 1)[0]  # "blocks.0": the block whose output the SAE reads
z = cache[f"{block}.attn.hook_z"][0, -1]  # (H, d_h)  the heads' outputs at the last position
W_O = fast[f"{block}.attn.W_O"]  # (H, d_h, d)
shares = np.einsum("hk,hkd,d->h", z, W_O, encoder)  # (H,)
head = int(np.argmax(shares))
writers = [("token", "hook_embed"), ("position", "hook_pos_embed")] + [
    (f"{what}{'' if l == 0 else f' {l}'}", f"blocks.{l}.hook_{out}_out")
    for l in range(int(block.split(".")[1]) + 1) for what, out in (("attention", "attn"),
                                                                   ("MLP", "mlp"))]
written = {name: float(cache[hook][..., -1, :].ravel() @ encoder) for name, hook in writers}
written["SAE biases"] = float(saes[resid]["b1"][j] - saes[resid]["b2"] @ encoder)
feature = sae_forward(saes[resid], cache[resid][0], "topk", K)["a2"][:, j]  # (T,)
characters = [{"\n": "⏎", " ": "·"}.get(c, c) for c in ids_to_text(window[0])]
print(f"feature {j} ({prop}): {feature[-1]:.2f} at …{''.join(characters[-12:])!r}, written by "
      + ", ".join(f"{name} {value:.2f}" for name, value in written.items())
      + f"; the heads' shares of the attention's {np.round(shares, 2).tolist()} → head {head}")
args.save(plot_attention_beside_feature(
    cache[f"{block}.attn.hook_pattern"][0, head], characters, feature,
    head_label=f"{block}.attn.hook_pattern, head {head}",
    feature_label=f"feature {j} ({prop})",
    title=f"What head {head} reads where feature {j} fires"), "12_attention.png")
args.record(
    scored=int(score.size), bigram=bigram_bits, transformer=model_bits, saes=measured, means=means,
    table={name: {"frequency": table[name]["frequency"]}
           | {kind: [d.unit, d.f1, d.low, d.high] for kind, d in table[name].items()
              if kind != "frequency"}
           | {"swapped": {kind: swapped[name][kind].f1 for kind in units}}
           | {"seeds": seeds[name]}
           | {pair: found[name] for pair, found in verdicts.items()} for name in names},
    head={"property": prop, "feature": int(j), "activation": float(feature[-1]),
          "written": written, "shares": shares.tolist(), "head": head})

# %% [markdown]
# ## Export: the transformer for TransformerLens, the SAEs for SAELens
# Each folder carries a check set: 4 test windows and tinysae's logits on them; each SAE's
# inputs at its hook on those windows (positions as rows) and its latents.

# %%
check = np.stack([test_ids[p - N_CTX + 1:p + 1] for p in positions[:4]]).astype(np.int64)
export_transformerlens(model, args.out / "12_transformer", check)
_, check_cache = run_with_cache(model, check, list(HOOKS))
for hook in HOOKS:
    export_saelens(saes[hook], args.out / f"12_sae_{hook}", "topk", K, hook_name=hook,
                   hook_layer=int(hook.split(".")[1]), model_name="tinysae-transformer",
                   context_size=N_CTX,
                   check_inputs=check_cache[hook].reshape(-1, D_MODEL))
print(f"exported to {args.out}")
