"""Modern sparse autoencoders for interpretability: ReLU + L1 and TopK, crosscoders, metrics, export.

Adam is :mod:`tinysae.training.adam`; detection is :mod:`tinysae.measures.detection`;
the lessons' tables and figures are :mod:`tinysae.pictures.sae_plots`.

The classic model's symbols and names carry over: n_h latents (``n_latents``), β the
sparsity weight (``sparsity_weight``, here on L1), W1/W2/b1/b2 and θ laid out alike.
Modules, in the order lessons 08 and 09 use them:

- :mod:`~tinysae.modern.superposition` — sparse data with known ground-truth features (and
  a hierarchy of them, for feature absorption);
- :mod:`~tinysae.modern.sae` — the model: forward, each cost term beside its derivative,
  hand-written backward, unit-norm decoder;
- :mod:`~tinysae.modern.training` — minibatch training, dead-latent detection and resampling;
- :mod:`~tinysae.modern.fast_step` — the same training step near the BLAS floor (what
  ``train_sae`` runs), with its equations per share of rows in ``fast_step_blocks``;
- :mod:`~tinysae.modern.metrics` — MMCS, features recovered, L0, FVU, dead latents;
- :mod:`~tinysae.modern.baseline` — the 2008 sigmoid + KL model on the same data;
- :mod:`~tinysae.modern.crosscoder` — one dictionary for several layers, by hand;
- :mod:`~tinysae.modern.crosscoder_training` — its minibatch training;
- :mod:`~tinysae.modern.export` — a SAELens-style folder (``cfg.json`` and the weights);
- :mod:`~tinysae.modern.saelens_files` — reading such a folder back, trusting nothing in it;
- :mod:`~tinysae.modern.auxk`, :mod:`~tinysae.modern.jumprelu`,
  :mod:`~tinysae.modern.batchtopk` — today's SAEs (lesson 13): TopK + AuxK, JumpReLU with
  its L0 penalty and pseudo-derivative, BatchTopK and Matryoshka, each forward beside its
  backward; :mod:`~tinysae.modern.architecture_training` trains any of them and
  :mod:`~tinysae.modern.architecture_checks` holds their gradient checks.
"""

from tinysae.modern.architecture_training import (  # noqa: F401
    ARCHITECTURES,
    ArchitectureResult,
    architecture_forward,
    train_architecture,
)
from tinysae.modern.baseline import train_2008  # noqa: F401
from tinysae.modern.crosscoder import (  # noqa: F401
    crosscoder_forward,
    crosscoder_loss_and_grad,
    decoder_norms,
    init_crosscoder,
    relative_decoder_norms,
)
from tinysae.modern.crosscoder_training import CrosscoderResult, train_crosscoder  # noqa: F401
from tinysae.modern.export import export_architecture, export_saelens, saelens_config  # noqa: F401
from tinysae.modern.saelens_files import load_saelens  # noqa: F401
from tinysae.modern.metrics import (  # noqa: F401
    RECOVERY_THRESHOLD,
    cosine_similarities,
    dead_latents,
    evaluate,
    firing_frequencies,
    fraction_recovered,
    fvu,
    l0,
    max_cosines,
    mmcs,
    summary,
)
from tinysae.modern.sae import (  # noqa: F401
    activate,
    encode,
    init_sae,
    kink_margin,
    normalize_columns,
    remove_parallel_component,
    sae_forward,
    sae_loss_and_grad,
)
from tinysae.modern.superposition import (  # noqa: F401
    HierarchySampler,
    Sampler,
    firing_probabilities,
    ground_truth_features,
    hierarchy_sampler,
    sample_superposition,
    sampler,
)
from tinysae.modern.training import SAEResult, resample_dead, train_sae  # noqa: F401
