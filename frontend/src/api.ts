// Requests to the plugin backend; relative URLs resolve under the plugin's route.

import type { CurvesDocument, DiagnosisDocument } from "./types";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { Accept: "application/json" } });
  if (!res.ok) {
    let detail = res.statusText;
    try {
      detail = ((await res.json()) as { error?: string }).error ?? detail;
    } catch {
      // The body was not JSON: keep the status text.
    }
    throw new ApiError(`${url.split("?")[0]}: ${res.status} ${detail}`, res.status);
  }
  return (await res.json()) as T;
}

export function fetchDiagnosis(baseline: string, signal?: AbortSignal): Promise<DiagnosisDocument> {
  const q = baseline ? `?${new URLSearchParams({ baseline })}` : "";
  return getJson<DiagnosisDocument>(`./diagnosis${q}`, signal);
}

export function fetchCurves(experiments: string[], baseline: string, signal?: AbortSignal): Promise<CurvesDocument> {
  const q = new URLSearchParams(experiments.map((name) => ["experiment", name]));
  if (baseline) q.set("baseline", baseline);
  return getJson<CurvesDocument>(`./curves?${q}`, signal);
}
