import { describe, expect, it } from 'vitest';
import { finalLengthening, speechEndFrame, stretchFrames } from '../src/features/final-lengthening.js';
import type { FeatureMatrix } from '../src/features/matrix.js';
import { createRng } from '../src/util/random.js';
import { resolveTrainConfig } from '../src/train/config.js';

/** `[frames, 3]` log-mel-like frames: speech (level 0 +- a ramp) between silence (-10). */
function utterance(lead: number, speech: number, tail: number): FeatureMatrix {
  const T = lead + speech + tail;
  const data = new Float32Array(T * 3);
  for (let t = 0; t < T; t++) {
    const inSpeech = t >= lead && t < lead + speech;
    for (let d = 0; d < 3; d++) data[t * 3 + d] = inSpeech ? t * 0.01 + d : -10;
  }
  return { numFrames: T, dim: 3, data };
}

const row = (m: FeatureMatrix, t: number): number[] => Array.from(m.data.subarray(t * m.dim, (t + 1) * m.dim));

describe('final lengthening', () => {
  it('finds the last frame of speech', () => {
    expect(speechEndFrame(utterance(10, 50, 20))).toBe(59);
    expect(speechEndFrame(utterance(0, 30, 0))).toBe(29);
    expect(speechEndFrame({ numFrames: 0, dim: 3, data: new Float32Array(0) })).toBe(-1);
  });

  it('stretches a region by interpolation and keeps the frames around it', () => {
    const m = utterance(10, 50, 20);
    const s = stretchFrames(m, 40, 20, 35);
    expect(s.numFrames).toBe(80 + 15);
    for (let t = 0; t < 40; t++) expect(row(s, t)).toEqual(row(m, t));
    // the region's ends are its first and last frames; in between, linear in time (the ramp slows down)
    expect(row(s, 40)).toEqual(row(m, 40));
    expect(row(s, 74)[0]).toBeCloseTo(row(m, 59)[0], 5);
    expect(row(s, 57)[0]).toBeCloseTo(row(m, 40)[0] + (17 * 19 * 0.01) / 34, 5);
    for (let t = 60; t < 80; t++) expect(row(s, t + 15)).toEqual(row(m, t));
  });

  it('lengthens only the end of the speech, by up to maxFactor, in a share prob of utterances', () => {
    const m = utterance(10, 50, 20);
    const rng = createRng(3);
    const o = { prob: 1, maxFactor: 2, minFrames: 10, maxFrames: 20 };
    const grown = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const s = finalLengthening(m, rng, o);
      const added = s.numFrames - m.numFrames;
      expect(added).toBeGreaterThanOrEqual(0);
      expect(added).toBeLessThanOrEqual(20);
      grown.add(added);
      // the lead-in and the first 30 frames of speech never change; the silence after it is shifted, not changed
      for (let t = 0; t < 40; t++) expect(row(s, t)).toEqual(row(m, t));
      expect(row(s, s.numFrames - 1)).toEqual(row(m, m.numFrames - 1));
      expect(speechEndFrame(s)).toBe(59 + added);
    }
    expect(grown.size).toBeGreaterThan(5);
    expect(finalLengthening(m, rng, { ...o, prob: 0 })).toBe(m);
    const one: FeatureMatrix = { numFrames: 1, dim: 3, data: new Float32Array(3) };
    expect(finalLengthening(one, rng, o)).toBe(one);
  });

  it('train.finalLengthening is checked: four fields in range, or null', () => {
    const ok = { prob: 0.5, maxFactor: 2, minFrames: 15, maxFrames: 35 };
    expect(resolveTrainConfig({ finalLengthening: ok }).finalLengthening).toEqual(ok);
    expect(resolveTrainConfig({}).finalLengthening).toBeNull();
    for (const bad of [{ ...ok, prob: 1.5 }, { ...ok, maxFactor: 0.5 }, { ...ok, minFrames: 1 }, { ...ok, maxFrames: 10 }, { prob: 0.5 }, { ...ok, extra: 1 }]) {
      expect(() => resolveTrainConfig({ finalLengthening: bad }, 'x.json')).toThrow(/train.finalLengthening must be null or \{"prob": p in \[0, 1\], "maxFactor": in \[1, 4\]/);
    }
  });
});
