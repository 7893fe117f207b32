// A chart as a PNG: its title and legend drawn above the plot canvas, on the
// theme's background, so the image stands on its own.

import type { Theme } from "./theme";

export interface LegendEntry {
  label: string;
  color: string;
  dash: number[];
}

/** Rows of legend entries fitting `width` pixels, given each entry's pixel width. */
export function legendRows(widths: number[], width: number, gap: number): number[][] {
  const rows: number[][] = [];
  let used = 0;
  widths.forEach((w, i) => {
    const row = rows[rows.length - 1];
    if (row && used + gap + w <= width) {
      row.push(i);
      used += gap + w;
    } else {
      rows.push([i]);
      used = w;
    }
  });
  return rows;
}

export function chartPng(
  plot: HTMLCanvasElement,
  title: string,
  legend: LegendEntry[],
  theme: Theme,
  px: number,
): Promise<Blob> {
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  if (!ctx) return Promise.reject(new Error("no 2D canvas"));
  const font = (size: number) => `${size * px}px sans-serif`;
  const pad = 8 * px;
  const swatch = 22 * px;
  const rowHeight = 18 * px;
  ctx.font = font(12);
  const widths = legend.map((e) => swatch + 6 * px + ctx.measureText(e.label).width);
  const rows = legendRows(widths, plot.width - 2 * pad, 14 * px);
  const titleHeight = 28 * px;
  const head = titleHeight + rows.length * rowHeight + 4 * px;
  canvas.width = plot.width;
  canvas.height = plot.height + head;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = theme.text;
  ctx.textBaseline = "middle";
  ctx.font = font(14);
  ctx.fillText(title, pad, titleHeight / 2);
  ctx.font = font(12);
  rows.forEach((row, r) => {
    let x = pad;
    const y = titleHeight + r * rowHeight + rowHeight / 2;
    for (const i of row) {
      const e = legend[i];
      ctx.strokeStyle = e.color;
      ctx.lineWidth = 2 * px;
      ctx.setLineDash(e.dash.map((d) => d * px));
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + swatch, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = theme.text;
      ctx.fillText(e.label, x + swatch + 6 * px, y);
      x += widths[i] + 14 * px;
    }
  });
  ctx.drawImage(plot, 0, head);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("PNG export failed"))), "image/png"),
  );
}
