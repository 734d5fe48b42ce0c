import { describe, expect, it } from 'vitest';
import { levelAugment } from '../src/features/level-augment.js';
import type { FeatureMatrix } from '../src/features/matrix.js';
import { cutToVoicedCore } from '../src/features/voiced-cut.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { createRng } from '../src/util/random.js';

const D = 10;
const DB = Math.LN10 / 10;

/**
 * A "six"-like utterance [30, D]: 8 frames of frication (loud only in the top half of the bins), 14 frames of vowel
 * (loud in the low bins, peak at frame 14), 8 more of frication. Low-band level of the fricatives is 30 dB down.
 */
function six(): FeatureMatrix {
  const T = 30;
  const data = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    const vowel = t >= 8 && t < 22;
    for (let d = 0; d < D; d++) {
      const low = d < D / 2;
      if (vowel) data[t * D + d] = (low ? 10 : 4) - 0.5 * Math.abs(t - 14) * DB;
      else data[t * D + d] = low ? 10 - 30 * DB : 8;
    }
  }
  return { numFrames: T, dim: D, data };
}

describe('cutToVoicedCore (raw log-mel, before CMVN)', () => {
  it('cuts both fricative edges to the vowel, by low-band level, keeping the frames as they were', () => {
    const m = six();
    // prob 1: both edges; the fricatives are loud over all bins on average, but 30 dB down in the low half
    const out = cutToVoicedCore(m, createRng(3), 1, 10, 20, 0.5);
    expect(out.numFrames).toBe(14);
    expect(Array.from(out.data)).toEqual(Array.from(m.data.slice(8 * D, 22 * D)));
    // a band over all bins sees the fricatives as loud as the vowel: nothing goes
    expect(cutToVoicedCore(m, createRng(3), 1, 10, 20, 1).numFrames).toBe(30);
  });

  it('cuts each edge with its probability, never the loudest frame, and draws nothing when off', () => {
    const m = six();
    let left = 0;
    let right = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const out = cutToVoicedCore(m, createRng(seed), 0.3, 10, 20, 0.5);
      if (out.numFrames === 30) continue;
      // what is left starts at the vowel's first frame or at 0, ends at the vowel's last or at the last frame
      if (out.data[0] === m.data[8 * D]) left++;
      if (out.data[(out.numFrames - 1) * D] === m.data[21 * D]) right++;
    }
    expect(left).toBeGreaterThan(80); // 0.3 of 400 = 120
    expect(left).toBeLessThan(160);
    expect(right).toBeGreaterThan(80);
    expect(right).toBeLessThan(160);
    // a flat utterance keeps its loudest frame
    const flat: FeatureMatrix = { numFrames: 3, dim: D, data: new Float32Array(3 * D).fill(-50) };
    expect(cutToVoicedCore(flat, createRng(1), 1, 0, 0, 0.5).numFrames).toBeGreaterThanOrEqual(1);
    const a = createRng(9);
    const b = createRng(9);
    expect(cutToVoicedCore(m, a, 0, 10, 20, 0.5)).toBe(m);
    expect(a.uniform()).toBe(b.uniform());
  });

  it('runs inside levelAugment and is validated in a training config', () => {
    const m = six();
    const out = levelAugment(m, createRng(5), { prob: 0, voicedCutProb: 1 });
    expect(out.numFrames).toBe(14);
    // off by default: the augmentation's draws are those of a config without it
    const x = levelAugment(m, createRng(7), { prob: 1, edgePadMaxFrames: 5 });
    const y = levelAugment(m, createRng(7), { prob: 1, edgePadMaxFrames: 5, voicedCutProb: 0 });
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
    expect(() => resolveTrainConfig({ levelAugment: { voicedCutProb: 1.5 } })).toThrow(/voicedCutProb in \[0, 1\]/);
    expect(() => resolveTrainConfig({ levelAugment: { voicedCutMinDb: 20, voicedCutMaxDb: 10 } })).toThrow(/voicedCutMinDb <= voicedCutMaxDb/);
    expect(() => resolveTrainConfig({ levelAugment: { voicedCutBand: 0 } })).toThrow(/voicedCutBand in \(0, 1\]/);
    expect(resolveTrainConfig({ levelAugment: { voicedCutProb: 0.4 } }).levelAugment).toEqual({ voicedCutProb: 0.4 });
  });
});
