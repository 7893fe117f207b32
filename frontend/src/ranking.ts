// Experiments from the diagnosis document, worst problems first.

import type { DiagnosedCurve, DiagnosisDocument, FindingKind, Severity } from "./types";

export const SEVERITY_RANK: Record<Severity, number> = { high: 3, medium: 2, low: 1 };

export interface ExperimentSummary {
  name: string;
  curves: DiagnosedCurve[];
  /** Finding kinds present, with how many of each. */
  kinds: Map<FindingKind, number>;
  worst: number;
  findingCount: number;
  notChecked: boolean;
}

export function summarize(doc: DiagnosisDocument): ExperimentSummary[] {
  const byName = new Map<string, ExperimentSummary>();
  for (const curve of doc.curves) {
    let s = byName.get(curve.name);
    if (!s) {
      s = { name: curve.name, curves: [], kinds: new Map(), worst: 0, findingCount: 0, notChecked: false };
      byName.set(curve.name, s);
    }
    s.curves.push(curve);
    s.notChecked ||= curve.status === "not_checked";
    for (const f of curve.findings) {
      s.kinds.set(f.kind, (s.kinds.get(f.kind) ?? 0) + 1);
      s.worst = Math.max(s.worst, SEVERITY_RANK[f.severity] ?? 0);
      s.findingCount++;
    }
  }
  for (const s of byName.values()) s.curves.sort((a, b) => Number(b.primary) - Number(a.primary));
  return [...byName.values()].sort(
    (a, b) => b.worst - a.worst || b.findingCount - a.findingCount || a.name.localeCompare(b.name),
  );
}
