"""Lesson 03 — natural images: whitening, the power spectrum, and training patches.

Goal: see why the sparse autoencoder is not trained on raw photos. A photo's power
spectrum falls roughly as 1/f² (most of its variance is in slow, large-scale shading), so
a model that reconstructs raw pixels spends itself on brightness gradients. Olshausen &
Field's whitening filter R(f) = f·exp(−(f/f0)⁴), f0 = 0.4·N cycles/picture, flattens the
spectrum; what is left is edges and texture. Then random 8×8 patches are cut from the
whitened photos and normalised as in UFLDL (each patch's mean removed, clipped at ±3σ,
rescaled to [0.1, 0.9] to suit sigmoid outputs).

Command:   python lessons/03_natural_images.py          (add --quick for the test suite)
Full run:  1.8 s on 2 cores, 2.0 s of CPU (`tinysae bench --lessons 03`).

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
- 03_jpeg_blocks.png: why every photo is averaged over 2 × 2 blocks first (the photo is
  300 × 256 above, not the 600 × 512 of the JPEG). Left, the spectrum of the steps
  between neighbouring columns: the JPEG as it is has a peak at 2/8 cycle per pixel, 15.5×
  its neighbours (4.6× at 1/8), because a JPEG codes each 8 × 8 block on its own and its
  steps are larger across block borders; averaged, 0.9× and 1.0×: no peak. Right, the 64
  DCT basis images each block is coded with: gratings that fill the block, which a sparse
  autoencoder can learn from unaveraged JPEGs instead of edges. The edge measure calls
  none of the 63 non-flat ones edge-like (median localisation 0.00): they are oriented,
  but not localised.

Reference picture: lessons/figures/03_patches.png; lessons/README.md has it with the full
run's numbers and questions to try.
"""

# %%
import numpy as np

from tinysae import (WHITENED_VARIANCE, dct_basis, edge_scores, load_images, peak_ratio,
                     plot_patches_side_by_side, plot_power_spectra, plot_step_spectra,
                     plot_whitening, radial_power_spectrum, sample_patches, spectrum_slope,
                     step_spectrum, whiten_images)
from tinysae.lessonkit import lesson_args

# %% [markdown]
# ## Hyperparameters

# %%
IMAGE_SOURCE = "default"  # "default": Grace Hopper; "skimage": more photos (tinysae[images])
DOWNSAMPLE = "auto"       # average each photo over N × N blocks first ("auto": 2 here; 1: as is)
PATCH_SIZE = 8            # p: patches are p × p pixels
N_PATCHES = 10000         # patches sampled from the whitened photos (UFLDL: 10000)
N_SHOW = 100              # patches drawn in the montage
SEED = 0                  # one seed for every random choice

args = lesson_args(__doc__, "03_natural_images")
if args.quick:
    N_PATCHES = 1000
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The photos, and the same photos whitened
# Whitening flattens the power spectrum: flat regions go mid-grey, outlines stay.

# %%
photos = load_images(IMAGE_SOURCE, downsample_by=DOWNSAMPLE)  # list of (H, W) in [0, 1]
whitened = whiten_images(photos)  # list of (N, N), mean 0, variance 0.1
for photo, white in zip(photos, whitened):
    print(f"photo {photo.shape}, variance {photo.var():.4f}  ->  whitened {white.shape}, "
          f"variance {white.var():.4f} (target {WHITENED_VARIANCE})")
args.save(plot_whitening(photos[0], whitened[0]), "03_whitening.png")

# %% [markdown]
# ## The radially averaged power spectrum, before and after
# A straight line on log-log axes is a power law; its slope says how fast power falls.

# %%
f, power_photo = radial_power_spectrum(photos[0])  # (N // 2,) cycles/picture, power
_, power_white = radial_power_spectrum(whitened[0])  # (N // 2,)
slopes = spectrum_slope(photos[0]), spectrum_slope(whitened[0])
print(f"log-log slope of the power spectrum: photo {slopes[0]:.2f}, whitened {slopes[1]:.2f}")
args.save(plot_power_spectra(f, power_photo, power_white, slopes), "03_power_spectrum.png")

# %% [markdown]
# ## Patches: normalised as in UFLDL, from the raw and from the whitened photos
# Each patch's mean removed, clipped at ±3σ, scaled into [0.1, 0.9].

# %%
patches_raw = sample_patches(photos, N_PATCHES, PATCH_SIZE, rng=rng)  # (n, p²) in [0.1, 0.9]
patches = sample_patches(whitened, N_PATCHES, PATCH_SIZE, rng=rng)  # (n, p²) in [0.1, 0.9]
for name, P in (("raw", patches_raw), ("whitened", patches)):
    clipped = np.mean(np.isclose(P, 0.1) | np.isclose(P, 0.9))  # share of values at the clip
    print(f"{name:>8} patches {P.shape}: values in [{P.min():.2f}, {P.max():.2f}], "
          f"mean {P.mean():.3f}, {clipped:.1%} of values clipped at ±3σ")
shown = rng.choice(N_PATCHES, size=N_SHOW, replace=False)  # (N_SHOW,) the same rows of both
args.save(plot_patches_side_by_side({"from the raw photo": patches_raw[shown],
                                     "from the whitened photo": patches[shown]},
                                    (PATCH_SIZE, PATCH_SIZE), n_show=N_SHOW),
          "03_patches.png", main=True)

# %% [markdown]
# ## Why every photo is averaged over 2 × 2 blocks first
# A JPEG codes each 8 × 8 block of pixels on its own, as a sum of the 64 DCT basis images
# (gratings that fill the block), so the steps between neighbouring pixels are larger
# across block borders, every 8th column: the spectrum of those steps has peaks at 1/8
# cycle per pixel and its harmonics. Whitening amplifies exactly this high-frequency
# structure, and a sparse autoencoder on 8 × 8 patches can learn the blocks' gratings
# instead of edges. Averaging 2 × 2 blocks (what "auto" does for every photo) removes the
# peaks. The edge measure scores the DCT gratings as not edge-like: they are oriented and
# fit a flat Gabor well, but they are not localised.

# %%
full = load_images(IMAGE_SOURCE, downsample_by=1)[0]  # (H, W) as the JPEG decodes it
spectra = {f"as it is, {full.shape[0]}×{full.shape[1]}": step_spectrum(full),
           f"2 × 2 averaged, {photos[0].shape[0]}×{photos[0].shape[1]}": step_spectrum(photos[0])}
for name, (freq, power) in spectra.items():
    print(f"steps between columns, {name}: power at 1/8 and 2/8 cycle/pixel = "
          f"{peak_ratio(freq, power, 1 / 8):.1f}× and {peak_ratio(freq, power, 2 / 8):.1f}× "
          "their neighbours'")
gratings = dct_basis(PATCH_SIZE)[1:]  # (63, 64) the non-flat DCT basis images
dct_scores = edge_scores(gratings, (PATCH_SIZE, PATCH_SIZE))
print(f"DCT basis images called edge-like: {dct_scores.n_edge_like} of {len(gratings)} "
      f"(median localisation {np.median(dct_scores.localisation):.2f})")
args.save(plot_step_spectra(spectra, dct_basis(PATCH_SIZE)), "03_jpeg_blocks.png")
print(f"figures written to {args.out}")
