// Where the view state lives outside the tab: localStorage (this tab's saved
// view, TensorBoard's own settings) and TensorBoard's page URL. Every access
// may fail (storage disabled, a cross-origin parent) and then does nothing.

import { fromHostHash, toHostHash, type StateSources, type ViewState } from "./state";

const PLUGIN_NAME = "lossdiag";
const SAVED_VIEW = "tb-lossdiag.view";
/** TensorBoard's persisted settings (its Settings dialog): `{"scalarSmoothing": 0.6, ...}`. */
const TENSORBOARD_SETTINGS = "_tb_global_settings";

function hostWindow(): Window | null {
  try {
    return window.parent !== window && window.parent.location.href ? window.parent : null;
  } catch {
    return null;
  }
}

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function tensorboardSmoothing(): number | null {
  try {
    const value = (JSON.parse(read(TENSORBOARD_SETTINGS) ?? "{}") as { scalarSmoothing?: unknown }).scalarSmoothing;
    return typeof value === "number" ? value : null;
  } catch {
    return null;
  }
}

export function stateSources(): StateSources {
  return {
    own: location.hash,
    host: fromHostHash(hostWindow()?.location.hash ?? "", PLUGIN_NAME),
    saved: read(SAVED_VIEW),
    tensorboardSmoothing: tensorboardSmoothing(),
  };
}

/** Save `state` (localStorage) and show it in both URLs, without new history entries. */
export function persist(state: ViewState, hash: string): void {
  try {
    window.localStorage.setItem(SAVED_VIEW, hash);
  } catch {
    // Storage disabled: the URL still holds the view.
  }
  if (hash !== location.hash && !(hash === "" && location.hash === "")) {
    history.replaceState(null, "", hash || `${location.pathname}${location.search}`);
  }
  // TensorBoard's page URL, only while it shows this tab: `#lossdiag&sel=...`.
  const host = hostWindow();
  if (host && fromHostHash(host.location.hash, PLUGIN_NAME) !== null) {
    const hostHash = toHostHash(PLUGIN_NAME, state);
    if (host.location.hash !== hostHash) host.history.replaceState(host.history.state, "", hostHash);
  }
}
