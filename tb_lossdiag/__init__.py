"""tb-lossdiag: diagnose training loss curves logged for TensorBoard.

The package is laid out by role:

- ``reading``: event files -> :class:`~tb_lossdiag.series.Series` (I/O only).
- ``pairing``: run/tag names -> experiments (train + validation pairs).
- ``detectors``: one pure function per pathology, arrays in, findings out.
- ``compare``: a run against a baseline run.
- ``engine``: runs the detectors over experiments and builds the JSON document.
- ``cli`` and ``plugin``: thin layers over the engine.
"""

__version__ = "0.1.0"
