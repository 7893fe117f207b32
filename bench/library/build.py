"""Train what is missing, measure every run from its files, and write ``labels.json``.

A run is cached in its experiment folder: :data:`MARKER` holds the config's
key (:meth:`Config.key`) and the facts of its construction, written only after
training finished. A run whose marker matches is not trained again; labels
are always re-measured from the event files, so changing a labelling rule
never needs retraining.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from multiprocessing import get_context

from tb_lossdiag.pairing import experiment_name

from . import label
from .config import Config
from .scenarios import catalogue

MARKER = "library_run.json"
LABELS = "labels.json"


def _marker(outdir: str, config: Config) -> str:
    return os.path.join(outdir, config.name, MARKER)


def cached(outdir: str, config: Config) -> dict | None:
    """The construction facts of a finished run with this exact config, else None."""
    try:
        with open(_marker(outdir, config)) as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    return marker["construction"] if marker.get("key") == config.key() else None


def _init_worker() -> None:
    """One thread per worker process: ``--jobs`` says how many cores the build takes."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)


_KERAS_READY = False


def train_one(outdir: str, config: Config) -> tuple[str, float]:
    """Train ``config`` into its folder (emptied first) and write its marker; return its name and seconds."""
    global _KERAS_READY
    started = time.perf_counter()
    folder = os.path.join(outdir, config.name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    if config.framework == "keras":
        from . import keras_train as trainer

        if not _KERAS_READY:
            trainer.configure_threads()
            _KERAS_READY = True
    else:
        from . import torch_train as trainer
    construction = trainer.train(config, folder)
    with open(_marker(outdir, config), "w") as f:
        json.dump({"key": config.key(), "config": asdict(config), "construction": construction}, f, indent=1)
    return config.name, time.perf_counter() - started


def select(configs: list[Config], only: str | None) -> list[Config]:
    """The configs whose name matches the regular expression ``only`` (all when None)."""
    return configs if not only else [c for c in configs if re.search(only, c.name)]


def train_missing(outdir: str, configs: list[Config], jobs: int, report: Callable[[str], None]) -> None:
    """Train every config without a matching marker, ``jobs`` at a time (Keras runs first: they are slower)."""
    todo = sorted((c for c in configs if cached(outdir, c) is None), key=lambda c: c.framework != "keras")
    report(f"{len(configs) - len(todo)} runs cached, {len(todo)} to train on {jobs} process(es)")
    if not todo:
        return
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_init_worker) as pool:
        futures = {pool.submit(train_one, outdir, c): c.name for c in todo}
        for done, future in enumerate(as_completed(futures), 1):
            try:
                name, seconds = future.result()
            except Exception as error:  # one broken run must not lose the others; it is reported as dropped
                report(f"[{done}/{len(todo)}] {futures[future]} FAILED: {type(error).__name__}: {error}")
                continue
            report(f"[{done}/{len(todo)}] {name} {seconds:.1f} s")


def measure_all(
    outdir: str, configs: list[Config], wanted: set[str]
) -> tuple[dict, list[tuple[str, str]], list[tuple[str, str]]]:
    """Labels of the kept runs, and the (name, reason) of dropped and of relabelled runs.

    A run of ``wanted`` (the names this build was asked to train) that has no
    finished training is dropped; other untrained runs are simply not there yet.
    """
    kept, dropped, relabelled = {}, [], []
    for config in configs:
        construction = cached(outdir, config)
        if construction is None:
            if config.name in wanted:
                dropped.append((config.name, "not trained (training failed or was interrupted)"))
            continue
        curves = label.read_curves(os.path.join(outdir, config.name), config.layout)
        verdict, facts = label.verify(config, curves, construction)
        if verdict.dropped:
            dropped.append((config.name, f"{config.intended}: {verdict.dropped}"))
            continue
        if verdict.relabelled:
            relabelled.append((config.name, f"{verdict.relabelled} -> {'+'.join(verdict.expected)}"))
        kept[config.name] = label.entry(config, verdict, facts)
    return kept, dropped, relabelled


def check_names(outdir: str, names: list[str]) -> list[str]:
    """Names whose experiment tb-lossdiag's pairing would name differently (should be none)."""
    wrong = []
    for name in names:
        runs = os.listdir(os.path.join(outdir, name))
        sub = "train" if "train" in runs else ""
        run = f"{name}/{sub}" if sub else name
        if experiment_name(run) != name:
            wrong.append(f"{name} (pairs as {experiment_name(run)})")
    return wrong


def summary(kept: dict, dropped: list, relabelled: list) -> str:
    """Counts per class and split, per layout, and the dropped/relabelled runs with the reason."""
    lines = []
    by_class = Counter(("+".join(e["expected"]) or "healthy", e["split"]) for e in kept.values())
    classes = sorted({c for c, _ in by_class})
    lines.append(f"{'class':14s} {'tune':>5s} {'test':>5s}")
    lines += [f"{c:14s} {by_class[c, 'tune']:5d} {by_class[c, 'test']:5d}" for c in classes]
    lines.append(f"{'total':14s} {sum(v for (c, s), v in by_class.items() if s == 'tune'):5d} "
                 f"{sum(v for (c, s), v in by_class.items() if s == 'test'):5d}")
    layouts = Counter(f"{e['framework']}/{e['layout']}" for e in kept.values())
    lines.append("layouts: " + ", ".join(f"{k} {v}" for k, v in sorted(layouts.items())))
    lines.append(f"relabelled ({len(relabelled)}):")
    lines += [f"  {n}: {why}" for n, why in relabelled]
    lines.append(f"dropped ({len(dropped)}):")
    lines += [f"  {n}: {why}" for n, why in dropped]
    return "\n".join(lines)


def build(
    outdir: str,
    jobs: int = 2,
    only: str | None = None,
    report: Callable[[str], None] = print,
    fresh_draw: int | None = None,
) -> dict:
    """Train the missing runs of the catalogue (those matching ``only``; a fresh draw of it with ``fresh_draw``,
    see :func:`~.scenarios.catalogue`) under ``outdir`` and write ``labels.json`` for every trained run of it;
    return it."""
    configs = catalogue(fresh_draw)
    wanted = select(configs, only)
    os.makedirs(outdir, exist_ok=True)
    started = time.perf_counter()
    train_missing(outdir, wanted, jobs, report)
    kept, dropped, relabelled = measure_all(outdir, configs, {c.name for c in wanted})
    wrong = check_names(outdir, list(kept))
    if wrong:
        raise RuntimeError("experiment names that pairing does not reproduce: " + "; ".join(wrong))
    document = {"experiments": dict(sorted(kept.items()))}
    with open(os.path.join(outdir, LABELS), "w") as f:
        json.dump(document, f, indent=1, allow_nan=False)
        f.write("\n")
    report(summary(kept, dropped, relabelled))
    report(f"{len(kept)} labelled runs in {os.path.join(outdir, LABELS)} ({time.perf_counter() - started:.0f} s)")
    return document
