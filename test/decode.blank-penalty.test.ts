import { describe, expect, it } from 'vitest';
import { createCtcDecoder, penalizeBlank } from '../src/decode/index.js';

/** `[frames, vocab]` log-softmax of `rows`. */
function logSoftmax(rows: number[][]): Float32Array {
  const out: number[] = [];
  for (const r of rows) {
    const m = Math.max(...r);
    const lse = m + Math.log(r.reduce((s, x) => s + Math.exp(x - m), 0));
    out.push(...r.map((x) => x - lse));
  }
  return Float32Array.from(out);
}

describe('penalizeBlank', () => {
  const lp = logSoftmax([
    [2, 1.5, 0],
    [3, 0, 0.5],
    [0, 1, 2],
  ]);

  it('0 returns the input itself', () => {
    expect(penalizeBlank(lp, 3, 3, 0, 0)).toBe(lp);
  });

  it('lowers the blank by the penalty relative to every other token, and each frame stays normalised', () => {
    const p = penalizeBlank(lp, 3, 3, 0, 1.5);
    expect(p).not.toBe(lp);
    for (let t = 0; t < 3; t++) {
      const row = Array.from(p.subarray(t * 3, t * 3 + 3));
      expect(row.reduce((s, x) => s + Math.exp(x), 0)).toBeCloseTo(1, 5);
      // non-blank differences unchanged, blank's lowered by 1.5
      expect(row[2] - row[1]).toBeCloseTo(lp[t * 3 + 2] - lp[t * 3 + 1], 5);
      expect(row[0] - row[1]).toBeCloseTo(lp[t * 3] - lp[t * 3 + 1] - 1.5, 5);
    }
    // blank id other than 0
    const q = penalizeBlank(lp, 3, 3, 2, 1);
    expect(q[2] - q[0]).toBeCloseTo(lp[2] - lp[0] - 1, 5);
  });

  it('a decoder with a penalty emits the tokens the blank hid', () => {
    const tokens = ['<blk>', 'a', 'b'];
    // blank wins frames 0 and 1 by a margin of 0.5 and 2.5
    const post = logSoftmax([
      [2, 1.5, 0],
      [3, 0, 0.5],
      [0, 1, 2],
    ]);
    expect(createCtcDecoder(tokens, { mode: 'greedy' }).decode(post, 3).hypotheses[0].tokens).toEqual([2]);
    const greedy = createCtcDecoder(tokens, { mode: 'greedy', blankPenalty: 1 });
    expect(greedy.decode(post, 3).hypotheses[0].tokens).toEqual([1, 2]);
    const beam = createCtcDecoder(tokens, { beamWidth: 8, blankPenalty: 3 });
    expect(beam.decode(post, 3).hypotheses[0].tokens).toEqual([1, 2]);
    expect(createCtcDecoder(tokens, { beamWidth: 8 }).decode(post, 3).hypotheses[0].tokens).toEqual([2]);
  });
});
