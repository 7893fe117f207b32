"""Pair train and validation series into experiments, from names alone.

Works on (run, tag) names only, so the plugin can pair what TensorBoard lists
before reading any point. It knows the conventions of the common writers:

- sibling runs ``x/train`` + ``x/validation`` (also ``val``, ``eval``, ``test``),
  as the Keras ``TensorBoard`` callback writes them, and the sub-runs of
  ``add_scalars`` (``x/Loss_train``, ``x/Loss/val``);
- tag pairs in one run: ``Loss/train`` + ``Loss/test`` (PyTorch tutorials),
  ``train/loss`` + ``eval/loss`` (Hugging Face), ``train_loss`` + ``val_loss``
  with ``_step`` / ``_epoch`` suffixes (Lightning), ``epoch_loss`` (Keras).

An experiment is named after the run path without its split component; a
metric (``loss``, ``accuracy``, ...) is the tag without its split and
``epoch``/``step``/``batch`` words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from .series import SeriesRef

TRAIN_WORDS = ("train", "training")
# Preference order when several validation-like splits exist.
VALIDATION_WORDS = ("validation", "val", "valid", "eval", "evaluation", "dev", "test")
_SPLIT_WORDS = {w: "train" for w in TRAIN_WORDS} | {w: "validation" for w in VALIDATION_WORDS}
# Granularity words: the variant kept when several exist (lower rank wins).
_VARIANT_RANK = {"epoch": 0, "": 1, "step": 2, "batch": 3, "iter": 3}

_MINIMISED = re.compile(r"loss|perplexity|ppl|error|\bmse\b|\bmae\b|\brmse\b|\bnll\b|\bcost\b|\bcer\b|\bwer\b")
_MAXIMISED = re.compile(
    r"acc(uracy)?\b|accuracy|\bauc\b|\bf1\b|precision|recall|\bmap\b|map50|\biou\b|\bdice\b|\bbleu\b|rouge|\btop[-_ ]?\d"
)
# Tags that look like metrics but are not a train/validation curve.
_IGNORED = re.compile(r"vs_iterations|learning_rate|\blr\b|grad_norm|runtime|per_second|flos|hp_metric|\bepoch$")
_TOKEN = re.compile(r"[/_\-\s.]+")
# ``epoch_learning_rate`` (Keras), ``train/learning_rate`` (Hugging Face),
# ``lr-Adam`` (Lightning's LearningRateMonitor), ``lr``, ``learning_rate``.
_LR_TAG = re.compile(r"(?:^|[/_])(?:learning[_ ]?rate|lr)(?:$|[-/_ ])", re.IGNORECASE)


def is_learning_rate(tag: str) -> bool:
    """Whether a tag names a learning-rate series."""
    return bool(_LR_TAG.search(tag))


@dataclass(frozen=True)
class ExperimentSpec:
    """One curve to diagnose: a metric of an experiment, train and/or validation.

    ``direction`` is ``"min"`` for losses and ``"max"`` for metrics such as
    accuracy, which the engine flips before diagnosis.
    """

    name: str
    metric: str
    direction: str
    train: SeriesRef | None
    validation: SeriesRef | None
    detail: SeriesRef | None = None
    """A finer-grained variant of the training series (``batch_loss`` beside ``epoch_loss``,
    ``train_loss_step`` beside ``train_loss_epoch``), where one was logged: spikes and divergence
    show there first."""
    learning_rate: SeriesRef | None = None
    """The learning rate logged beside the curve, where there is one."""

    @property
    def refs(self) -> list[SeriesRef]:
        """Every series the curve's diagnosis reads."""
        return [r for r in (self.train, self.validation, self.detail, self.learning_rate) if r is not None]


@dataclass(frozen=True)
class _Parsed:
    experiment: str
    split: str | None
    split_rank: int
    metric: str
    variant_rank: int
    ref: SeriesRef


def _split_rank(word: str) -> int:
    if word in TRAIN_WORDS:
        return TRAIN_WORDS.index(word)
    return VALIDATION_WORDS.index(word)


def _run_split(run: str) -> tuple[str, str | None, int]:
    """Experiment name and split of a run, from its last path component."""
    root = "/" if run.startswith("/") else ""  # an absolute logdir keeps its leading slash
    parts = [p for p in run.split("/") if p not in ("", ".")]
    if not parts:
        return run or ".", None, 0
    parts[0] = root + parts[0]
    tokens = [t for t in _TOKEN.split(parts[-1]) if t]
    lowered = [t.lower() for t in tokens]
    for i, word in enumerate(lowered):
        if word in _SPLIT_WORDS:
            rest = "_".join(tokens[:i] + tokens[i + 1 :])
            name = "/".join(parts[:-1] + ([rest] if rest else []))
            return name or root or ".", _SPLIT_WORDS[word], _split_rank(word)
    return "/".join(parts), None, 0


def _parse_tag(tag: str) -> tuple[str | None, int, str, int]:
    """Split, split rank, metric name and variant rank of a tag."""
    tokens = [t.lower() for t in _TOKEN.split(tag) if t]
    split, split_rank, variant = None, 0, ""
    kept = []
    for tok in tokens:
        if tok in _SPLIT_WORDS:
            if split is None:
                split, split_rank = _SPLIT_WORDS[tok], _split_rank(tok)
            continue
        if tok in _VARIANT_RANK and tok:
            variant = tok
            continue
        kept.append(tok)
    return split, split_rank, "_".join(kept), _VARIANT_RANK[variant]


def experiment_name(run: str) -> str:
    """The experiment a run belongs to: its path without the split component."""
    return _run_split(run)[0]


def metric_direction(metric: str) -> str | None:
    """``"min"`` for losses, ``"max"`` for accuracy-like metrics, None otherwise."""
    if _IGNORED.search(metric):
        return None
    if _MINIMISED.search(metric):
        return "min"
    if _MAXIMISED.search(metric):
        return "max"
    return None


def _parse(ref: SeriesRef, train_tag: str | None, val_tag: str | None) -> _Parsed | None:
    experiment, run_split, run_rank = _run_split(ref.run)
    if train_tag is not None or val_tag is not None:
        if ref.tag == train_tag:
            return _Parsed(experiment, "train", 0, "loss", 0, ref)
        if ref.tag == val_tag:
            return _Parsed(experiment, "validation", 0, "loss", 0, ref)
        return None
    tag_split, tag_rank, metric, variant_rank = _parse_tag(ref.tag)
    direction = metric_direction(metric) if metric else None
    if direction is None:
        return None
    split, rank = (tag_split, tag_rank) if tag_split else (run_split, run_rank)
    if split is None and direction == "max":
        return None  # a score with no split (e.g. detection mAP) is not a learning curve
    return _Parsed(experiment, split, rank, metric, variant_rank, ref)


def pair(
    keys: Iterable[tuple[str, str]],
    *,
    train_tag: str | None = None,
    val_tag: str | None = None,
) -> list[ExperimentSpec]:
    """Group (run, tag) names into experiments, sorted by name then metric.

    Parameters
    ----------
    keys : iterable of (run, tag)
        Every scalar series available.
    train_tag, val_tag : str, optional
        Override for logs that follow no convention: these exact tags are the
        training and validation loss; every other tag is ignored.

    Returns
    -------
    list of ExperimentSpec
        One per (experiment, metric). A metric logged for one split only is a
        lone curve (``validation`` or ``train`` is None). Where several tags
        compete for a slot, the epoch-level variant, then the preferred split
        word (``validation`` before ``val`` ... before ``test``), then the
        shortest tag wins.
    """
    slots: dict[tuple[str, str], dict[str, _Parsed]] = defaultdict(dict)
    details: dict[tuple[str, str], _Parsed] = {}
    rates: dict[str, list[tuple[int, SeriesRef]]] = defaultdict(list)
    for run, tag in keys:
        ref = SeriesRef(run, tag)
        if is_learning_rate(tag):
            experiment, split, _ = _run_split(run)
            rates[experiment].append((split != "train", ref))
        parsed = _parse(ref, train_tag, val_tag)
        if parsed is None:
            continue
        split = parsed.split or "train"
        key = (parsed.experiment, parsed.metric)
        slot = slots[key]
        current = slot.get(split)
        if current is None or _better(parsed, current):
            slot[split] = parsed
        if split == "train" and (key not in details or _finer(parsed, details[key])):
            details[key] = parsed
    _join_lone_losses(slots)
    specs = []
    for (experiment, metric), slot in slots.items():
        train, val = slot.get("train"), slot.get("validation")
        detail = details.get((experiment, metric))
        lr = min(rates[experiment], key=lambda r: (r[0], len(r[1].tag), r[1].run, r[1].tag))[1] if rates[experiment] else None
        specs.append(
            ExperimentSpec(
                name=experiment,
                metric=metric,
                direction="min" if train_tag or val_tag else metric_direction(metric) or "min",
                train=train.ref if train else None,
                validation=val.ref if val else None,
                detail=detail.ref if train and detail and detail.variant_rank > train.variant_rank else None,
                learning_rate=lr,
            )
        )
    specs.sort(key=lambda s: (s.name, _metric_order(s.metric), s.metric))
    return specs


def _join_lone_losses(slots: dict[tuple[str, str], dict[str, _Parsed]]) -> None:
    """Pair a train-only loss with a validation-only loss of the same experiment.

    Some logs name the two differently (``train/loss`` with ``test/v_loss``);
    when an experiment has exactly one lone loss of each split they belong
    together, under the training curve's metric name.
    """
    lone: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for (experiment, metric), slot in slots.items():
        if len(slot) == 1 and metric_direction(metric) == "min":
            (split,) = slot
            lone[experiment][split].append((experiment, metric))
    for by_split in lone.values():
        if len(by_split["train"]) == 1 and len(by_split["validation"]) == 1:
            train_key, val_key = by_split["train"][0], by_split["validation"][0]
            slots[train_key]["validation"] = slots.pop(val_key)["validation"]


def _better(a: _Parsed, b: _Parsed) -> bool:
    key = lambda p: (p.variant_rank, p.split_rank, len(p.ref.tag), p.ref.run, p.ref.tag)  # noqa: E731
    return key(a) < key(b)


def _finer(a: _Parsed, b: _Parsed) -> bool:
    """Whether ``a`` is a finer-grained variant than ``b`` (``batch`` before ``step`` before plain)."""
    key = lambda p: (-p.variant_rank, p.split_rank, len(p.ref.tag), p.ref.run, p.ref.tag)  # noqa: E731
    return key(a) < key(b)


def _metric_order(metric: str) -> int:
    """Losses first (plain ``loss`` before the rest), then the other metrics."""
    if metric == "loss":
        return 0
    return 1 if metric_direction(metric) == "min" else 2


def primary(specs: Iterable[ExperimentSpec]) -> dict[str, ExperimentSpec]:
    """The main loss curve of each experiment (the first of its sorted curves)."""
    out: dict[str, ExperimentSpec] = {}
    for spec in specs:
        out.setdefault(spec.name, spec)
    return out
