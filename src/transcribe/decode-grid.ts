import type { ScoreTotals } from '../eval/index.js';

/** One point of a decoder sweep (evaluateManifest's `decoders`): the settings that vary. */
export interface GridPoint {
  beam: number;
  lmWeight: number;
  wordBonus: number;
  blankPenalty: number;
  /** natural-log penalty once per word the LM cannot spell (DecodeOptions.oovPenalty) */
  oovPenalty: number;
}

const GRID_KEYS = ['beam', 'lmWeight', 'wordBonus', 'blankPenalty', 'oovPenalty'] as const satisfies readonly (keyof GridPoint)[];

/** Every combination of the values of each setting, in the order given (beam outermost, oovPenalty innermost). */
export function gridPoints(values: { [K in keyof GridPoint]: number[] }): GridPoint[] {
  let out: Partial<GridPoint>[] = [{}];
  for (const key of GRID_KEYS) out = out.flatMap((p) => values[key].map((v) => ({ ...p, [key]: v })));
  return out as GridPoint[];
}

const pct2 = (t: ScoreTotals): string => (t.refWords > 0 ? ((100 * t.errors) / t.refWords).toFixed(2) : '-');

/** The sweep's table: one row per point with its %WER and %CER, the best (bestOf) marked. */
export function formatGridTable(points: GridPoint[], results: { wer: ScoreTotals; cer: ScoreTotals }[], best: number): string {
  const rows = points.map((p, i) => [String(p.beam), String(p.lmWeight), String(p.wordBonus), String(p.blankPenalty), String(p.oovPenalty), pct2(results[i].wer), pct2(results[i].cer), i === best ? '<- best' : '']);
  const head = ['beam', 'lm-weight', 'word-bonus', 'blank-penalty', 'oov-penalty', '%WER', '%CER', ''];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((x, c) => (c < 7 ? x.padStart(widths[c]) : x)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** Index of the best result: fewest word errors, then fewest character errors, then the first. */
export function bestOf(results: { wer: ScoreTotals; cer: ScoreTotals }[]): number {
  let best = 0;
  results.forEach((r, i) => {
    const b = results[best];
    if (r.wer.errors < b.wer.errors || (r.wer.errors === b.wer.errors && r.cer.errors < b.cer.errors)) best = i;
  });
  return best;
}
