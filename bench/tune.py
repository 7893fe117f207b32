"""Choose a detector's parameters on the known-answer library's tune split.

Usage::

    python3 -m bench.tune LIBRARY_DIR DETECTOR NAME=V1,V2,... [NAME=...]

Diagnoses every tune-split experiment once per combination of the given
values (every other parameter at its default) and prints, per combination,
the precision, recall and F1 of the detector's kind and the healthy runs
with a finding of it. Only the tune split is read: the test split is what
``bench.accuracy --library`` reports, and must not steer the choice.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import os
import sys
from typing import Sequence

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tb_lossdiag.detectors import DETECTORS
from tb_lossdiag.engine import document_from_series
from tb_lossdiag.evaluation import parse_demo_labels, score_kinds

from bench.accuracy import _diagnosis, load_runs


def _values(text: str) -> list:
    return [ast.literal_eval(v) for v in text.split(",")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library")
    parser.add_argument("detector", choices=[d.KIND for d in DETECTORS])
    parser.add_argument("grid", nargs="+", help="NAME=V1,V2,...")
    args = parser.parse_args(argv)
    detector = next(d for d in DETECTORS if d.KIND == args.detector)
    grid = {name: _values(values) for name, values in (g.split("=", 1) for g in args.grid)}
    with open(os.path.join(args.library, "labels.json"), encoding="utf-8") as f:
        labels = parse_demo_labels(f.read(), "tune")
    runs = load_runs(args.library)
    defaults = dict(detector.detect.__kwdefaults__)
    print(f"{len(labels)} tune experiments; {args.detector} defaults: {defaults}")
    print("| " + " | ".join(grid) + " | P | R | F1 | healthy with it |")
    try:
        for combo in itertools.product(*grid.values()):
            detector.detect.__kwdefaults__.update(dict(zip(grid, combo)))
            curves = document_from_series(runs)["curves"]
            cases = [(e, _diagnosis([c for c in curves if c["name"] == n])) for n, e in labels.items()]
            score = score_kinds(cases, [args.detector])[args.detector]
            healthy = sum(1 for e, d in cases if e.healthy and args.detector in d)
            cells = [f"{x:.2f}" if x is not None else "-" for x in (score.precision, score.recall, score.f1)]
            print("| " + " | ".join(map(str, combo)) + " | " + " | ".join(cells) + f" | {healthy} |", flush=True)
    finally:
        detector.detect.__kwdefaults__.clear()
        detector.detect.__kwdefaults__.update(defaults)
    return 0


if __name__ == "__main__":
    sys.exit(main())
