// Colours from the Okabe-Ito palette, distinguishable with the common forms of
// colour blindness; roles also differ in dash pattern, kinds in marker shape and label.

import type { FindingKind, Role } from "./types";

export const ROLE_STYLE: Record<Role, { color: string; dash: number[]; label: string }> = {
  train: { color: "#0072B2", dash: [], label: "train" },
  validation: { color: "#E69F00", dash: [], label: "validation" },
  baseline_train: { color: "#56B4E9", dash: [6, 4], label: "baseline train" },
  baseline_validation: { color: "#009E73", dash: [6, 4], label: "baseline validation" },
};

export const LEARNING_RATE_COLOR = "#666666";

export const KIND_COLOR: Record<FindingKind, string> = {
  overfitting: "#D55E00",
  underfitting: "#B8A200",
  plateau: "#7F7F7F",
  spike: "#CC79A7",
  divergence: "#000000",
};

/** `color` (#rrggbb) with alpha. */
export function withAlpha(color: string, alpha: number): string {
  const n = parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
