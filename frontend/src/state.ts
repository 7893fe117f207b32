// View state kept in the iframe's own URL hash, so a view can be shared.

import { DEFAULT_SMOOTHING, MAX_SMOOTHING } from "./smoothing";
import { X_MODES, type XMode } from "./xaxis";

export type YScale = "log" | "linear";

export interface ViewState {
  /** Selected experiment name ("" = the worst one). */
  selected: string;
  /** Regular expression on experiment names. */
  filter: string;
  smoothing: number;
  /** Y scale of loss (minimised) charts; maximised metrics stay linear. */
  yScale: YScale;
  xMode: XMode;
  /** Experiment every other one is compared with ("" = none). */
  baseline: string;
}

export const DEFAULT_STATE: ViewState = {
  selected: "",
  filter: "",
  smoothing: DEFAULT_SMOOTHING,
  yScale: "log",
  xMode: "step",
  baseline: "",
};

/** Parse `#sel=...&smooth=...`; unknown or bad values fall back to defaults. */
export function parseHash(hash: string): ViewState {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const smoothing = Number(p.get("smooth"));
  const x = p.get("x") as XMode | null;
  return {
    selected: p.get("sel") ?? DEFAULT_STATE.selected,
    filter: p.get("filter") ?? DEFAULT_STATE.filter,
    smoothing:
      p.has("smooth") && Number.isFinite(smoothing)
        ? Math.min(MAX_SMOOTHING, Math.max(0, smoothing))
        : DEFAULT_STATE.smoothing,
    yScale: p.get("y") === "linear" ? "linear" : "log",
    xMode: x && X_MODES.includes(x) ? x : DEFAULT_STATE.xMode,
    baseline: p.get("baseline") ?? DEFAULT_STATE.baseline,
  };
}

/** The hash for `state`, listing only what differs from the defaults. */
export function formatHash(state: ViewState): string {
  const p = new URLSearchParams();
  if (state.selected) p.set("sel", state.selected);
  if (state.filter) p.set("filter", state.filter);
  if (state.smoothing !== DEFAULT_STATE.smoothing) p.set("smooth", String(state.smoothing));
  if (state.yScale !== DEFAULT_STATE.yScale) p.set("y", state.yScale);
  if (state.xMode !== DEFAULT_STATE.xMode) p.set("x", state.xMode);
  if (state.baseline) p.set("baseline", state.baseline);
  const s = p.toString();
  return s ? `#${s}` : "";
}

/** Compile a user's filter like TensorBoard's run filter: case-insensitive, bad regex = no match. */
export function compileFilter(filter: string): RegExp | null {
  try {
    return new RegExp(filter, "i");
  } catch {
    return null;
  }
}
