import { describe, expect, it } from 'vitest';
import { cutOnset, levelAugment, trimQuietEdges } from '../src/features/level-augment.js';
import type { FeatureMatrix } from '../src/features/matrix.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { createRng } from '../src/util/random.js';

const D = 8;

/** A matrix whose frame t has level ramp[t] and a fixed spectral tilt: [frames, D]. */
function ramp(levels: number[]): FeatureMatrix {
  const data = new Float32Array(levels.length * D);
  levels.forEach((l, t) => {
    for (let d = 0; d < D; d++) data[t * D + d] = l + 0.1 * d;
  });
  return { numFrames: levels.length, dim: D, data };
}

const mean = (m: FeatureMatrix, t: number): number => {
  let s = 0;
  for (let d = 0; d < D; d++) s += m.data[t * D + d];
  return s / D;
};

describe('levelAugment (raw log-mel, before CMVN)', () => {
  const levels = Array.from({ length: 40 }, (_, t) => (t < 10 ? -6 + 0.5 * t : 0));

  it('is a copy when it does not fire', () => {
    const m = ramp(levels);
    const out = levelAugment(m, createRng(1), { prob: 0 });
    expect(out.numFrames).toBe(m.numFrames);
    expect(Array.from(out.data)).toEqual(Array.from(m.data));
    expect(out.data).not.toBe(m.data);
  });

  it('lowers quiet frames in proportion to how quiet they are, keeps loud ones and every frame\'s spectral shape', () => {
    const m = ramp(levels);
    let fired = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const out = levelAugment(m, createRng(seed), { prob: 1, maxExpand: 1, edgePadMaxFrames: 0 });
      expect(out.numFrames).toBe(40);
      for (let t = 10; t < 40; t++) expect(mean(out, t)).toBeCloseTo(mean(m, t), 5);
      const ref = mean(m, 39);
      const k = (mean(out, 0) - mean(m, 0)) / (mean(m, 0) - ref);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(1);
      if (k > 0.05) fired++;
      for (let t = 0; t < 10; t++) {
        // one strength for the whole utterance: each shift is k x the frame's distance below the reference
        expect(mean(out, t) - mean(m, t)).toBeCloseTo(k * (mean(m, t) - ref), 4);
        for (let d = 1; d < D; d++) expect(out.data[t * D + d] - out.data[t * D]).toBeCloseTo(0.1 * d, 4);
      }
    }
    expect(fired).toBeGreaterThan(10);
  });

  it('pads the edges with frames quieter than the quietest, and repeats under a seed', () => {
    const m = ramp(levels);
    const opts = { prob: 1, maxExpand: 0, edgePadMaxFrames: 12, edgePadMaxDb: 20 };
    let padded = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const out = levelAugment(m, createRng(seed), opts);
      expect(out.numFrames).toBeGreaterThanOrEqual(40);
      expect(out.numFrames).toBeLessThanOrEqual(64);
      padded += out.numFrames - 40;
      // the original frames sit somewhere inside, unchanged (maxExpand 0); padding is below the quietest + jitter
      const quietest = mean(m, 0);
      let left = 0;
      while (left < out.numFrames && Math.abs(mean(out, left) - quietest) > 1e-5) left++;
      expect(left).toBeLessThanOrEqual(12);
      for (let t = 0; t < 40; t++) expect(mean(out, left + t)).toBeCloseTo(mean(m, t), 5);
      for (let t = 0; t < left; t++) expect(mean(out, t)).toBeLessThan(quietest + 0.5);
      for (let t = left + 40; t < out.numFrames; t++) expect(mean(out, t)).toBeLessThan(quietest + 0.5);
      expect(Array.from(levelAugment(m, createRng(seed), opts).data)).toEqual(Array.from(out.data));
    }
    expect(padded).toBeGreaterThan(100);
  });

  it('trims quiet edge runs (each edge on its own draw), keeps the speech, and draws nothing when off', () => {
    const lv = [...Array(8).fill(-8), ...Array(24).fill(0), ...Array(8).fill(-8)] as number[];
    const m = ramp(lv);
    const all = trimQuietEdges(m, createRng(3), 1, 15);
    expect(all.numFrames).toBe(24);
    for (let t = 0; t < 24; t++) expect(mean(all, t)).toBeCloseTo(mean(m, 8 + t), 5);
    // 15 dB = 3.45 nats: a -3 run is not silence at that threshold, but is at 10 dB (2.3 nats)
    const shallow = ramp([-3, -3, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(trimQuietEdges(shallow, createRng(3), 1, 15).numFrames).toBe(10);
    expect(trimQuietEdges(shallow, createRng(3), 1, 10).numFrames).toBe(8);
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 30; seed++) sizes.add(trimQuietEdges(m, createRng(seed), 0.5, 15).numFrames);
    expect([...sizes].sort()).toEqual([24, 32, 40]);
    // off: same matrix, and the generator is untouched so older configs draw as before
    const a = createRng(9);
    const b = createRng(9);
    expect(trimQuietEdges(m, a, 0, 15)).toBe(m);
    expect(a.uniform()).toBe(b.uniform());
    // inside levelAugment, trimming comes before padding: a trimmed edge is padded by quieter-than-speech frames
    const out = levelAugment(m, createRng(5), { prob: 0, edgeTrimProb: 1 });
    expect(out.numFrames).toBe(24);
  });

  it('cuts the leading silence and the start of the first sound, never past the loudest frame', () => {
    // 6 silent frames, a 6-frame weak onset (-2: above the 15 dB floor), then speech peaking at frame 20
    const lv = [...Array(6).fill(-8), ...Array(6).fill(-2), ...Array(8).fill(0), 1, ...Array(9).fill(0)] as number[];
    const m = ramp(lv);
    const cuts = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const out = cutOnset(m, createRng(seed), 1, 4, 15);
      const cut = m.numFrames - out.numFrames;
      cuts.add(cut);
      // what is left is the tail of the original, frame for frame
      for (let t = 0; t < out.numFrames; t++) expect(mean(out, t)).toBeCloseTo(mean(m, cut + t), 5);
    }
    expect([...cuts].sort((a, b) => a - b)).toEqual([7, 8, 9, 10]); // the 6 silent frames and 1-4 of the onset
    // a cut longer than the way to the peak stops at the peak
    expect(cutOnset(m, createRng(2), 1, 100, 15).numFrames).toBeGreaterThanOrEqual(m.numFrames - 20);
    expect(cutOnset(m, createRng(2), 1, 100, 15).numFrames).toBeLessThan(m.numFrames - 10);
    // off: the same matrix and no draw
    const a = createRng(9);
    const b = createRng(9);
    expect(cutOnset(m, a, 0, 4, 15)).toBe(m);
    expect(a.uniform()).toBe(b.uniform());
    // in levelAugment it fires with its probability
    let fired = 0;
    for (let seed = 1; seed <= 200; seed++) if (levelAugment(m, createRng(seed), { prob: 0, onsetCutProb: 0.3, onsetCutMaxFrames: 4 }).numFrames < m.numFrames) fired++;
    expect(fired).toBeGreaterThan(35);
    expect(fired).toBeLessThan(85);
  });

  it('is validated in a training config', () => {
    expect(() => resolveTrainConfig({ levelAugment: { onsetCutProb: -0.1 } })).toThrow(/onsetCutProb in \[0, 1\]/);
    expect(() => resolveTrainConfig({ levelAugment: { onsetCutMaxFrames: 2.5 } })).toThrow(/integer onsetCutMaxFrames >= 0/);
    expect(resolveTrainConfig({ levelAugment: { prob: 0.5 } }).levelAugment).toEqual({ prob: 0.5 });
    expect(resolveTrainConfig({}).levelAugment).toBeNull();
    expect(() => resolveTrainConfig({ levelAugment: { prob: 2 } })).toThrow(/levelAugment needs prob in \[0, 1\]/);
    expect(() => resolveTrainConfig({ levelAugment: { loud: 1 } })).toThrow(/levelAugment must be null or an object/);
    expect(() => resolveTrainConfig({ levelAugment: { edgeTrimProb: 1.5 } })).toThrow(/edgeTrimProb in \[0, 1\]/);
  });
});
