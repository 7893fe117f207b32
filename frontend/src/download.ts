// Downloads made in the page: the diagnosis JSON and chart PNGs.

import { el } from "./dom";

/** Offer `blob` as a download named `filename` (characters unsafe in file names replaced). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = el("a", { attrs: { href: url, download: filename.replace(/[\\/:*?"<>|]+/g, "_") } });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function saveJson(value: unknown, filename: string): void {
  saveBlob(new Blob([JSON.stringify(value, null, 2)], { type: "application/json" }), filename);
}
