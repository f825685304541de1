"""Students write the model themselves: starter files with blanks, a grader, the class demo.

The reference (:mod:`tinysae.model.sparse_autoencoder`, :mod:`tinysae.modern.sae`) is the
answer key. Modules, in the order a student meets them:

- :mod:`~tinysae.exercises.starter` — ``tinysae exercises DIR``: the starter folder;
  :mod:`~tinysae.exercises.blanks` makes its files with blanks from the reference's
  docstrings, :mod:`~tinysae.exercises.student_readme` its README.md;
- :mod:`~tinysae.commands.grade` — ``tinysae grade DIR``: one row per step;
  :mod:`~tinysae.exercises.grading` runs the steps of
  :mod:`~tinysae.exercises.classic_steps` and :mod:`~tinysae.exercises.modern_steps`
  (shared parts in :mod:`~tinysae.exercises.steps`) on the student's code, imported and
  called by :mod:`~tinysae.exercises.student_code`, and
  :mod:`~tinysae.exercises.compare` says where and why an output differs;
- :mod:`~tinysae.exercises.mistakes` — the usual mistakes, which the grader names and
  :mod:`~tinysae.commands.gradcheck` (``tinysae gradcheck --bug NAME``, the class demo)
  plants.
"""
