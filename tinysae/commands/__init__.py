"""The commands of ``tinysae`` (see :mod:`tinysae.cli`), one module each with ``main(argv)``:
``train``, ``show``, ``lessons``, ``notebooks``, ``exercises``, ``grade``, ``gradcheck``, and
``bench`` (a package: the command, its timing, its kernels).
"""
