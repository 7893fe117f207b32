"""Real training runs that show each loss-curve behaviour, logged to TensorBoard, with labels.

Small Keras models on datasets bundled with scikit-learn (no download) really
overfit, underfit, plateau, spike and diverge; the runs are written in the
Keras callback layout and in a PyTorch-style single-run layout, and
``labels.json`` says what a correct diagnosis must find in each.
"""

from __future__ import annotations

from collections.abc import Iterable


def write(outdir: str, only: Iterable[str] | None = None, variants: int = 0) -> dict:
    """Write the demo runs missing under ``outdir``; return the labels document.

    ``only`` restricts to some scenarios (``"overfitting"``, ...);
    ``variants`` adds that many extra seeds/datasets/widths of each scenario
    under ``variants/seed<k>/``. TensorFlow is imported only when called.
    """
    from .runs import write as write_runs

    return write_runs(outdir, only=only, variants=variants)
