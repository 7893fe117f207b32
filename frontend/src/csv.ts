// The chart's series as CSV (RFC 4180), one row per point, for a download.

import type { Line } from "./chartdata";

const HEADER = ["experiment", "series", "run", "tag", "step", "wall_time", "value", "smoothed"];

/** A CSV field: quoted when it holds a comma, quote or line break (names are free text). */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Every point of `lines`; a non-finite value is an empty field. */
export function linesToCsv(lines: Line[]): string {
  const rows = [HEADER.join(",")];
  const num = (v: number) => (Number.isFinite(v) ? String(v) : "");
  for (const line of lines) {
    const { steps, wall_times } = line.timeline;
    const head = [line.experiment, line.role, line.run, line.tag].map(csvField).join(",");
    for (let i = 0; i < steps.length; i++) {
      const smoothed = line.smoothedValues ? num(line.smoothedValues[i]) : "";
      rows.push(`${head},${steps[i]},${wall_times[i]},${num(line.values[i])},${smoothed}`);
    }
  }
  return rows.join("\r\n") + "\r\n";
}
