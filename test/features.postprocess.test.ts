import { describe, expect, it } from 'vitest';
import {
  accumulateCmvnStats, addDeltas, applyCmvn, applyUtteranceCmvn, cmvnStatsFromJson, cmvnStatsToJson, deltaScales,
  emptyCmvnStats, matrixToNpy, specAugment, type FeatureMatrix,
} from '../src/features/index.js';
import { createRng } from '../src/util/random.js';

function matrix(rows: number[][]): FeatureMatrix {
  return { numFrames: rows.length, dim: rows[0]?.length ?? 0, data: Float32Array.from(rows.flat()) };
}

function randomMatrix(T: number, F: number, seed: number): FeatureMatrix {
  const rng = createRng(seed);
  return { numFrames: T, dim: F, data: Float32Array.from({ length: T * F }, () => 3 + 2 * rng.normal()) };
}

describe('CMVN', () => {
  it('global statistics accumulated over parts equal those of the whole, and normalise to mean 0, var 1', () => {
    const a = randomMatrix(50, 4, 1);
    const b = randomMatrix(70, 4, 2);
    const stats = accumulateCmvnStats(accumulateCmvnStats(emptyCmvnStats(4), a), b);
    expect(stats.count).toBe(120);
    const both: FeatureMatrix = { numFrames: 120, dim: 4, data: Float32Array.from([...a.data, ...b.data]) };
    const n = applyCmvn(both, stats, true);
    for (let d = 0; d < 4; d++) {
      let s = 0;
      let s2 = 0;
      for (let t = 0; t < 120; t++) {
        s += n.data[t * 4 + d];
        s2 += n.data[t * 4 + d] ** 2;
      }
      expect(Math.abs(s / 120)).toBeLessThan(1e-5);
      expect(Math.abs(s2 / 120 - 1)).toBeLessThan(1e-4);
    }
  });

  it('per-utterance mean normalisation subtracts the column means', () => {
    const m = matrix([[1, 10], [3, 20], [5, 60]]);
    expect(Array.from(applyUtteranceCmvn(m).data)).toEqual([-2, -20, 0, -10, 2, 30]);
  });

  it('statistics survive a JSON round trip and bad JSON is reported with the file name', () => {
    const stats = accumulateCmvnStats(emptyCmvnStats(3), randomMatrix(10, 3, 5));
    expect(cmvnStatsFromJson(cmvnStatsToJson(stats))).toEqual(stats);
    expect(() => cmvnStatsFromJson('{"dim": 2}', 'stats.json')).toThrow(/^stats\.json: .*count/);
    expect(() => cmvnStatsFromJson('nope', 'stats.json')).toThrow(/^stats\.json: not valid JSON/);
    expect(() => applyCmvn(randomMatrix(3, 2, 1), stats)).toThrow(/dim 2 != statistics dim 3/);
  });
});

describe('deltas (Kaldi add-deltas)', () => {
  it('first-order filter is the regression window [-2..2]/10; second order is its self-convolution', () => {
    const s = deltaScales(2, 2);
    expect(Array.from(s[1])).toEqual([-0.2, -0.1, 0, 0.1, 0.2]);
    // (k * j) summed over j + k = offset, divided by 100: e.g. the centre is (4 + 1 + 0 + 1 + 4) / 100 with signs -
    expect(s[2].length).toBe(9);
    expect(s[2][4]).toBeCloseTo(-(4 + 1 + 1 + 4) / 100, 12);
    expect(s[2][0]).toBeCloseTo(4 / 100, 12);
  });

  it('a ramp has delta equal to its slope and zero acceleration away from the edges', () => {
    const rows = Array.from({ length: 20 }, (_, t) => [3 * t, 5]);
    const d = addDeltas(matrix(rows));
    expect(d.dim).toBe(6);
    for (let t = 4; t < 16; t++) {
      expect(d.data[t * 6 + 0]).toBeCloseTo(3 * t, 4);
      expect(d.data[t * 6 + 2]).toBeCloseTo(3, 5);
      expect(d.data[t * 6 + 3]).toBeCloseTo(0, 5);
      expect(d.data[t * 6 + 4]).toBeCloseTo(0, 5);
    }
    // at t = 0 the past repeats frame 0: (-2*0 - 1*0 + 0 + 1*3 + 2*6) / 10 = 1.5
    expect(d.data[2]).toBeCloseTo(1.5, 5);
  });
});

describe('SpecAugment', () => {
  const m = randomMatrix(200, 80, 9);

  it('is reproducible from the seed and differs across seeds', () => {
    const a = specAugment(m, createRng(1), { timeWarp: 5 });
    const b = specAugment(m, createRng(1), { timeWarp: 5 });
    const c = specAugment(m, createRng(2), { timeWarp: 5 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('masks whole frequency bands and whole frames with the mask value', () => {
    const out = specAugment(m, createRng(3), { numFreqMasks: 1, freqMaskWidth: 10, numTimeMasks: 1, timeMaskWidth: 30, maskValue: -7 });
    const maskedCols = Array.from({ length: 80 }, (_, f) => f).filter((f) => {
      for (let t = 0; t < 200; t++) if (out.data[t * 80 + f] !== -7) return false;
      return true;
    });
    const maskedRows = Array.from({ length: 200 }, (_, t) => t).filter((t) => out.data.subarray(t * 80, t * 80 + 80).every((v) => v === -7));
    expect(maskedCols.length).toBeLessThanOrEqual(10);
    expect(maskedRows.length).toBeLessThanOrEqual(30);
    // everything not in a masked row or column is untouched
    for (let t = 0; t < 200; t++) {
      if (maskedRows.includes(t)) continue;
      for (let f = 0; f < 80; f++) if (!maskedCols.includes(f)) expect(out.data[t * 80 + f]).toBe(m.data[t * 80 + f]);
    }
    expect(m.data.some((v) => v === -7)).toBe(false);
  });

  it('time masks never exceed the ratio cap', () => {
    for (let seed = 0; seed < 20; seed++) {
      const out = specAugment(randomMatrix(50, 4, seed), createRng(seed), { numFreqMasks: 0, numTimeMasks: 1, timeMaskWidth: 40, timeMaskMaxRatio: 0.1, maskValue: 1e6 });
      let rows = 0;
      for (let t = 0; t < 50; t++) if (out.data[t * 4] === 1e6) rows++;
      expect(rows).toBeLessThanOrEqual(5);
    }
  });

  it('time warp keeps the length and the end frames', () => {
    const ramp = matrix(Array.from({ length: 100 }, (_, t) => [t]));
    const w = specAugment(ramp, createRng(4), { numFreqMasks: 0, numTimeMasks: 0, timeWarp: 10 });
    expect(w.numFrames).toBe(100);
    expect(w.data[0]).toBe(0);
    expect(w.data[99]).toBeCloseTo(99, 4);
    for (let t = 1; t < 100; t++) expect(w.data[t]).toBeGreaterThanOrEqual(w.data[t - 1]);
    expect(Array.from(w.data)).not.toEqual(Array.from(ramp.data));
  });
});

describe('npy output', () => {
  it('writes a version 1.0 header numpy can parse and the float32 data after it', () => {
    const m = matrix([[1, 2, 3], [4, 5, 6]]);
    const bytes = matrixToNpy(m);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = bytes[8] | (bytes[9] << 8);
    expect((10 + hlen) % 64).toBe(0);
    const header = Buffer.from(bytes.subarray(10, 10 + hlen)).toString('latin1');
    expect(header).toContain("'shape': (2, 3)");
    expect(header.endsWith('\n')).toBe(true);
    const data = new Float32Array(bytes.slice(10 + hlen).buffer);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
