"""Render the ``tb-lossdiag/1`` document as readable text for a terminal.

Experiments come worst first (the document's ``ranking``), each with all its
curves together; a finding takes one line (severity, kind, series, steps,
confidence) and its summary a second. What to try is listed once per kind at
the end; evidence only when asked (``verbose``). ANSI colour only when asked
(:func:`use_color` decides for a stream).
"""

from __future__ import annotations

import os
import textwrap
from typing import Any, TextIO

#: Width the text is wrapped to.
WIDTH = 100
#: SGR codes per style.
_STYLES = {"high": "1;31", "medium": "33", "low": "36", "name": "1", "healthy": "32", "dim": "2"}


def use_color(stream: TextIO) -> bool:
    """Colour for a terminal, never when piped or with ``NO_COLOR`` set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, style: str) -> str:
        return f"\033[{_STYLES[style]}m{text}\033[0m" if self.color and style in _STYLES else text


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent.rstrip()]


def _steps(f: dict) -> str:
    if f["end_step"] is None:
        return f"from step {f['start_step']}"
    return f"step {f['start_step']}" if f["end_step"] == f["start_step"] else f"steps {f['start_step']}-{f['end_step']}"


def _points(entry: dict | None) -> str | None:
    if entry is None:
        return None
    return f"{entry.get('points', 0)}{'*' if entry.get('sampled') else ''}"


def _evidence(evidence: dict[str, Any]) -> str:
    parts = []
    for key, value in evidence.items():
        if value is None:
            continue
        parts.append(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}")
    return ", ".join(parts)


def _curve_head(curve: dict) -> str:
    """``loss (train 60, validation 60 points)``: the metric and its series' sizes."""
    sizes = [f"{role} {n}" for role in ("train", "validation") if (n := _points(curve[role])) is not None]
    return f"{curve['metric']} ({', '.join(sizes)} points)" if sizes else curve["metric"]


def _finding_lines(f: dict, paint: _Painter, verbose: bool) -> list[str]:
    severity = paint(f"{f['severity'].upper():<6}", f["severity"])
    head = f"    {severity} {f['kind']:<12} {f['series']:<10} {_steps(f):<18} confidence {f['confidence']:.0%}"
    summary = f["summary"] if verbose else textwrap.shorten(f["summary"], WIDTH - 11, placeholder=" ...")
    lines = [head.rstrip()] + _wrap(summary, " " * 11)
    if verbose and f["evidence"]:
        lines += _wrap("evidence: " + _evidence(f["evidence"]), " " * 11)
    return lines


def _experiment_lines(name: str, curves: list[dict], entry: dict | None, paint: _Painter, verbose: bool) -> list[str]:
    found = sum(len(c["findings"]) for c in curves)
    if found:
        worst = entry["worst_severity"] if entry else None
        tag = f"{paint((worst or '').upper(), worst or '')} · {found} finding{'s' if found > 1 else ''}"
    elif all(c["status"] == "not_checked" for c in curves):  # one checked curve with no finding: healthy
        tag = paint("not checked", "dim")
    else:
        tag = paint("healthy", "healthy")
    rank = f"{entry['rank']}. " if entry else ""
    lines = [f"{rank}{paint(name, 'name')}  {tag}"]
    for c in sorted(curves, key=lambda c: not c["primary"]):
        if not c["findings"] and not c["not_checked"]:
            lines.append(f"  {_curve_head(c)}: {paint('no problem found', 'healthy')}")
            continue
        lines.append(f"  {_curve_head(c)}")
        for f in c["findings"]:
            lines += _finding_lines(f, paint, verbose)
        if c["not_checked"]:
            notes = "; ".join(f"{n['kind']} ({n['reason']})" for n in c["not_checked"])
            lines += _wrap(f"not checked: {notes}", "    ")
    return lines


def _remedies(curves: list[dict]) -> list[str]:
    """Each kind's remedies once, in order of first appearance."""
    by_kind: dict[str, list[str]] = {}
    for c in curves:
        for f in c["findings"]:
            kept = by_kind.setdefault(f["kind"], [])
            kept += [r for r in f["remedies"] if r not in kept]
    lines = []
    for kind, remedies in by_kind.items():
        if remedies:
            lines.append(f"  {kind}:")
            for r in remedies:
                lines += textwrap.wrap(r, WIDTH, initial_indent="    - ", subsequent_indent="      ")
    return ["What to try:"] + lines if lines else []


def _comparison_lines(comparisons: list[dict]) -> list[str]:
    out = [f"Compared with baseline {comparisons[0]['baseline']}:"]
    for cmp in comparisons:
        if cmp["verdict"] == "not_comparable":
            out.append(f"  {cmp['run']}: no verdict ({cmp.get('reason', 'not comparable')})")
            continue
        extra = ""
        if cmp.get("final_ratio") is not None:
            extra = f"  final loss x{cmp['final_ratio']:.3g}, best x{cmp['best_ratio']:.3g}"
            if cmp.get("speedup"):
                extra += f", reaches the baseline's best {cmp['speedup']:.2g}x as fast"
        out.append(f"  {cmp['run']}: {cmp['verdict']}{extra}")
    return out


def render_text(document: dict, *, verbose: bool = False, color: bool = False) -> str:
    """The whole document: experiments worst first, then what to try, comparisons and warnings.

    Parameters
    ----------
    document : dict
        A ``tb-lossdiag/1`` document (with ``ranking``; experiments it does not rank follow in document order).
    verbose : bool, default False
        Add each finding's evidence and its whole summary.
    color : bool, default False
        ANSI colours (see :func:`use_color`).
    """
    curves = document["curves"]
    if not curves:
        return "No loss curves found (no scalar tag looks like a loss or a metric)."
    paint = _Painter(color)
    by_name: dict[str, list[dict]] = {}
    for c in curves:
        by_name.setdefault(c["name"], []).append(c)
    ranked = {e["experiment"]: e for e in document.get("ranking", [])}
    names = list(by_name)
    order = sorted(names, key=lambda n: (ranked[n]["rank"] if n in ranked else len(ranked) + 1, names.index(n)))
    problems = sum(1 for n in order if any(c["findings"] for c in by_name[n]))
    out = [f"{len(order)} experiment(s), {problems} with problems, worst first."]
    for name in order:
        out += [""] + _experiment_lines(name, by_name[name], ranked.get(name), paint, verbose)
    remedies = _remedies(curves)
    if remedies:
        out += [""] + remedies
    if document["comparisons"]:
        out += [""] + _comparison_lines(document["comparisons"])
    notes = []
    if any((c[r] or {}).get("sampled") for c in curves for r in ("train", "validation")):
        notes.append("* = TensorBoard kept only a sample of the points.")
    if document["warnings"]:
        notes.append(f"{len(document['warnings'])} warning(s) while reading (see stderr).")
    return "\n".join(out + ([""] + notes if notes else []))


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
