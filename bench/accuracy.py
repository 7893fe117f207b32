"""Accuracy benchmark: tb-lossdiag, trainproof and naive rules against labelled curves.

Usage::

    python3 -m bench.accuracy [--demo-dir DIR] [--library DIR [--split test|tune|all]] [--corpus DIR] [--json OUT]

With none of ``--demo-dir``, ``--library`` or ``--corpus``, scores the real-curve corpus at
``../shared/corpus`` (relative to the repository root). ``--demo-dir`` takes
the output of ``python3 -m demo DIR`` (event files plus ``labels.json``);
``--library`` the output of ``python3 -m bench.library DIR``, scored on its
``--split`` (default ``test``: parameters are chosen on ``tune``).

The corpus is scored twice: as labelled, and with the labels we read differently
replaced by our reading (``CORPUS_READINGS`` in :mod:`bench.corpus_labels`, each
with the numbers why), every system against the same labels.

Prints, per labelled set, a markdown table of per-kind precision / recall / F1
for each system, the share of healthy experiments with any finding, the
overfitting onset error, and the experiments some system got wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Mapping, Sequence

if __package__ in (None, ""):  # run as a script (python bench/accuracy.py): make the repo importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tb_lossdiag.detectors import KINDS, CurvePair
from tb_lossdiag.engine import oriented_pair
from tb_lossdiag.evaluation import (
    Diagnosis,
    Expectation,
    errors,
    healthy_false_alarm_rate,
    onset_error,
    parse_demo_labels,
    reliability,
    score_kinds,
    summarise_errors,
)
from tb_lossdiag.reading import read_logdir
from tb_lossdiag.series import Series
from tb_lossdiag.sweep import diagnose_sweep

from bench import naive, peers
from bench.corpus_labels import CORPUS_READINGS, parse_inventory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
SYSTEMS = ("ours", "trainproof", "naive")

Runs = Mapping[str, Mapping[str, Series]]


def load_runs(logdir: str) -> Runs:
    """Every scalar series under ``logdir``, as ``{run: {tag: Series}}``."""
    return read_logdir(logdir).runs


def our_curves(logdir: str) -> list[dict]:
    """The curves of the document ``tb-lossdiag diagnose LOGDIR`` prints: what a user gets is what is scored."""
    return diagnose_sweep([logdir])["curves"]


@dataclass(frozen=True)
class Labelled:
    """One labelled experiment, located in our document, with the curves every system judges."""

    name: str
    expectation: Expectation
    pair: CurvePair
    span: int
    ours: Diagnosis
    located_by: str
    confidences: tuple[tuple[str, float], ...] = ()
    """(kind, confidence) of each of our findings on the experiment."""


def _full_tag(entry: Mapping | None) -> str | None:
    if entry is None:
        return None
    return "/".join(p for p in (entry["run"], entry["tag"]) if p not in ("", "."))


def _diagnosis(curves: Sequence[Mapping]) -> dict[str, int | None]:
    """Each kind found on any curve of the experiment, at its earliest start step."""
    found: dict[str, int | None] = {}
    for curve in curves:
        for finding in curve["findings"]:
            step = finding["start_step"]
            found[finding["kind"]] = min(step, found.get(finding["kind"], step))
    return found


def _labelled(
    name: str, expectation: Expectation, curve: Mapping | None, curves: Sequence[Mapping], runs: Runs, located_by: str
) -> Labelled:
    """The experiment's curve pair, span and our diagnosis (empty if no curve was found).

    The peers judge the located curve pair; ours is every finding on the experiment's curves (an
    event seen on several curves is reported once, on the main one).
    """
    if curve is None:
        return Labelled(name, expectation, CurvePair(None, None), 0, {}, "missing")
    series = [runs[e["run"]][e["tag"]] if e else None for e in (curve["train"], curve["validation"])]
    pair = oriented_pair(curve["direction"], *series)[0]
    steps = [c.steps for c in (pair.train, pair.validation) if c is not None and len(c)]
    span = int(max(s[-1] for s in steps) - min(s[0] for s in steps)) if steps else 0
    siblings = [c for c in curves if c["name"] == curve["name"]]
    confidences = tuple((f["kind"], f["confidence"]) for c in siblings for f in c["findings"])
    return Labelled(name, expectation, pair, span, _diagnosis(siblings), located_by, confidences)


def locate(curves: Sequence[Mapping], train_tag: str, val_tag: str) -> tuple[Mapping | None, str]:
    """The curve of an inventory row: its chosen tags, else one of them, else the first primary curve."""
    def rank(curve: Mapping) -> tuple[int, bool]:
        matches = (_full_tag(curve["train"]) == train_tag) + (_full_tag(curve["validation"]) == val_tag)
        return matches, curve["primary"]

    if not curves:
        return None, "missing"
    best = max(curves, key=rank)
    return best, ("primary", "one tag", "tags")[rank(best)[0]]


@lru_cache(maxsize=1)
def corpus_experiments(corpus: str) -> tuple[list[Labelled], list[str]]:
    """Labelled corpus runs (each run_dir read as its own logdir) and the skipped run_dirs."""
    with open(os.path.join(corpus, "INVENTORY.tsv"), encoding="utf-8") as f:
        cases, skipped = parse_inventory(f.read())
    out = []
    for case in cases:
        runs = load_runs(os.path.join(corpus, case.run_dir))
        curves = our_curves(os.path.join(corpus, case.run_dir))
        curve, located_by = locate(curves, case.train_tag, case.val_tag)
        out.append(_labelled(case.run_dir, case.expectation, curve, curves, runs, located_by))
    return out, skipped


def reviewed(corpus: str) -> tuple[list[Labelled], list[str]]:
    """The corpus's experiments against our readings of the labels we disagree with (``CORPUS_READINGS``)."""
    experiments, skipped = corpus_experiments(corpus)
    with open(os.path.join(corpus, "INVENTORY.tsv"), encoding="utf-8") as f:
        cases, _ = parse_inventory(f.read(), reviewed=True)
    expectation = {case.run_dir: case.expectation for case in cases}
    return [replace(e, expectation=expectation[e.name]) for e in experiments], skipped


def demo_experiments(demo_dir: str, split: str | None = None) -> list[Labelled]:
    """The labelled experiments of a demo or library directory (of one ``split``, None: all):
    the primary curve of each labelled name."""
    with open(os.path.join(demo_dir, "labels.json"), encoding="utf-8") as f:
        labels = parse_demo_labels(f.read(), split)
    runs = load_runs(demo_dir)
    curves = our_curves(demo_dir)
    primaries = {c["name"]: c for c in curves if c["primary"]}
    return [
        _labelled(name, exp, primaries.get(name), curves, runs, "name" if name in primaries else "missing")
        for name, exp in sorted(labels.items())
    ]


def diagnose_all(experiments: Sequence[Labelled]) -> dict[str, list[Diagnosis | None]]:
    """Each system's diagnosis of each experiment (None: the system is unavailable or failed)."""
    pairs = [e.pair for e in experiments]
    return {
        "ours": [e.ours for e in experiments],
        "trainproof": peers.diagnose_all(pairs) if peers.available() else [None] * len(pairs),
        "naive": [naive.diagnose(p) for p in pairs],
    }


def evaluate(experiments: Sequence[Labelled], diagnoses: Mapping[str, Sequence[Diagnosis | None]]) -> dict:
    """Scores of every system over one labelled set."""
    systems = {}
    for system, results in diagnoses.items():
        if all(r is None for r in results):
            systems[system] = None
            continue
        cases = [(e.expectation, d or {}) for e, d in zip(experiments, results)]
        alarms, healthy = healthy_false_alarm_rate(cases)
        onsets = [onset_error(e.expectation, d or {}, e.span) for e, d in zip(experiments, results)]
        systems[system] = {
            "kinds": {k: s.to_dict() for k, s in score_kinds(cases, KINDS).items()},
            "healthy_false_alarms": {"with_findings": alarms, "healthy": healthy},
            "onset_error": summarise_errors(x for x in onsets if x is not None),
            "failed": sum(1 for r in results if r is None),
        }
    if systems.get("ours") is not None:
        systems["ours"]["reliability"] = reliability(_judged_confidences(experiments))
    return systems


def _judged_confidences(experiments: Sequence[Labelled]) -> list[tuple[float, bool]]:
    """(confidence, true) of each of our findings; a kind the label merely allows is neither."""
    judged = []
    for e in experiments:
        wanted = e.expectation.required | e.expectation.any_of
        judged += [(c, kind in wanted) for kind, c in e.confidences if kind in wanted or kind not in e.expectation.allowed]
    return judged


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _cell(expectation: Expectation, diagnosis: Diagnosis | None) -> str:
    if diagnosis is None:
        return "n/a"
    wrong, missed = errors(expectation, diagnosis)
    said = ", ".join(k + ("!" if k in wrong else "") for k in sorted(diagnosis)) or "none"
    return said + (f"; missed {', '.join(sorted(missed))}" if missed else "")


def render(title: str, experiments: Sequence[Labelled], diagnoses: Mapping, scores: Mapping) -> str:
    """Markdown: the score table, then the experiments some system got wrong."""
    names = [s for s in SYSTEMS if s in scores]
    head = "| kind | positives | " + " | ".join(f"{s} P / R / F1" for s in names) + " |"
    lines = [f"### {title}", "", head, "|" + "---|" * (len(names) + 2)]
    for kind in KINDS:
        positives = sum(1 for e in experiments if kind in e.expectation.required | e.expectation.any_of)
        cells = []
        for s in names:
            k = scores[s]["kinds"][kind] if scores[s] else None
            cells.append("n/a" if k is None else " / ".join(_fmt(k[m]) for m in ("precision", "recall", "f1")))
        lines.append(f"| {kind} | {positives} | " + " | ".join(cells) + " |")
    alarm_cells, onset_cells = [], []
    for s in names:
        if scores[s] is None:
            alarm_cells.append("n/a")
            onset_cells.append("n/a")
            continue
        a = scores[s]["healthy_false_alarms"]
        o = scores[s]["onset_error"]
        alarm_cells.append(f"{a['with_findings']}/{a['healthy']}")
        onset_cells.append(f"{_fmt(o['median'])} / {_fmt(o['p90'])} (n={o['n']})")
    lines.append("| healthy with findings | | " + " | ".join(alarm_cells) + " |")
    lines.append("| overfit onset error median / p90 | | " + " | ".join(onset_cells) + " |")
    if scores.get("ours") and scores["ours"].get("reliability"):
        lines += ["", "Confidence reliability (tb-lossdiag's findings; allowed-only kinds left out):", ""]
        lines += ["| confidence | findings | true |", "|---|---|---|"]
        for row in scores["ours"]["reliability"]:
            lines.append(f"| {row['from']:.1f}-{row['to']:.1f} | {row['findings']} | {_fmt(row['true'])} |")
    located = {}
    for e in experiments:
        located[e.located_by] = located.get(e.located_by, 0) + 1
    lines += ["", "Curves located by: " + ", ".join(f"{k} {v}" for k, v in sorted(located.items())), ""]
    lines += ["Experiments some system got wrong (`!` marks a false positive):", ""]
    lines += ["| experiment | label | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 2)]
    for i, e in enumerate(experiments):
        results = [diagnoses[s][i] for s in names]
        if all(d is not None and errors(e.expectation, d) == (set(), set()) for d in results):
            continue
        lines.append(f"| {e.name} | {e.expectation.label} | " + " | ".join(_cell(e.expectation, d) for d in results) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-dir", help="output of `python3 -m demo DIR` (with labels.json)")
    parser.add_argument("--library", help="output of `python3 -m bench.library DIR` (with labels.json)")
    parser.add_argument("--split", choices=("test", "tune", "all"), default="test", help="library split to score")
    parser.add_argument("--corpus", help="real-curve corpus with INVENTORY.tsv (default when no set is given)")
    parser.add_argument("--json", help="write every score and diagnosis to this file")
    args = parser.parse_args(argv)
    sets: dict[str, Callable[[], tuple[list[Labelled], list[str]]]] = {}
    if args.demo_dir:
        sets["demo"] = lambda: (demo_experiments(args.demo_dir), [])
    if args.library:
        split = None if args.split == "all" else args.split
        sets[f"library ({args.split})"] = lambda: (demo_experiments(args.library, split), [])
    if args.corpus or not (args.demo_dir or args.library):
        corpus = args.corpus or DEFAULT_CORPUS
        sets["corpus"] = lambda: corpus_experiments(corpus)
        sets[f"corpus, {len(CORPUS_READINGS)} labels read differently (bench/corpus_labels.py)"] = lambda: reviewed(corpus)
    if not peers.available():
        print("trainproof is not installed: its column shows n/a", file=sys.stderr)
    output = {}
    for name, build in sets.items():
        experiments, skipped = build()
        diagnoses = diagnose_all(experiments)
        scores = evaluate(experiments, diagnoses)
        title = f"{name}: {len(experiments)} labelled experiments" + (f", {len(skipped)} unscored" if skipped else "")
        print(render(title, experiments, diagnoses, scores))
        output[name] = {
            "systems": scores,
            "skipped": skipped,
            "experiments": [
                {
                    "name": e.name,
                    "label": e.expectation.label,
                    "located_by": e.located_by,
                    **{s: diagnoses[s][i] for s in SYSTEMS},
                }
                for i, e in enumerate(experiments)
            ],
        }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(output, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
