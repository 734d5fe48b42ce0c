import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelConfig } from '../src/model/index.js';
import { createRng } from '../src/util/random.js';
import { createCharTokenizer } from '../src/train/tokenizer.js';
import { FeatureSource, loadUtterances, type AugmentConfig } from '../src/train/dataset.js';
import { readExperimentConfig } from '../src/train/config.js';
import { normalizeFeatures } from '../src/train/frontend.js';
import { jitteredShrink } from '../src/train/shrink-jitter.js';
import type { CmvnShrink } from '../src/features/cmvn-shrink.js';
import { synthUtterances } from './train.fixtures.js';

const D = 40;
const prior: CmvnShrink = { mean: Array.from({ length: D }, (_, d) => 8 + d * 0.2), std: Array.from({ length: D }, (_, d) => 2 + Math.sin(d)), frames: 50 };

describe('shrink-weight jitter (train.shrinkJitter)', () => {
  it('draws a weight log-uniformly between the model\'s and maxFrames in a share prob of utterances, else keeps the prior', () => {
    const rng = createRng(3);
    const drawn: number[] = [];
    let kept = 0;
    for (let i = 0; i < 4000; i++) {
      const s = jitteredShrink(prior, { prob: 0.5, maxFrames: 2000 }, rng);
      if (s === prior) kept++;
      else drawn.push(s.frames);
      expect(s.mean).toBe(prior.mean);
    }
    expect(kept / 4000).toBeGreaterThan(0.46);
    expect(kept / 4000).toBeLessThan(0.54);
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...drawn)).toBeLessThanOrEqual(2000);
    // log-uniform: the geometric midpoint (316 frames) splits the draws in half
    const below = drawn.filter((f) => f < Math.sqrt(50 * 2000)).length / drawn.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
    // prob 0 never draws, and so leaves the generator where it would be after one uniform
    const a = createRng(9);
    expect(jitteredShrink(prior, { prob: 0, maxFrames: 2000 }, a)).toBe(prior);
    const b = createRng(9);
    b.uniform();
    expect(a.uniform()).toBe(b.uniform());
  });

  it('training features use the drawn weight; validation (no generator) and runs without the option use the model\'s', async () => {
    const manifest = synthUtterances(['one', 'two three four five six seven']);
    const utts = loadUtterances(manifest, createCharTokenizer(), modelConfig({ vocabSize: 29 }), false).utterances;
    const src = new FeatureSource(D, true, { lowFreq: 20, highFreq: 0, cmvnShrink: prior });
    const raw = await src.raw(utts[1]);
    const base: AugmentConfig = { specAugment: null, speedFactors: [] };
    const plain = normalizeFeatures(raw, prior);
    expect(Array.from((await src.features(utts[1], base, createRng(1))).data)).toEqual(Array.from(plain.data));
    const jitter: AugmentConfig = { ...base, shrinkJitter: { prob: 1, maxFrames: 2000 } };
    expect(Array.from((await src.features(utts[1], jitter, null)).data)).toEqual(Array.from(plain.data));
    const rng = createRng(7);
    const got = await src.features(utts[1], jitter, rng);
    const want = normalizeFeatures(raw, jitteredShrink(prior, { prob: 1, maxFrames: 2000 }, createRng(7)));
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
    expect(Array.from(got.data)).not.toEqual(Array.from(plain.data));
    // a heavier prior weight keeps more of the utterance's own spectral shape: its frame-averaged features move
    // further from zero (with the model's weight, a long utterance's means are mostly its own)
    const heavy = normalizeFeatures(raw, { ...prior, frames: 2000 });
    const meanAbs = (m: { data: Float32Array; numFrames: number; dim: number }): number => {
      let s = 0;
      for (let d = 0; d < m.dim; d++) {
        let a = 0;
        for (let t = 0; t < m.numFrames; t++) a += m.data[t * m.dim + d];
        s += Math.abs(a / m.numFrames);
      }
      return s / m.dim;
    };
    expect(meanAbs(heavy)).toBeGreaterThan(2 * meanAbs(plain));
  });

  it('the config is checked: both keys, ranges, and a shrink prior to jitter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-jitter-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ train: { features: { cmvnShrinkFrames: 50 }, shrinkJitter: { prob: 0.5, maxFrames: 2000 } } }));
    expect(readExperimentConfig(f).train.shrinkJitter).toEqual({ prob: 0.5, maxFrames: 2000 });
    writeFileSync(f, JSON.stringify({ train: { features: { cmvnShrinkFrames: 50 }, shrinkJitter: { prob: 1.5, maxFrames: 2000 } } }));
    expect(() => readExperimentConfig(f)).toThrow(/train.shrinkJitter must be null or \{"prob": p in \[0, 1\], "maxFrames": N >= 1\}/);
    writeFileSync(f, JSON.stringify({ train: { features: { cmvnShrinkFrames: 50 }, shrinkJitter: { prob: 0.5 } } }));
    expect(() => readExperimentConfig(f)).toThrow(/train.shrinkJitter must be null/);
    writeFileSync(f, JSON.stringify({ train: { shrinkJitter: { prob: 0.5, maxFrames: 2000 } } }));
    expect(() => readExperimentConfig(f)).toThrow(/train.shrinkJitter needs train.features.cmvnShrinkFrames > 0/);
  });
});
