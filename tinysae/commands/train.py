"""``tinysae train``: its options, its output folder, and the run (:mod:`tinysae.ufldl_experiment`).

``tinysae train`` runs the whole UFLDL sparse autoencoder exercise: photographs →
Olshausen–Field whitening → 10000 random 8×8 patches → L-BFGS → a grid of filters. It
writes ``model.npz``, ``config.json``, ``filters.png`` and ``loss.png`` into an output
folder (``runs/<date>-<time>`` in the current folder unless ``--out`` says otherwise),
checkpoints that folder while it trains, and prints how many filters are edge-like.
Ctrl-C, SIGTERM and SIGHUP save a final checkpoint and exit with status 128 + the signal
(:mod:`tinysae.runtime.interrupts`); so does a closed output pipe (status 141, as SIGPIPE would);
``tinysae train --resume FOLDER`` continues. One run per folder: the folder is locked while
a run trains into it (:mod:`tinysae.runtime.locks`). Options that cannot work are refused before
any photo is read.
"""

import argparse
import contextlib
import signal
import sys
import tempfile
import time
from pathlib import Path

from tinysae.commands import EXIT_BROKEN_PIPE, Parser, UsageError, silence_stdout
from tinysae.validation.constraints import check_option
from tinysae.runtime.interrupts import exit_status, signals_as_interrupts
from tinysae.runtime.locks import run_folder_lock

#: The UFLDL exercise's settings (``train.m``): what ``tinysae train`` does with no options.
DEFAULTS = {"images": "default", "patch_size": 8, "n_patches": 10000, "n_hidden": 25,
            "sparsity_target": 0.01, "weight_decay": 1e-4, "sparsity_weight": 3.0,
            "max_iter": 400, "seed": 0, "whiten": True, "downsample": "auto"}

#: Options that describe the run; ``--resume`` takes them from the checkpoint instead.
RUN_OPTIONS = tuple(k for k in DEFAULTS if k != "max_iter") + ("out",)

DESCRIPTION = """\
Learn edge detectors from natural images, as in the UFLDL sparse autoencoder exercise:
photos -> whitening -> 10000 random 8x8 patches -> L-BFGS -> a grid of 25 filters.

Writes model.npz, config.json, filters.png and loss.png into the output folder, saving a
checkpoint there every --checkpoint-every iterations. Ctrl-C (or SIGTERM, SIGHUP) saves a
final checkpoint and exits with status 128 + signal (130 for Ctrl-C); continue with:
tinysae train --resume FOLDER
(L-BFGS's curvature memory restarts at the checkpoint, so the loss curve may show a kink).
"""


def main(argv):
    """Run ``tinysae train`` with the arguments after the command word; the exit status."""
    with signals_as_interrupts() as received:
        try:
            return _train_command(build_parser().parse_args(argv), received)
        except KeyboardInterrupt:  # before training started, or while drawing the pictures
            name = signal.Signals(exit_status(received) - 128).name
            print(f"tinysae train: interrupted ({name}).", file=sys.stderr)
            return exit_status(received)


def _path(text):
    """An option's path; an empty one is refused (it would silently mean the current folder)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no file or folder")
    return Path(text)


def _downsample(text):
    """'auto' or an integer (its range is checked with the other options)."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'auto' or an integer >= 1, not {text!r}") from None


def _word_or_path(text):
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no file or folder")
    return text


def build_parser():
    """The argument parser of ``tinysae train``."""
    t = Parser(prog="tinysae train", description=DESCRIPTION,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    d = t.add_argument_group("data")
    d.add_argument("--images", type=_word_or_path, metavar="SOURCE", help="'default' (photo shipped with "
                   "matplotlib), 'skimage' (plus scikit-image's photos), a folder of PNG/JPEG "
                   "photos, or an IMAGES.mat file (already whitened) [default: default]")
    d.add_argument("--downsample", type=_downsample, metavar="N",
                   help="average each photo over N x N blocks first (1: as it is); 'auto' "
                   "picks N from each photo's size, at least 2, so that JPEG blocks and "
                   "sensor noise are not learned [default: auto]")
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
    r.add_argument("--out", type=_path, metavar="FOLDER",
                   help="output folder [default: runs/<date>-<time>]")
    r.add_argument("--resume", type=_path, metavar="FOLDER",
                   help="continue the run saved in FOLDER (its settings, its data)")
    r.add_argument("--force", action="store_true", help="with --resume: go on even if the "
                   "data no longer give the checkpoint's loss (changed photos)")
    r.add_argument("--checkpoint-every", type=int, default=25, metavar="N",
                   help="save a checkpoint every N iterations [default: 25]")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return t


def _train_command(args, received):
    """Check the options, make the data, train, draw; returns the exit status."""
    from tinysae.ufldl_experiment import patches_for, resume_run, start_run

    given = [k for k in RUN_OPTIONS if getattr(args, k) is not None]
    if args.resume is not None and given:
        raise UsageError("tinysae train: error: --resume continues a run with its own "
                         f"settings; drop --{given[0].replace('_', '-')}")
    if args.force and args.resume is None:
        raise UsageError("tinysae train: error: --force only goes with --resume")
    settings = _check_settings({k: (DEFAULTS[k] if getattr(args, k) is None
                                    else getattr(args, k)) for k in DEFAULTS})
    every = check_option("--checkpoint-every", args.checkpoint_every)
    t0 = time.perf_counter()
    if args.resume is not None:
        folder = args.resume.parent if args.resume.is_file() else args.resume

        def run():
            result, _, data = resume_run(folder, max_iter=args.max_iter, force=args.force,
                                         checkpoint_every=every, verbose=not args.quiet)
            return result, data
    else:
        if args.out is not None:
            _refuse_to_overwrite(args.out)  # before the photos are read
        X, data = patches_for(settings)  # (n, p²)
        folder = _output_folder(args.out)

        def run():
            _refuse_to_overwrite(folder)  # again, now that no other run can write here
            print(f"Output folder: {folder}", flush=True)
            return start_run(X, data, settings, folder, checkpoint_every=every,
                             verbose=not args.quiet), data
    with _locked(folder):
        try:
            result, data = run()
            return _report(result, folder, data, args, received, t0)
        except BrokenPipeError:
            return _output_closed(folder)


def _locked(folder):
    """The run lock on ``folder`` (a missing folder is left to the loader to report)."""
    return run_folder_lock(folder) if Path(folder).is_dir() else contextlib.nullcontext()


def _report(result, folder, data, args, received, t0):
    """After training: the pictures and the summary, or how to continue; the exit status."""
    from tinysae.ufldl_experiment import write_pictures

    if result.interrupted:
        name = signal.Signals(exit_status(received) - 128).name
        print(f"tinysae train: interrupted ({name}) at iteration {result.iteration}; "
              f"checkpoint saved in {folder}. Continue with: tinysae train --resume {folder}",
              file=sys.stderr)
        return exit_status(received)
    scores = write_pictures(result, folder, data["patch_size"])
    n = scores.is_edge_like.size
    loss = f": J = {result.loss:.6g}" if args.quiet else ""  # else the run's last line has it
    print(f"Trained {n} hidden units for {result.iteration} iterations "
          f"({time.perf_counter() - t0:.1f} s in all){loss}")
    print(f"Edge-like filters: {scores.n_edge_like} of {n} ({scores.fraction_edge_like:.0%})")
    print(f"Wrote {folder}/: model.npz, config.json, filters.png, loss.png", flush=True)
    return 0


def _output_closed(folder):
    """The reader of our output went away (``| head``): say so on stderr, exit 141."""
    silence_stdout()
    saved = (f"checkpoint saved in {folder}. Continue with: tinysae train --resume {folder}"
             if (Path(folder) / "model.npz").is_file() else "nothing was trained")
    print(f"tinysae train: stopped: the output was closed (broken pipe); {saved}",
          file=sys.stderr)
    return EXIT_BROKEN_PIPE


def _check_settings(settings):
    """The options' values, checked against :mod:`tinysae.validation.constraints` with the option's
    name in the message, then together: what the pictures, a model file and the patch
    budget need, so that nothing fails after training."""
    from tinysae.measures.edge_score import check_filter_shape
    from tinysae.runtime.budgets import MAX_PARAMETERS
    from tinysae.training.model_files import check_size
    from tinysae.ufldl_experiment import check_patch_budget

    from tinysae.data.photos import check_downsample

    checked = {name: check_option("--" + name.replace("_", "-"), value)
               for name, value in settings.items() if name not in ("images", "downsample")}
    checked["downsample"] = check_downsample(settings["downsample"], "--downsample")
    p = checked["patch_size"]
    check_filter_shape("--patch-size", (p, p), p)
    check_size(p * p, checked["n_hidden"], name="--patch-size" if p * p * 3 > MAX_PARAMETERS
               else "--n-hidden")  # 3 p² + 1: the model's size with one hidden unit
    check_patch_budget(checked["n_patches"], p, name="--n-patches", n_hidden=checked["n_hidden"])
    return checked | {"images": settings["images"]}


def _output_folder(out):
    """Create the output folder (default ``runs/<date>-<time>``); refuse to overwrite a model."""
    from tinysae.ufldl_experiment import new_run_folder

    if out is None:  # a new folder, even for runs started in the same second
        out = new_run_folder(Path("runs") / time.strftime("%Y%m%d-%H%M%S"))
    _refuse_to_overwrite(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):  # a new file of its own: no planted link followed
            pass
    except OSError as error:
        raise OSError(f"cannot write to the output folder '{out}': "
                      f"{error.strerror or error}") from None
    return out


def _refuse_to_overwrite(out):
    if (out / "model.npz").exists():
        raise UsageError(f"tinysae train: error: --out {out} already holds a model; continue "
                         f"it with --resume {out} or choose another folder")
