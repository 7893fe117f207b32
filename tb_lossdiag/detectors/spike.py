"""Spikes: sudden upward jumps of the loss above its local level.

Each point is compared with the median of the points just before it, in
units of the curve's robust noise (MAD), on a log scale; a short validation
curve's points are also compared with their two neighbours. Consecutive
outlying points merge into one event with its peak, height and recovery.
A jump that never comes back is reported as a level shift. Downward steps
(learning-rate decay) are never spikes: only upward changes count. Where
the learning rate is logged, a burst of it is a cause in view: the points
right after it need less to stand out of the noise.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Iterator, NamedTuple

import numpy as np

from ..pieces import PIECE_POINTS, LogCurve
from ..robust import (
    MAD_TO_SIGMA,
    MAX_ZERO_SHARE,
    block_medians,
    gaussian_extreme,
    median,
    median_of_order,
    noise_sigma,
    order_statistics,
    quantiles_of_order,
    ranks_read,
    rolling_median,
    rate_change_needed,
    running_min,
    sample_count,
    trailing_mad,
)
from .base import (
    START_NOISE_POINTS,
    Curve,
    CurvePair,
    Finding,
    Report,
    confidence_for,
    severity_for,
    start_level,
    times,
)

KIND = "spike"

REMEDIES = [
    "Lower the learning rate or add warm-up; spikes often follow steps that are too large.",
    "Clip gradients (clipnorm / clip_grad_norm_) to bound the damage of a bad batch.",
    "Look for bad or mislabelled samples in the batches at the spike steps.",
    "With Adam, a larger epsilon (1e-7 -> 1e-6 or more) damps updates from tiny second moments.",
]


#: More spikes than this on one curve, and each gets at most MANY_EVENTS_CONFIDENCE.
MAX_CONFIDENT_EVENTS, MANY_EVENTS_CONFIDENCE = 3, 0.6
#: Severity of a spike by how many times its local level it reached.
SEVERITY = ((1.5, "medium"), (3.0, "high"))
#: Confidence by strength: the jump's height in robust sigmas of the curve's noise.
CONFIDENCE = ((4.0, 0.6), (8.0, 0.8), (16.0, 0.95))
#: A jump has recovered once back within this factor of its level (as one from the starting level has: see
#: ``record_factor``); one that came back down only part of the way (to half its height, which for a 5,000x jump
#: is still 70x its level) is said to have done so.
RECOVERED_WITHIN = 2.0


class Reference(NamedTuple):
    """What a jump is measured from, when not its trailing local level."""

    level: float  #: in the curve's units (log where it is on a log scale)
    name: str  #: the evidence's ``measured_from``
    words: str  #: how a summary names it
    recovered_within: float | None = None  #: back under this factor of it, the jump has recovered (else: half its height)


def detect(
    pair: CurvePair,
    *,
    min_points: int = 8,
    window: int | None = None,
    z: float = 3.5,
    min_height: float = 0.3,
    neighbour_height: float = 1.5,
    merge_gap: int = 2,
    false_alarms: float = 0.05,
    calibration_points: int = 200,
    tail_quantile: float = 0.95,
    tail_false_alarms: float = 0.5,
    scales: tuple[int, ...] = (1, 2, 3),
    single_point_margin: float = 2.0,
    noise_window: float = 0.25,
    record_factor: float = 2.0,
    lr_burst: float = 3.0,
    lr_reach: int = 5,
    lr_false_alarms: float = 0.1,
    min_error_jump: float = 0.02,
    many_small: float = 2.0,
) -> Report:
    """Find spikes on each curve of ``pair``.

    Parameters
    ----------
    min_points : int, default 8
        Curves with fewer finite points are not checked.
    window : int, optional
        Trailing points the local level (and, on a short curve, the noise)
        comes from; default ``n // 5`` clipped to [5, 31].
    z : float, default 3.5
        On a short curve (epoch-level logging), a point is outlying when it
        exceeds the local median by ``z`` robust sigmas, and by more than
        the curve's largest downward excursions (their 99th percentile):
        noise swings both ways, while a spike goes up only (a long curve's
        record, below, must reach as many robust sigmas too)...
    min_height : float, default 0.3
        ...and by at least this relative amount (30 % above the local level).
    neighbour_height : float, default 1.5
        On a short validation curve, a run of up to ``max(scales)`` points
        that all stand this many times above both the point before the run
        and the point after it, and as many noise sigmas as a point must
        stand above its level (the curve's point-to-point noise:
        :func:`~..robust.noise_sigma`), is outlying too. A validation loss
        is measured at fixed weights on a fixed set, without batch noise: so
        far above both neighbours, the model was worse there (such a jump
        is measured from the higher of them where that is below its trailing
        level: :func:`_reference`). The level
        test misses such jumps where validation falls steeply and swings
        early in a run: its trailing level lags above the curve, and the
        swings down raise its bar. A training curve this short may be the
        mean of a few batches (Hugging Face's ``logging_steps``, Keras'
        ``update_freq``): on the library's tune split and its fresh draw,
        the same test flagged 6 healthy runs' training curves; of their
        validation curves, one healthy run's, which swung 0.17-0.30 early
        and reached 0.49 once (healthy by cause; its validation jumped as a
        spike does). People labelling real runs called validation jumps of
        1.5x their neighbours spikes and those of 1.33x noise.
    merge_gap : int, default 2
        Outlying points at most this many points apart form one event.
    false_alarms : float, default 0.05
        Expected spurious spikes per curve of pure Gaussian noise: on long
        curves the threshold rises above ``z`` so that 1e5 noisy points do
        not yield a handful of "spikes" by chance.
    calibration_points : int, default 200
        Curves with at least this many points (per-step logging) are judged
        against the distribution of their own residuals instead of a
        Gaussian: per-batch losses are heavy-tailed, and one batch 10x its
        neighbours is ordinary noise at batch size 8.
    tail_quantile : float, default 0.95
        On such curves, the residuals' median and this quantile (low enough
        that the spikes themselves, a few percent of the points, do not move
        it) describe the noise; an event must stand beyond where an
        exponential tail through them puts...
    tail_false_alarms : float, default 0.5
        ...this many of the curve's points. Batch noise has a lighter tail
        than that (on real runs at batch sizes 8-128 the tallest batch of
        2,000 reached about half as far), so this is a bar, not a rate.
    scales : tuple of int, default (1, 2, 3)
        Event lengths tested on long curves (and against their neighbours,
        on short validation curves): a run of ``k`` consecutive
        points all high (the k-point minimum of the residuals) is judged
        against the distribution of that k-point minimum over the curve. A
        learning-rate burst spoils several batches in a row; independent
        noisy batches rarely are all high together.
    single_point_margin : float, default 2.0
        A lone point must reach this many times further than a run of
        points: one unlucky batch is the commonest false alarm, and a bad
        batch that matters spoils the next ones too.
    noise_window : float, default 0.25
        On such curves, residuals are first measured against the noise
        around them (their median size over this share of the curve,
        centred) where that is louder than the curve's typical noise: batch
        noise changes over a run (a quiet stall at chance, then a noisy
        break-out), and an ordinary batch of the noisy part is no jump.
    record_factor : float, default 2.0
        On such curves, a point this many times above every earlier point
        (after the first few) is an event whatever the noise: once a loss
        has come down, no batch reaches twice the untrained model's loss.
        Such a point counts for the later ones only as high as the bar it
        cleared, so one bad batch does not hide the next. On the library's
        tune split the highest such ratio on a curve with no spike or
        divergence was 1.08, and bad batches reached 90-160x. Such a point
        must still stand ``z`` robust sigmas of the curve's noise above its
        local level: a confident model at batch size 4 meets one wrongly
        classified sample at several nats, a quarter of it in the batch's
        mean, and on a loss down to 0.02 that is 2.5x the untrained loss
        and 1.9 sigmas (the records of bad batches and learning-rate bursts
        on tune stood 4.4-42 sigmas high).
        The first points of a training loss (of any length), too few for a
        local level, are held to the same rule against its starting level
        (the untrained model's loss: :func:`~.base.start_level`): a learning rate
        too high for the first steps throws the loss up at once. On tune,
        training curves with neither a spike nor a divergence reached at
        most 1.3x their first value there.
    lr_burst : float, default 3.0
        On such curves, where a learning rate is logged, a burst of it (a
        rise by this factor from one logged value to the next, back under
        this factor of its earlier value within ``lr_reach`` logged values;
        not a warm restart, which decays slowly)...
    lr_reach : int, default 5
        ...makes the curve's next this many points suspects: a run of them
        is judged against the noise tail for these few draws instead of the
        whole curve's, since a cause is in view (still 30 % above the local
        level)...
    lr_false_alarms : float, default 0.1
        ...at the bar the tail puts this many of them beyond: an LR burst
        that leaves the loss alone gets a spike by chance about once in ten.
        On the library's tune split, LR bursts were logged only where an LR
        burst threw the loss up (10 runs) or killed the network (6); 0.1
        found the two bursts hidden in near-zero per-batch noise that the
        whole curve's bar missed, 0.05 one of them.
    min_error_jump : float, default 0.02
        On an error rate (a flipped accuracy), a jump must also reach this
        far above its local level in absolute terms (2 percentage points):
        from 2 to 3 wrong of 54 validation samples is +50 %, and one sample;
        and, where the values show how many samples N the rate was measured
        on (all whole multiples of 1/N), ``z`` binomial sigmas of N samples
        at that level: 3 more wrong of 45 at 13 % error is 7 points, and 1.3
        sigmas.
    many_small : float, default 2.0
        More than :data:`MAX_CONFIDENT_EVENTS` events on one curve, none of
        them reaching this many times its local level, are the curve's own
        noise, louder than its calibration measured (a sigmoid network
        stalled at chance with hardly any batch noise for half the run, then
        breaking out into ordinary batch noise): none is reported. On the
        library's tune split, curves with more than 3 events either had one
        of 170x or more (bad batches) or none above 1.6x (such a stall).
    """
    report = Report()
    bursts = _lr_bursts(pair.learning_rate, lr_burst, lr_reach)
    for series, curve in (("train", pair.finest_train), ("validation", pair.validation)):
        if curve is None:
            continue
        finite = curve.finite
        if len(finite) < min_points:
            report.not_checked.append(f"{series}: fewer than {min_points} finite points")
            continue
        if np.mean(finite.values == 0) > MAX_ZERO_SHARE:
            report.not_checked.append(f"{series}: mostly exact zeros, no level to measure jumps against")
            continue
        k = window or int(np.clip(len(finite) // 5, 5, 31))
        log = LogCurve(finite.values, k)
        judged = min(k, len(log)) // 2 + 1  # before it, too little history for a local level
        early, start = np.empty(0, dtype=np.intp), None
        if series == "train" and pair.quantity == "loss" and log.is_log:  # its first values are the untrained model's
            start = start_level(log.x(0, START_NOISE_POINTS))
            early = _above_start(log, judged, record_factor, start)
        suspects = _points_after(finite.steps, bursts[0], lr_reach)
        above = None  # on a short validation curve, its points standing above both neighbours
        if len(log) >= calibration_points:
            candidates = _mask(log, lambda x, level: _high(x, level, log.is_log, min_height))
            if np.any(finite.values == 0):
                # Where the loss is mostly exactly 0, there is no level to jump from.
                lowest = min(x.min() for _, x, _ in log.pieces())
                candidates &= _mask(log, lambda x, level: level > lowest)
            outlying = np.zeros(len(log), dtype=bool)
            if candidates.any():  # else no point can be an event, whatever the curve's noise tail
                # Judged a stretch at a time: no residual array of a long curve exists whole beside its run minima.
                outlying = _self_calibrated(
                    log, judged, tail_quantile, tail_false_alarms, scales, single_point_margin, noise_window,
                    suspects, (lr_reach, lr_false_alarms),
                )
                if log.is_log:
                    records = _records(log, judged, record_factor)
                    if records.any():
                        noise = float(_residual_scale(log, judged)[0])
                        records &= _mask(log, lambda x, level: x - level > z * noise)
                    outlying |= records
                outlying &= candidates
            outlying[early] = True
            sigma = lambda: _residual_scale(log, judged)  # noqa: E731
        else:
            x, level = log.level(0, len(log))
            bar = max(z, gaussian_extreme(len(x), false_alarms))  # in sigmas: the Gaussian tail of this many points
            noise = noise_sigma(x)
            outlying, gaussian_sigma = _gaussian(x, level, trailing_mad(x, k), noise, judged, bar)
            outlying &= _high(x, level, log.is_log, min_height)
            if series == "validation" and log.is_log:
                above = _above_neighbours(x, max(bar * noise, np.log(neighbour_height)), scales)
                outlying |= above
            outlying[early] = True
            sigma = lambda: gaussian_sigma  # noqa: E731
        references = lambda group: _reference(group, log, (early, start, record_factor), above)  # noqa: E731
        events = _events(finite, series, pair.quantity, log, sigma, outlying, merge_gap, references)
        if pair.is_error_rate:
            samples = sample_count(finite.values)
            events = [e for e in events if _jump_counts(e, min_error_jump, samples, z)]
        if suspects.size:
            events = [_with_lr_burst(e, bursts, suspects, finite.steps) for e in events]
        if len(events) > MAX_CONFIDENT_EVENTS and all(_below(e, many_small) for e in events):
            events = []
        if len(events) > MAX_CONFIDENT_EVENTS:
            # Many "spikes" on one curve say the curve is unstable, not that each jump is an event.
            events = [replace(e, confidence=min(e.confidence, MANY_EVENTS_CONFIDENCE)) for e in events]
        if len(finite) < len(curve):
            # Jumps in the last quarter before a NaN/Inf are the divergence's run-up.
            run_up = float(finite.steps[0]) + 0.75 * (float(curve.steps[len(finite)]) - float(finite.steps[0]))
            events = [e for e in events if e.evidence["recovered"] and e.start_step < run_up]
        report.findings.extend(events)
    return report


def _gaussian(
    x: np.ndarray, level: np.ndarray, mad: np.ndarray, noise: float, judged: int, bar: float
) -> tuple[np.ndarray, np.ndarray]:
    """Outlying points of a short curve (from ``judged`` on): more than ``bar`` robust sigmas of its local noise
    (its trailing ``mad``, at least its point-to-point ``noise``) above its level, and beyond its downward swings;
    and those sigmas."""
    sigma = np.maximum(MAD_TO_SIGMA * np.nan_to_num(mad), noise)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(sigma > 0, (x - level) / sigma, 0.0)
    score[:judged] = 0.0
    score = np.nan_to_num(score)
    downward = -score[score < 0]
    tail = float(np.quantile(downward, 0.99)) if downward.size else 0.0
    return score > max(bar, tail), sigma


def _above_neighbours(x: np.ndarray, height: float, lengths: tuple[int, ...]) -> np.ndarray:
    """Points in runs of ``lengths`` consecutive points that all stand more than ``height`` above both the point
    before the run and the point after it."""
    out = np.zeros(len(x), dtype=bool)
    for length in lengths:
        if len(x) < length + 2:
            continue
        lowest = running_min(x[1:-1], length)  # runs starting at 1 .. n - length - 1
        neighbours = np.maximum(x[: len(lowest)], x[length + 1 :])
        for start in 1 + np.flatnonzero(lowest - neighbours > height):
            out[start : start + length] = True
    return out


def _below(event: Finding, ratio: float) -> bool:
    """Whether ``event`` peaked below ``ratio`` times its reference level (never, on a linear scale)."""
    height = event.evidence["height_ratio"]
    return height is not None and height < ratio


def _jump_counts(event: Finding, min_jump: float, samples: int | None, z: float) -> bool:
    """Whether an error rate's jump above its local level is one (:func:`~..robust.rate_change_needed`)."""
    level, jump = event.evidence["local_level"], event.evidence["peak_value"] - event.evidence["local_level"]
    return jump >= rate_change_needed(level, samples, min_jump, z)


def _records(log: LogCurve, judged: int, factor: float) -> np.ndarray:
    """Points (from ``judged`` on) more than ``factor`` times above every point before them.

    Such a point counts for the later ones only as high as the bar it
    cleared: one bad batch does not hide the next one, however high it went
    (and since each counts at twice the bar before it, a curve has at most
    as many as the times its range doubles).
    """
    n = len(log)
    out = np.zeros(n, dtype=bool)
    highest, margin = -np.inf, np.log(factor)
    for start in range(0, n, PIECE_POINTS):
        x = log.x(start, min(start + PIECE_POINTS, n))  # values only: no levels needed
        at = 0  # the points from here on are judged against ``highest``, what counts of the points before them
        while at < len(x):
            before = np.maximum.accumulate(np.concatenate([[highest], x[at:-1]]))  # the highest point before each
            above = x[at:] > before + margin
            above[: max(judged - start - at, 0)] = False
            if not above.any():
                highest = max(highest, float(x[at:].max()))
                break
            first = int(np.argmax(above))
            out[start + at + first] = True
            highest = before[first] + margin  # it counts as high as the bar it cleared
            at += first + 1
    return out


def _above_start(log: LogCurve, judged: int, factor: float, start: float) -> np.ndarray:
    """Indices of the points before ``judged`` more than ``factor`` times ``start`` (:func:`~.base.start_level`).

    Meant for a training loss, whose first values are the untrained model's; a validation curve or an error
    rate is first measured after training began, and may rise fast from there (overfitting).
    """
    if judged < 2:
        return np.empty(0, dtype=np.intp)
    return 1 + np.flatnonzero(log.x(1, judged) > start + np.log(factor))


def _high(x: np.ndarray, level: np.ndarray, is_log: bool, min_height: float) -> np.ndarray:
    """Whether each point stands more than ``min_height`` (relatively) above its local level."""
    floor = np.log1p(min_height) if is_log else min_height * np.abs(level)
    return x - level > floor


def _mask(log: LogCurve, rule: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``rule(x, level)`` of every point of ``log``, a stretch at a time."""
    out = np.empty(len(log), dtype=bool)
    for start, x, level in log.pieces():
        out[start : start + len(x)] = rule(x, level)
    return out


def _self_calibrated(
    log: LogCurve,
    judged: int,
    quantile: float,
    false_alarms: float,
    scales: tuple[int, ...],
    single_point_margin: float,
    noise_window: float,
    suspects: np.ndarray,
    suspect_rate: tuple[int, float],
) -> np.ndarray:
    """Points (from ``judged`` on) in runs of ``scale`` consecutive residuals that all stand beyond the curve's own noise tail.

    A run starting at one of the ``suspects`` (indices) needs only to stand
    beyond the tail's bar for ``suspect_rate``: (draws, false alarms).
    """
    n = len(log)
    scales = tuple(scale for scale in scales if n >= 2 * scale)
    overlap = max(scales, default=1) - 1
    residuals = _in_local_noise(_replayable(lambda: _residuals(log, judged, overlap), n), n, noise_window)
    run_mins = np.empty(n)  # one scale's run minima at a time: the only full-length float array
    cuts = {}
    for scale in scales:
        runs = n - scale + 1
        shift, q_mid, q_hi = _cut(residuals(), scale, run_mins[:runs], quantile)
        margin = single_point_margin if scale == 1 else 1.0
        bars = [margin * _tail_threshold(q_mid, q_hi, quantile, *rate) for rate in ((runs, false_alarms), suspect_rate)]
        cuts[scale] = shift, *bars
    del run_mins
    outlying = np.zeros(n, dtype=bool)
    for start, r in residuals():
        for scale, (shift, bar, suspect_bar) in cuts.items():
            high = running_min(r, scale)[:PIECE_POINTS] - shift
            beyond = high > bar
            near = suspects[(suspects >= start) & (suspects < start + len(high))]  # few: a handful a burst
            beyond[near - start] |= high[near - start] > suspect_bar
            starts = start + np.flatnonzero(beyond)
            for offset in range(scale):
                outlying[starts + offset] = True
    return outlying


def _cut(residuals: Iterable[tuple[int, np.ndarray]], scale: int, run_min: np.ndarray, quantile: float) -> tuple[float, float, float]:
    """The median of the runs' minima of ``scale`` residuals, and their median and ``quantile`` above it (``run_min``: scratch)."""
    for start, r in residuals:
        piece = running_min(r, scale)[:PIECE_POINTS]
        run_min[start : start + len(piece)] = piece
    n = len(run_min)
    at = order_statistics(run_min, ranks_read(n, (0.5, quantile)))  # the statistics need a few ranks only
    shift = median_of_order(at.__getitem__, n)  # a falling curve sits below its trailing median
    q_mid, q_hi = quantiles_of_order(lambda rank: at[rank] - shift, n, [0.5, quantile])
    return shift, q_mid, q_hi


def _lr_bursts(lr: Curve | None, factor: float, within: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps where the logged learning rate burst up, and by how much.

    A burst rises at least ``factor``-fold from one logged value to the
    next and is back under ``factor`` times its value before within
    ``within`` logged values: a schedule's warm restart, which stays up
    and decays slowly, is not one.
    """
    if lr is None or len(lr) < 2:
        return np.empty(0, dtype=np.int64), np.empty(0)
    rate = np.nan_to_num(lr.values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(rate[:-1] > 0, rate[1:] / rate[:-1], 0.0)
    jumps = np.flatnonzero(rise >= factor)
    back = [bool(np.any(rate[j + 2 : j + 2 + within] < factor * rate[j])) for j in jumps]
    at = jumps[np.array(back, dtype=bool)]
    return lr.steps[1:][at], rise[at]


def _points_after(steps: np.ndarray, at: np.ndarray, reach: int) -> np.ndarray:
    """Indices of the first ``reach`` points from each step of ``at`` (sorted, without repeats)."""
    if not at.size:
        return np.empty(0, dtype=np.intp)
    first = np.searchsorted(steps, at)
    points = (first[:, None] + np.arange(reach)).ravel()
    return np.unique(points[points < len(steps)])


def _with_lr_burst(event: Finding, bursts: tuple[np.ndarray, np.ndarray], suspects: np.ndarray, steps: np.ndarray) -> Finding:
    """``event`` with the learning-rate burst it followed in its evidence and summary, if it starts at a suspect."""
    if int(np.searchsorted(steps, event.start_step)) not in suspects:
        return event
    at, rise = bursts
    i = int(np.flatnonzero(at <= event.start_step)[-1])  # the latest burst: a suspect's step is at or after one
    step, factor = int(at[i]), float(rise[i])
    return replace(
        event,
        summary=f"{event.summary} The logged learning rate had burst up {times(factor)} at step {step}.",
        evidence={**event.evidence, "learning_rate_burst_step": step, "learning_rate_burst_factor": factor},
    )


Stretches = Callable[[], Iterable[tuple[int, np.ndarray]]]
"""Called again for each pass over a curve: ``(start, values)`` of its consecutive stretches."""


def _replayable(stretches: Stretches, n: int) -> Stretches:
    """``stretches`` to go over several times: kept when the curve (of ``n`` points) is one stretch, else computed again."""
    if n <= PIECE_POINTS:
        kept = list(stretches())
        return lambda: kept
    return stretches


#: Blocks of points per noise window: the local noise is a running median of block medians.
BLOCKS_PER_WINDOW = 16


def _in_local_noise(residuals: Stretches, n: int, window: float) -> Stretches:
    """``residuals`` scaled down where the noise around them (over ``window`` of the curve) is louder than typical."""
    size = max(1, int(window * n) // BLOCKS_PER_WINDOW)
    noise = block_medians((np.abs(r[:PIECE_POINTS]) for _, r in residuals()), size)
    typical = float(median(noise))
    if typical <= 0:
        return residuals
    factor = typical / np.maximum(rolling_median(noise, BLOCKS_PER_WINDOW), typical)
    return _replayable(lambda: ((start, r * factor[(start + np.arange(len(r))) // size]) for start, r in residuals()), n)


def _residuals(log: LogCurve, judged: int, overlap: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, residual)`` of each stretch of ``log`` (:meth:`LogCurve.pieces`): NaN as 0, 0 before ``judged``."""
    for start, x, level in log.pieces(overlap):
        r = x - level
        odd = ~np.isfinite(r)  # few or none: numpy's nan_to_num costs more than the check
        if odd.any():
            r[odd] = np.nan_to_num(r[odd], nan=0.0)
        r[: max(judged - start, 0)] = 0.0
        yield start, r


def _tail_threshold(q_mid: float, q_hi: float, quantile: float, draws: int, false_alarms: float) -> float:
    """The level ``draws`` draws exceed ``false_alarms`` times, were the tail exponential through ``q_mid`` (the median) and ``q_hi`` (the ``quantile``).

    The tails of batch noise are lighter, so fewer points pass in practice.
    """
    rarity = np.log(max((1.0 - quantile) * draws / false_alarms, 1.0)) / np.log(0.5 / (1.0 - quantile))
    return float(q_hi + max(q_hi - q_mid, 0.0) * rarity)


def _residual_scale(log: LogCurve, judged: int) -> np.ndarray:
    """A robust sigma of the residuals from ``judged`` on (constant over the curve), for the evidence's z-scores."""
    n = len(log)
    kept = np.empty(max(n - judged, 0))
    count = 0
    for start, x, level in log.pieces():
        r = (x - level)[max(judged - start, 0) :]
        r = r[np.isfinite(r)]
        kept[count : count + len(r)] = r
        count += len(r)
    r = kept[:count]
    sigma = 0.0
    if r.size:
        r -= np.median(r, overwrite_input=True)
        sigma = MAD_TO_SIGMA * float(np.median(np.abs(r, out=r), overwrite_input=True))
    return np.broadcast_to(sigma, n)


def _events(
    curve: Curve,
    series: str,
    quantity: str,
    log: LogCurve,
    sigma: Callable[[], np.ndarray],
    outlying: np.ndarray,
    merge_gap: int,
    references: Callable[[np.ndarray], Reference | None],
) -> list[Finding]:
    """The events of the ``outlying`` points; ``sigma`` gives the noise their z-scores are in, asked only when there are any.

    ``references`` gives what the event of a group of points is measured from, when not its local level.
    """
    idx = np.flatnonzero(outlying)
    if idx.size == 0:
        return []
    groups = np.split(idx, np.flatnonzero(np.diff(idx) > merge_gap + 1) + 1)
    noise = sigma()
    return [_finding(curve, series, quantity, log, noise, g, references(g)) for g in groups]


def _reference(
    group: np.ndarray, log: LogCurve, from_start: tuple[np.ndarray, float | None, float], above: np.ndarray | None
) -> Reference | None:
    """What the event of ``group`` (indices of its points) is measured from, when not its trailing local level.

    A training loss's first points (``from_start``: their indices, the starting level, the factor back under
    which they have recovered) are measured from its starting level. A peak standing above both its neighbours
    (``above``: :func:`_above_neighbours`) is measured from the higher of them where that is lower than its
    trailing level, which lags a steep fall: there, over its trailing level, it may not even look like a jump.
    """
    starts, start, factor = from_start
    first = int(group[0])
    if np.isin(first, starts):
        return Reference(start, "starting level", "its starting level", factor)
    if above is None:
        return None
    peak = first + int(np.argmax(log.x(first, int(group[-1]) + 1)))
    if not above[peak]:
        return None
    outside = np.flatnonzero(~above)  # neither end of a curve is ever in a run above its neighbours
    before, after = outside[outside < peak][-1], outside[outside > peak][0]
    neighbours = max(float(log.x(before, before + 1)[0]), float(log.x(after, after + 1)[0]))
    if neighbours >= float(log.level(first, first + 1)[1][0]):
        return None
    return Reference(neighbours, "neighbours", "the higher of its two neighbours")


def _aftermath(curve: Curve, log: LogCurve, base: float, end: int | None, reference: str) -> str:
    """How a jump from level ``base`` came back down, from ``end`` (its first point under half its height) on:
    recovered there, or only part of the way and back within :data:`RECOVERED_WITHIN` of its level later (or never)."""
    if end is None:
        return ", and did not come back down (a level shift)."
    at = int(curve.steps[end])
    left = float(np.exp(log.x(end, end + 1)[0] - base)) if log.is_log else 1.0
    if left <= RECOVERED_WITHIN:
        return f", and recovered by step {at}."
    back = log.first_at_most(end, base + np.log(RECOVERED_WITHIN))
    then = (
        f"and was within {RECOVERED_WITHIN:g}x of it by step {int(curve.steps[back])}"
        if back is not None
        else f"but was never within {RECOVERED_WITHIN:g}x of it again"
    )
    return f", came back down to {times(left)} {reference} by step {at}, {then}."


def _finding(
    curve: Curve,
    series: str,
    quantity: str,
    log: LogCurve,
    sigma: np.ndarray,
    group: np.ndarray,
    reference: Reference | None,
) -> Finding:
    """One event, measured from ``reference`` (default: its local level)."""
    first, is_log = int(group[0]), log.is_log
    x, level = log.level(first, int(group[-1]) + 1)
    reference = reference or Reference(float(level[0]), "local level", "its local level")
    base = reference.level
    peak = first + int(np.argmax(x - base))
    h = x[peak - first] - base
    back = h / 2 if reference.recovered_within is None else min(h / 2, np.log(reference.recovered_within))
    end = log.first_at_most(peak + 1, base + back)
    recovered = end is not None
    ratio = float(np.exp(h)) if is_log else None
    base_value = float(np.exp(base)) if is_log else float(base)
    peak_step, peak_value = int(curve.steps[peak]), float(curve.values[peak])
    shift = "spike" if recovered else "level shift"
    size = f"to {times(ratio)} {reference.words}" if ratio else f"{h:.3g} above {reference.words}"
    z_score = float(h / sigma[first]) if sigma[first] > 0 else None
    severity = severity_for(ratio or 0.0, SEVERITY)
    if not recovered and severity == "low":
        severity = "medium"  # a level shift does not go away
    summary = f"The {series} {quantity} jumped {size} at step {peak_step} ({peak_value:.4g} vs {base_value:.4g})"
    summary += _aftermath(curve, log, base, end, reference.words)
    return Finding(
        kind=KIND,
        series=series,
        start_step=int(curve.steps[first]),
        end_step=int(curve.steps[end]) if recovered else None,
        severity=severity,
        confidence=confidence_for(z_score or 0.0, CONFIDENCE),
        summary=summary,
        evidence={
            "peak_step": peak_step,
            "peak_value": peak_value,
            "local_level": base_value,
            "measured_from": reference.name,
            "height_ratio": ratio,
            "height_in_noise_sigmas": z_score,
            "points": int(group.size),
            "recovered": recovered,
            "recovery_step": int(curve.steps[end]) if recovered else None,
            "shape": shift,
        },
        remedies=REMEDIES,
        markers=[(peak_step, peak_value)],
    )
