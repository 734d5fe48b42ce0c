import { describe, expect, it } from 'vitest';
import { formatGroupTable, groupTotals, NO_GROUP, scorePairs, totalScores } from '../src/eval/index.js';

const PAIRS = [
  { id: 'a1', ref: 'one two three', hyp: 'one two three' },
  { id: 'b1', ref: 'four five', hyp: 'four five eight' },
  { id: 'a2', ref: 'six seven', hyp: 'six' },
  { id: 'c1', ref: 'nine', hyp: 'oh' },
  { id: 'b2', ref: 'zero oh', hyp: 'zero oh' },
];

describe('groupTotals', () => {
  const { utterances, totals } = scorePairs(PAIRS);
  const labels = ['kal', 'slt', 'kal', undefined, 'slt'];

  it('sums each group as sclite sums each speaker, and the groups add up to the total', () => {
    const g = groupTotals(utterances, labels);
    expect(g.map((x) => x.label)).toEqual(['kal', 'slt', NO_GROUP]);
    const kal = g[0].totals;
    expect([kal.utterances, kal.refWords, kal.errors, kal.del, kal.ins, kal.sub, kal.utterancesWithErrors]).toEqual([2, 5, 1, 1, 0, 0, 1]);
    const slt = g[1].totals;
    expect([slt.utterances, slt.refWords, slt.errors, slt.ins]).toEqual([2, 4, 1, 1]);
    expect(g[2].totals.sub).toBe(1);
    for (const k of ['refWords', 'errors', 'ins', 'del', 'sub', 'utterances', 'utterancesWithErrors'] as const) {
      expect(g.reduce((n, x) => n + x.totals[k], 0)).toBe(totals[k]);
    }
    expect(totalScores(utterances).errors).toBe(3);
  });

  it('refuses labels that do not match the utterances', () => {
    expect(() => groupTotals(utterances, ['kal'])).toThrow('5 utterances but 1 labels');
  });

  it('prints one aligned row per group with its error rates', () => {
    const table = formatGroupTable('voice', groupTotals(utterances, labels)).split('\n');
    expect(table).toHaveLength(4);
    expect(table[0].split(/\s+/)).toEqual(['voice', 'utts', 'words', 'errors', 'ins', 'del', 'sub', '%WER', '%SER']);
    expect(table[1].split(/\s+/)).toEqual(['kal', '2', '5', '1', '0', '1', '0', '20.00', '50.00']);
    expect(table[2].split(/\s+/)).toEqual(['slt', '2', '4', '1', '1', '0', '0', '25.00', '50.00']);
    expect(table[3].split(/\s+/)).toEqual([NO_GROUP, '1', '1', '1', '0', '0', '1', '100.00', '100.00']);
    // right-aligned numbers: every row as long as the header
    for (const row of table) expect(row.length).toBe(table[0].length);
  });
});
