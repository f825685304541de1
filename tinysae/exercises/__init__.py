"""Students write the model themselves: starter files with blanks, a grader, the class demo.

The reference (:mod:`tinysae.model.sparse_autoencoder`, :mod:`tinysae.modern.sae`,
:mod:`tinysae.modern.jumprelu`) is the answer key. Modules, in the order a student meets
them:

- :mod:`~tinysae.exercises.starter` — ``tinysae exercises DIR``: the starter folder, its
  files with blanks made from the reference's docstrings, its README
  (:mod:`~tinysae.exercises.starter_texts`: the fixed texts and scripts);
- :mod:`~tinysae.commands.grade` — ``tinysae grade DIR [DIR ...]``: one row per step;
  :mod:`~tinysae.exercises.grading` runs the steps of
  :mod:`~tinysae.exercises.classic_steps` and :mod:`~tinysae.exercises.modern_steps`
  (shared parts in :mod:`~tinysae.exercises.steps`) on the student's code, which runs in a
  process of its own (:mod:`~tinysae.exercises.student_code` in the grader,
  :mod:`~tinysae.exercises.child` in the student's process, talking in the plain-data
  format of :mod:`~tinysae.exercises.wire`; :mod:`~tinysae.exercises.student_source` reads
  the file without running it), and :mod:`~tinysae.exercises.compare` says where and why an
  output differs;
- :mod:`~tinysae.exercises.mistakes` — the usual mistakes, which the grader names and
  :mod:`~tinysae.commands.gradcheck` (``tinysae gradcheck --bug NAME``, the class demo)
  plants.
"""
