import { describe, expect, it } from 'vitest';
import { addSpeakerUtterance, emptySpeakerCmvn, normalizeFeatures, speakerNormalize, type FeatureConfig, type FeatureMatrix } from '../src/features/index.js';

const matrix = (T: number, D: number, f: (t: number, d: number) => number): FeatureMatrix => {
  const data = new Float32Array(T * D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) data[t * D + d] = f(t, d);
  return { numFrames: T, dim: D, data };
};

describe('speaker CMVN accumulator', () => {
  it('normalises a speaker of one utterance exactly as per-utterance CMVN does', () => {
    const m = matrix(37, 5, (t, d) => Math.sin(t * 0.7 + d) * (d + 1) + 3 * d);
    const acc = addSpeakerUtterance(emptySpeakerCmvn(5), m);
    const own = { ...m, data: m.data.slice() };
    normalizeFeatures(own, { type: 'fbank', options: {}, normalize: 'utterance' });
    const bySpeaker = { ...m, data: m.data.slice() };
    normalizeFeatures(bySpeaker, { type: 'fbank', options: {}, normalize: speakerNormalize(acc) } as FeatureConfig);
    for (let i = 0; i < own.data.length; i++) expect(bySpeaker.data[i]).toBeCloseTo(own.data[i], 4);
  });

  it("averages the utterances' own means and deviations, ignores empty ones, and checks dimensions", () => {
    // utterance a: dim 0 alternates 0/2 (mean 1, std 1); utterance b: constant 5 (std floored to sqrt(1e-5))
    const a = matrix(10, 1, (t) => (t % 2) * 2);
    const b = matrix(4, 1, () => 5);
    const acc = emptySpeakerCmvn(1);
    addSpeakerUtterance(acc, a);
    addSpeakerUtterance(acc, b);
    addSpeakerUtterance(acc, { numFrames: 0, dim: 1, data: new Float32Array(0) });
    expect(acc.count).toBe(2);
    const n = speakerNormalize(acc);
    expect(n.mean[0]).toBeCloseTo(3, 6); // (1 + 5) / 2, not the pooled mean 2.14
    expect(n.std[0]).toBeCloseTo((1 + Math.sqrt(1e-5)) / 2, 6);
    expect(() => addSpeakerUtterance(acc, matrix(3, 2, () => 0))).toThrow(/dim 2 != statistics dim 1/);
    expect(() => speakerNormalize(emptySpeakerCmvn(3))).toThrow(/no utterance/);
  });
});
