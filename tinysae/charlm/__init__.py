"""A character-level language model of Python source, by hand: the real network of lessons 10 and 11.

Modules, in the order the lessons use them:

- :mod:`~tinysae.charlm.corpus` — the standard library's own source as text, split by file;
- :mod:`~tinysae.charlm.bigram` — the baseline to beat: p(next character | this one);
- :mod:`~tinysae.charlm.model` — embeddings → GELU neurons → softmax, each step's backward
  beside it;
- :mod:`~tinysae.charlm.training` — Adam on random windows, bits per character;
- :mod:`~tinysae.charlm.activations` — the neurons on text, sampled for an SAE, spliced;
- :mod:`~tinysae.charlm.properties` — what a position in Python source is (in a string, …);
- :mod:`~tinysae.charlm.dashboards` — a unit's top contexts, histogram and logit effect.
"""

from tinysae.charlm.activations import (  # noqa: F401
    activation_sampler,
    all_layer_activations,
    loss_recovered,
    neuron_activations,
    spliced_bits,
)
from tinysae.charlm.bigram import bigram_bits_per_character, fit_bigram  # noqa: F401
from tinysae.charlm.corpus import (  # noqa: F401
    CHARACTERS,
    FILE_SEPARATOR,
    OTHER,
    VOCABULARY,
    Corpus,
    decode,
    encode,
    stdlib_corpus,
    stdlib_files,
)
from tinysae.charlm.dashboards import (  # noqa: F401
    Dashboard,
    best_units,
    detection_title,
    top_positions,
    unit_dashboard,
)
from tinysae.charlm.model import (  # noqa: F401
    context_of,
    cross_entropy,
    gelu,
    gelu_derivative,
    init_lm,
    lm_forward,
    lm_loss_and_grad,
    logits_from,
    n_layers_of,
)
from tinysae.charlm.properties import (  # noqa: F401
    PROPERTIES,
    corpus_properties,
    position_properties,
)
from tinysae.charlm.training import (  # noqa: F401
    LMResult,
    bits_per_character,
    random_positions,
    train_lm,
    valid_positions,
    windows_at,
)
