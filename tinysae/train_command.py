"""``tinysae train``: its options, its output folder, and the run (:mod:`tinysae.ufldl_experiment`).

``tinysae train`` runs the whole UFLDL sparse autoencoder exercise: photographs →
Olshausen–Field whitening → 10000 random 8×8 patches → L-BFGS → a grid of filters. It
writes ``model.npz``, ``config.json``, ``filters.png`` and ``loss.png`` into an output
folder (``runs/<date>-<time>`` in the current folder unless ``--out`` says otherwise),
checkpoints that folder while it trains, and prints how many filters are edge-like. Ctrl-C
saves a final checkpoint and exits with status 130; ``tinysae train --resume FOLDER``
continues.
"""

import argparse
import sys
import time
from pathlib import Path

from tinysae.cli import EXIT_INTERRUPTED, Parser, UsageError
from tinysae.constraints import check_option

#: The UFLDL exercise's settings (``train.m``): what ``tinysae train`` does with no options.
DEFAULTS = {"images": "default", "patch_size": 8, "n_patches": 10000, "n_hidden": 25,
            "sparsity_target": 0.01, "weight_decay": 1e-4, "sparsity_weight": 3.0,
            "max_iter": 400, "seed": 0, "whiten": True}

#: Options that describe the run; ``--resume`` takes them from the checkpoint instead.
RUN_OPTIONS = tuple(k for k in DEFAULTS if k != "max_iter") + ("out",)

DESCRIPTION = """\
Learn edge detectors from natural images, as in the UFLDL sparse autoencoder exercise:
photos -> whitening -> 10000 random 8x8 patches -> L-BFGS -> a grid of 25 filters.

Writes model.npz, config.json, filters.png and loss.png into the output folder, saving a
checkpoint there every --checkpoint-every iterations. Ctrl-C saves a final checkpoint and
exits with status 130; continue with: tinysae train --resume FOLDER
(L-BFGS's curvature memory restarts at the checkpoint, so the loss curve may show a kink).
"""


def main(argv):
    """Run ``tinysae train`` with the arguments after the command word; the exit status."""
    return _train_command(build_parser().parse_args(argv))


def build_parser():
    """The argument parser of ``tinysae train``."""
    t = Parser(prog="tinysae train", description=DESCRIPTION,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    d = t.add_argument_group("data")
    d.add_argument("--images", metavar="SOURCE", help="'default' (photo shipped with "
                   "matplotlib), 'skimage' (plus scikit-image's photos), a folder of PNG/JPEG "
                   "photos, or an IMAGES.mat file (already whitened) [default: default]")
    d.add_argument("--no-whiten", dest="whiten", action="store_const", const=False,
                   help="do not whiten the photos (IMAGES.mat is never whitened again)")
    d.add_argument("--patch-size", type=int, metavar="P", help="patch side p [default: 8]")
    d.add_argument("--n-patches", type=int, metavar="N", help="patches sampled [default: 10000]")
    m = t.add_argument_group("model")
    m.add_argument("--n-hidden", type=int, metavar="K", help="hidden units [default: 25]")
    m.add_argument("--sparsity-target", type=float, metavar="RHO",
                   help="ρ, the target mean activation [default: 0.01]")
    m.add_argument("--weight-decay", type=float, metavar="LAMBDA", help="λ [default: 1e-4]")
    m.add_argument("--sparsity-weight", type=float, metavar="BETA", help="β [default: 3]")
    r = t.add_argument_group("run")
    r.add_argument("--max-iter", type=int, metavar="N", help="L-BFGS iterations; with "
                   "--resume, the new total [default: 400]")
    r.add_argument("--seed", type=int, help="seeds the patches and the initial weights "
                   "[default: 0]")
    r.add_argument("--out", type=Path, metavar="FOLDER",
                   help="output folder [default: runs/<date>-<time>]")
    r.add_argument("--resume", type=Path, metavar="FOLDER",
                   help="continue the run saved in FOLDER (its settings, its data)")
    r.add_argument("--checkpoint-every", type=int, default=25, metavar="N",
                   help="save a checkpoint every N iterations [default: 25]")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return t


def _train_command(args):
    """Check the options, make the data, train, draw; returns the exit status."""
    from tinysae.ufldl_experiment import patches_for, resume_run, start_run, write_pictures

    given = [k for k in RUN_OPTIONS if getattr(args, k) is not None]
    if args.resume is not None and given:
        raise UsageError("tinysae train: error: --resume continues a run with its own "
                         f"settings; drop --{given[0].replace('_', '-')}")
    settings = _check_settings({k: (DEFAULTS[k] if getattr(args, k) is None
                                    else getattr(args, k)) for k in DEFAULTS})
    every = check_option("--checkpoint-every", args.checkpoint_every)
    t0 = time.perf_counter()
    if args.resume is not None:
        result, folder, data = resume_run(args.resume, max_iter=args.max_iter,
                                          checkpoint_every=every, verbose=not args.quiet)
    else:
        X, data = patches_for(settings)  # (n, p²)
        folder = _output_folder(args.out)
        print(f"Output folder: {folder}", flush=True)
        result = start_run(X, data, settings, folder, checkpoint_every=every,
                           verbose=not args.quiet)
    if result.interrupted:
        print(f"tinysae train: interrupted at iteration {result.iteration}; checkpoint saved "
              f"in {folder}. Continue with: tinysae train --resume {folder}", file=sys.stderr)
        return EXIT_INTERRUPTED
    scores = write_pictures(result, folder, data["patch_size"])
    n = scores.is_edge_like.size
    print(f"Trained {n} hidden units for {result.iteration} iterations "
          f"({time.perf_counter() - t0:.1f} s in all): J = {result.loss:.6g}")
    print(f"Edge-like filters: {scores.n_edge_like} of {n} ({scores.fraction_edge_like:.0%})")
    print(f"Wrote {folder}/: model.npz, config.json, filters.png, loss.png")
    return 0


def _check_settings(settings):
    """The options' values, checked against :mod:`tinysae.constraints` with the option's
    name in the message."""
    return {name: check_option("--" + name.replace("_", "-"), value)
            for name, value in settings.items() if name != "images"} | {
        "images": settings["images"]}


def _output_folder(out):
    """Create the output folder (default ``runs/<date>-<time>``); refuse to overwrite a model."""
    if out is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out, n = Path("runs") / stamp, 1
        while out.exists():
            n += 1
            out = Path("runs") / f"{stamp}-{n}"
    if (out / "model.npz").exists():
        raise UsageError(f"tinysae train: error: --out {out} already holds a model; continue "
                         f"it with --resume {out} or choose another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with open(out / ".tinysae-write-test", "w"):
            pass
        (out / ".tinysae-write-test").unlink()
    except OSError as error:
        raise OSError(f"cannot write to the output folder '{out}': "
                      f"{error.strerror or error}") from None
    return out
