"""The modern lessons say only what their code gives.

A full run with ``--reference`` records its headline numbers in
``lessons/figures/<lesson>_numbers.json`` (:meth:`tinysae.lessonkit.Lesson.record`). Here each
sentence of a lesson's docstring and gallery section that quotes a number is rebuilt from
that record, to the digits quoted, and must be found in both texts: a rerun that moves a
number, or an edit of the text alone, fails. The quick runs of tests/test_lessons.py check
the numbers the docstrings quote for ``--quick`` against a fresh run
(:func:`check_quick_claims`), within the spread stated here.
"""

import json
import re
from pathlib import Path

import pytest

LESSONS = Path(__file__).resolve().parent.parent / "lessons"

#: Per lesson: sentences as format strings over the record ``r``; each must appear in the
#: docstring and in the gallery section (whitespace and line breaks aside).
DOC, GALLERY = ("docstring",), ("gallery",)


def table_row(name, columns):
    """A gallery table's row: ``| name | value | … |`` from the record's ``name`` entry."""
    return GALLERY, "| " + " | ".join([name] + [f"{{r[{name}][{key}]{spec}}}"
                                             for key, spec in columns]) + " |"


LESSON_09_COLUMNS = (("mmcs", ":.3f"), ("recovered", ":.1%"), ("l0", ":.2f"), ("fvu", ":.3f"),
                     ("dead", ""), ("resampled", ""))

SAE_1024, SAE_512 = "ReLU+L1 SAE, 1024 latents", "ReLU+L1 SAE, 512 latents"
MODEL_2008 = "2008 sigmoid+KL, 512 hidden (2000 examples)"
LESSON_08_COLUMNS = (("mmcs", ":.3f"), ("recovered", ":.1%"), ("l0", ":.2f"), ("fvu", ":.3f"),
                     ("dead", ""))

FULL_CLAIMS = {
    "08_superposition": [
        (DOC, "ReLU+L1 SAE, 1024 latents {r[%s][mmcs]:.3f} {r[%s][recovered]:.1%%} "
              "{r[%s][l0]:.1f} {r[%s][fvu]:.3f} {r[%s][dead]}" % ((SAE_1024,) * 5)),
        (DOC, "ReLU+L1 SAE, 512 latents {r[%s][mmcs]:.3f} {r[%s][recovered]:.1%%} "
              "{r[%s][l0]:.1f} {r[%s][fvu]:.3f} {r[%s][dead]}" % ((SAE_512,) * 5)),
        (DOC, "2008 sigmoid+KL, 512 hidden (2000 examples) {r[%s][mmcs]:.3f} "
              "{r[%s][recovered]:.1%%} n/a {r[%s][fvu]:.3f} n/a" % ((MODEL_2008,) * 3)),
        table_row(SAE_1024, LESSON_08_COLUMNS),
        table_row(SAE_512, LESSON_08_COLUMNS),
        (GALLERY, "| %s | {r[%s][mmcs]:.3f} | {r[%s][recovered]:.1%%} | n/a | "
                  "{r[%s][fvu]:.3f} | n/a |" % ((MODEL_2008,) * 4)),
        (DOC, "(FVU {r[%s][fvu]:.2f})" % MODEL_2008),
        (DOC, "a random dictionary of as many columns ({r[chance_mmcs]:.2f}"),
        (GALLERY, "a random dictionary of 512 columns: MMCS {r[chance_mmcs]:.3f}"),
        (GALLERY, "MMCS {r[sweep][256 0.05]:.3f}, {r[sweep][512 0.05]:.3f} and "
                  "{r[sweep][1024 0.05]:.3f} for 256, 512 and 1024 latents"),
    ],
    "09_topk": [
        *(table_row(name, LESSON_09_COLUMNS) for name in (
            "TopK k=3", "TopK k=5", "TopK k=8", "L1 β=0.3", "L1 β=0.1", "L1 β=0.03",
            "TopK k=5, no resampling")),
        (DOC, "k = 8: L0 {r[TopK k=8][l0]:.1f}, FVU ≈ {r[TopK k=8][fvu]:.2f}; β = 0.1: L0 "
              "{r[L1 β=0.1][l0]:.1f}, FVU ≈ {r[L1 β=0.1][fvu]:.2f}"),
        (DOC, "MMCS ≈ {r[TopK k=8][mmcs]:.2f} against ≈ {r[L1 β=0.1][mmcs]:.2f}"),
        (DOC, "(MMCS ≈ {r[TopK k=5, no resampling][mmcs]:.2f})"),
        "with resampling, {r[TopK k=5][dead]} latents never fire on the held-out examples and "
        "{r[TopK k=5][rare]} fire on under 0.1% of them",
        "without it, {r[TopK k=5, no resampling][dead]} never fire and "
        "{r[TopK k=5, no resampling][rare]} are that rare",
    ],
}

def lesson_10_derived(r):
    """Numbers the text of lesson 10 quotes that follow from its record."""
    table = r["table"]
    return {"cost": r["spliced"] - r["clean"],
            "vs_mean": (r["mean_ablated"] - r["spliced"]) / (r["mean_ablated"] - r["clean"]),
            "vs_zero": (r["zeroed"] - r["spliced"]) / (r["zeroed"] - r["clean"]),
            "random_over_neuron": sum(row["random"][1] > row["neuron"][1]
                                      for row in table.values()),
            "t": {name: {key: row[key][1] for key in ("neuron", "random", "feature", "probe")}
                  | {"low": min(row["seeds"]), "high": max(row["seeds"])}
                  for name, row in table.items()}}


FULL_CLAIMS["10_language_model_features"] = [
    "{r[clean]:.3f} bits per character",
    "{r[bigram]:.3f} for the bigram model and {r[unigram]:.3f} for the unigram",
    "L0 16, FVU {r[fvu]:.3f}, {r[dead]} latents that never fire",
    "(+{r[cost]:.3f})",
    (DOC, "recovers {r[vs_mean]:.1%} of the loss against mean-ablation"),
    (GALLERY, "{r[vs_mean]:.1%} of the loss recovered against mean-ablation ({r[mean_ablated]:.3f})"),
    (DOC, "Zeroing the neurons ({r[zeroed]:.3f}"),
    (DOC, "would give a flattering {r[vs_zero]:.1%}"),
    (GALLERY, "{r[vs_zero]:.1%} against zero-ablation ({r[zeroed]:.3f}"),
    "ahead of the best neuron on {r[wins]} of 12 properties for every seed",
    (DOC, "behind on {r[behind]}, the broad ones"),
    (DOC, "and tied on the other {r[ties]}"),
    (GALLERY, "It is behind on {r[behind]} (docstring, prose) and tied on the other {r[ties]}."),
    (GALLERY, "after `self.` {r[t][after_self][feature]:.2f} against "
              "{r[t][after_self][neuron]:.2f}"),
    (DOC, "just after `self.` (F1 {r[t][after_self][feature]:.2f} against "
          "{r[t][after_self][neuron]:.2f})"),
    (DOC, "just after `def ` ({r[t][after_def][feature]:.2f} against "
          "{r[t][after_def][neuron]:.2f}; {r[t][after_def][low]:.2f}–{r[t][after_def][high]:.2f} "
          "over the seeds)"),
    (DOC, "a digit ({r[t][digit][feature]:.2f} against {r[t][digit][neuron]:.2f})"),
    (DOC, "indentation ({r[t][indentation][feature]:.2f} against "
          "{r[t][indentation][neuron]:.2f})"),
    (DOC, "docstring ({r[t][docstring][feature]:.2f} against {r[t][docstring][neuron]:.2f}) "
          "and prose ({r[t][prose][feature]:.2f} against {r[t][prose][neuron]:.2f})"),
    (GALLERY, "digit {r[t][digit][feature]:.2f} against {r[t][digit][neuron]:.2f}, "
              "indentation {r[t][indentation][feature]:.2f} against "
              "{r[t][indentation][neuron]:.2f}"),
    (DOC, "(after `def ` {r[t][after_def][random]:.2f}, after `self.` "
          "{r[t][after_self][random]:.2f}, number {r[t][number][random]:.2f})"),
    (GALLERY, "scores higher than the best neuron on {r[random_over_neuron]} of 12; the feature "
              "is ahead of it on {r[ahead_of_random]}"),
    (DOC, "scores higher than the best neuron on {r[random_over_neuron]} of the 12"),
    (DOC, "the feature is ahead of it on only {r[ahead_of_random]} of the 12"),
    (DOC, "(digit {r[t][digit][probe]:.2f}, number {r[t][number][probe]:.2f}, keyword "
          "{r[t][keyword][probe]:.2f}, after `def ` {r[t][after_def][probe]:.2f})"),
    (DOC, "({r[dead]} latents never fire; {r[rare]} fire on under 0.1% of positions)"),
]


def signed(value):
    """A number as the texts print it: two decimals, a true minus sign."""
    return f"{value:.2f}".replace("-", "−")


def lesson_12_derived(r):
    """Numbers the text of lesson 12 quotes that follow from its record."""
    saes, table = r["saes"], r["table"]
    pairs = ("resid feature vs random", "mlp-out feature vs neuron")
    return {"recovered": {hook.split(".")[-1]: {
                how: (s[how] - s["spliced"]) / (s[how] - s["clean"])
                for how in ("zeroed", "mean_ablated")} for hook, s in saes.items()},
            "resid": saes["blocks.0.hook_resid_post"], "mlp": saes["blocks.0.hook_mlp_out"],
            "count": {pair: {v: sum(row[pair] == v for row in table.values())
                             for v in ("ahead", "behind", "tie")} for pair in pairs},
            "t": {name: {kind: value[1] for kind, value in row.items() if isinstance(value, list)}
                  for name, row in table.items()},
            "ci": {name: {kind: f"[{value[2]:.2f}–{value[3]:.2f}]" for kind, value in row.items()
                          if isinstance(value, list)} for name, row in table.items()},
            "n": {name: round(row["frequency"] * r["scored"]) for name, row in table.items()},
            "seeds": {name: {kind: f"{min(f1):.2f}–{max(f1):.2f}"
                             for kind, f1 in row["seeds"].items()} for name, row in table.items()},
            "n_seeds": len(next(iter(table.values()))["seeds"]["resid feature"]),
            "w": {name: signed(value) for name, value in r["head"]["written"].items()},
            "share": max(r["head"]["shares"])}


R, M = "resid feature", "mlp-out feature"  # the sets and verdicts of lesson 12's record
RR, MM = "resid feature vs random", "mlp-out feature vs neuron"
FULL_CLAIMS["12_residual_stream"] = [
    (DOC, "the bigram's {r[bigram]:.3f} bits per character on lesson 10's 40000 test positions"),
    (GALLERY, "the bigram's {r[bigram]:.3f} bits per character is lesson 10's"),
    "{r[transformer]:.3f} bits per character",
    "against 2.51 for lesson 10's MLP and {r[bigram]:.3f} for the bigram",
    (DOC, "L0 {r[resid][l0]:.0f}, FVU {r[resid][fvu]:.3f}, {r[resid][dead]} dead latents"),
    (DOC, "{r[resid][clean]:.3f} → {r[resid][spliced]:.3f} bits per character on 4000 of the "
          "positions, against {r[resid][zeroed]:.2f} with the stream zero-ablated and "
          "{r[resid][mean_ablated]:.2f} mean-ablated: {r[recovered][hook_resid_post][zeroed]:.1%} "
          "of the loss recovered against zero, {r[recovered][hook_resid_post][mean_ablated]:.1%} "
          "against the mean"),
    (DOC, "L0 {r[mlp][l0]:.0f}, FVU {r[mlp][fvu]:.3f}, {r[mlp][dead]} dead latents, "
          "{r[mlp][spliced]:.3f} spliced in ({r[mlp][zeroed]:.2f} zero, "
          "{r[mlp][mean_ablated]:.2f} mean): {r[recovered][hook_mlp_out][zeroed]:.1%} and "
          "{r[recovered][hook_mlp_out][mean_ablated]:.1%}"),
    (GALLERY, "FVU {r[resid][fvu]:.3f} and {r[mlp][fvu]:.3f}; loss recovered "
              "{r[recovered][hook_resid_post][zeroed]:.1%} and "
              "{r[recovered][hook_mlp_out][zeroed]:.1%} against zero-ablation, "
              "{r[recovered][hook_resid_post][mean_ablated]:.1%} and "
              "{r[recovered][hook_mlp_out][mean_ablated]:.1%} against mean-ablation"),
    (DOC, "latents {r[resid][rare]} fire on under 0.1% of the test positions, of the MLP-output "
          "SAE's {r[mlp][rare]}"),
    (DOC, "chosen on {r[scored]} test positions drawn at random and scored (F1) on the other "
          "{r[scored]}"),
    (DOC, "each SAE is trained from {r[n_seeds]} seeds"),
    (GALLERY, "{r[n_seeds]} SAE seeds"),
    (DOC, "ahead on only {r[count][%s][ahead]} of 12 properties: a digit (F1 "
          "{r[t][digit][%s]:.2f} {r[ci][digit][%s]} against {r[t][digit][random]:.2f} "
          "{r[ci][digit][random]}; {r[seeds][digit][%s]} over the seeds) and a number "
          "({r[t][number][%s]:.2f} against {r[t][number][random]:.2f})" % (RR, R, R, R, R)),
    (DOC, "It is behind on {r[count][%s][behind]}, the broad properties (prose "
          "{r[t][prose][%s]:.2f} against {r[t][prose][random]:.2f}, docstring "
          "{r[t][docstring][%s]:.2f} against {r[t][docstring][random]:.2f}, brackets "
          "{r[t][brackets][%s]:.2f} against {r[t][brackets][random]:.2f}; string, comment) and "
          "indentation ({r[t][indentation][%s]:.2f} against {r[t][indentation][random]:.2f}), "
          "and tied on {r[count][%s][tie]}" % (RR, R, R, R, R, RR)),
    (DOC, "just after `self.` ({r[t][after_self][%s]:.2f} {r[ci][after_self][%s]} against "
          "{r[t][after_self][random]:.2f} {r[ci][after_self][random]}, but "
          "{r[seeds][after_self][%s]} over the seeds)" % (R, R, R)),
    (DOC, "just after `def ` ({r[t][after_def][%s]:.2f} against {r[t][after_def][random]:.2f}, "
          "on {r[n][after_def]} scored positions)" % R),
    (DOC, "{r[means][%s][0]:.2f} for the features, {r[means][random][0]:.2f} for random "
          "directions ({r[means][%s][1]:.2f} and {r[means][random][1]:.2f} with the halves "
          "swapped)" % (R, R)),
    (DOC, "A linear probe on the stream reaches {r[t][after_def][probe]:.2f} just after `def ` "
          "and {r[t][digit][probe]:.2f} at a digit"),
    (DOC, "ahead on {r[count][%s][ahead]} of 12 (comment, {r[t][comment][%s]:.2f} against "
          "{r[t][comment][neuron]:.2f}), behind on {r[count][%s][behind]} (string, brackets), "
          "tied on the other {r[count][%s][tie]}; mean F1 {r[means][%s][0]:.2f} against "
          "{r[means][neuron][0]:.2f}" % (MM, M, MM, MM, M)),
    (GALLERY, "ahead on {r[count][%s][ahead]} of 12 properties (digit {r[t][digit][%s]:.2f} "
              "against {r[t][digit][random]:.2f}, number {r[t][number][%s]:.2f} against "
              "{r[t][number][random]:.2f}), behind on {r[count][%s][behind]} (prose "
              "{r[t][prose][%s]:.2f} against {r[t][prose][random]:.2f}), tied on "
              "{r[count][%s][tie]}; mean F1 {r[means][%s][0]:.2f} against "
              "{r[means][random][0]:.2f}" % (RR, R, R, RR, R, RR, R)),
    (GALLERY, "A linear probe on the stream reaches {r[t][after_def][probe]:.2f} just after "
              "`def `, where the best feature gets {r[t][after_def][%s]:.2f}" % R),
    (GALLERY, "ahead on {r[count][%s][ahead]} of 12, behind on {r[count][%s][behind]}, tied on "
              "{r[count][%s][tie]}" % (MM, MM, MM)),
    "after-`self.` feature ({r[head][feature]})",
    (DOC, "fires at {r[head][activation]:.2f}"),
    "the MLP writes {r[w][MLP]}, the attention {r[w][attention]} (head {r[head][head]} the most, "
    "{r[share]:.2f}",
    (DOC, "the token embedding {r[w][token]}, the position {r[w][position]} and the SAE's biases "
          "{r[w][SAE biases]}"),
    (DOC, "12_attention.png shows what head {r[head][head]} reads there"),
]


def lesson_13_derived(r):
    """Lesson 13's quoted numbers that follow from its record: means and ranges over seeds,
    the share of absorption beyond the control, ranges over the k = 16 rows."""
    def spread(values):
        return {"mean": sum(values) / len(values), "min": min(values), "max": max(values),
                "low%": 100 * min(values)}  # "45.3–67.7%": a range's first end in percent

    absorption = {family: {key: spread(values) for key, values in runs.items()}
                  for family, runs in r["absorption"].items()}
    for family, runs in r["absorption"].items():
        absorption[family]["excess"] = spread([a - b for a, b in zip(runs["absorbed"],
                                                                      runs["alone"])])
    k16 = [row for name, row in r["neurons"].items() if name.endswith("k=16")]
    steering = {name: spread(r["steering"][name]) for name in ("clean", "steered",
                                                                "random direction")}
    return {"A": absorption, "steer": steering, "per_seed": spread(r["ablation"]["per_seed"]),
            "split": {f"n{n}": count for n, count in r["splitting"].items()},
            "k16": {key: spread([row[key] for row in k16])
                    for key in ("fvu", "loss_recovered", "loss_recovered_zero")}}


TOY_13 = "{r[toy][TopK + resampling, k=5][fvu]:.3f} and {r[toy][TopK + AuxK, k=5][fvu]:.3f}"
FULL_CLAIMS["13_architectures"] = [
    f"(k = 5: FVU {TOY_13}, MMCS {{r[toy][TopK + resampling, k=5][mmcs]:.3f}} and "
    "{r[toy][TopK + AuxK, k=5][mmcs]:.3f})",
    "(MMCS {r[toy][BatchTopK, k=5][mmcs]:.3f}, {r[toy][Matryoshka, k=5][mmcs]:.3f})",
    (DOC, "latent is silent in {r[A][TopK + AuxK][absorbed][mean]:.1%} of examples for TopK + "
          "AuxK ({r[A][TopK + AuxK][absorbed][low%]:.1f}–"
          "{r[A][TopK + AuxK][absorbed][max]:.1%}), against {r[A][TopK + AuxK][alone][mean]:.1%} "
          "where it is on alone"),
    (DOC, "lean toward it with cosine {r[A][TopK + AuxK][lean][mean]:.3f}"),
    (DOC, "its L0 is {r[A][TopK + AuxK][l0][mean]:.2f}"),
    (DOC, "BatchTopK absorbs less ({r[A][BatchTopK][absorbed][mean]:.1%} against "
          "{r[A][BatchTopK][alone][mean]:.1%} alone), Matryoshka almost nothing "
          "({r[A][Matryoshka][absorbed][mean]:.1%} against {r[A][Matryoshka][alone][mean]:.1%}; "
          "lean {r[A][Matryoshka][lean][mean]:.3f})"),
    (DOC, "Matryoshka's {r[A][Matryoshka][excess][mean]:.3f} "
          "({r[A][Matryoshka][excess][min]:.3f}–{r[A][Matryoshka][excess][max]:.3f}) is lower "
          "than BatchTopK's {r[A][BatchTopK][excess][mean]:.3f} "
          "({r[A][BatchTopK][excess][min]:.3f}–{r[A][BatchTopK][excess][max]:.3f}) and TopK + "
          "AuxK's {r[A][TopK + AuxK][excess][mean]:.3f}"),
    (DOC, "Matryoshka's FVU is {r[A][Matryoshka][fvu][mean]:.3f} against BatchTopK's "
          "{r[A][BatchTopK][fvu][mean]:.3f}"),
    (GALLERY, "on in {r[A][TopK + AuxK][absorbed][mean]:.1%} of examples for TopK + AuxK, "
              "{r[A][BatchTopK][absorbed][mean]:.1%} for BatchTopK and "
              "{r[A][Matryoshka][absorbed][mean]:.1%} for Matryoshka, against "
              "{r[A][TopK + AuxK][alone][mean]:.1%}, {r[A][BatchTopK][alone][mean]:.1%} and "
              "{r[A][Matryoshka][alone][mean]:.1%} where the parent is on alone"),
    (GALLERY, "(FVU {r[A][Matryoshka][fvu][mean]:.3f} against BatchTopK's "
              "{r[A][BatchTopK][fvu][mean]:.3f})"),
    (DOC, "(k = 16: {r[k16][fvu][min]:.3f}–{r[k16][fvu][max]:.3f})"),
    (GALLERY, "FVU {r[k16][fvu][min]:.3f}–{r[k16][fvu][max]:.3f}"),
    "{r[clean]:.3f} bits per character",
    (DOC, "{r[mean_ablated]:.3f} with its neurons held at their mean, {r[zeroed]:.3f} zeroed"),
    (DOC, "{r[k16][loss_recovered][low%]:.1f}–{r[k16][loss_recovered][max]:.1%} at k = 16, "
          "{r[k16][loss_recovered_zero][low%]:.1f}–{r[k16][loss_recovered_zero][max]:.1%} "
          "against zero-ablation"),
    (GALLERY, "{r[k16][loss_recovered][low%]:.1f}–{r[k16][loss_recovered][max]:.1%} of the loss "
              "against mean-ablation ({r[k16][loss_recovered_zero][low%]:.1f}–"
              "{r[k16][loss_recovered_zero][max]:.1%} against zero-ablation; the model "
              "{r[clean]:.3f} bits per character, {r[mean_ablated]:.3f} mean-ablated, "
              "{r[zeroed]:.3f} zeroed)"),
    (GALLERY, "resampling {r[neurons][TopK + resampling, k=8][dead]}, AuxK "
              "{r[neurons][TopK + AuxK, k=8][dead]}, BatchTopK {r[neurons][BatchTopK, k=8][dead]}"),
    (DOC, "Resampling leaves {r[neurons][TopK + resampling, k=8][dead]} dead at k = 8, AuxK "
          "{r[neurons][TopK + AuxK, k=8][dead]}, BatchTopK {r[neurons][BatchTopK, k=8][dead]}"),
    "{r[ablation][effect]:.3f} bits",
    "by {r[ablation][control]:.3f}",
    (GALLERY, "ratio {r[per_seed][mean]:.1f} ({r[per_seed][min]:.1f}–{r[per_seed][max]:.1f} "
              "over 5 seeds)"),
    (DOC, "a median ratio of {r[per_seed][mean]:.1f}, {r[per_seed][min]:.1f}–"
          "{r[per_seed][max]:.1f} over 5 seeds"),
    (DOC, "{r[ablation][above]:.0%} of feature × seed pairs above 1"),
    "feature {r[steering][feature]}",
    "makes `(` {r[steer][steered][mean]:.1%} of",
    "({r[steer][steered][low%]:.1f}–{r[steer][steered][max]:.1%} over",
    "against {r[steer][clean][mean]:.1%} clean and {r[steer][random direction][mean]:.1%} with "
    "a random direction",
    (DOC, "{r[split][n1024]} have two or more children with decoder cosine above 0.6 in the "
          "1024-latent one and {r[split][n4096]} in the 4096-latent one"),
    (GALLERY, "Splitting: {r[split][n1024]} (1024 latents) and {r[split][n4096]} (4096 "
              "latents)"),
]
DERIVED = {"10_language_model_features": lesson_10_derived,
           "12_residual_stream": lesson_12_derived,
           "13_architectures": lesson_13_derived}

#: Per lesson: (pattern of the docstring's quick-run sentence, its numbers' keys in the quick
#: run's record, the spread allowed).
QUICK_CLAIMS = {
    "08_superposition": [
        (r"finds most features \(MMCS about ([\d.]+)\)",
         (("ReLU+L1 SAE, 128 latents", "mmcs"),), 0.02),
        (r"does not \(about ([\d.]+), against ([\d.]+) for a random dictionary",
         (("2008 sigmoid+KL, 128 hidden (1000 examples)", "mmcs"), ("chance_mmcs",)), 0.02),
    ],
    "09_topk": [(r"MMCS about ([\d.]+) against ([\d.]+)",
                 (("TopK k=5", "mmcs"), ("L1 β=0.3", "mmcs")), 0.02)],
}


def normalised(text):
    return re.sub(r"\s+", " ", text)


def gallery_section(number):
    gallery = (LESSONS / "README.md").read_text()
    return re.search(rf"^## {number} .*?(?=^## |\Z)", gallery, re.M | re.S).group(0)


def docstring(name):
    text = (LESSONS / f"{name}.py").read_text()
    return text[:text.index('"""', 3)]


def lookup(record, path):
    for key in path:
        record = record[key]
    return record


@pytest.mark.parametrize("name", sorted(FULL_CLAIMS))
def test_the_text_quotes_the_recorded_full_run(name):
    record = json.loads((LESSONS / "figures" / f"{name}_numbers.json").read_text())
    record |= DERIVED.get(name, lambda r: {})(record)
    texts = {"docstring": normalised(docstring(name)),
             "gallery": normalised(gallery_section(name[:2]))}
    for claim in FULL_CLAIMS[name]:
        places, sentence = claim if isinstance(claim, tuple) else (("docstring", "gallery"),
                                                                    claim)
        sentence = normalised(sentence.format(r=record))
        for place in places:
            assert sentence in texts[place], f"{name}'s {place} does not say: {sentence}"


def check_quick_claims(name, out):
    """The numbers ``name``'s docstring quotes for ``--quick``, against the quick run's record
    in the folder ``out``."""
    if name not in QUICK_CLAIMS:
        return
    record = json.loads((Path(out) / f"{name}_numbers.json").read_text())
    text = normalised(docstring(name))
    for pattern, keys, spread in QUICK_CLAIMS[name]:
        found = re.search(pattern, text)
        assert found, f"{name}'s docstring no longer says {pattern!r}"
        for quoted, path in zip(found.groups(), keys):
            value = lookup(record, path)
            assert abs(float(quoted) - value) <= spread, (
                f"{name}'s docstring quotes {quoted} for a quick run, which gives {value:.3f}")
