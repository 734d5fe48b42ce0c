import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBandWarp, bandWarp, bandWarpMap, bandWarpProblems } from '../src/features/band-warp.js';
import type { FeatureMatrix } from '../src/features/matrix.js';
import { createRng } from '../src/util/random.js';
import { readExperimentConfig } from '../src/train/config.js';
import { modelConfig } from '../src/model/index.js';
import { createCharTokenizer } from '../src/train/tokenizer.js';
import { FeatureSource, loadUtterances, type AugmentConfig } from '../src/train/dataset.js';
import { synthUtterances } from './train.fixtures.js';

const D = 40;

/** Frames with one spectral peak (a Gaussian bump over the bands) centred at `peak`. */
function peaked(peak: number, frames = 3): FeatureMatrix {
  const data = new Float32Array(frames * D);
  for (let t = 0; t < frames; t++) for (let b = 0; b < D; b++) data[t * D + b] = 10 * Math.exp(-0.5 * ((b - peak) / 1.5) ** 2) + t;
  return { data, numFrames: frames, dim: D };
}

function argmax(m: FeatureMatrix, t: number): number {
  let best = 0;
  for (let b = 1; b < m.dim; b++) if (m.data[t * m.dim + b] > m.data[t * m.dim + best]) best = b;
  return best;
}

describe('band warping (train.bandWarp)', () => {
  it('maps knots to knot + shift, keeps the first and last band, and is increasing', () => {
    expect(Array.from(bandWarpMap(D, [0, 0, 0]))).toEqual(Array.from({ length: D }, (_, b) => b));
    const m = bandWarpMap(D, [1.5, -1.5, 1, -0.5]);
    const step = (D - 1) / 5;
    expect(m[0]).toBe(0);
    expect(m[D - 1]).toBe(D - 1);
    for (let b = 1; b < D; b++) expect(m[b]).toBeGreaterThan(m[b - 1]);
    // band 8 lies just past the first knot (7.8), which reads from 7.8 + 1.5
    const slope = (step - 3) / step;
    expect(m[8]).toBeCloseTo(step + 1.5 + (8 - step) * slope, 10);
  });

  it('moves a spectral peak by the knot shift near it, the opposite way (an output band reads from band + shift)', () => {
    const x = peaked(16);
    // one knot at 19.5: a shift of +3 reads band 16 into output band 13 or so
    const up = applyBandWarp(x, bandWarpMap(D, [3]));
    const down = applyBandWarp(x, bandWarpMap(D, [-3]));
    for (let t = 0; t < 3; t++) {
      expect(argmax(up, t)).toBeLessThan(16);
      expect(argmax(up, t)).toBeGreaterThanOrEqual(12);
      expect(argmax(down, t)).toBeGreaterThan(16);
      expect(argmax(down, t)).toBeLessThanOrEqual(20);
    }
    // the identity map returns the input's values; the frame's level is kept (the edges are fixed)
    expect(Array.from(applyBandWarp(x, bandWarpMap(D, [0])).data)).toEqual(Array.from(x.data));
    expect(up.data[0]).toBeCloseTo(x.data[0], 5);
    expect(up.data[D - 1]).toBeCloseTo(x.data[D - 1], 5);
  });

  it('warps a share prob of utterances, reproducibly from the generator', () => {
    const x = peaked(20);
    const opts = { prob: 0.5, knots: 4, maxShift: 1.5 };
    const rng = createRng(4);
    let warped = 0;
    for (let i = 0; i < 2000; i++) if (bandWarp(x, rng, opts) !== x) warped++;
    expect(warped / 2000).toBeGreaterThan(0.45);
    expect(warped / 2000).toBeLessThan(0.55);
    expect(bandWarp(x, createRng(1), { ...opts, prob: 0 })).toBe(x);
    const a = bandWarp(x, createRng(11), { ...opts, prob: 1 });
    const b = bandWarp(x, createRng(11), { ...opts, prob: 1 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(x.data));
  });

  it('refuses shifts that could fold the band axis, and bad values in the config', () => {
    expect(bandWarpProblems({ prob: 0.5, knots: 4, maxShift: 1.5 }, D)).toEqual([]);
    expect(bandWarpProblems({ prob: 0.5, knots: 4, maxShift: 4 }, D).join()).toMatch(/maxShift must be in \[0, 3.90\)/);
    expect(bandWarpProblems({ prob: 2, knots: 1.5, maxShift: 1 }, D)).toHaveLength(2);
    const dir = mkdtempSync(join(tmpdir(), 'asr-bandwarp-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ train: { bandWarp: { prob: 0.5, knots: 4, maxShift: 1.5 } } }));
    expect(readExperimentConfig(f).train.bandWarp).toEqual({ prob: 0.5, knots: 4, maxShift: 1.5 });
    for (const bad of [{ prob: 0.5, knots: 0, maxShift: 1 }, { prob: 0.5, knots: 4 }, { prob: -1, knots: 4, maxShift: 1 }]) {
      writeFileSync(f, JSON.stringify({ train: { bandWarp: bad } }));
      expect(() => readExperimentConfig(f)).toThrow(/train.bandWarp must be null or/);
    }
  });

  it('training features are warped; validation (no generator) is not', async () => {
    const manifest = synthUtterances(['one two three']);
    const utts = loadUtterances(manifest, createCharTokenizer(), modelConfig({ vocabSize: 29 }), false).utterances;
    const src = new FeatureSource(D, true, { lowFreq: 20, highFreq: 0 });
    const base: AugmentConfig = { specAugment: null, speedFactors: [] };
    const warp: AugmentConfig = { ...base, bandWarp: { prob: 1, knots: 4, maxShift: 1.5 } };
    const plain = await src.features(utts[0], base, createRng(2));
    expect(Array.from((await src.features(utts[0], warp, null)).data)).toEqual(Array.from(plain.data));
    expect(Array.from((await src.features(utts[0], warp, createRng(2))).data)).not.toEqual(Array.from(plain.data));
  });
});
