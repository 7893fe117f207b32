"""Each detector on synthetic curves whose answer is known (:mod:`tb_lossdiag.datasets`).

No corpus, no training: the generators build curves that look like real
ones (decays to a floor, heavy-tailed per-step noise, exact zeros, schedules)
with the pathology, and its step, put there by construction. The checks,
parametrised over ``DETECTORS`` where they apply to every detector:

- every detector returns a :class:`Report` and never raises, on every
  generator and on damaged versions of its curves (NaN, Inf, zeros,
  constants, two points);
- a healthy run yields no finding from any detector;
- a run with a known pathology yields that kind, at about the known step,
  and nothing the answer does not contain;
- through the engine, a few such runs written by real writers
  (tensorboardX, tf.summary), or with their learning rate logged, get the
  same answer in the document.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tb_lossdiag import datasets
from tb_lossdiag.datasets import GENERATORS, Noise, Synthetic
from tb_lossdiag.detectors import DETECTORS, KINDS, Curve, CurvePair, Report, redundant
from tb_lossdiag.detectors.base import SEVERITIES
from tb_lossdiag.detectors.divergence import detect as divergence_detect
from tb_lossdiag.detectors.filtered_nan import read_filtered_nan
from tb_lossdiag.detectors.plateau import detect as plateau_detect
from tb_lossdiag.detectors.spike import detect as spike_detect
from tb_lossdiag.detectors.underfitting import detect as underfitting_detect
from tb_lossdiag.engine import document_from_series
from tb_lossdiag.reading import read_logdir
from tb_lossdiag.series import Series
from tests.event_writers import write_tbx, write_tf

#: Seeds each known-answer check runs on: it holds when it holds on all of them.
SEEDS = (0, 1, 2)
#: How far from the known step a finding may start, as a share of the run's steps (at least 2 steps).
STEP_TOLERANCE = 0.05
#: A spike is sudden: its finding must start within this share of the run of the jump.
SPIKE_TOLERANCE = 0.01
#: The 99.5th percentile of a Student-t with 4 degrees of freedom.
T4_Q995 = 4.604

BY_KIND = {d.KIND: d for d in DETECTORS}
HEAVY = datasets.PER_STEP


def as_pair(run: Synthetic) -> CurvePair:
    """The curves of a synthetic run, as the detectors take them."""
    validation = None if run.validation is None else Curve(run.val_steps, run.validation)
    lr = None if run.learning_rate is None else Curve(run.steps, run.learning_rate)
    return CurvePair(Curve(run.steps, run.train), validation, learning_rate=lr)


def detect(detector, pair: CurvePair) -> Report:
    with np.errstate(all="ignore"):  # as the engine calls them: absurd inputs may overflow
        return detector.detect(pair)


def check_report(report: Report, pair: CurvePair, kind: str) -> None:
    """A well-formed report: findings of the detector's kind, at steps of the curve they name."""
    assert isinstance(report, Report)
    assert all(isinstance(r, str) and r for r in report.not_checked)
    for f in report.findings:
        assert f.kind == kind and f.severity in SEVERITIES and 0.0 <= f.confidence <= 1.0
        curves = [c for c in (pair.train, pair.validation) if c is not None]
        if f.series in ("train", "validation"):
            curves = [getattr(pair, f.series)]
        assert any(f.start_step in c.steps for c in curves), (f.start_step, f.series)
        assert isinstance(f.to_dict(), dict)


# -- the generators -----------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_reproducible_documented_and_consistent(name: str) -> None:
    generate = GENERATORS[name]
    run, again, other = generate(seed=0), generate(seed=0), generate(seed=1)
    assert np.array_equal(run.train, again.train, equal_nan=True)
    assert not np.array_equal(run.train, other.train, equal_nan=True)
    doc = inspect.getdoc(generate)
    for parameter in inspect.signature(generate).parameters:
        assert parameter in doc, f"{name}: parameter {parameter} undocumented"
    assert run.steps.dtype == np.int64 and np.all(np.diff(run.steps) > 0) and len(run.train) == len(run.steps)
    assert (run.validation is None) == (run.val_steps is None)
    if run.validation is not None:
        assert len(run.validation) == len(run.val_steps) and np.all(np.diff(run.val_steps) > 0)
    if run.learning_rate is not None:
        assert len(run.learning_rate) == len(run.steps)
    assert run.kinds <= set(KINDS)
    assert (not run.answer) == name.startswith("healthy")
    for event in run.answer:
        assert event.step in run.steps and (event.end_step is None or event.step <= event.end_step <= run.steps[-1])


def test_overfitting_validation_minimum_is_at_the_onset() -> None:
    run = datasets.overfitting(onset=25, noise=Noise(sigma=0.0))
    assert run.val_steps[np.argmin(run.validation)] == 25 == run.answer[0].step
    assert np.all(np.diff(run.train) < 0)


def test_schedules_shape_the_loss() -> None:
    run = datasets.healthy_scheduled(schedule="step", noise=Noise(sigma=0.0), val_every=None)
    drops = np.flatnonzero(np.diff(run.learning_rate) < 0) + 1
    assert list(drops) == [1500, 2250]
    jumps = np.diff(run.train)[drops - 1]
    assert np.all(jumps < 5 * np.diff(run.train)[drops - 10])  # a cliff down at each decay, never up
    warm = datasets.healthy_scheduled(noise=Noise(sigma=0.0))
    assert warm.learning_rate[0] == 0.0 and warm.train[0] == warm.train[1] and np.all(np.diff(warm.train) <= 0)


def test_noise_is_heavy_tailed_with_exact_zeros_on_request() -> None:
    rng = np.random.default_rng(0)
    values = Noise(sigma=0.15, tail="student", df=4.0, zeros=0.01).apply(np.ones(10_000), rng)
    assert np.count_nonzero(values == 0.0) == 100 and values[0] != 0.0
    ratio = values[values > 0]
    assert np.mean(ratio > 2.0) > 10 * np.mean(np.exp(0.15 * rng.standard_normal(10_000)) > 2.0)


# -- never raises ------------------------------------------------------------------


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.KIND)
@pytest.mark.parametrize("name", GENERATORS)
def test_every_detector_reports_on_every_generator(name: str, detector) -> None:
    pair = as_pair(GENERATORS[name](seed=0))
    check_report(detect(detector, pair), pair, detector.KIND)


def _damage(curve: Curve | None, how: str, where: list[int], k: int) -> Curve | None:
    """``curve`` with one kind of damage real logs show."""
    if curve is None:
        return None
    steps, values = curve.steps, curve.values.copy()
    n = len(values)
    at = [i % n for i in where]
    if how == "first_points":
        return Curve(steps[:k], values[:k]) if k else None
    if how in ("nan", "inf", "-inf", "zero"):
        values[at] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "zero": 0.0}[how]
    elif how == "all_nan":
        values[:] = np.nan
    elif how == "all_zero":
        values[:] = 0.0
    elif how == "constant":
        values[:] = values[0] if np.isfinite(values[0]) else 1.0
    elif how == "negated":
        values = -values
    elif how in ("huge", "tiny"):
        values = values * (1e300 if how == "huge" else 1e-300)
    return Curve(steps, values)


DAMAGE = [
    "none", "first_points", "nan", "inf", "-inf", "zero", "all_nan", "all_zero", "constant", "negated", "huge", "tiny",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(GENERATORS)),
    seed=st.integers(0, 2**32 - 1),
    how=st.sampled_from(DAMAGE),
    where=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    k=st.integers(0, 4),
    split=st.sampled_from(["train", "validation", "both"]),
)
def test_detectors_never_raise_on_damaged_curves(name, seed, how, where, k, split) -> None:
    pair = as_pair(GENERATORS[name](seed=seed))
    train = _damage(pair.train, how, where, k) if split != "validation" else pair.train
    validation = _damage(pair.validation, how, where, k) if split != "train" else pair.validation
    damaged = CurvePair(train, validation)
    for detector in DETECTORS:
        check_report(detect(detector, damaged), damaged, detector.KIND)


# -- healthy runs: no finding --------------------------------------------------------


def _zeros(seed, tail: str = "student"):
    """Batch-size-8 training: a few exact zero losses (about one in 500)."""
    return datasets.healthy_per_step(noise=Noise(sigma=0.15, tail=tail, df=4.0, zeros=0.002), seed=seed)


HEALTHY: dict[str, Callable[..., Synthetic]] = {
    # name: generator of a seed
    "per_step_heavy_tailed": datasets.healthy_per_step,
    "per_step_exact_zeros": _zeros,
    "per_step_log_normal_exact_zeros": lambda seed: _zeros(seed, tail="normal"),
    "per_step_log_normal": lambda seed: datasets.healthy_per_step(noise=Noise(sigma=0.15), seed=seed),
    "epochs": datasets.healthy_epochs,
    "warmup_cosine": datasets.healthy_scheduled,
    "cosine": lambda seed: datasets.healthy_scheduled(schedule="cosine", seed=seed),
    "step_decay": lambda seed: datasets.healthy_scheduled(schedule="step", seed=seed),
    "step_decay_log_normal": (
        lambda seed: datasets.healthy_scheduled(schedule="step", noise=Noise(sigma=0.08), seed=seed)
    ),
}


def _cases(names, kinds_of: Callable[[str], list[str]]):
    """``pytest.param(case, kind)`` for each case and detector kind."""
    return [pytest.param(case, kind, id=f"{case}-{kind}") for case in names for kind in kinds_of(case)]


@pytest.mark.parametrize("case, kind", _cases(HEALTHY, lambda case: list(KINDS)))
def test_a_healthy_run_has_no_finding(case: str, kind: str) -> None:
    generate = HEALTHY[case]
    found = {}
    for seed in SEEDS:
        report = detect(BY_KIND[kind], as_pair(generate(seed=seed)))
        found.update({seed: [(f.start_step, f.summary) for f in report.findings]} if report.findings else {})
    assert not found, found


# -- pathologies: found where they are, nothing else ---------------------------------


@dataclass(frozen=True)
class Case:
    """A generator with a known answer."""

    generate: Callable[..., Synthetic]
    #: Largest allowed distance from the known step, as a share of the run's steps.
    tolerance: float = STEP_TOLERANCE


KNOWN: dict[str, Case] = {
    "overfitting": Case(datasets.overfitting),
    "overfitting_late_onset": Case(lambda seed: datasets.overfitting(100, 70, seed=seed)),
    "underfitting_slow": Case(datasets.underfitting_slow),
    "underfitting_chance": Case(datasets.underfitting_chance),
    "underfitting_crawl_from_chance": Case(
        lambda seed: datasets.underfitting_chance(excess=0.02, crawl=0.13, seed=seed)
    ),
    "plateau_stall": Case(datasets.plateau_stall),
    "plateau_lr_cut": Case(datasets.plateau_lr_cut),
    "spikes": Case(datasets.spikes, tolerance=SPIKE_TOLERANCE),
    "spikes_in_heavy_tailed_noise": Case(
        # LR bursts standing 3x above the 99.5th percentile of the per-step noise.
        lambda seed: datasets.spikes(height=3 * np.exp(HEAVY.sigma * T4_Q995), recovery=10, noise=HEAVY, seed=seed),
        tolerance=SPIKE_TOLERANCE,
    ),
    "level_shift": Case(datasets.level_shift, tolerance=SPIKE_TOLERANCE),
    # A learning rate too high for the first steps: 20x the untrained model's loss, before any local level.
    "spike_at_start": Case(lambda seed: datasets.spikes(at=(3,), height=20.0, recovery=15.0, seed=seed), tolerance=0.0),
    "divergence_nan": Case(datasets.divergence_nan, tolerance=0.0),
    "divergence_inf": Case(lambda seed: datasets.divergence_nan(value=np.inf, seed=seed), tolerance=0.0),
    "divergence_early_explosion": Case(datasets.divergence_early_explosion),
    "divergence_collapse_to_chance": Case(datasets.divergence_collapse_to_chance),
    "divergence_died_at_once": Case(
        lambda seed: datasets.divergence_collapse_to_chance(
            at=10, n_classes=10, blowup=100.0, dead_noise=Noise(sigma=0.05), seed=seed
        )
    ),
    "divergence_killed_at_start": Case(datasets.divergence_killed_at_start, tolerance=0.0),
    "divergence_blown_up_for_long": Case(
        lambda seed: datasets.divergence_killed_at_start(recovery=40.0, learns_to=0.5, seed=seed), tolerance=0.0
    ),
    "divergence_explosion": Case(datasets.divergence_explosion),
}


def _near(finding, event, run: Synthetic, tolerance: float) -> bool:
    span = float(run.steps[-1] - run.steps[0])
    allowed = 0 if tolerance == 0 else max(2.0, tolerance * span)
    # A NaN may show on either split first; a stall shows on both, reported where it is plainest.
    same_series = event.series == finding.series or event.kind in ("divergence", "plateau")
    return abs(finding.start_step - event.step) <= allowed and same_series


def _answer_kinds(case: str) -> list[str]:
    return sorted(KNOWN[case].generate(seed=0).kinds)


@pytest.mark.parametrize(
    "case, kind", _cases(KNOWN, _answer_kinds)
)
def test_finds_the_known_answer_at_its_step(case: str, kind: str) -> None:
    missed = {}
    for seed in SEEDS:
        run = KNOWN[case].generate(seed=seed)
        report = detect(BY_KIND[kind], as_pair(run))
        for event in (e for e in run.answer if e.kind == kind):
            if not any(_near(f, event, run, KNOWN[case].tolerance) for f in report.findings):
                missed[(seed, event.step)] = [(f.series, f.start_step) for f in report.findings]
    assert not missed, f"{kind} missed (seed, step): found instead {missed}"


@pytest.mark.parametrize(
    "case, kind", _cases(KNOWN, lambda case: list(KINDS))
)
def test_reports_nothing_beyond_the_known_answer(case: str, kind: str) -> None:
    extra = {}
    for seed in SEEDS:
        run = KNOWN[case].generate(seed=seed)
        events = [e for e in run.answer if e.kind == kind]
        pair = as_pair(run)
        every = [f for d in DETECTORS for f in detect(d, pair).findings]
        reported = [f for f in every if f.kind == kind and not redundant(f, every)]
        wrong = [f for f in reported if not any(_near(f, e, run, KNOWN[case].tolerance) for e in events)]
        if wrong:
            extra[seed] = [(f.series, f.start_step, f.summary) for f in wrong]
    assert not extra, extra


def test_spike_findings_carry_height_and_recovery() -> None:
    run = datasets.spikes(at=(400,), height=5.0, recovery=4.0, seed=0)
    (found,) = detect(BY_KIND["spike"], as_pair(run)).findings
    assert found.evidence["recovered"] and 3.5 < found.evidence["height_ratio"] < 7.0
    assert 400 < found.end_step <= run.answer[0].end_step + 5
    (shift,) = detect(BY_KIND["spike"], as_pair(datasets.level_shift(seed=0))).findings
    assert shift.end_step is None and not shift.evidence["recovered"]


def test_a_jump_that_comes_back_down_slowly_says_how_far_it_had_come_back() -> None:
    """Half the height of a 5,000x jump is still 70x its level: where the curve got under it (the spike's end),
    it had come back down only that far. The summary says so, then when it was within 2x of its level again
    (some 90 steps after the jump here), or that it never was; a bad batch gone in a few steps recovered."""
    run = datasets.spikes(at=(400,), height=5000.0, recovery=40.0, seed=0)
    (found,) = detect(BY_KIND["spike"], as_pair(run)).findings
    assert "came back down to" in found.summary and "within 2x of it by step" in found.summary, found.summary
    assert 470 <= int(found.summary.rsplit("step ", 1)[1].rstrip(".")) <= 515, found.summary

    stays_up = run.train * np.where(run.steps > 450, 5.0, 1.0)  # ...and then sets the loss back 5x for good
    (setback,) = detect(BY_KIND["spike"], CurvePair(Curve(run.steps, stays_up))).findings
    assert setback.summary.endswith("but was never within 2x of it again."), setback.summary

    quick = datasets.spikes(at=(400,), height=5.0, recovery=4.0, seed=0)
    (found,) = detect(BY_KIND["spike"], as_pair(quick)).findings
    assert found.summary.endswith(f"and recovered by step {found.end_step}."), found.summary


# -- through the engine ------------------------------------------------------------------


def _primary(doc: dict) -> dict:
    (curve,) = [c for c in doc["curves"] if c["primary"]]
    return curve


def test_a_healthy_batch_size_8_run_with_zero_losses_written_by_tensorboardx_has_no_finding(tmp_path) -> None:
    run = _zeros(seed=0)
    assert np.count_nonzero(run.train == 0.0) == 5
    write_tbx(str(tmp_path), "bs8", {"train/loss": (run.steps, run.train), "val/loss": (run.val_steps, run.validation)})
    curve = _primary(document_from_series(read_logdir(str(tmp_path)).runs))
    assert curve["train"]["points"] == 2500 and curve["train"]["tag"] == "train/loss"
    assert curve["findings"] == [], [f["summary"] for f in curve["findings"]]


def test_an_lr_cut_stall_is_a_plateau_when_the_learning_rate_is_logged() -> None:
    run = datasets.plateau_lr_cut(seed=0)
    tags = {
        "train/loss": (run.steps, run.train),
        "eval/loss": (run.val_steps, run.validation),
        "train/learning_rate": (run.steps, run.learning_rate),
    }
    series = {tag: Series.from_points("run", tag, s, v) for tag, (s, v) in tags.items()}
    curve = _primary(document_from_series({"run": series}))
    assert curve["train"]["tag"] == "train/loss"
    plateaus = [f for f in curve["findings"] if f["kind"] == "plateau"]
    assert any(abs(f["start_step"] - run.answer[0].step) <= STEP_TOLERANCE * len(run.steps) for f in plateaus), curve


@pytest.mark.parametrize("quantity, plateau_expected", [("loss", True), ("error (1 - accuracy)", False)])
def test_a_stall_left_by_half_a_point_of_error_is_no_plateau(quantity: str, plateau_expected: bool) -> None:
    """The same curve, stalled at 0.024 then down to 0.018: a plateau of a loss, a few samples of an error rate."""
    steps = np.arange(0, 1000, 25)
    values = np.where(steps < 300, 0.04 - 0.016 * steps / 300, 0.024)
    values = np.where(steps > 700, 0.024 - 0.006 * np.minimum(steps - 700, 100) / 100, values)
    curve = Curve(steps, values)
    findings = plateau_detect(CurvePair(None, curve, quantity=quantity)).findings
    assert bool(findings) == plateau_expected, findings


@pytest.mark.parametrize(("wrong_after", "plateau_expected"), [(36, False), (15, True)])
def test_a_stall_of_an_error_rate_is_left_by_more_than_its_binomial_noise(wrong_after: int, plateau_expected: bool) -> None:
    """Validation accuracy on 300 samples: 45 wrong (15 %) for most of the run after a fall, then 36 wrong, 3
    points and 1.5 binomial sigmas lower (what a healthy hinge-loss run on moons logged), or 15 wrong."""
    steps = np.arange(0, 1000, 25)
    wrong = np.where(steps < 150, 120 - 75 * steps / 150, 45.0)
    wrong = np.where(steps > 650, 45 - (45 - wrong_after) * np.minimum(steps - 650, 300) / 300, wrong)
    curve = Curve(steps, np.round(wrong) / 300)
    findings = plateau_detect(CurvePair(None, curve, quantity="error (1 - accuracy)")).findings
    assert bool(findings) == plateau_expected, [f.summary for f in findings]


def test_an_explosion_after_a_recovered_burst_is_divergence_from_the_explosion() -> None:
    """A burst at step 320 that recovers, then a loss that climbs 300x to the end: divergence from ~500."""
    steps = np.arange(0, 1000, 5)
    rng = np.random.default_rng(0)
    values = 3.0 * np.exp(rng.normal(0, 0.03, len(steps)))
    values[(steps >= 320) & (steps < 350)] *= 500.0  # recovers after 30 steps
    climbing = steps >= 500
    values[climbing] *= np.exp(np.log(300.0) * (steps[climbing] - 500) / 500)
    findings = divergence_detect(CurvePair(Curve(steps, values))).findings
    assert [f.kind for f in findings] == ["divergence"], findings
    assert 500 <= findings[0].start_step <= 650, findings[0]


def test_an_explosion_is_measured_from_the_untrained_loss_not_its_first_steps() -> None:
    """A byte-level LM whose first value is the untrained ln 256 = 5.55, thrown up 50-90x by steps 1-2 and back
    near 3.3 by step 4, that explodes from step 300: it ends over 100x above where it started (5.55), and
    exploded where it rose, not where it passed the thrown-up median of its first three values (274)."""
    steps = np.arange(900)
    rng = np.random.default_rng(3)
    values = 3.3 * np.exp(rng.normal(0, 0.05, len(steps)))
    values[:4] = [5.58, 273.0, 504.0, 46.7]
    rising = steps >= 300
    values[rising] *= np.exp(np.log(300.0) * (steps[rising] - 300) / 600)
    findings = divergence_detect(CurvePair(Curve(steps, values))).findings
    assert [f.kind for f in findings] == ["divergence"], findings
    assert findings[0].evidence["start_value"] == pytest.approx(5.58, rel=0.1), findings[0].evidence
    assert 300 <= findings[0].start_step <= 500, findings[0]


@pytest.mark.parametrize(
    ("zeros", "before", "diverged"),
    [
        (600, lambda steps: 0.3 + np.exp(-steps / 200), True),  # 0.3 -> exactly 0: a NaN logged as 0
        (600, lambda steps: np.exp(-steps / 40), False),  # came down to 3e-7 of its start: fitted exactly
        (2, lambda steps: 0.3 + np.exp(-steps / 200), False),  # two zeros: too few to tell
    ],
    ids=["from_a_level", "fitted_to_zero", "two_zeros"],
)
def test_a_loss_logged_as_zero_to_the_end_is_a_filtered_nan(zeros: int, before, diverged: bool) -> None:
    """The Hugging Face Trainer logs 0.0 once a whole logging window's loss is NaN/Inf; a loss that fits its
    data exactly comes down to 0 through tiny values instead."""
    steps = np.arange(1, 801)
    values = before(steps)
    values[-zeros:] = 0.0
    findings = divergence_detect(read_filtered_nan(CurvePair(Curve(steps, values)))).findings
    assert [f.evidence.get("logged_as_zero") for f in findings] == ([True] if diverged else []), findings
    if diverged:
        assert findings[0].start_step == 201 and "exactly 0" in findings[0].summary, findings[0]


def test_a_nan_logged_as_zero_is_no_training_loss_still_falling() -> None:
    """A Hugging Face run whose learning rate grew: training flat near 0.45, then up and NaN (logged as 0.0 to
    the end), validation rising 0.56 -> 0.96 meanwhile, then NaN. Read as zeros, training "kept falling" while
    validation rose: overfitting; read as the NaN it was, it is one divergence."""
    steps = np.arange(10, 901, 10)
    train = np.interp(steps, [10, 40, 450, 490, 510, 520], [0.80, 0.48, 0.45, 0.66, 0.7, 2.17])
    train[steps > 530] = 0.0
    val_steps = np.arange(50, 901, 50)
    val = np.r_[0.56, 0.549, 0.559, 0.603, 0.73, 0.739, 0.878, 0.691, 0.751, 0.962, np.full(8, np.nan)]
    document = document_from_series(
        {"run": {"train/loss": Series.from_points("run", "train/loss", steps, train),
                 "eval/loss": Series.from_points("run", "eval/loss", val_steps, val)}}
    )
    found = [(f["kind"], f["series"], f["evidence"].get("logged_as_zero")) for f in _primary(document)["findings"]]
    assert found == [("divergence", "train", True)], found


def test_a_hinge_loss_at_zero_on_most_batches_is_no_divergence() -> None:
    """Per-batch hinge losses: 0 on some batches long before the end, 0 on all of the last ones."""
    steps = np.arange(1000)
    rng = np.random.default_rng(6)
    values = 0.5 * np.exp(-steps / 150) * rng.exponential(1.0, len(steps))
    values[rng.random(len(steps)) < np.clip(steps / 800, 0, 1)] = 0.0
    values[-20:] = 0.0
    assert divergence_detect(read_filtered_nan(CurvePair(Curve(steps, values)))).findings == []


def test_a_stall_at_chance_thrown_up_by_its_first_steps_is_underfitting() -> None:
    """4 classes: the untrained loss 1.36 (about ln 4), thrown up to 1.6-1.7 by the next steps (a learning
    rate of 1), then near chance and 20 % below it at the end: it started at chance, and is judged from there."""
    steps = np.arange(1400)
    rng = np.random.default_rng(5)
    train = np.log(4.0) * (1.0 - 0.2 * np.clip((steps - 1100) / 300, 0, None)) * np.exp(rng.normal(0, 0.01, len(steps)))
    train[:4] = [1.357, 1.609, 1.695, 1.669]
    underfit = underfitting_detect(CurvePair(Curve(steps, train), Curve(steps, train))).findings
    assert underfit and underfit[0].evidence["chance_classes"] == 4, underfit


def test_a_break_out_from_a_stall_at_chance_is_a_plateau_not_underfitting() -> None:
    """Stuck at ln 10 for 85 % of the run, then falling fast to 1.47 at the end (a deep sigmoid net)."""
    steps = np.arange(0, 1400, 19)
    rng = np.random.default_rng(1)
    level = np.where(steps < 1180, np.log(10.0), np.log(10.0) - 0.84 * np.sqrt(np.clip(steps - 1180, 0, None) / 220.0))
    train = level * np.exp(rng.normal(0, 0.002, len(steps)))
    val = level * np.exp(rng.normal(0, 0.002, len(steps)))
    document = document_from_series(
        {"run": {tag: Series.from_points("run", tag, steps, v) for tag, v in (("train_loss", train), ("val_loss", val))}}
    )
    kinds = {f["kind"] for f in _primary(document)["findings"]}
    assert kinds == {"plateau"}, kinds


def test_a_linear_model_crawling_down_from_above_chance_is_underfitting() -> None:
    """4 classes, first loss 1.48 (7 % above ln 4), crawling to 1.22 with validation alongside."""
    steps = np.arange(42, 903, 43)
    train = 1.477 - 0.253 * (steps - 42) / 860
    underfit = underfitting_detect(CurvePair(Curve(steps, train), Curve(steps, train + 0.05))).findings
    assert underfit and underfit[0].evidence["chance_classes"] == 4, underfit


def test_a_noisy_break_out_after_a_quiet_stall_has_no_spike() -> None:
    """Batch noise 20x larger after the break-out than during the stall: its ordinary batches are no jumps."""
    steps = np.arange(1400)
    rng = np.random.default_rng(2)
    out = steps >= 1150
    level = np.where(out, np.log(10.0) * np.exp(-1.5 * (steps - 1150) / 250), np.log(10.0))
    sigma = np.where(out, 0.15, 0.0075)
    values = level * np.exp(sigma * rng.standard_t(4, len(steps)) / np.sqrt(2))
    findings = spike_detect(CurvePair(Curve(steps, values))).findings
    assert findings == [], [(f.start_step, f.summary) for f in findings]


def _stall_then_break_out(seed: int, bad_batches: tuple[int, ...] = ()) -> CurvePair:
    """A loss stalled at ln 10 with hardly any batch noise for half the run, then falling in batch noise 20x louder."""
    steps = np.arange(1400)
    rng = np.random.default_rng(seed)
    out = steps >= 700
    level = np.where(out, np.log(10.0) * np.exp(-1.5 * (steps - 700) / 250), np.log(10.0))
    values = level * np.exp(np.where(out, 0.15, 0.0075) * rng.standard_t(8, len(steps)))
    values[list(bad_batches)] *= 5.0
    return CurvePair(Curve(steps, values))


def test_many_small_jumps_after_a_quiet_stall_are_its_noise() -> None:
    """Calibrated on a curve half of which is nearly noiseless, ordinary batches of the noisy half stand out:
    more than three "spikes", none reaching twice its local level, are reported as none."""
    pair = _stall_then_break_out(seed=0)
    assert len(spike_detect(pair, many_small=0.0).findings) > 3, "the curve must have many small jumps to test that"
    assert spike_detect(pair).findings == []


def test_many_spikes_one_of_them_tall_are_all_reported() -> None:
    bad = (800, 950, 1100, 1250)
    found = spike_detect(_stall_then_break_out(seed=0, bad_batches=bad)).findings
    assert set(bad) <= {f.evidence["peak_step"] for f in found}, [(f.start_step, f.summary) for f in found]


@pytest.mark.parametrize("error, plateau_expected", [(0.0185, False), (0.9, True)])
def test_an_error_rate_flat_for_the_whole_run_is_a_plateau_only_when_high(error: float, plateau_expected: bool) -> None:
    """1 of 54 validation samples wrong from the first evaluation on: learned; 90 % wrong all along: stuck."""
    steps = np.arange(50, 901, 50)
    values = error * (1.0 + 0.002 * np.random.default_rng(0).normal(size=len(steps)))
    findings = plateau_detect(CurvePair(None, Curve(steps, values), quantity="error (1 - accuracy)")).findings
    assert bool(findings) == plateau_expected, findings


def test_an_lr_cut_under_batch_noise_is_a_plateau_by_its_frozen_validation_curve() -> None:
    """LR cut 10,000x at step 200 of 1000: per-step losses too noisy to show the stop, validation exactly flat."""
    rng = np.random.default_rng(3)
    steps = np.arange(0, 1000, 10)
    level = 0.6 + 0.85 * np.exp(-np.minimum(steps, 200) / 150)
    train = level * np.exp(0.15 * rng.normal(size=len(steps)))
    val_steps = np.arange(42, 1000, 43)
    val = 0.65 + 0.85 * np.exp(-np.minimum(val_steps, 200) / 150)
    lr = np.where(steps < 200, 1e-3, 1e-7)
    pair = CurvePair(Curve(steps, train), Curve(val_steps, val), learning_rate=Curve(steps, lr))
    plateaus = [f for f in plateau_detect(pair).findings if f.evidence.get("learning_rate_cut_step") == 200]
    assert plateaus and plateaus[0].series == "validation", plateau_detect(pair).findings


def _slow_run_cut_at(cut: int, converged_by: int | None = None) -> CurvePair:
    """A language model's slow fall (a few % a window), its learning rate cut 100,000x at ``cut``.

    Per-step training loss with batch noise; validation every 100 steps, from frozen weights after the
    cut (exactly constant, as a deterministic evaluation of unchanged weights is). With ``converged_by``,
    the loss stops falling at that step, long before the cut.
    """
    rng = np.random.default_rng(5)
    steps = np.arange(1500)
    moving = np.minimum(steps, cut if converged_by is None else converged_by)
    level = 2.0 + 1.2 * np.exp(-moving / 120) - 0.4 * moving / 1500
    train = level * np.exp(0.04 * rng.normal(size=len(steps)))
    val_steps = np.arange(99, 1500, 100)
    lr = np.where(steps < cut, 1e-3, 1e-8)
    return CurvePair(Curve(steps, train), Curve(val_steps, level[val_steps] * 1.01), learning_rate=Curve(steps, lr))


def test_an_lr_cut_during_a_slow_fall_is_a_plateau() -> None:
    """Falling 3 % a window when cut at 40 %, frozen after: a stop far smaller than any escape drop."""
    plateaus = [f for f in plateau_detect(_slow_run_cut_at(600)).findings if f.kind == "plateau"]
    assert [f.evidence.get("learning_rate_cut_step") for f in plateaus] == [600], plateaus
    assert plateaus[0].series == "validation" and plateaus[0].start_step == 699


def test_an_lr_cut_after_convergence_is_no_plateau() -> None:
    """The same loss flat from step 300, the learning rate cut at step 600: nothing was stopped."""
    findings = plateau_detect(_slow_run_cut_at(600, converged_by=300)).findings
    assert findings == [], findings


def test_an_error_rate_rising_from_its_first_evaluation_is_no_spike_from_the_start() -> None:
    """Accuracy 0.80 at the first evaluation, then 0.39 (weight decay pulling the model to the prior): an error
    rate's first value is measured after training began, not the untrained model's, so 3x it is no jump."""
    steps = np.arange(100, 1000, 100)
    error = np.array([0.2037] + [0.6111] * 8)
    findings = spike_detect(CurvePair(None, Curve(steps, error), quantity="error (1 - accuracy)")).findings
    assert findings == [], findings


def test_a_validation_loss_rising_fast_from_its_first_evaluation_is_no_spike() -> None:
    """A tiny training set: validation 0.5 at the first evaluation, 2.2x that at the next and creeping up from
    there (overfitting); its first value is a trained model's, so the rise from it is no jump."""
    steps = np.arange(1, 21)
    train = 1.0 * np.exp(-steps / 4.0)
    val = np.r_[0.5, 1.1 * (1.0 + 0.01 * np.arange(19))]
    findings = spike_detect(CurvePair(Curve(steps, train), Curve(steps, val))).findings
    assert findings == [], findings


def test_a_validation_jump_among_the_early_swings_of_a_falling_curve_is_a_spike() -> None:
    """Validation falling from 1.6 to 0.4 and swinging +-15 % for its first 12 evaluations, one of them 2.5x both
    its neighbours: the trailing level lags above so steep a fall, and the swings down raise its bar, so that test
    alone misses the jump; standing so far above both neighbours, it is one."""
    epochs = np.arange(35)
    train = 0.05 + 2.0 * np.exp(-epochs / 8.0)
    val = (0.4 + 1.2 * np.exp(-epochs / 6.0)) * np.where(epochs < 12, 1.0 + 0.15 * (-1.0) ** epochs, 1.0)
    val[8] *= 2.0
    findings = spike_detect(CurvePair(Curve(epochs, train), Curve(epochs, val))).findings
    assert [(f.series, f.evidence["peak_step"]) for f in findings] == [("validation", 8)]
    # Measured from the lagging trailing level, it would be 1.7x: it is measured from its neighbours.
    (found,) = findings
    assert found.evidence["measured_from"] == "neighbours"
    assert found.evidence["height_ratio"] == pytest.approx(val[8] / max(val[7], val[9]))
    assert found.summary.startswith("The validation loss jumped to 2.5x the higher of its two neighbours at step 8 (1.648 vs 0.6576)")
    assert found.severity == "medium"


@pytest.mark.parametrize("above_neighbours, spike", [(1.38, False), (1.52, True)])
def test_a_validation_point_is_a_spike_by_how_far_it_stands_above_both_neighbours(above_neighbours: float, spike: bool) -> None:
    """A flat validation loss alternating by 5 %, one evaluation standing out of it: 1.52x both neighbours is a
    spike (``neighbour_height``, 1.5x), 1.38x is not."""
    epochs = np.arange(35)
    train = 0.05 + 2.0 * np.exp(-epochs / 8.0)
    val = 0.8 * np.where(epochs % 2 == 0, 1.0, 1.05) * (1.0 + 0.002 * epochs)
    val[20] = above_neighbours * max(val[19], val[21])
    findings = spike_detect(CurvePair(Curve(epochs, train), Curve(epochs, val))).findings
    assert [(f.series, f.evidence["peak_step"]) for f in findings] == ([("validation", 20)] if spike else [])


def test_reduce_lr_on_plateau_after_validation_levelled_off_is_no_plateau() -> None:
    """Keras' ReduceLROnPlateau cuts 10x at epochs 20, 23, 26 and 29 because validation stopped improving at
    about 0.109; training (near zero) was still falling, in log terms, when the cuts passed 1/1000."""
    epochs = np.arange(60)
    moving = np.minimum(epochs, 26)
    train = 0.006 + 1.7 * np.exp(-moving / 3.0) + 0.004 * (26 - moving) / 26
    val = 0.109 + 0.7 * np.exp(-epochs / 3.0)
    val[26:] = val[26]
    lr = 1e-2 * 0.1 ** np.searchsorted([20, 23, 26, 29], epochs, side="right")
    pair = CurvePair(Curve(epochs, train), Curve(epochs, val), learning_rate=Curve(epochs, lr))
    findings = plateau_detect(pair).findings
    assert findings == [], findings


def test_an_explosion_from_the_first_value_has_recovered_once_back_under_twice_it() -> None:
    """5.7 at step 0, up 86x by step 5, then back down for 85 steps: recovered once under 2x its first value
    (step 77), not at half the height in log units (9.3x, step 48), where the loss is still far above its start."""
    steps = np.arange(1000)
    up = np.clip(np.minimum(steps / 5, 1.0 - (steps - 5) / 85), 0.0, None)
    values = 5.7 * np.exp(-steps / 2000) * 86.0**up
    findings = spike_detect(CurvePair(Curve(steps, values))).findings
    assert [(f.start_step, f.evidence["peak_step"], f.evidence["measured_from"]) for f in findings] == [(1, 5, "starting level")]
    assert values[findings[0].end_step] <= 2 * values[0] < values[findings[0].end_step - 1]


def test_three_agreeing_evaluations_are_no_plateau() -> None:
    """Validation accuracy of a byte-level LM, evaluated 18 times: flat for 3 evaluations, then a slow climb."""
    steps = np.arange(100, 1801, 100)
    accuracy = np.array([0.32, 0.373, 0.3725, 0.374, 0.385, 0.391, 0.406, 0.418, 0.398, 0.42, 0.42, 0.419,
                         0.424, 0.413, 0.433, 0.441, 0.438, 0.424])
    findings = plateau_detect(CurvePair(None, Curve(steps, 1.0 - accuracy), quantity="error (1 - accuracy)")).findings
    assert findings == [], findings


@pytest.mark.parametrize(("height", "earlier"), [(30, None), (60, 300)], ids=["alone", "after a higher one"])
def test_a_lone_bad_batch_far_above_everything_before_is_a_spike_in_any_noise(height: float, earlier: int | None) -> None:
    """Per-batch noise spanning 100x (a well-fitted small batch), one broken batch at ``height`` x the first loss;
    an earlier broken batch, higher still, counts only as high as the bar it cleared (twice the highest point
    before it), so it does not hide the second one."""
    rng = np.random.default_rng(4)
    steps = np.arange(1000)
    values = (0.01 + 2.3 * np.exp(-steps / 30)) * np.exp(1.2 * rng.normal(size=len(steps)))
    values[:10] = np.minimum(values[:10], 2.5)
    values[500] = height * values[:10].max()
    if earlier is not None:
        values[earlier] = 3 * values[500]
    spikes = spike_detect(CurvePair(Curve(steps, values))).findings
    assert any(f.evidence["peak_step"] == 500 for f in spikes), [(f.start_step, f.summary) for f in spikes]


def test_a_burst_of_the_logged_learning_rate_brings_out_a_spike_hidden_in_batch_noise() -> None:
    """A 2.5x burst at 502, in Student-t batch noise whose tail hides it from the whole curve's bar.

    With the learning rate logged as bursting 50x at step 500 for two steps, the burst is found in most of 20
    seeds; without it, in at most one, and as rarely when the learning rate jumps at 500 and stays up (a
    warm restart, no burst). A burst of the learning rate where the loss did nothing (step 700) adds a
    finding near it in few seeds: the bar for five suspects is set for 0.1 chance passes per burst, 2 in 20.
    """
    noise = datasets.Noise(sigma=0.3, tail="student", df=5.0)
    rates = {
        "none": None,
        "burst at 500": lambda s: np.where((s >= 500) & (s < 502), 0.5, 0.01),
        "restart at 500": lambda s: np.where(s >= 500, 0.5 * np.cos(0.5 * np.pi * (s - 500) / 400) ** 2 + 1e-3, 0.01),
        "burst at 700": lambda s: np.where((s >= 700) & (s < 702), 0.5, 0.01),
    }
    found = dict.fromkeys(rates, 0)
    for seed in range(20):
        run = datasets.spikes(n_steps=900, at=(502,), height=2.5, recovery=1.5, noise=noise, seed=seed)
        for name, rate in rates.items():
            lr = None if rate is None else Curve(run.steps, rate(run.steps))
            spikes = spike_detect(CurvePair(Curve(run.steps, run.train), learning_rate=lr)).findings
            near = [f for f in spikes if abs(f.start_step - (702 if name == "burst at 700" else 502)) <= 5]
            found[name] += bool(near)
            if name == "burst at 500" and near:
                assert near[0].evidence["learning_rate_burst_step"] == 500, near[0].evidence
                assert "learning rate had burst up 50x at step 500" in near[0].summary, near[0].summary
    assert found["none"] <= 1 and found["restart at 500"] <= 1, found
    assert found["burst at 500"] >= 10 and found["burst at 700"] <= 3, found


def test_one_more_wrong_validation_sample_is_no_spike_of_the_error_rate() -> None:
    """Validation accuracy on 54 samples, evaluated 225 times: 2 wrong, then 3 wrong from evaluation 74 on.

    +50 % of the error, and one sample (what a real Adam run on wine logged); six more wrong samples at
    once, for three evaluations, are a spike.
    """
    steps = np.arange(4, 904, 4)
    wrong = np.full(len(steps), 2.0)
    wrong[:9] = [35, 32, 22, 13, 7, 6, 5, 5, 3]
    wrong[74:] = 3.0
    wrong[78:80] = 2.0

    def spikes(wrong: np.ndarray) -> list:
        return spike_detect(CurvePair(None, Curve(steps, wrong / 54), quantity="error (1 - accuracy)")).findings

    assert spikes(wrong) == [], [f.summary for f in spikes(wrong)]
    wrong[120:123] = 9.0
    assert [f.start_step for f in spikes(wrong)] == [steps[120]], [f.summary for f in spikes(wrong)]


def test_an_accelerating_overfitting_rise_is_no_level_shift_beside_it() -> None:
    """Validation bottoms out at 0.708 and then rises ever faster to 1.96 while training falls to 0.10 (a public
    Lightning run): the trailing level lags the steep stretch, which alone reads as a level shift from step 1199.
    That jump never comes back down because it is the overfitting rise: one finding, not two."""
    steps = np.arange(199, 2200, 200)
    train = np.array([1.104, 0.699, 0.656, 0.597, 0.508, 0.389, 0.303, 0.249, 0.194, 0.136, 0.096])
    val = np.array([0.739, 0.708, 0.718, 0.739, 0.811, 1.043, 1.194, 1.246, 1.463, 1.650, 1.962])
    pair = CurvePair(Curve(steps, train), Curve(steps, val))
    alone = spike_detect(pair).findings
    assert [(f.series, f.end_step) for f in alone] == [("validation", None)]
    every = [f for d in DETECTORS for f in d.detect(pair).findings]
    assert sorted(f.kind for f in every if not redundant(f, every)) == ["overfitting"]


def test_jumps_after_the_loss_last_stood_near_its_best_are_the_run_up_to_its_nan() -> None:
    """A Keras run whose learning rate grows every epoch: training drifts up from epoch 16 and never returns to
    its best before turning NaN at epoch 24; the validation loss jumps 1.8x at epoch 16 and recovers. The jump is
    the instability that ends in the NaN, not a spike of its own. A spike while training was still at its best
    stays one, also on a validation loss that had left its best by overfitting."""
    steps = np.arange(28)
    train = np.array([1.048, 0.677, 0.575, 0.533, 0.508, 0.496, 0.482, 0.473, 0.474, 0.488, 0.479, 0.495, 0.444,
                      0.479, 0.479, 0.488, 0.536, 0.629, 0.604, 0.567, 0.551, 0.614, 1.016, 2.850] + [np.nan] * 4)
    val = np.array([0.727, 0.501, 0.390, 0.382, 0.387, 0.392, 0.393, 0.383, 0.403, 0.416, 0.421, 0.406, 0.449,
                    0.413, 0.413, 0.528, 0.743, 0.593, 0.532, 0.451, 0.569, 1.203, 3.995, 2.409] + [np.nan] * 4)

    def kept(train: np.ndarray, val: np.ndarray) -> list[tuple[str, str]]:
        pair = CurvePair(Curve(steps, train), Curve(steps, val))
        every = [f for d in DETECTORS for f in detect(d, pair).findings]
        return sorted((f.kind, f.series) for f in every if not redundant(f, every))

    pair = CurvePair(Curve(steps, train), Curve(steps, val))
    assert [(f.series, f.evidence["peak_step"]) for f in detect(BY_KIND["spike"], pair).findings] == [("validation", 16)]
    assert kept(train, val) == [("divergence", "train"), ("divergence", "validation")]
    calm = np.where(np.arange(28) < 16, val, val[14])  # the same run, but stable until a sudden NaN at epoch 24
    calm_train = np.where(np.arange(28) < 16, train, train[14])
    calm[6], calm[24:], calm_train[24:] = 0.70, np.nan, np.nan  # a spike at epoch 6, while still near the best
    assert kept(calm_train, calm) == [("divergence", "train"), ("divergence", "validation"), ("spike", "validation")]
    overfit = np.concatenate([val[:8], np.linspace(0.40, 0.60, 16), [np.nan] * 4])  # validation leaves its best...
    overfit[14] = 1.2  # ...by overfitting, not instability: its spike at epoch 14 stays one
    assert ("spike", "validation") in kept(calm_train, overfit)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_bad_batch_that_sets_the_loss_back_for_long_is_a_spike_not_a_stall(seed: int) -> None:
    """A bad batch throws a per-step loss up 30x, and it takes some 100 steps to come back: the loss stands at
    the same level before the batch and after the recovery, but that stretch is a setback, not a stall."""
    run = datasets.spikes(n_steps=940, at=(150,), height=30.0, recovery=30.0, floor=0.005, scale=0.25, noise=HEAVY, seed=seed)
    pair = as_pair(run)
    assert detect(BY_KIND["plateau"], pair).findings == []
    every = [f for d in DETECTORS for f in detect(d, pair).findings]
    assert [(f.kind, f.start_step) for f in every if not redundant(f, every)] == [("spike", 150)]


def test_a_few_more_wrong_samples_of_a_small_validation_set_are_no_spike() -> None:
    """Validation accuracy of a Keras run on iris, 45 samples, 20 epochs: 6 wrong, then 8 and 9 at epochs 10 and
    11, and 6 again. Three samples are 7 points of error (+50 %), and well within the binomial noise of 45
    samples at that level (7.6 points, 1.3 sigmas); half the set wrong at once is a spike."""
    steps = np.arange(20)
    wrong = np.array([10, 10, 10, 9, 8, 7, 7, 6, 6, 5, 8, 9, 6, 6, 7, 5, 5, 6, 5, 3], dtype=np.float64)

    def spikes(wrong: np.ndarray) -> list:
        return spike_detect(CurvePair(None, Curve(steps, wrong / 45), quantity="error (1 - accuracy)")).findings

    assert spikes(wrong) == [], [f.summary for f in spikes(wrong)]
    wrong[12] = 22.0
    assert [f.start_step for f in spikes(wrong)] == [12], [f.summary for f in spikes(wrong)]


def test_a_lucky_first_batch_of_4_is_not_where_the_loss_started() -> None:
    """A healthy torch run on moons at batch size 4: its first batch lost 0.467 where the untrained model is
    at ln 2 = 0.69, and batch 5 lost 0.947, twice that. Measured from the median of the first three batches
    (0.731, within the curve's early noise of the first), that is no jump; a loss that does reach twice the
    untrained model's by its fifth batch still is."""
    rng = np.random.default_rng(9)
    steps = np.arange(875)
    values = (0.3 + 0.35 * np.exp(-steps / 200)) * np.exp(0.25 * rng.standard_t(4, size=len(steps)))
    values[:20] = [0.467, 0.807, 0.731, 0.531, 0.535, 0.947, 0.633, 0.502, 0.67, 0.639, 0.931, 0.673, 0.526, 0.415,
                   0.475, 0.615, 0.459, 0.463, 0.508, 0.594]
    early = lambda findings: [f for f in findings if f.start_step < 20]  # noqa: E731
    assert early(spike_detect(CurvePair(Curve(steps, values))).findings) == []
    values[5] = 2.5
    assert [f.evidence["peak_step"] for f in early(spike_detect(CurvePair(Curve(steps, values))).findings)] == [5]


def test_a_batch_thrown_up_in_the_noise_of_a_run_that_learns_nothing_is_no_divergence() -> None:
    """A broken network's blow-up stands far out of its noise (7-220 robust sigmas on real runs); one batch 3.5x
    the start of a run whose batches scatter 30 % (4 sigmas), and that learns nothing, is no such thing."""
    rng = np.random.default_rng(0)
    steps = np.arange(800)
    values = 0.3 * np.exp(0.3 * rng.standard_normal(len(steps)))
    values[5] = 3.5 * values[:3].max()
    assert values[5] == values.max(), "the thrown-up batch must be the run's highest for this test to test that"
    assert divergence_detect(CurvePair(Curve(steps, values))).findings == []
    values[5] *= 100.0  # a blow-up no batch noise reaches
    (found,) = divergence_detect(CurvePair(Curve(steps, values))).findings
    assert found.start_step == 5


@pytest.mark.parametrize(
    ("first", "frozen_at", "died"),
    [
        (821.6, np.log(10.0) * 1.013, True),  # SGD at 3.0: its first epoch blew up, then constant outputs
        (1.06e6, np.log(10.0) * 1.06, True),  # Adam at 10: still settling onto the class frequencies at the end
        (5.545, np.log(3.0) * 1.02, False),  # a language model's untrained ln 256, then a loss that happens to be ~ln 3
        (2.54, np.log(10.0) * 1.013, False),  # stuck at chance from the start (zero inputs): underfitting
        (2.1, 0.13, False),  # a learning rate cut to ~0 froze a loss that had learned
    ],
)
def test_a_loss_frozen_at_chance_after_a_blow_up_is_a_network_that_died(first: float, frozen_at: float, died: bool) -> None:
    """Epoch-level logging: the first point is already the epoch the blow-up spoiled, so no start is known."""
    steps = np.arange(20)
    values = np.concatenate([[first], frozen_at * (1.0 + 1e-5 * np.arange(19))])
    pair = CurvePair(Curve(steps, values))
    found = divergence_detect(pair).findings
    assert [(f.kind, f.start_step) for f in found] == ([("divergence", 0)] if died else []), found
