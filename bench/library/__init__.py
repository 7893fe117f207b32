"""A known-answer library of real training runs, in the spirit of ruptures' ``datasets``.

``python -m bench.library DIR [--jobs 2] [--only PATTERN]`` trains small models
on CPU (PyTorch and Keras, one thread per process) on data that ships with a
package (scikit-learn's bundled and generated tables, and a byte-level text
cut from Python's own standard library), logs each run with a real writer in
the layout its framework uses, and writes ``DIR/labels.json``::

    {"experiments": {NAME: {"expected": [kinds], "allowed": [kinds], "onset_step": int | None,
                            "spike_steps": [int], "split": "tune" | "test", "dataset": str, "seed": int,
                            "framework": str, "layout": str, "description": str, "measured": {...}}}}

``NAME`` is the experiment name tb-lossdiag's pairing gives the run (the
folder holding ``train/`` and ``validation/`` for Keras, the run folder for
single-run layouts). ``expected`` kinds must be found; ``allowed`` kinds may be.

Every pathology is caused by construction (an LR burst or cut, a tiny
training set, a dead network, ...), and every label is then verified on the
curves read back from the written event files (:mod:`.label`, with the facts
of :mod:`.measure` stored under ``measured``): a run whose files do not show
its intended behaviour is relabelled or dropped, and the build prints which
and why. tb-lossdiag's detectors are never used to label.

The tune/test split is fixed by dataset and seed, so each (dataset, seed)
group goes wholly to one split: runs on ``iris`` and ``moons`` are always in
``test`` (data never tuned on); the others go to ``test`` for an odd seed and
to ``tune`` for an even one (:func:`.label.split_of`). Choose parameters on
``tune``; report ``test``.

Runs are seeded, so a build is reproducible on one machine and library
version (the byte-level text is the installed Python's own source). A run is
cached by the hash of its config and :data:`.config.GENERATOR_VERSION`.

Modules, by role: :mod:`.config` (a run's config, the LR schedule),
:mod:`.scenarios` (the catalogue of runs), :mod:`.data` and :mod:`.stream`
(datasets and the batch sequence), :mod:`.torch_train` and :mod:`.keras_train`
(training loops), :mod:`.writers` (the PyTorch-side layouts), :mod:`.measure`
and :mod:`.label` (measured facts, verification, split), :mod:`.build` (the
command).
"""
