"""Property tests: any numbers, any names, the engine answers with a valid document.

Loss curves in the wild hold NaN, Inf, constants, a single point, values near
the float limits, negative values (a flipped metric, a log-likelihood),
duplicated or unsorted steps and steps at the ends of int64. Whatever the
arrays, the engine must return strict JSON in the ``tb-lossdiag/1`` shape and
each detector must return a :class:`Report` whose findings point at steps of
the curve they were found on, never raise.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tb_lossdiag.detectors import DETECTORS, KINDS, Curve, CurvePair, Report
from tb_lossdiag.detectors.base import SEVERITIES
from tb_lossdiag.engine import SCHEMA, document_from_series
from tb_lossdiag.jsonsafe import clean
from tb_lossdiag.pairing import pair
from tb_lossdiag.robust import block_medians
from tb_lossdiag.series import Series

INT64 = np.iinfo(np.int64)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies -------------------------------------------------------------------

SPECIAL_FLOATS = [0.0, -0.0, 1.0, -1.0, 1e300, -1e300, 1e-300, -1e-300, 5e-324, 1.7976931348623157e308,
                  -1.7976931348623157e308, float("nan"), float("inf"), float("-inf"), 3.4e38, 1e-45]
SPECIAL_STEPS = [0, 1, -1, INT64.max, INT64.min, INT64.max - 1, INT64.min + 1, 2**31, 2**53 + 1]

floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10, max_value=10),
    st.sampled_from(SPECIAL_FLOATS),
)
steps_values = st.integers(min_value=INT64.min, max_value=INT64.max) | st.sampled_from(SPECIAL_STEPS)


@st.composite
def arrays(draw, max_size: int = 60) -> tuple[list[int], list[float]]:
    """Steps and values of one series, in one of several characteristic shapes."""
    n = draw(st.integers(min_value=0, max_value=max_size))
    shape = draw(st.sampled_from(["random", "curve", "constant", "dup_steps", "extreme_steps"]))
    if shape == "random":
        steps = draw(st.lists(steps_values, min_size=n, max_size=n))
        values = draw(st.lists(floats, min_size=n, max_size=n))
        return steps, values
    start = draw(st.sampled_from([0, -5, 10**6, INT64.max, INT64.min]))
    start = min(start, INT64.max - n + 1)  # the last step is INT64.max at most
    steps = [start + i for i in range(n)]
    if shape == "curve":
        scale = draw(st.sampled_from([1.0, 1e-300, 1e300, -1.0, 1e-12, 1e12]))
        base = [scale / (i + 1) for i in range(n)]
        # Sprinkle a few specials over a plausible loss curve.
        for _ in range(draw(st.integers(0, 4))):
            if n:
                base[draw(st.integers(0, n - 1))] = draw(floats)
        return steps, base
    if shape == "constant":
        return steps, [draw(floats)] * n
    if shape == "dup_steps":
        steps = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
        return steps, draw(st.lists(floats, min_size=n, max_size=n))
    # extreme_steps: unsorted, spanning the whole int64 range
    steps = draw(st.lists(st.sampled_from(SPECIAL_STEPS), min_size=n, max_size=n))
    return steps, draw(st.lists(floats, min_size=n, max_size=n))


def series(run: str, tag: str, points) -> Series:
    steps, values = points
    return Series.from_points(run, tag, np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64))


LAYOUTS = [
    # (run, tag) of the train and validation curves of one experiment.
    (("x/train", "epoch_loss"), ("x/validation", "epoch_loss")),
    (("x", "Loss/train"), ("x", "Loss/test")),
    (("x/train", "epoch_accuracy"), ("x/validation", "epoch_accuracy")),  # flipped: error = 1 - acc
    (("x", "train/f1"), ("x", "eval/f1")),
    (("x", "loss"), None),
    (None, ("x", "val_loss")),
]


# -- the document -------------------------------------------------------------------


def strict(doc) -> dict:
    text = json.dumps(doc, allow_nan=False)
    return json.loads(text)


def check_document(doc: dict, runs: dict[str, dict[str, Series]]) -> None:
    doc = strict(doc)
    assert doc["schema"] == SCHEMA
    assert doc["generator"].startswith("tb-lossdiag ")
    assert isinstance(doc["comparisons"], list) and isinstance(doc["warnings"], list)
    for curve in doc["curves"]:
        assert {"name", "metric", "direction", "primary", "train", "validation", "status", "findings",
                "not_checked"} <= curve.keys()
        assert curve["status"] in ("healthy", "problems", "not_checked")
        assert curve["direction"] in ("min", "max")
        assert (curve["status"] == "problems") == bool(curve["findings"])
        for note in curve["not_checked"]:
            assert note["kind"] in KINDS + ("all",) and isinstance(note["reason"], str)
        steps_of = {}
        for role in ("train", "validation"):
            entry = curve[role]
            if entry is None:
                continue
            s = runs[entry["run"]][entry["tag"]]
            steps_of[role] = set(s.steps.tolist())
            assert entry["points"] == len(s)
            if len(s):
                assert entry["first_step"] == int(s.steps[0]) and entry["last_step"] == int(s.steps[-1])
                assert entry["nonfinite"] == int((~np.isfinite(s.values)).sum())
        for f in curve["findings"]:
            assert f["kind"] in KINDS
            assert f["severity"] in SEVERITIES
            assert isinstance(f["confidence"], float) and 0.0 <= f["confidence"] <= 1.0
            assert type(f["start_step"]) is int
            assert f["series"] in steps_of, f
            assert f["start_step"] in steps_of[f["series"]], (f, sorted(steps_of[f["series"]])[:10])
            assert f["end_step"] is None or type(f["end_step"]) is int
            assert isinstance(f["summary"], str) and f["summary"]
            assert isinstance(f["evidence"], dict) and isinstance(f["remedies"], list)
            for marker in f["markers"]:
                assert type(marker[0]) is int and (marker[1] is None or isinstance(marker[1], float))


@SETTINGS
@given(layout=st.sampled_from(LAYOUTS), train=arrays(), validation=arrays(), baseline=st.booleans())
def test_engine_document_is_valid_for_any_numbers(layout, train, validation, baseline):
    runs: dict[str, dict[str, Series]] = {}
    for ref, points in zip(layout, (train, validation)):
        if ref is not None:
            runs.setdefault(ref[0], {})[ref[1]] = series(ref[0], ref[1], points)
    # A second experiment so the baseline comparison runs on the same odd numbers.
    runs["base"] = {"loss": series("base", "loss", validation)}
    doc = document_from_series(runs, baseline="base" if baseline else None)
    check_document(doc, runs)
    names = {c["name"] for c in doc["curves"]}
    assert "x" in names and "base" in names
    if baseline:
        assert [c["run"] for c in doc["comparisons"]] == ["x"]
        assert doc["comparisons"][0]["baseline"] == "base"


@SETTINGS
@given(
    points=arrays(max_size=400),
    tags=st.lists(st.sampled_from(["loss", "train/loss", "eval/loss", "accuracy", "val_acc", "lr"]),
                  min_size=1, max_size=3, unique=True),
)
def test_engine_document_longer_curves(points, tags):
    runs = {"r": {t: series("r", t, points) for t in tags}}
    check_document(document_from_series(runs), runs)


def test_engine_document_on_a_million_identical_steps():
    """Many duplicate steps collapse to one point, which is too short to check."""
    runs = {"r": {"loss": Series.from_points("r", "loss", np.zeros(10**6, np.int64), np.linspace(1, 2, 10**6))}}
    doc = document_from_series(runs)
    check_document(doc, runs)
    (curve,) = doc["curves"]
    assert curve["train"]["points"] == 1 and curve["train"]["last_step"] == 0
    assert {n["kind"] for n in curve["not_checked"]} >= {"spike", "plateau"}


# -- detectors directly -----------------------------------------------------------------


def curve(points) -> Curve | None:
    s = series("r", "t", points)
    return Curve(s.steps, s.values) if len(s) else None


@SETTINGS
@given(
    train=arrays(max_size=120),
    validation=st.none() | arrays(max_size=120),
    quantity=st.sampled_from(["loss", "error (1 - accuracy)"]),
)
def test_each_detector_on_any_curve_pair(train, validation, quantity):
    _check_each_detector(CurvePair(curve(train), None if validation is None else curve(validation), quantity))


@SETTINGS
@given(
    n=st.integers(min_value=200, max_value=600),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    learning_rate=arrays(max_size=120),
    quantity=st.sampled_from(["loss", "error (1 - accuracy)"]),
)
def test_each_detector_on_a_long_noisy_curve_with_any_learning_rate(n, seed, learning_rate, quantity):
    """Per-step curves take the self-calibrated spike path, where a logged learning rate's bursts count."""
    rng = np.random.default_rng(seed)
    values = (0.05 + np.exp(-np.arange(n) / 50)) * np.exp(0.5 * rng.standard_t(3, n))
    values[rng.integers(0, n, 3)] *= 20
    _check_each_detector(CurvePair(Curve(np.arange(n), values), quantity=quantity, learning_rate=curve(learning_rate)))


def _check_each_detector(pair_: CurvePair) -> None:
    for detector in DETECTORS:
        report = detector.detect(pair_)
        assert isinstance(report, Report)
        assert all(isinstance(r, str) for r in report.not_checked)
        for f in report.findings:
            d = strict(clean(f.to_dict()))  # the engine cleans findings; they must be cleanable
            assert d["kind"] == detector.KIND
            assert d["severity"] in SEVERITIES and 0 <= d["confidence"] <= 1
            on = {"train": pair_.train, "validation": pair_.validation}[d["series"]]
            assert on is not None and d["start_step"] in set(on.steps.tolist())


@SETTINGS
@given(validation=arrays(max_size=120))
def test_each_detector_with_no_training_curve(validation):
    pair_ = CurvePair(None, curve(validation))
    for detector in DETECTORS:
        report = detector.detect(pair_)
        for f in report.findings:
            assert f.series == "validation" and int(f.start_step) in set(pair_.validation.steps.tolist())


# -- pairing ----------------------------------------------------------------------------

names = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("/_-. trainvalidationlossaccepochTESTé\u202e\u200f😀\n\t\\<>\"'&\x00")),
            max_size=40),
    st.sampled_from(["", ".", "/", "..", "./train", "/train", "train", "validation", "a//b", "a/./train",
                     "\u202etrain", "loss/train/", "..\\..\\x", "x" * 10_000]),
)


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.tuples(names, names), max_size=12), override=st.booleans())
def test_pairing_never_raises_on_any_names(keys, override):
    kwargs = {"train_tag": keys[0][1], "val_tag": "val"} if override and keys else {}
    specs = pair(keys, **kwargs)
    given_keys = set(keys)
    for spec in specs:
        assert spec.direction in ("min", "max")
        assert spec.refs, spec
        for ref in spec.refs:
            assert (ref.run, ref.tag) in given_keys
    assert len({(s.name, s.metric) for s in specs}) == len(specs)


@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.tuples(names, names), min_size=1, max_size=6, unique=True))
def test_document_from_series_on_any_names(keys):
    values = [2.0 / (i + 1) for i in range(20)]
    runs: dict[str, dict[str, Series]] = {}
    for run, tag in keys:
        runs.setdefault(run, {})[tag] = Series.from_points(run, tag, list(range(20)), values)
    doc = document_from_series(runs)
    check_document(doc, runs)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 400), st.lists(st.integers(1, 700), min_size=1, max_size=8), st.integers(0, 2**32 - 1))
def test_block_medians_of_chunks_are_those_of_the_whole(n, size, cuts, seed):
    """However the points are cut into chunks, the blocks are consecutive ``size`` points of the whole."""
    x = np.random.default_rng(seed).normal(size=n)
    edges = np.unique(np.clip(np.cumsum(cuts), 0, n))
    chunks = [c for c in np.split(x, edges) if len(c)]
    expected = [np.median(x[i : i + size]) for i in range(0, n, size)]
    np.testing.assert_array_equal(block_medians(chunks, size), expected)
