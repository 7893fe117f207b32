// The diagnosis panel of one experiment: per curve, its findings by severity
// (steps, confidence, evidence, remedies), a "healthy" line when there are
// none, what could not be checked, and the comparison with the baseline.

import { el } from "./dom";
import { KIND_COLOR } from "./palette";
import { SEVERITY_RANK, type ExperimentSummary } from "./ranking";
import type { Comparison, DiagnosedCurve, Finding } from "./types";

export interface PanelCallbacks {
  /** Pointer or focus on a finding (null when it leaves). */
  onHover(metric: string, finding: number | null): void;
  onActivate(metric: string, finding: number): void;
}

function formatEvidence(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(+value.toPrecision(4));
  if (value === null) return "non-finite";
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
    ...Object.entries(f.evidence).flatMap(([k, v]) => [el("dt", {}, k.replace(/_/g, " ")), el("dd", {}, formatEvidence(v))]),
  );
  const li = el(
    "li",
    {
      class: `finding severity-${f.severity}`,
      data: { kind: f.kind, step: f.start_step, severity: f.severity, metric: curve.metric, finding: index },
      attrs: { tabindex: "0", style: `border-left-color:${KIND_COLOR[f.kind]}`, "aria-label": `${f.kind}, ${f.severity} severity, ${stepText(f)}. Press Enter to zoom.` },
    },
    el("div", { class: "finding-head" }, el("strong", {}, f.kind), el("span", { class: "severity" }, f.severity), el("span", { class: "steps" }, stepText(f))),
    el("p", { class: "summary" }, f.summary),
    el("div", { class: "meta" }, `${f.series} curve · confidence ${Math.round(f.confidence * 100)}%`),
    Object.keys(f.evidence).length ? evidence : null,
    f.remedies.length ? el("ul", { class: "remedies", attrs: { "aria-label": "Remedies" } }, ...f.remedies.map((r) => el("li", {}, r))) : null,
  );
  li.addEventListener("mouseenter", () => cb.onHover(curve.metric, index));
  li.addEventListener("mouseleave", () => cb.onHover(curve.metric, null));
  li.addEventListener("focus", () => cb.onHover(curve.metric, index));
  li.addEventListener("blur", () => cb.onHover(curve.metric, null));
  li.addEventListener("click", () => cb.onActivate(curve.metric, index));
  li.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      cb.onActivate(curve.metric, index);
    }
  });
  return li;
}

function curveSection(curve: DiagnosedCurve, cb: PanelCallbacks): HTMLElement {
  // Keep each finding's index in the curve's list: the chart refers to findings by it.
  const ordered = curve.findings
    .map((f, i) => [f, i] as const)
    .sort(([a, i], [b, j]) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || i - j);
  const healthy =
    !curve.findings.length && curve.status !== "not_checked"
      ? el("p", { class: "healthy" }, `No problems found in ${curve.metric}.`)
      : null;
  const notChecked = curve.not_checked.length
    ? el("div", { class: "not-checked" }, el("h4", {}, "Not checked"), el("ul", {}, ...curve.not_checked.map((n) => el("li", { data: { kind: n.kind } }, `${n.kind}: ${n.reason}`))))
    : null;
  return el(
    "section",
    { class: "curve-diagnosis", data: { metric: curve.metric, status: curve.status } },
    el("h3", {}, curve.metric, curve.primary ? el("span", { class: "primary" }, " (main loss)") : null),
    ordered.length ? el("ol", { class: "findings" }, ...ordered.map(([f, i]) => findingItem(curve, f, i, cb))) : null,
    healthy,
    notChecked,
  );
}

function comparisonLine(c: Comparison): HTMLElement {
  const numbers = Object.entries(c)
    .filter(([k, v]) => typeof v === "number" && k !== "run")
    .map(([k, v]) => `${k.replace(/_/g, " ")} ${formatEvidence(v)}`)
    .join(", ");
  return el("p", { class: `comparison verdict-${c.verdict}`, data: { verdict: c.verdict } }, `vs baseline ${c.baseline}: ${c.verdict}${numbers ? ` (${numbers})` : ""}`);
}

export function renderPanel(experiment: ExperimentSummary, comparison: Comparison | undefined, cb: PanelCallbacks): HTMLElement {
  return el(
    "aside",
    { class: "diagnosis", data: { experiment: experiment.name }, attrs: { "aria-label": "Diagnosis" } },
    el("h2", {}, experiment.name),
    comparison ? comparisonLine(comparison) : null,
    ...experiment.curves.map((c) => curveSection(c, cb)),
  );
}
