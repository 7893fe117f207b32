// The JSON documents served by the plugin backend (schema "tb-lossdiag/1").

export type FindingKind = "overfitting" | "underfitting" | "plateau" | "spike" | "divergence";
export type Severity = "low" | "medium" | "high";
export type Direction = "min" | "max";

export interface Finding {
  kind: FindingKind;
  series: "train" | "validation" | "both";
  start_step: number;
  end_step: number | null;
  severity: Severity;
  confidence: number;
  summary: string;
  evidence: Record<string, unknown>;
  remedies: string[];
  /** Points to draw, in the curve's own units; a null value was non-finite. */
  markers: [number, number | null][];
}

export interface NotChecked {
  kind: string;
  reason: string;
}

export interface SeriesInfo {
  run: string;
  tag: string;
  points: number;
  sampled: boolean;
}

export interface DiagnosedCurve {
  name: string;
  metric: string;
  direction: Direction;
  primary: boolean;
  train: SeriesInfo | null;
  validation: SeriesInfo | null;
  status: "healthy" | "problems" | "not_checked";
  findings: Finding[];
  not_checked: NotChecked[];
}

export interface Comparison {
  run: string;
  baseline: string;
  verdict: "better" | "worse" | "equivalent" | "not_comparable";
  /** Why there is no verdict (with "not_comparable"). */
  reason?: string;
  [key: string]: unknown;
}

/** One experiment in the document's ranking (every experiment, worst first). */
export interface RankingEntry {
  rank: number;
  experiment: string;
  worst_severity: Severity | null;
  findings: number;
  confidence: number;
  kinds: FindingKind[];
}

export interface DiagnosisDocument {
  schema: string;
  curves: DiagnosedCurve[];
  comparisons: Comparison[];
  warnings: string[];
  ranking: RankingEntry[];
  sampling?: { sampled_series: number; flag: string };
}

export type Role = "train" | "validation" | "baseline_train" | "baseline_validation";

export interface NonFinite {
  step: number;
  value: "nan" | "inf" | "-inf";
}

export interface SeriesData {
  role: Role;
  run: string;
  tag: string;
  sampled: boolean;
  steps: number[];
  wall_times: number[];
  /** null where the stored value was non-finite (listed in `nonfinite`). */
  values: (number | null)[];
  nonfinite: NonFinite[];
}

export interface CurveData {
  metric: string;
  direction: Direction;
  primary: boolean;
  findings: Finding[];
  series: SeriesData[];
}

export interface LearningRate {
  run: string;
  tag: string;
  steps: number[];
  wall_times: number[];
  values: (number | null)[];
}

export interface ExperimentData {
  name: string;
  curves: CurveData[];
  learning_rate: LearningRate | null;
}

export interface CurvesDocument {
  experiments: ExperimentData[];
}
