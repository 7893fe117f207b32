"""Render the ``tb-lossdiag/1`` document as readable text for a terminal."""

from __future__ import annotations

import textwrap
from typing import Any

from .detectors import SEVERITY_RANK


def _points(entry: dict | None) -> str:
    return "-" if entry is None else str(entry.get("points", 0)) + ("*" if entry.get("sampled") else "")


def _short(finding: dict) -> str:
    return f"{finding['kind']}@{finding['start_step']}"


def _sort_key(curve: dict) -> tuple:
    ranks = [SEVERITY_RANK.get(f["severity"], 3) for f in curve["findings"]]
    return (min(ranks, default=4), curve["name"], curve["metric"])


def summary_table(curves: list[dict]) -> str:
    """One line per curve: the worst problems first."""
    rows = [("EXPERIMENT", "METRIC", "TRAIN", "VAL", "STATUS", "FINDINGS")]
    for c in sorted(curves, key=_sort_key):
        findings = ", ".join(_short(f) for f in c["findings"]) or "-"
        rows.append((c["name"], c["metric"], _points(c["train"]), _points(c["validation"]), c["status"], findings))
    return table(rows)


def ranking_text(ranked: list[dict]) -> str:
    """The ``--top`` ranking as a table."""
    rows = [("RANK", "EXPERIMENT", "WORST", "FINDINGS", "CONFIDENCE", "KINDS")]
    for e in ranked:
        confidence = f"{e['confidence']:.0%}" if e["findings"] else "-"
        kinds = ", ".join(e["kinds"]) or "-"
        rows.append((str(e["rank"]), e["experiment"], e["worst_severity"] or "-", str(e["findings"]), confidence, kinds))
    return table(rows)


def table(rows: list[tuple[str, ...]]) -> str:
    """Left-aligned columns two spaces apart; the last column is not padded."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows)


def _evidence(evidence: dict[str, Any]) -> str:
    parts = []
    for key, value in evidence.items():
        if value is None:
            continue
        parts.append(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}")
    return ", ".join(parts)


def _finding_block(f: dict) -> list[str]:
    steps = f"step {f['start_step']}" if f["end_step"] is None else f"steps {f['start_step']}-{f['end_step']}"
    lines = [f"  {f['severity'].upper():<6} {f['kind']} ({f['series']}, {steps}, confidence {f['confidence']:.0%})"]
    wrap = lambda text, lead: textwrap.wrap(text, 100, initial_indent=lead, subsequent_indent=" " * len(lead))  # noqa: E731
    lines += wrap(f["summary"], "         ")
    lines += wrap("evidence: " + _evidence(f["evidence"]), "         ")
    for remedy in f["remedies"]:
        lines += wrap(remedy, "         - ")
    return lines


def details(curve: dict) -> list[str]:
    """The findings of one curve, with evidence and remedies."""
    head = f"{curve['name']} [{curve['metric']}]"
    series = [f"{role} {e['run']}:{e['tag']}" for role, e in (("train", curve["train"]), ("validation", curve["validation"])) if e]
    lines = [head, "  " + "; ".join(series)]
    if not curve["findings"]:
        lines.append("  healthy: no problem found." if curve["status"] == "healthy" else "  nothing could be checked.")
    for f in curve["findings"]:
        lines += _finding_block(f)
    for note in curve["not_checked"]:
        lines.append(f"  not checked: {note['kind']}: {note['reason']}")
    return lines


def render_text(document: dict) -> str:
    """The whole document: a summary table, then each curve with problems in detail."""
    curves = document["curves"]
    if not curves:
        return "No loss curves found (no scalar tag looks like a loss or a metric)."
    problems = sum(1 for c in curves if c["findings"])
    out = [f"{len(curves)} curve(s), {problems} with problems. (* = TensorBoard kept only a sample)", "", summary_table(curves)]
    for c in sorted(curves, key=_sort_key):
        if c["findings"] or c["not_checked"]:
            out += [""] + details(c)
    if document["comparisons"]:
        out += ["", f"Compared with baseline {document['comparisons'][0]['baseline']}:"]
        for cmp in document["comparisons"]:
            extra = ""
            if "final_ratio" in cmp:
                extra = f"  final loss x{cmp['final_ratio']:.3g}, best x{cmp['best_ratio']:.3g}"
                if cmp.get("speedup"):
                    extra += f", reaches the baseline's best {cmp['speedup']:.2g}x as fast"
            out.append(f"  {cmp['run']}: {cmp['verdict']}{extra}")
    if document["warnings"]:
        out += ["", f"{len(document['warnings'])} warning(s) while reading (see stderr)."]
    return "\n".join(out)
