// The diagnosis panel of the selected experiments: per curve, its findings
// in the document's order (most severe first), with steps, confidence,
// evidence and remedies; a "healthy" line when there are none; what could
// not be checked; and the comparison with the baseline (or why there is none).

import { el } from "./dom";
import { KIND_COLOR } from "./palette";
import type { ExperimentSummary } from "./ranking";
import type { Comparison, DiagnosedCurve, Finding } from "./types";

export interface PanelCallbacks {
  /** Pointer or focus on a finding (null when it leaves); `finding` indexes the curve's findings. */
  onHover(experiment: string, metric: string, finding: number | null): void;
  onActivate(experiment: string, metric: string, finding: number): void;
}

/** Where else one event was seen (`evidence.also_seen`): "validation at step 10; accuracy (train) at step 10". */
function seenText(places: Array<Record<string, unknown>>): string {
  return places
    .map((p) => `${p.curve ? `${String(p.curve)} (${String(p.series)})` : String(p.series)} at step ${String(p.step)}`)
    .join("; ");
}

export function formatEvidence(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(+value.toPrecision(4));
  if (value === null) return "non-finite";
  if (Array.isArray(value) && value.every((v) => v !== null && typeof v === "object" && "step" in v)) {
    return seenText(value as Array<Record<string, unknown>>);
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function stepText(f: Finding): string {
  if (f.end_step === null) return `from step ${f.start_step}`;
  return f.end_step === f.start_step ? `at step ${f.start_step}` : `steps ${f.start_step}–${f.end_step}`;
}

function findingItem(curve: DiagnosedCurve, f: Finding, index: number, cb: PanelCallbacks): HTMLLIElement {
  const evidence = el(
    "dl",
    { class: "evidence" },
    ...Object.entries(f.evidence).flatMap(([k, v]) => [
      el("dt", {}, k.replace(/_/g, " ")),
      el("dd", {}, formatEvidence(v)),
    ]),
  );
  const li = el(
    "li",
    {
      class: `finding severity-${f.severity}`,
      data: {
        kind: f.kind,
        step: f.start_step,
        severity: f.severity,
        metric: curve.metric,
        finding: index,
        experiment: curve.name,
      },
      attrs: {
        tabindex: "0",
        style: `border-left-color:${KIND_COLOR[f.kind]}`,
        "aria-label": `${f.kind}, ${f.severity} severity, ${stepText(f)}. Press Enter to zoom.`,
      },
    },
    el(
      "div",
      { class: "finding-head" },
      el("strong", {}, f.kind),
      el("span", { class: "severity" }, f.severity),
      el("span", { class: "steps" }, stepText(f)),
    ),
    el("p", { class: "summary" }, f.summary),
    el("div", { class: "meta" }, `${f.series} curve · confidence ${Math.round(f.confidence * 100)}%`),
    Object.keys(f.evidence).length ? evidence : null,
    f.remedies.length
      ? el("ul", { class: "remedies", attrs: { "aria-label": "Remedies" } }, ...f.remedies.map((r) => el("li", {}, r)))
      : null,
  );
  li.addEventListener("mouseenter", () => cb.onHover(curve.name, curve.metric, index));
  li.addEventListener("mouseleave", () => cb.onHover(curve.name, curve.metric, null));
  li.addEventListener("focus", () => cb.onHover(curve.name, curve.metric, index));
  li.addEventListener("blur", () => cb.onHover(curve.name, curve.metric, null));
  li.addEventListener("click", () => cb.onActivate(curve.name, curve.metric, index));
  li.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      cb.onActivate(curve.name, curve.metric, index);
    }
  });
  return li;
}

function curveSection(curve: DiagnosedCurve, cb: PanelCallbacks): HTMLElement {
  const healthy =
    !curve.findings.length && curve.status !== "not_checked"
      ? el("p", { class: "healthy" }, `No problems found in ${curve.metric}.`)
      : null;
  const notChecked = curve.not_checked.length
    ? el(
        "div",
        { class: "not-checked" },
        el("h4", {}, "Not checked"),
        el("ul", {}, ...curve.not_checked.map((n) => el("li", { data: { kind: n.kind } }, `${n.kind}: ${n.reason}`))),
      )
    : null;
  return el(
    "section",
    { class: "curve-diagnosis", data: { metric: curve.metric, status: curve.status, experiment: curve.name } },
    el("h3", {}, curve.metric, curve.primary ? el("span", { class: "primary" }, " (main loss)") : null),
    curve.findings.length
      ? el("ol", { class: "findings" }, ...curve.findings.map((f, i) => findingItem(curve, f, i, cb)))
      : null,
    healthy,
    notChecked,
  );
}

function comparisonLine(c: Comparison): HTMLElement {
  if (c.verdict === "not_comparable") {
    return el(
      "p",
      { class: "comparison verdict-none", data: { verdict: c.verdict } },
      `vs baseline ${c.baseline}: no verdict — ${c.reason ?? "the runs cannot be compared"}.`,
    );
  }
  const numbers = Object.entries(c)
    .filter(([k, v]) => typeof v === "number" && k !== "run")
    .map(([k, v]) => `${k.replace(/_/g, " ")} ${formatEvidence(v)}`)
    .join(", ");
  return el(
    "p",
    { class: `comparison verdict-${c.verdict}`, data: { verdict: c.verdict } },
    `vs baseline ${c.baseline}: ${c.verdict}${numbers ? ` (${numbers})` : ""}`,
  );
}

/** One experiment's diagnosis, headed by its name in its run colour. */
export function renderPanel(
  experiment: ExperimentSummary,
  color: string,
  comparison: Comparison | undefined,
  cb: PanelCallbacks,
): HTMLElement {
  return el(
    "section",
    { class: "diagnosis", data: { experiment: experiment.name } },
    el("h2", {}, el("span", { class: "swatch", attrs: { style: `background:${color}` } }), experiment.name),
    comparison ? comparisonLine(comparison) : null,
    ...experiment.curves.map((c) => curveSection(c, cb)),
  );
}
