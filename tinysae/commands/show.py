"""``tinysae show``: the filter grid, the loss curve and the ρ̂ histogram of a saved model.

``tinysae show PATH`` takes a run folder (as ``tinysae train`` writes it) or a model file and
writes ``filters.png`` (or ``decoder_filters.png``), ``loss.png`` and ``rho_hat.png`` into
a ``show/`` folder beside the model (or into ``--out``, created if missing), so that what
``tinysae train`` wrote into the run folder is never overwritten; ``--window`` shows them
instead. The loss curve comes
from the run's record of J, the ρ̂ histogram from the hidden activations on the training
patches, which a run of ``tinysae train`` can make again from its record of the data; a
model without those records gets the pictures it can have, and a note says why not the
others. The drawing is :func:`tinysae.pictures.model_pictures.plot_model`.
"""

import argparse
from pathlib import Path

from tinysae.commands import Parser, UsageError, path_argument
from tinysae.pictures.model_pictures import SORT_KEYS, WEIGHTS

DESCRIPTION = """\
Draw a saved model: its filters as a grid (filters.png, or decoder_filters.png with
--weights W2T), its loss curve (loss.png) and the histogram of its hidden units' mean
activations (rho_hat.png). PATH is a run folder written by 'tinysae train' or a model file.
The pictures go into a show/ folder beside the model (or --out), never over the run's own.
"""


def main(argv):
    """Run ``tinysae show`` with the arguments after the command word; the exit status."""
    return show(build_parser().parse_args(argv))


def build_parser():
    """The argument parser of ``tinysae show``."""
    s = Parser(prog="tinysae show", description=DESCRIPTION,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("path", type=path_argument, metavar="PATH", help="a run folder or a model file (.npz)")
    s.add_argument("--weights", choices=WEIGHTS, default="W1",
                   help="W1: the encoder's filters (rows of W1); W2T: the decoder's (columns "
                        "of W2) [default: W1]")
    s.add_argument("--sort", choices=SORT_KEYS, default="none",
                   help="order the tiles by edge score or by mean activation ρ̂, largest "
                        "first [default: none]")
    s.add_argument("--labels", action="store_true", help="write each filter's edge score on its tile")
    s.add_argument("--fade-dead", action="store_true",
                   help="draw dead units (never a2 > 1/2 on the training patches) faded")
    s.add_argument("--patch-shape", metavar="HxW[x3]",
                   help="the shape of one filter, e.g. 6x10 or 8x8x3 (default: the run's "
                        "patch size, else p x p or p x p x 3)")
    s.add_argument("--out", type=path_argument, metavar="FOLDER",
                   help="where to write the pictures, created if missing; not a run folder "
                        "[default: show/ beside the model]")
    s.add_argument("--window", action="store_true",
                   help="show the pictures in windows instead of writing them (needs a display)")
    return s


def show(args):
    """Load, remake the activations if the run recorded its data, draw, write or show."""
    from tinysae import hidden_activations, load
    from tinysae.pictures.model_pictures import plot_model

    params, config = load(args.path)
    folder = args.path if args.path.is_dir() else args.path.parent
    patch_shape = parse_patch_shape(args.patch_shape) or recorded_patch_shape(config)
    out = None if args.window else output_folder(args.out, folder)
    X, why_not = training_patches(config)
    a2 = None if X is None else hidden_activations(params, X)  # (m, n_h)
    if a2 is None and (args.sort == "activation" or args.fade_dead):
        wanted = "--sort activation" if args.sort == "activation" else "--fade-dead"
        raise ValueError(f"{wanted} needs the training patches, but {why_not}")
    history = config.get("history")
    figures = plot_model(params, history=history if history else None, a2=a2,
                         patch_shape=patch_shape, weights=args.weights, sort=args.sort,
                         labels=args.labels, fade_dead=args.fade_dead,
                         target=config.get("sparsity_target"),
                         width=10.0 if params["W1"].shape[0] > 100 else 6.0)
    if not history:
        print("tinysae show: no loss curve: the model file holds no record of J")
    if a2 is None:
        print(f"tinysae show: no ρ̂ histogram: {why_not}")
    if args.window:
        return show_in_windows()
    names = {"filters": "filters.png" if args.weights == "W1" else "decoder_filters.png",
             "loss": "loss.png", "rho_hat": "rho_hat.png"}
    from tinysae.pictures.plots import save_figure

    written = [save_figure(fig, out / names[key], close=True).name for key, fig in figures.items()]
    print(f"Wrote {out}/: {', '.join(written)}")
    return 0


def parse_patch_shape(text):
    """``"6x10"`` → (6, 10), ``"8x8x3"`` → (8, 8, 3); None stays None."""
    if text is None:
        return None
    try:
        shape = tuple(int(side) for side in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) not in (2, 3) or min(shape) < 1 or (len(shape) == 3 and shape[2] != 3):
        raise UsageError("tinysae show: error: --patch-shape must be HxW or HxWx3 with "
                         f"positive integers, e.g. 8x8 or 8x8x3. Got {text!r} instead.")
    return shape


def recorded_patch_shape(config):
    """(p, p) from a run's data record, or None (then the grid guesses p×p or p×p×3)."""
    data = config.get("data")
    p = data.get("patch_size") if isinstance(data, dict) else None
    if isinstance(p, int) and p >= 1 and p * p == config["n_visible"]:
        return (p, p)
    return None


def training_patches(config):
    """``(X, None)``: the run's training patches made again; or ``(None, why not)``."""
    from tinysae.commands import one_line
    from tinysae.ufldl_experiment import recorded_patches

    try:
        return recorded_patches(config)[0], None  # (m, n_v)
    except (OSError, ValueError, ImportError) as error:
        return None, one_line(error)


#: The folder beside the model that ``tinysae show`` writes into when no ``--out`` is given.
SHOW_FOLDER = "show"


def output_folder(out, model_folder):
    """Where the pictures go, created if missing: ``out``, or ``model_folder/show``.

    A folder holding a model (a run folder) is refused as ``out``: its ``filters.png`` and
    ``loss.png`` are the run's own, written by ``tinysae train``, and stay as they are.
    """
    folder = Path(model_folder) / SHOW_FOLDER if out is None else Path(out)
    if out is not None and (folder / "model.npz").exists():
        raise ValueError(f"--out '{out}' holds a model, and its pictures are the run's own; "
                         f"choose another folder (without --out they go into "
                         f"'{folder / SHOW_FOLDER}')")
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"'{folder}' is a file, not a folder to write the pictures into.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the folder '{folder}': {error.strerror or error}") from None
    return folder


def show_in_windows():
    """``plt.show()`` if matplotlib has a backend that opens windows; else a one-line error."""
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend().lower()
    if backend in ("agg", "pdf", "ps", "svg", "cairo", "template") or "inline" in backend:
        raise OSError(f"--window needs a display, and matplotlib's backend here is "
                      f"'{backend}', which cannot open windows; drop --window to write files")
    plt.show()
    return 0
