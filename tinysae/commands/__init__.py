"""The commands of ``tinysae`` (see :mod:`tinysae.cli`), one module each with ``main(argv)``:
``train``, ``show``, ``notebooks`` and ``lessons`` here; ``bench`` in :mod:`tinysae.bench`;
``exercises``, ``grade`` and ``gradcheck`` in :mod:`tinysae.exercises`.
"""
