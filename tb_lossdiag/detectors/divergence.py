"""Divergence: the loss became NaN/Inf, or exploded and stayed far above its best.

A non-finite value on either curve is divergence at its first step (also
one the writer logged as 0.0 and the pair reads back as NaN:
:mod:`.filtered_nan`). An
explosion is judged on the training curve only (the optimiser's own
objective): a validation loss that climbs while training improves is
overfitting, not divergence. An explosion is a smoothed training loss that
rises to ``factor`` times its best and stays there to the end, either above
where it started or back at about its starting level (a network that blew
up and died at the chance level). A training loss thrown up in its first
steps to ``factor`` times its starting level, out of its noise, diverged
too when it never came back below most of it (``back_to_start``; a
learning rate far too high broke the network before it learned anything),
or when it was still twice its start a tenth of the way into the run (the
network took that long to undo the blow-up, whatever it learned after).
So did a classification loss that ends at or a little above a chance level
``ln C`` after having been ten times above it: frozen there (a network that
blew up and died, its outputs constant, seen at epoch level too, where the
first point is already the epoch the blow-up spoiled), or, thrown up in its
first steps, without improving after (constant outputs that the learning
rate which killed the network throws about).
When a training loss exploded before it became NaN/Inf, the divergence
starts at the explosion, not at the NaN; a training loss that turned
NaN/Inf without exploding first says where it was last near its best (what
followed was the run-up).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..robust import MAD_TO_SIGMA, median
from .base import Curve, CurvePair, Finding, Report, confidence_for, start_level, times
from .chance import chance_level

KIND = "divergence"

#: Confidence of an explosion by strength: its final level over the rise it had to reach (NaN/Inf: 1.0).
CONFIDENCE = ((1.0, 0.7), (3.0, 0.9), (10.0, 0.99))
#: Share of the points from an explosion's onset to the end that must stay above its bar.
SUSTAINED_SHARE = 0.8
#: A training loss that turns NaN/Inf was last stable where its smoothed level was within this factor of its best
#: (10 %): what happened after that (the loss drifting up, jumps on either curve) is the divergence's run-up.
NEAR_BEST = 1.1
#: A learning rate far too high breaks a network at once: its loss's highest point comes within this share of
#: its points (or the first :data:`BROKEN_WITHIN_POINTS`).
BROKEN_WITHIN, BROKEN_WITHIN_POINTS = 0.1, 3
#: ...and stands this many robust sigmas of its point-to-point noise above its starting level: a noisy run that
#: learns nothing throws up a batch 3x its start now and then (networks broken by their learning rate: 7-220).
BROKEN_SIGMAS = 5.0
#: ...and either never comes back below most of its start, or is still this many times its start at the end of
#: those first points: the network took more than a tenth of its run to undo the blow-up (a bad first batch is
#: undone within a few steps; byte-level language models thrown up 63-421,000x by learning rates 33-330x too high
#: were still 4.7-2,054x their start there, while smaller ones at 100x, undone within 6 % of the run, were under it).
STILL_BLOWN_UP = 2.0
#: Share of the run whose spread says whether the loss froze at the end...
FROZEN_SHARE = 0.2
#: ...frozen: a robust spread of the log-loss below this (2 %)...
FROZEN_SPREAD = 0.02
#: ...or below this share of the point-to-point spread of the run's first points.
FROZEN_CALM = 0.25
#: A loss thrown up in its first steps that then never comes this much (10 %) lower (the median of the last fifth of
#: the run against that of the first fifth after the blow-up) did not learn again...
NO_PROGRESS = 0.1
#: A network that died sits at a chance level ln C or up to this much (15 %) above it: its constant outputs are off
#: the class frequencies, thrown about by the learning rate that killed it or still settling as a schedule takes it
#: to 0 (SGD at 3.0 on digits: 2.47-2.63, ln 10 + 7-14 %, validation accuracy at 9-12 %; Adam at 10 under a linear
#: decay: ln 10 + 6 %), while networks still learning after a blow-up improved by 12 % or more...
DEAD_ABOVE_CHANCE = 0.15
#: ...after a blow-up to at least this many times that level: an untrained network starts at its chance level or a
#: few times what it learns down to (a byte-level language model's ln 256 is 3-8 times its final loss, which may
#: happen to lie near ln 2 or ln 3), while learning rates that killed networks threw them up 13-1,000,000x.
DEAD_BLOWUP = 10.0

REMEDIES = [
    "Lower the learning rate (try 3-10x smaller), or add warm-up.",
    "Clip gradients (e.g. clipnorm=1.0 / torch.nn.utils.clip_grad_norm_).",
    "Check the inputs and labels for NaN/Inf and the loss for log(0) or division by zero.",
    "With mixed precision, use loss scaling; check for overflow in custom layers.",
]


def _nonfinite(curve: Curve, series: str, quantity: str, logged_as_zero: bool = False) -> Finding | None:
    bad = ~np.isfinite(curve.values)
    if not bad.any():
        return None
    first = int(np.argmax(bad))
    value = curve.values[first]
    text = "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    finite_before = curve.values[:first]
    # Judged on the training loss only (the optimiser's own objective): a validation loss leaves its best by
    # overfitting too, which is no run-up to anything.
    stable_until = _stable_until(curve) if series == "train" else None
    if logged_as_zero:
        summary = (
            f"The {series} {quantity} was logged as exactly 0 from step {int(curve.steps[first])} on: a NaN/Inf loss, "
            "as the Hugging Face Trainer logs it"
        )
    else:
        summary = f"The {series} {quantity} became {text.upper()} at step {int(curve.steps[first])}"
    if stable_until is not None and stable_until < int(curve.steps[first - 1]):
        summary += f"; it had last been within {NEAR_BEST - 1:.0%} of its best at step {stable_until}"
    return Finding(
        kind=KIND,
        series=series,
        start_step=int(curve.steps[first]),
        end_step=None,
        severity="high",
        confidence=1.0,
        summary=summary + ".",
        evidence={
            "first_nonfinite_step": int(curve.steps[first]),
            "first_nonfinite_value": text,
            "nonfinite_points": int(bad.sum()),
            "last_finite_value": float(finite_before[-1]) if first else None,
            "last_finite_step": int(curve.steps[first - 1]) if first else None,
            "stable_until_step": stable_until,
            **({"logged_as_zero": True} if logged_as_zero else {}),
        },
        remedies=REMEDIES,
        markers=[(int(curve.steps[first - 1]), float(finite_before[-1]))] if first else [],
    )


def _stable_until(curve: Curve) -> int | None:
    """The last step at which the smoothed finite loss was within :data:`NEAR_BEST` of its best (None: no
    positive finite points to tell)."""
    finite = curve.reduced
    x, is_log = finite.log
    if not len(x) or not is_log:
        return None
    smooth = finite.smooth(0.05)
    return int(finite.steps[np.flatnonzero(smooth <= smooth.min() + np.log(NEAR_BEST))[-1]])


def _first_points(n: int) -> int:
    """How many of ``n`` points are the first steps a learning rate far too high breaks a network in."""
    return max(BROKEN_WITHIN_POINTS, int(n * BROKEN_WITHIN))


def _tail_points(n: int) -> int:
    """How many of ``n`` points are the end :func:`_frozen_end` looks at."""
    return max(3, int(n * FROZEN_SHARE))


def _frozen_end(x: np.ndarray) -> bool:
    """Whether the last points of a log-loss hardly move any more, while the first ones did."""
    k = _tail_points(len(x))
    if len(x) < 3 * k:
        return False
    spread = lambda v: float(MAD_TO_SIGMA * median(np.abs(v - median(v))))  # noqa: E731
    tail, head = spread(x[-k:]), spread(np.diff(x[:k]))
    return tail < FROZEN_SPREAD or tail < FROZEN_CALM * head


def _explosion(
    curve: Curve,
    series: str,
    quantity: str,
    factor: float,
    min_points: int,
    back_to_start: float,
    collapse_factor: float,
) -> Finding | None:
    """A sustained rise of the smoothed loss to ``factor`` x its best and back to (or above) its start, a loss
    thrown up to ``factor`` x its start that never learned (:func:`_killed_at_start`), or one frozen at a
    chance level after a blow-up (:func:`_died_at_chance`)."""
    curve = curve.reduced
    if len(curve) < min_points:
        return None
    x, is_log = curve.log
    if not is_log:
        return None
    smooth = curve.smooth(0.05)
    # The first points are the untrained model's loss: an explosion in the first few steps must not be
    # smoothed into the starting level.
    loss = _Loss(curve, x, smooth, start_level(x))
    return (
        _rise(loss, series, quantity, factor, back_to_start, collapse_factor)
        or _killed_at_start(loss, series, quantity, factor, back_to_start)
        or _died_at_chance(loss, series, quantity, factor)
    )


@dataclass(frozen=True)
class _Loss:
    """A training loss as the explosion checks read it."""

    curve: Curve
    x: np.ndarray
    """Its log values."""
    smooth: np.ndarray
    """Their running median over 5 % of the points."""
    start: float
    """Its starting level (:func:`~.base.start_level`), in log units."""


def _rise(
    loss: _Loss, series: str, quantity: str, factor: float, back_to_start: float, collapse_factor: float
) -> Finding | None:
    """A sustained rise of the smoothed loss to ``factor`` x its best, ending at least ``back_to_start`` x its
    starting level (``collapse_factor`` x its best where it ends frozen)."""
    curve, x, smooth, start = loss.curve, loss.x, loss.smooth, loss.start
    best = int(np.argmin(smooth))
    if start < smooth[best]:
        best, smooth = 0, np.concatenate([[start], smooth[1:]])
    if not smooth[-1] > smooth[best] + min(np.log(factor), np.log(collapse_factor)):
        return None  # not up at the end by either rise: whether the run ended frozen cannot matter
    # A network that died (dead ReLUs, saturated units) freezes its loss at a constant level: a smaller
    # rise above the best is enough when the run ends frozen back near where it started.
    rise = collapse_factor if _frozen_end(x) else factor
    threshold = max(smooth[best] + np.log(rise), start + np.log(back_to_start))
    above = smooth > threshold
    above[: best + 1] = False
    if not above.any():
        return None
    # Sustained: up at the end of the run, and most of the way there (a loss that keeps exploding and
    # partly recovering is still diverging). The onset is the earliest point from which that holds: a
    # burst that recovered before the final explosion is not where the divergence began.
    share_from = np.cumsum(above[::-1])[::-1] / np.arange(len(above), 0, -1)
    onsets = np.flatnonzero(above & (share_from >= SUSTAINED_SHARE))
    if onsets.size == 0 or not above[-1]:
        return None
    first = int(onsets[0])
    peak = first + int(np.argmax(x[first:]))
    ratio = float(np.exp(smooth[-1] - smooth[best]))
    return _exploded(
        curve,
        series,
        (first, peak),
        confidence_for(ratio / rise, CONFIDENCE),
        f"The {series} {quantity} exploded from step {int(curve.steps[first])}: it ends {ratio:.1f}x above "
        f"its best (step {int(curve.steps[best])}), {_against_start(smooth[-1] - start)}.",
        {
            "best_step": int(curve.steps[best]),
            "best_value": float(np.exp(smooth[best])),
            "final_value": float(np.exp(smooth[-1])),
            "start_value": float(np.exp(start)),
            "ratio_to_best": ratio,
        },
    )


def _killed_at_start(loss: _Loss, series: str, quantity: str, factor: float, back_to_start: float) -> Finding | None:
    """A loss thrown up in its first steps (:data:`BROKEN_WITHIN`) to ``factor`` x its starting level and out of its
    noise (:data:`BROKEN_SIGMAS`) that never came back below ``back_to_start`` x that start, its highest point that
    early too (the network was broken before it learned anything), or that was still :data:`STILL_BLOWN_UP` x its
    start at the end of those first steps (it took the network that long to undo the blow-up)."""
    curve, x, smooth, start = loss.curve, loss.x, loss.smooth, loss.start
    early = _first_points(len(x))
    if not np.any(x[:early] - start > max(np.log(factor), BROKEN_SIGMAS * curve.noise)):
        return None
    peak = int(np.argmax(x))
    never_back = peak < early and smooth.min() >= start + np.log(back_to_start)
    if not never_back and not (early < len(x) and smooth[early] >= start + np.log(STILL_BLOWN_UP)):
        return None
    first = int(np.argmax(x > start + np.log(factor)))
    ratio = float(np.exp(x[peak] - start))
    exploded = (
        f"The {series} {quantity} exploded at step {int(curve.steps[first])}, to {times(ratio)} its starting level"
        f"{'' if peak == first else f' at step {int(curve.steps[peak])}'}"
    )
    evidence = {
        "best_step": int(curve.steps[0]),
        "start_value": float(np.exp(start)),
        "peak_step": int(curve.steps[peak]),
        "peak_value": float(curve.values[peak]),
        "lowest_value": float(np.exp(smooth.min())),
        "final_value": float(np.exp(smooth[-1])),
    }
    if never_back:
        confidence, until = confidence_for(ratio / factor, CONFIDENCE), None
        how = (
            f"never came back below {back_to_start:.0%} of it (start {np.exp(start):.4g}, lowest "
            f"{np.exp(smooth.min()):.4g}, end {np.exp(smooth[-1]):.4g}): the network was broken before it learned "
            "anything."
        )
    else:
        down = np.flatnonzero(smooth[early:] < start + np.log(STILL_BLOWN_UP))
        until = early + int(down[0]) if down.size else None
        still = float(np.exp(smooth[early] - start))
        confidence = confidence_for(still / STILL_BLOWN_UP, CONFIDENCE)
        back = (
            f"back under {STILL_BLOWN_UP:g}x it only from step {int(curve.steps[until])} (end {np.exp(smooth[-1]):.4g})"
            if until is not None
            else f"and never back under {STILL_BLOWN_UP:g}x it"
        )
        how = (
            f"was still {times(still)} that start ({np.exp(start):.4g}) a tenth of the way into the run (step "
            f"{int(curve.steps[early])}), {back}: a learning rate far too high for this network."
        )
        evidence["still_up_step"] = int(curve.steps[early])
        evidence["back_step"] = None if until is None else int(curve.steps[until])
    return _exploded(curve, series, (first, peak), confidence, f"{exploded}, and {how}", evidence, until)


def _died_at_chance(loss: _Loss, series: str, quantity: str, factor: float) -> Finding | None:
    """A loss at about a chance level ``ln C`` (:data:`DEAD_ABOVE_CHANCE`) after having been :data:`DEAD_BLOWUP` x
    above it: a network that blew up and died, whether or not it had learned something first. It ends frozen there
    (:func:`_frozen_end`), or, thrown up (``factor`` x) in its first steps only (:data:`BROKEN_WITHIN`), never
    improved after (:data:`NO_PROGRESS`)."""
    curve, x, smooth = loss.curve, loss.x, loss.smooth
    k = _tail_points(len(x))
    level = float(median(x[-k:]))
    high = np.flatnonzero(x > level + np.log(factor))
    if not high.size or x.max() < level + np.log(DEAD_BLOWUP):
        return None
    frozen = _frozen_end(x)
    after = x[high[-1] + 1 :]
    at_once = high[-1] < _first_points(len(x)) and len(after) >= 2 * k
    if not frozen and not (at_once and level > float(median(after[:k])) + np.log(1.0 - NO_PROGRESS)):
        return None
    classes = chance_level(float(np.exp(level)), above=DEAD_ABOVE_CHANCE)
    if classes is None:
        return None
    first, peak = int(high[0]), int(np.argmax(x))
    best = int(np.argmin(smooth[: first + 1]))
    ratio = float(np.exp(x[peak] - level))
    then = (
        f"froze at {np.exp(level):.4g}, the chance level ln {classes} = {np.log(classes):.4g}"
        if frozen
        else f"stayed at about {np.exp(level):.4g} without improving by {NO_PROGRESS:.0%}, at or above the chance "
        f"level ln {classes} = {np.log(classes):.4g}"
    )
    return _exploded(
        curve,
        series,
        (first, peak),
        confidence_for(ratio / factor, CONFIDENCE),
        f"The {series} {quantity} was {times(ratio)} its final level at step {int(curve.steps[peak])} and then {then}: "
        "the network died (its outputs no longer depend on its inputs).",
        {
            "best_step": int(curve.steps[best]),
            "peak_step": int(curve.steps[peak]),
            "peak_value": float(curve.values[peak]),
            "final_value": float(np.exp(level)),
            "chance_classes": classes,
        },
    )


def _exploded(
    curve: Curve,
    series: str,
    onset_and_peak: tuple[int, int],
    confidence: float,
    summary: str,
    evidence: dict,
    until: int | None = None,
) -> Finding:
    """An explosion's finding: from its onset (an index of ``curve``) to ``until`` (default: the end), the peak
    marked."""
    first, peak = onset_and_peak
    return Finding(
        kind=KIND,
        series=series,
        start_step=int(curve.steps[first]),
        end_step=int(curve.steps[-1 if until is None else until]),
        severity="high",
        confidence=confidence,
        summary=summary,
        evidence=evidence,
        remedies=REMEDIES,
        markers=[(int(curve.steps[peak]), float(curve.values[peak]))],
    )


def _against_start(log_ratio: float) -> str:
    """How the final level compares with the starting level, in words."""
    if log_ratio >= np.log(1.05):
        return f"{np.exp(log_ratio):.1f}x above where it started"
    return "back at about where it started (what was learned was lost)"


def detect(
    pair: CurvePair, *, factor: float = 3.0, min_points: int = 5, back_to_start: float = 0.8, collapse_factor: float = 1.5
) -> Report:
    """Find divergence in ``pair``.

    Parameters
    ----------
    factor : float, default 3.0
        An explosion is a training loss whose smoothed level ends at least
        this many times above its best...
    min_points : int, default 5
        Fewer finite training points than this: the explosion check is not run.
    back_to_start : float, default 0.8
        ...and at least this fraction of its starting level (0.8: back to
        within 20 % of where it started, or above).
    collapse_factor : float, default 1.5
        A loss that ends frozen (its last fifth hardly moves) needs to end
        only this many times above its best: a network that died at the
        chance level after learning a little.
    """
    report = Report()
    train = pair.finest_train
    for series, curve in (("train", train), ("validation", pair.validation)):
        if curve is not None and len(curve):
            found = _nonfinite(curve, series, pair.quantity, series == "train" and pair.nan_logged_as_zero)
            if found:
                report.findings.append(found)
    if train is None or pair.quantity != "loss":
        return report  # an explosion is judged on the optimised loss, not on an error rate or a score
    if len(train.finite) < min_points:
        report.not_checked.append(f"explosion: fewer than {min_points} finite training points")
        return report
    exploded = _explosion(train, "train", pair.quantity, factor, min_points, back_to_start, collapse_factor)
    if exploded is None:
        return report
    nonfinite = next((f for f in report.findings if f.series == "train"), None)
    if nonfinite is not None:
        report.findings.remove(nonfinite)
        exploded = _then_nonfinite(exploded, nonfinite)
    report.findings.append(exploded)
    return report


def _then_nonfinite(exploded: Finding, nonfinite: Finding) -> Finding:
    """One finding for an explosion that ended in NaN/Inf: it starts where the loss exploded."""
    return replace(
        exploded,
        end_step=None,
        confidence=1.0,
        summary=f"{exploded.summary.rsplit(':', 1)[0]} and {_turned(nonfinite)} at step {nonfinite.start_step}.",
        evidence={**exploded.evidence, **nonfinite.evidence},
    )


def _turned(nonfinite: Finding) -> str:
    """What the loss did at a non-finite finding's step, in words."""
    if nonfinite.evidence.get("logged_as_zero"):
        return "was logged as exactly 0 (a NaN/Inf loss, as the Hugging Face Trainer logs it)"
    return f"became {nonfinite.evidence['first_nonfinite_value'].upper()}"
