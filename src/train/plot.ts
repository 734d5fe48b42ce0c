import type { Metric } from './metrics.js';

/**
 * A self-contained SVG of a training run: top panel train and validation loss against the step, bottom panel
 * validation WER and CER (%). Plain SVG 1.1, no scripts or external resources.
 */
export interface PlotOptions {
  title?: string;
  width?: number;
  height?: number;
}

interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dots: boolean;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

function panel(series: Series[], x0: number, y0: number, w: number, h: number, yLabel: string, xMax: number, yMinFloor0: boolean): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  let yMin = all.length ? Math.min(...all.map((p) => p[1])) : 0;
  let yMax = all.length ? Math.max(...all.map((p) => p[1])) : 1;
  if (yMinFloor0) yMin = Math.min(0, yMin);
  if (yMax === yMin) yMax = yMin + 1;
  const pad = (yMax - yMin) * 0.05;
  yMax += pad;
  if (!yMinFloor0) yMin -= pad;
  const sx = (x: number): number => x0 + (w * x) / Math.max(1, xMax);
  const sy = (y: number): number => y0 + h - (h * (y - yMin)) / (yMax - yMin);
  const parts: string[] = [];
  parts.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="white" stroke="#888"/>`);
  for (const t of ticks(yMin, yMax)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="#eee"/><text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(0, xMax)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${y0 + h}" x2="${x}" y2="${y0 + h + 4}" stroke="#888"/><text x="${x}" y="${y0 + h + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${x0 - 44}" y="${y0 + h / 2}" text-anchor="middle" transform="rotate(-90 ${x0 - 44} ${y0 + h / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, k) => {
    const pts = s.points.filter(([, y]) => Number.isFinite(y));
    if (pts.length > 0) {
      const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`);
      if (s.dots) for (const [x, y] of pts) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const lx = x0 + w - 150;
    const ly = y0 + 16 + 16 * k;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${s.color}" stroke-width="2"/><text x="${lx + 26}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  return parts.join('\n');
}

export function plotMetricsSvg(metrics: Metric[], opts: PlotOptions = {}): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 560;
  const train = metrics.filter((m) => m.type === 'train');
  const valid = metrics.filter((m) => m.type === 'valid');
  const xMax = Math.max(1, ...metrics.map((m) => m.step));
  const left = 70;
  const pw = W - left - 20;
  const ph = (H - 60 - 70) / 2;
  const lossPanel = panel(
    [
      { name: 'train loss', color: '#1f77b4', points: train.map((m) => [m.step, m.loss]), dots: false },
      { name: 'valid loss', color: '#ff7f0e', points: valid.map((m) => [m.step, m.loss]), dots: true },
    ],
    left, 40, pw, ph, 'CTC loss / token', xMax, false,
  );
  const werPanel = panel(
    [
      { name: 'valid WER %', color: '#d62728', points: valid.map((m) => [m.step, 100 * m.wer]), dots: true },
      { name: 'valid CER %', color: '#2ca02c', points: valid.map((m) => [m.step, 100 * m.cer]), dots: true },
    ],
    left, 40 + ph + 40, pw, ph, 'error rate (%)', xMax, true,
  );
  const title = opts.title ?? 'training';
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fafafa"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    lossPanel,
    werPanel,
    `<text x="${left + pw / 2}" y="${H - 12}" text-anchor="middle">optimizer step</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
