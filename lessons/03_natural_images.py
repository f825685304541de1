"""Lesson 03 — natural images: whitening, the power spectrum, and training patches.

Goal: see why the sparse autoencoder is not trained on raw photos. A photo's power
spectrum falls roughly as 1/f² (most of its variance is in slow, large-scale shading), so
a model that reconstructs raw pixels spends itself on brightness gradients. Olshausen &
Field's whitening filter R(f) = f·exp(−(f/f0)⁴), f0 = 0.4·N cycles/picture, flattens the
spectrum; what is left is edges and texture. Then random 8×8 patches are cut from the
whitened photos and normalised as in UFLDL (each patch's mean removed, clipped at ±3σ,
rescaled to [0.1, 0.9] to suit sigmoid outputs).

Command:   python lessons/03_natural_images.py          (add --quick for the test suite)

What you will see:
- 03_whitening.png: the photo before and after whitening. Flat regions go mid-grey and
  the outlines of the face, glasses and uniform stay: whitening is a gentle edge
  enhancer. (The bright frame at the border is the FFT treating the picture as periodic.)
- 03_power_spectrum.png: left, the radially averaged power spectrum on log-log axes. The
  photo falls as a straight line of slope about −2.7 (steeper than the textbook −2: the
  scan is slightly soft); the filter multiplies power by f², so the whitened spectrum
  has slope about −0.7 — much flatter, not perfectly flat — and drops past f0. Right,
  the filter R(f) that did it.
- 03_patches.png: 100 normalised patches from the raw photo next to 100 from the
  whitened photo (each drawn at its own contrast). Raw: a few strong edges hit the ±3σ
  clip as black-and-white blocks, the rest is faint shading and JPEG noise. Whitened:
  edges, bars and corners at every angle at a more even contrast — lesson 04 trains on
  these.
"""

import numpy as np
from matplotlib.figure import Figure

from tinysae import (WHITENED_VARIANCE, load_images, plot_patch_montage, radial_power_spectrum,
                     sample_patches, spectrum_slope, whiten_images, whitening_filter)
from tinysae.lessonkit import lesson_args
from tinysae.data.whitening import ROLLOFF_FRACTION

# %% Hyperparameters
IMAGE_SOURCE = "default"  # "default": Grace Hopper; "skimage": more photos (tinysae[images])
PATCH_SIZE = 8            # p: patches are p × p pixels
N_PATCHES = 10000         # patches sampled from the whitened photos (UFLDL: 10000)
N_SHOW = 100              # patches drawn in the montage
SEED = 0                  # one seed for every random choice

args = lesson_args(__doc__, "03_natural_images")
if args.quick:
    N_PATCHES = 1000
rng = np.random.default_rng(SEED)

# %% The photos, and the same photos whitened
photos = load_images(IMAGE_SOURCE)  # list of (H, W) in [0, 1]
whitened = whiten_images(photos)  # list of (N, N), mean 0, variance 0.1
for photo, white in zip(photos, whitened):
    print(f"photo {photo.shape}, variance {photo.var():.4f}  ->  whitened {white.shape}, "
          f"variance {white.var():.4f} (target {WHITENED_VARIANCE})")

fig = Figure(figsize=(9, 4.8), layout="constrained")
left, right = fig.subplots(1, 2)
left.imshow(photos[0], cmap="gray", vmin=0, vmax=1)
left.set_title(f"photo {photos[0].shape[0]}×{photos[0].shape[1]}")
limit = 3 * np.sqrt(WHITENED_VARIANCE)  # show ±3σ of the whitened pixels
right.imshow(whitened[0], cmap="gray", vmin=-limit, vmax=limit)
right.set_title(f"whitened {whitened[0].shape[0]}×{whitened[0].shape[1]} (mid-grey = 0)")
for ax in (left, right):
    ax.set_axis_off()
fig.savefig(args.out / "03_whitening.png", dpi=100)

# %% The radially averaged power spectrum, before and after
f, power_photo = radial_power_spectrum(photos[0])  # (N // 2,) cycles/picture, power
_, power_white = radial_power_spectrum(whitened[0])  # (N // 2,)
slope_photo, slope_white = spectrum_slope(photos[0]), spectrum_slope(whitened[0])
print(f"log-log slope of the power spectrum: photo {slope_photo:.2f}, whitened {slope_white:.2f}")
N = whitened[0].shape[0]
f0 = ROLLOFF_FRACTION * N
profile = whitening_filter(N)[0, : N // 2 + 1]  # (N // 2 + 1,)  R along one axis, f = 0..N/2

fig = Figure(figsize=(10, 4), layout="constrained")
left, right = fig.subplots(1, 2)
left.loglog(f, power_photo / power_photo[0], label=f"photo (slope {slope_photo:.1f})")
left.loglog(f, power_white / power_white[0], label=f"whitened (slope {slope_white:.1f})")
left.loglog(f, (f / f[0]) ** -2.0, "k:", lw=1, label="1/f² for reference")
left.axvline(f0, color="0.5", ls="--", lw=1, label=f"f0 = 0.4·N = {f0:.0f}")
left.set_xlabel("spatial frequency f (cycles/picture)")
left.set_ylabel("power (relative to f = 1)")
left.set_title("radially averaged power spectrum")
left.legend(fontsize=8)
right.plot(np.arange(N // 2 + 1), profile)
right.axvline(f0, color="0.5", ls="--", lw=1)
right.set_xlabel("spatial frequency f (cycles/picture)")
right.set_ylabel("R(f)")
right.set_title("whitening filter R(f) = f·exp(−(f/f0)⁴)")
fig.savefig(args.out / "03_power_spectrum.png", dpi=100)

# %% Patches: normalised as in UFLDL, from the raw and from the whitened photos
patches_raw = sample_patches(photos, N_PATCHES, PATCH_SIZE, rng=rng)  # (n, p²) in [0.1, 0.9]
patches = sample_patches(whitened, N_PATCHES, PATCH_SIZE, rng=rng)  # (n, p²) in [0.1, 0.9]
for name, P in (("raw", patches_raw), ("whitened", patches)):
    clipped = np.mean(np.isclose(P, 0.1) | np.isclose(P, 0.9))  # share of values at the clip
    print(f"{name:>8} patches {P.shape}: values in [{P.min():.2f}, {P.max():.2f}], "
          f"mean {P.mean():.3f}, {clipped:.1%} of values clipped at ±3σ")

fig = Figure(figsize=(9, 4.8), layout="constrained")
left, right = fig.subplots(1, 2)
shown = rng.choice(N_PATCHES, size=N_SHOW, replace=False)  # (N_SHOW,)
plot_patch_montage(patches_raw[shown], (PATCH_SIZE, PATCH_SIZE), n_show=N_SHOW, ax=left,
                   title="from the raw photo")
plot_patch_montage(patches[shown], (PATCH_SIZE, PATCH_SIZE), n_show=N_SHOW, ax=right,
                   title="from the whitened photo")
fig.savefig(args.out / "03_patches.png", dpi=100)
print(f"figures written to {args.out}")
