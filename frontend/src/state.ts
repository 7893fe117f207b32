// View state: kept in the iframe's own URL hash and mirrored into
// TensorBoard's page URL (after its `#lossdiag` tab name) so a view can be
// shared by URL, and in localStorage so it survives a reload.

import { DEFAULT_SMOOTHING, MAX_SMOOTHING } from "./smoothing";
import { X_MODES, type XMode } from "./xaxis";

export type YScale = "log" | "linear";

export interface ViewState {
  /** Selected experiment names, drawn together ([] = the worst one). */
  selected: string[];
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
  selected: [],
  filter: "",
  smoothing: DEFAULT_SMOOTHING,
  yScale: "log",
  xMode: "step",
  baseline: "",
};

function clampSmoothing(v: number): number {
  return Math.min(MAX_SMOOTHING, Math.max(0, v));
}

/** Parse `sel=a&sel=b&smooth=...` (with or without "#"); unknown or bad values fall back to `defaults`. */
export function parseHash(hash: string, defaults: ViewState = DEFAULT_STATE): ViewState {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const smoothing = Number(p.get("smooth"));
  const x = p.get("x") as XMode | null;
  const y = p.get("y");
  return {
    selected: p.has("sel") ? [...new Set(p.getAll("sel"))] : defaults.selected,
    filter: p.get("filter") ?? defaults.filter,
    smoothing: p.has("smooth") && Number.isFinite(smoothing) ? clampSmoothing(smoothing) : defaults.smoothing,
    yScale: y === "linear" || y === "log" ? y : defaults.yScale,
    xMode: x && X_MODES.includes(x) ? x : defaults.xMode,
    baseline: p.get("baseline") ?? defaults.baseline,
  };
}

/** The hash for `state`, listing only what differs from the defaults. */
export function formatHash(state: ViewState): string {
  const p = new URLSearchParams();
  for (const name of state.selected) p.append("sel", name);
  if (state.filter) p.set("filter", state.filter);
  if (state.smoothing !== DEFAULT_STATE.smoothing) p.set("smooth", String(state.smoothing));
  if (state.yScale !== DEFAULT_STATE.yScale) p.set("y", state.yScale);
  if (state.xMode !== DEFAULT_STATE.xMode) p.set("x", state.xMode);
  if (state.baseline) p.set("baseline", state.baseline);
  const s = p.toString();
  return s ? `#${s}` : "";
}

/** The tab's part of TensorBoard's page hash `#<tab>&<state>`, or null when another tab is shown. */
export function fromHostHash(hostHash: string, tab: string): string | null {
  const [name, ...rest] = hostHash.replace(/^#/, "").split("&");
  return name === tab ? rest.join("&") : null;
}

/** TensorBoard's page hash showing `tab` with `state`. */
export function toHostHash(tab: string, state: ViewState): string {
  const own = formatHash(state).replace(/^#/, "");
  return `#${tab}${own ? `&${own}` : ""}`;
}

export interface StateSources {
  /** The iframe's own hash. */
  own: string;
  /** The state part of TensorBoard's page hash (see fromHostHash). */
  host: string | null;
  /** What was last saved to localStorage (a hash), or null. */
  saved: string | null;
  /** TensorBoard's own smoothing setting, when it can be read. */
  tensorboardSmoothing: number | null;
}

/**
 * The state to start with: the first non-empty of the iframe hash, the page
 * URL and the saved view; TensorBoard's smoothing when none sets one.
 */
export function initialState(sources: StateSources): ViewState {
  const tb = sources.tensorboardSmoothing;
  const defaults = {
    ...DEFAULT_STATE,
    smoothing: tb !== null && Number.isFinite(tb) ? clampSmoothing(tb) : DEFAULT_STATE.smoothing,
  };
  const hash = [sources.own, sources.host ?? "", sources.saved ?? ""].find((h) => h.replace(/^#/, "") !== "") ?? "";
  return parseHash(hash, defaults);
}

/** Compile a user's filter like TensorBoard's run filter: case-insensitive, bad regex = no match. */
export function compileFilter(filter: string): RegExp | null {
  try {
    return new RegExp(filter, "i");
  } catch {
    return null;
  }
}
