"""The data: photographs in, training rows out. Never imports the model's equations.

- :mod:`~tinysae.data.photos` — the photo shipped with matplotlib, scikit-image's, your folder;
- :mod:`~tinysae.data.image_files` — your PNG/JPEG files, by content, sizes checked before decoding;
- :mod:`~tinysae.data.olshausen_mat` and :mod:`~tinysae.data.mnist_idx` — data files you bring
  (each within a memory budget decided before decoding);
- :mod:`~tinysae.data.whitening` — Olshausen–Field whitening of whole images, power spectra;
- :mod:`~tinysae.data.patches` — random patches as rows, UFLDL's normalisation;
- :mod:`~tinysae.data.pca_zca` — PCA and ZCA whitening of rows (colour patches, lesson 07).
"""
