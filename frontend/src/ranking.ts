// Experiments from the diagnosis document, in the document's ranking (worst first).

import type { DiagnosedCurve, DiagnosisDocument, FindingKind, RankingEntry } from "./types";

export interface ExperimentSummary {
  name: string;
  curves: DiagnosedCurve[];
  /** Finding kinds present, with how many of each. */
  kinds: Map<FindingKind, number>;
  /** No curve of the experiment could be checked (a checked curve with no finding makes it healthy). */
  notChecked: boolean;
}

/**
 * One summary per experiment, ordered as `doc.ranking` ranks them; an
 * experiment the ranking misses (an older backend) keeps document order, last.
 */
export function summarize(doc: Pick<DiagnosisDocument, "curves"> & { ranking?: RankingEntry[] }): ExperimentSummary[] {
  const byName = new Map<string, ExperimentSummary>();
  for (const curve of doc.curves) {
    let s = byName.get(curve.name);
    if (!s) {
      s = { name: curve.name, curves: [], kinds: new Map(), notChecked: true };
      byName.set(curve.name, s);
    }
    s.curves.push(curve);
    s.notChecked &&= curve.status === "not_checked";
    for (const f of curve.findings) s.kinds.set(f.kind, (s.kinds.get(f.kind) ?? 0) + 1);
  }
  for (const s of byName.values()) s.curves.sort((a, b) => Number(b.primary) - Number(a.primary));
  const rank = new Map((doc.ranking ?? []).map((e) => [e.experiment, e.rank]));
  const names = [...byName.keys()];
  const order = (name: string) => rank.get(name) ?? rank.size + 1 + names.indexOf(name);
  return [...byName.values()].sort((a, b) => order(a.name) - order(b.name));
}
