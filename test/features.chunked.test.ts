import { describe, expect, it } from 'vitest';
import { createFeatureExtractor, fbank, mfcc, numFrames, concatFrames, type FeatureMatrix, type MfccOptions } from '../src/features/index.js';
import { createRng } from '../src/util/random.js';

/** 1.3 s of a voiced-like signal with noise: harmonics of 140 Hz plus seeded noise. */
function testSignal(n: number, seed = 1): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin((2 * Math.PI * 140 * h * i) / 16000) / h;
    x[i] = 0.1 * v + 0.01 * rng.normal();
  }
  return x;
}

function chunked(type: 'fbank' | 'mfcc', x: Float32Array, sizes: number[], opts: Partial<MfccOptions>): FeatureMatrix {
  const ex = createFeatureExtractor(type, opts);
  const parts: FeatureMatrix[] = [];
  let pos = 0;
  let k = 0;
  while (pos < x.length) {
    const n = sizes[k++ % sizes.length];
    parts.push(ex.accept(x.subarray(pos, pos + n)));
    pos += n;
  }
  parts.push(ex.flush());
  return concatFrames(parts, ex.dim);
}

describe('chunked feature extraction', () => {
  const x = testSignal(20800);
  const configs: [string, 'fbank' | 'mfcc', Partial<MfccOptions>][] = [
    ['fbank snip', 'fbank', { numMelBins: 80 }],
    ['fbank no-snip hamming', 'fbank', { numMelBins: 80, snipEdges: false, windowType: 'hamming' }],
    ['mfcc energy', 'mfcc', {}],
    ['mfcc no-snip dither', 'mfcc', { snipEdges: false, dither: 1, ditherSeed: 7 }],
    ['fbank 400-point DFT with energy', 'fbank', { roundToPowerOfTwo: false, useEnergy: true, rawEnergy: false }],
  ];
  for (const [name, type, opts] of configs) {
    for (const sizes of [[1], [7, 160, 3], [400], [1000, 1], [20800]]) {
      it(`${name}: chunks of ${sizes.join(',')} give the whole-signal frames`, () => {
        const whole = type === 'mfcc' ? mfcc(x, opts) : fbank(x, opts);
        const parts = chunked(type, x, sizes, opts);
        expect(whole.numFrames).toBe(numFrames(x.length, opts));
        expect(parts.numFrames).toBe(whole.numFrames);
        expect(parts.dim).toBe(whole.dim);
        expect(Array.from(parts.data)).toEqual(Array.from(whole.data));
      });
    }
  }

  it('emits frames as soon as their window is complete', () => {
    const ex = createFeatureExtractor('fbank', { numMelBins: 40 });
    expect(ex.accept(x.subarray(0, 399)).numFrames).toBe(0);
    expect(ex.accept(x.subarray(399, 400)).numFrames).toBe(1);
    expect(ex.accept(x.subarray(400, 720)).numFrames).toBe(2);
    expect(ex.flush().numFrames).toBe(0);
  });

  it('gives no frames for audio shorter than a window (snip-edges) and handles tiny signals without snipping', () => {
    expect(fbank(x.subarray(0, 399)).numFrames).toBe(0);
    const tiny = fbank(x.subarray(0, 100), { snipEdges: false });
    expect(tiny.numFrames).toBe(1);
    expect(Array.from(tiny.data).every(Number.isFinite)).toBe(true);
  });

  it('rejects non-finite samples with a clear error', () => {
    const bad = x.slice(0, 1000);
    bad[500] = Number.NaN;
    expect(() => fbank(bad)).toThrow(/sample 500 is not finite/);
  });

  it('dither is seeded: same seed same features, other seed different', () => {
    const a = fbank(x, { dither: 1, ditherSeed: 3 });
    const b = fbank(x, { dither: 1, ditherSeed: 3 });
    const c = fbank(x, { dither: 1, ditherSeed: 4 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it('subtract-mean gives zero column means; min-duration drops short audio', () => {
    const m = fbank(x, { subtractMean: true, numMelBins: 10 });
    for (let d = 0; d < 10; d++) {
      let s = 0;
      for (let t = 0; t < m.numFrames; t++) s += m.data[t * 10 + d];
      expect(Math.abs(s / m.numFrames)).toBeLessThan(1e-4);
    }
    expect(fbank(x, { minDuration: 5 }).numFrames).toBe(0);
  });

  it('rejects impossible options', () => {
    expect(() => fbank(x, { numMelBins: 1 })).toThrow(/num-mel-bins/);
    expect(() => fbank(x, { highFreq: 9000 })).toThrow(/high-freq/);
    expect(() => mfcc(x, { numCeps: 40 })).toThrow(/num-ceps/);
  });
});
