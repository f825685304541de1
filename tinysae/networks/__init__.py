"""A character-level language model of Python source, by hand: the real network of lessons 10 and 11.

Modules, in the order the lessons use them:

- :mod:`~tinysae.networks.corpus` — the standard library's own source as text, split by file;
- :mod:`~tinysae.networks.bigram` — the baseline to beat: p(next character | this one);
- :mod:`~tinysae.networks.char_mlp` — embeddings → GELU neurons → softmax, each step's backward
  beside it;
- :mod:`~tinysae.networks.training` — Adam on random windows, bits per character;
- :mod:`~tinysae.networks.activations` — the neurons on text, sampled for an SAE, spliced;
- :mod:`~tinysae.networks.properties` — what a position in Python source is (in a string, …);
- :mod:`~tinysae.networks.dashboards` — a unit's top contexts, histogram and logit effect;
- :mod:`~tinysae.networks.transformer` — a small GPT-style transformer, each step's backward
  beside it, with TransformerLens' names (lesson 12); its gradient checked block by block
  (:mod:`~tinysae.networks.transformer_gradcheck`), trained
  (:mod:`~tinysae.networks.transformer_training`), read and spliced at named hooks
  (:mod:`~tinysae.networks.transformer_hooks`) and exported for TransformerLens
  (:mod:`~tinysae.networks.transformer_export`).
- :mod:`~tinysae.networks.interventions` — edit the neurons while the model runs: ablate or
  clamp a feature, generate text, the shift of the next character.
"""

from tinysae.networks.activations import (  # noqa: F401
    activation_sampler,
    all_layer_activations,
    loss_recovered,
    neuron_activations,
    spliced_bits,
)
from tinysae.networks.bigram import (  # noqa: F401
    bigram_bits_per_character,
    fit_bigram,
    fit_unigram,
    unigram_bits_per_character,
)
from tinysae.networks.corpus import (  # noqa: F401
    CHARACTERS,
    FILE_SEPARATOR,
    OTHER,
    VOCABULARY,
    Corpus,
    ids_to_text,
    stdlib_corpus,
    stdlib_files,
    text_to_ids,
)
from tinysae.networks.dashboards import (  # noqa: F401
    Dashboard,
    best_units,
    detection_title,
    top_positions,
    unit_dashboard,
)
from tinysae.networks.char_mlp import (  # noqa: F401
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
from tinysae.networks.interventions import (  # noqa: F401
    ablate_direction,
    clamp_direction,
    generate,
    kl_bits,
    next_character_probabilities,
    random_unit_directions,
)
from tinysae.networks.properties import (  # noqa: F401
    PROPERTIES,
    corpus_properties,
    position_properties,
)
from tinysae.networks.training import (  # noqa: F401
    LMResult,
    bits_per_character,
    random_positions,
    train_lm,
    valid_positions,
    windows_at,
)
from tinysae.networks.transformer import (  # noqa: F401
    config_of,
    init_transformer,
    transformer_forward,
    transformer_loss_and_grad,
)
from tinysae.networks.transformer_export import (  # noqa: F401
    export_transformerlens,
    transformerlens_config,
)
from tinysae.networks.transformer_hooks import (  # noqa: F401
    activations_at,
    hook_names,
    hook_sampler,
    run_with_cache,
    run_with_hooks,
    splice_rows,
    transformer_bits_per_character,
)
from tinysae.networks.transformer_training import train_transformer  # noqa: F401
