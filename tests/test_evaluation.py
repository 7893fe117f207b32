"""Scoring and label handling of the accuracy benchmark."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from bench.corpus_labels import CORPUS_READINGS, CORPUS_RULES, expectation_for, parse_inventory
from tb_lossdiag.evaluation import (
    Expectation,
    errors,
    healthy_false_alarm_rate,
    judge,
    onset_error,
    parse_demo_labels,
    score_kinds,
    summarise_errors,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
INVENTORY = os.path.join(CORPUS, "INVENTORY.tsv")

OVERFIT = Expectation("overfitting", required=frozenset({"overfitting"}), allowed=frozenset({"plateau"}), onset_step=10)
HEALTHY = Expectation("healthy")
STUCK = Expectation("no_learning_plateau", any_of=frozenset({"underfitting", "plateau"}))


def test_judge_required_allowed_and_other_kinds():
    assert judge("overfitting", OVERFIT, {"overfitting"}) == "tp"
    assert judge("overfitting", OVERFIT, set()) == "fn"
    assert judge("plateau", OVERFIT, {"plateau"}) is None
    assert judge("spike", OVERFIT, {"spike"}) == "fp"
    assert judge("spike", OVERFIT, set()) == "tn"


def test_judge_any_of_group():
    assert judge("plateau", STUCK, {"plateau"}) == "tp"
    # The group is satisfied by plateau, so the unreported member does not count.
    assert judge("underfitting", STUCK, {"plateau"}) is None
    assert judge("underfitting", STUCK, set()) == "fn"
    assert judge("plateau", STUCK, set()) == "fn"


def test_score_kinds_known_answer():
    cases = [
        (OVERFIT, {"overfitting": 12}),  # tp
        (OVERFIT, {}),  # fn
        (OVERFIT, {"overfitting": 9}),  # tp
        (HEALTHY, {"overfitting": 3}),  # fp
        (HEALTHY, {}),  # tn
    ]
    score = score_kinds(cases, ["overfitting"])["overfitting"]
    assert (score.tp, score.fp, score.fn, score.tn) == (2, 1, 1, 1)
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 / 3)


def test_undefined_ratios_are_none():
    score = score_kinds([(HEALTHY, {})], ["spike"])["spike"]
    assert score.precision is None and score.recall is None and score.f1 is None


def test_errors_lists_false_positives_and_misses():
    assert errors(OVERFIT, {"spike": 4, "plateau": 1}) == ({"spike"}, {"overfitting"})
    assert errors(STUCK, {"underfitting": 0}) == (set(), set())


def test_healthy_false_alarm_rate_counts_any_finding():
    cases = [(HEALTHY, {}), (HEALTHY, {"spike": 5}), (HEALTHY, {}), (OVERFIT, {"spike": 1})]
    assert healthy_false_alarm_rate(cases) == (1, 3)


def test_onset_error_is_relative_to_run_length():
    assert onset_error(OVERFIT, {"overfitting": 30}, span=100) == pytest.approx(0.2)
    assert onset_error(OVERFIT, {}, span=100) is None
    assert onset_error(HEALTHY, {"overfitting": 30}, span=100) is None
    summary = summarise_errors([0.0, 0.1, 0.2, 0.3, 1.0])
    assert summary["n"] == 5 and summary["median"] == pytest.approx(0.2)
    assert summary["p90"] == pytest.approx(0.72)
    assert summarise_errors([]) == {"n": 0, "median": None, "p90": None}


def test_expectation_for_unknown_label_raises():
    with pytest.raises(KeyError):
        expectation_for("not_a_label")
    assert expectation_for("unclear") is None


def test_onset_kept_only_for_overfitting_labels():
    assert expectation_for("overfitting", 7).onset_step == 7
    assert expectation_for("val_plateau", 7).onset_step is None


def test_parse_demo_labels_requires_exactly_the_expected_kinds():
    text = json.dumps(
        {
            "experiments": {
                "a": {"expected": ["overfitting"], "onset_step": 40, "description": "x"},
                "b": {"expected": [], "onset_step": None, "description": "y"},
            }
        }
    )
    labels = parse_demo_labels(text)
    assert labels["a"].required == {"overfitting"} and labels["a"].onset_step == 40
    assert labels["a"].allowed == frozenset()
    assert labels["b"].healthy


def test_parse_demo_labels_reads_allowed_kinds_and_selects_a_split():
    text = json.dumps(
        {
            "experiments": {
                "a": {"expected": ["divergence"], "allowed": ["plateau"], "onset_step": 9, "split": "tune"},
                "b": {"expected": [], "allowed": [], "onset_step": None, "split": "test"},
            }
        }
    )
    every = parse_demo_labels(text)
    assert set(every) == {"a", "b"}
    assert every["a"].required == {"divergence"} and every["a"].allowed == {"plateau"}
    assert every["a"].onset_step is None  # onsets are scored for overfitting only
    assert not every["a"].healthy and every["b"].healthy
    assert set(parse_demo_labels(text, "tune")) == {"a"}
    assert set(parse_demo_labels(text, "test")) == {"b"}


@pytest.mark.skipif(not os.path.exists(INVENTORY), reason="corpus not available")
def test_rules_cover_every_corpus_label():
    with open(INVENTORY, encoding="utf-8") as f:
        text = f.read()
    labels = {row["label"] for row in csv.DictReader(text.splitlines(), delimiter="\t")}
    assert labels <= set(CORPUS_RULES)
    cases, skipped = parse_inventory(text)
    assert len(cases) + len(skipped) == len(text.strip().splitlines()) - 1


@pytest.mark.skipif(not os.path.exists(INVENTORY), reason="corpus not available")
def test_readings_replace_the_labels_of_their_runs_only():
    with open(INVENTORY, encoding="utf-8") as f:
        text = f.read()
    labelled = {c.run_dir: c.expectation for c in parse_inventory(text)[0]}
    read = {c.run_dir: c.expectation for c in parse_inventory(text, reviewed=True)[0]}
    assert set(CORPUS_READINGS) <= set(labelled)  # a misspelt run would silently change nothing
    for run_dir, expectation in read.items():
        reading = CORPUS_READINGS.get(run_dir)
        if reading is None:
            assert expectation == labelled[run_dir]
        else:
            assert expectation.label == reading.label and reading.extra_allowed <= expectation.allowed
            assert expectation != labelled[run_dir]


def _labelled_logdir(logdir: str) -> None:
    """Three Keras-layout experiments the naive rules judge exactly, with a demo-style labels.json."""
    from tests.event_writers import write_tbx

    steps = list(range(30))
    falling = [1 / (1 + s / 10) for s in steps]
    curves = {
        "healthy": (falling, [1.1 * v for v in falling]),
        "overfit": (falling, [falling[s] if s <= 10 else 0.5 + 0.02 * (s - 10) for s in steps]),
        "nan": ([v if s < 20 else float("nan") for s, v in zip(steps, falling)], [1.1 * v for v in falling]),
    }
    for name, (train, validation) in curves.items():
        write_tbx(logdir, f"{name}/train", {"epoch_loss": (steps, train)})
        write_tbx(logdir, f"{name}/validation", {"epoch_loss": (steps, validation)})
    labels = {
        "healthy": {"expected": [], "onset_step": None, "description": "falls to the end"},
        "overfit": {"expected": ["overfitting"], "onset_step": 10, "description": "val rises after step 10"},
        "nan": {"expected": ["divergence"], "onset_step": None, "description": "NaN from step 20"},
    }
    with open(os.path.join(logdir, "labels.json"), "w", encoding="utf-8") as f:
        json.dump({"experiments": labels}, f)


def test_accuracy_benchmark_end_to_end(tmp_path):
    _labelled_logdir(str(tmp_path / "demo"))
    out = tmp_path / "scores.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.accuracy", "--demo-dir", str(tmp_path / "demo"), "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "### demo: 3 labelled experiments" in result.stdout
    demo = json.loads(out.read_text())["demo"]
    assert [e["name"] for e in demo["experiments"]] == ["healthy", "nan", "overfit"]
    assert all(e["located_by"] == "name" for e in demo["experiments"])
    naive = demo["systems"]["naive"]
    for kind in ("overfitting", "divergence"):
        counts = naive["kinds"][kind]
        assert (counts["tp"], counts["fp"], counts["fn"]) == (1, 0, 0), kind
    assert naive["healthy_false_alarms"] == {"with_findings": 0, "healthy": 1}
    assert naive["onset_error"] == {"n": 1, "median": 0.0, "p90": 0.0}
    assert demo["systems"]["ours"] is not None
