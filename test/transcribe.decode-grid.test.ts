import { describe, expect, it } from 'vitest';
import { bestOf, formatGridTable, gridPoints } from '../src/transcribe/decode-grid.js';
import type { ScoreTotals } from '../src/eval/index.js';

const totals = (errors: number, refWords: number): ScoreTotals => ({
  errors, refWords, hypWords: refWords, wer: errors / refWords, utterances: 1, utterancesWithErrors: errors > 0 ? 1 : 0, ins: 0, del: 0, sub: errors, correct: refWords - errors,
} as ScoreTotals);

describe('decoder sweep grid', () => {
  it('every combination, beam outermost, in the order given', () => {
    const g = gridPoints({ beam: [4, 16], lmWeight: [0.3, 0.5], wordBonus: [1], blankPenalty: [0, 2], oovPenalty: [-10] });
    expect(g).toHaveLength(8);
    expect(g.map((p) => `${p.beam}/${p.lmWeight}/${p.wordBonus}/${p.blankPenalty}`)).toEqual([
      '4/0.3/1/0', '4/0.3/1/2', '4/0.5/1/0', '4/0.5/1/2', '16/0.3/1/0', '16/0.3/1/2', '16/0.5/1/0', '16/0.5/1/2',
    ]);
    const o = gridPoints({ beam: [16], lmWeight: [0.5], wordBonus: [1, 2], blankPenalty: [0], oovPenalty: [-10, -20] });
    expect(o.map((p) => `${p.wordBonus}/${p.oovPenalty}`)).toEqual(['1/-10', '1/-20', '2/-10', '2/-20']);
  });

  it('the best has the fewest word errors, then character errors, then comes first', () => {
    const r = [
      { wer: totals(5, 10), cer: totals(9, 40) },
      { wer: totals(3, 10), cer: totals(8, 40) },
      { wer: totals(3, 10), cer: totals(6, 40) },
      { wer: totals(3, 10), cer: totals(6, 40) },
    ];
    expect(bestOf(r)).toBe(2);
    const table = formatGridTable(gridPoints({ beam: [8], lmWeight: [0.5], wordBonus: [1, 2], blankPenalty: [0, 1], oovPenalty: [-20] }), r, 2).split('\n');
    expect(table[0].trim().split(/\s+/)).toEqual(['beam', 'lm-weight', 'word-bonus', 'blank-penalty', 'oov-penalty', '%WER', '%CER']);
    expect(table[3].trim().split(/\s+/)).toEqual(['8', '0.5', '2', '0', '-20', '30.00', '15.00', '<-', 'best']);
    expect(table.filter((l) => l.includes('<- best'))).toHaveLength(1);
  });
});
