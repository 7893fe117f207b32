// Colours. Experiments take TensorBoard's own run palette (its "default"
// colour palette, light and dark variants), in the order of the experiment
// list, so an experiment keeps its colour whatever else is shown. Within an
// experiment, the series differ by dash pattern; finding kinds have their
// own colours (Okabe-Ito), marker shapes and labels.

import type { FindingKind, Role } from "./types";

/** TensorBoard 2.x's default run colours: [light theme, dark theme]. */
export const RUN_PALETTE: [string, string][] = [
  ["#425066", "#8e98a3"], // Slate
  ["#12b5cb", "#12b5cb"], // Cyan
  ["#e52592", "#e52592"], // Pink
  ["#f9ab00", "#f9ab00"], // Yellow
  ["#9334e6", "#9334e6"], // Purple
  ["#7cb342", "#7cb342"], // Light Green
  ["#e8710a", "#e8710a"], // Orange
];

/** The run colour of the experiment at `index` of the list. */
export function runColor(index: number, dark: boolean): string {
  const entry = RUN_PALETTE[((index % RUN_PALETTE.length) + RUN_PALETTE.length) % RUN_PALETTE.length];
  return dark ? entry[1] : entry[0];
}

export const ROLE_STYLE: Record<Role, { dash: number[]; label: string }> = {
  train: { dash: [], label: "train" },
  validation: { dash: [7, 3], label: "validation" },
  baseline_train: { dash: [2, 3], label: "baseline train" },
  baseline_validation: { dash: [9, 3, 2, 3], label: "baseline validation" },
};

export const LEARNING_RATE_COLOR = "#888888";

export const KIND_COLOR: Record<FindingKind, string> = {
  overfitting: "#D55E00",
  underfitting: "#B8A200",
  plateau: "#7F7F7F",
  spike: "#CC79A7",
  divergence: "#C62828",
};

/** `color` (#rrggbb) with alpha. */
export function withAlpha(color: string, alpha: number): string {
  const n = parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
