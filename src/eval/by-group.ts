import { formatPercent } from './format.js';
import { totalScores, type ScoreTotals, type UtteranceScore } from './score.js';

/**
 * Error rates per group of utterances (sclite's per-speaker table): by speaker, by voice, by channel, whatever a
 * manifest field says. A corpus total hides where the errors are; measured on the digits recipe's reserved voices,
 * two thirds of the errors came from one of the five voices.
 */

export interface GroupTotals {
  /** The group's label; utterances without one are grouped under NO_GROUP. */
  label: string;
  totals: ScoreTotals;
}

export const NO_GROUP = '(none)';

/** Totals of the utterances of each label (`labels[i]` is `utts[i]`'s), groups in order of first appearance. */
export function groupTotals(utts: readonly UtteranceScore[], labels: readonly (string | undefined)[]): GroupTotals[] {
  if (labels.length !== utts.length) throw new RangeError(`${utts.length} utterances but ${labels.length} labels`);
  const groups = new Map<string, UtteranceScore[]>();
  utts.forEach((u, i) => {
    const label = labels[i] ?? NO_GROUP;
    const g = groups.get(label);
    if (g) g.push(u);
    else groups.set(label, [u]);
  });
  return [...groups].map(([label, us]) => ({ label, totals: totalScores(us) }));
}

/**
 * A table with one row per group: utterances, reference words, errors (ins, del, sub), the error rate and the
 * sentence error rate, columns aligned. `field` heads the first column; `unit` is "WER" or "CER".
 */
export function formatGroupTable(field: string, groups: readonly GroupTotals[], unit = 'WER'): string {
  const head = [field, 'utts', 'words', 'errors', 'ins', 'del', 'sub', `%${unit}`, '%SER'];
  const rows = groups.map(({ label, totals: t }) => [
    label,
    String(t.utterances),
    String(t.refWords),
    String(t.errors),
    String(t.ins),
    String(t.del),
    String(t.sub),
    t.wer === null ? '-' : formatPercent(t.wer * 100),
    t.utterances > 0 ? formatPercent((100 * t.utterancesWithErrors) / t.utterances) : '-',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]): string => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
