import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { normalizeFeatures, parseFeatureConfig, shrinkUtteranceStats, type CmvnShrink, type FeatureConfig } from '../src/features/index.js';
import type { FeatureMatrix } from '../src/features/matrix.js';
import { normalizeFeatures as trainNormalize } from '../src/train/frontend.js';
import { createStreamFrontend } from '../src/stream/frontend.js';
import { buildOnce } from './helpers/build.js';

const ROOT = join(import.meta.dirname, '..');
const FSDD = join(ROOT, '..', 'shared', 'data', 'fsdd');

/** A seeded random matrix [T, D] with per-dimension offsets, as raw log-mel features look. */
function raw(T: number, D: number, seed = 1): FeatureMatrix {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const data = new Float32Array(T * D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) data[t * D + d] = 10 + d * 0.3 + 3 * (rnd() - 0.5) * (1 + d / D);
  return { numFrames: T, dim: D, data };
}

function columnStats(m: FeatureMatrix): { mean: number[]; std: number[] } {
  const { numFrames: T, dim: D, data } = m;
  const mean: number[] = [];
  const std: number[] = [];
  for (let d = 0; d < D; d++) {
    let a = 0;
    for (let t = 0; t < T; t++) a += data[t * D + d];
    a /= T;
    let v = 0;
    for (let t = 0; t < T; t++) v += (data[t * D + d] - a) ** 2;
    mean.push(a);
    std.push(Math.sqrt(v / T));
  }
  return { mean, std };
}

describe('CMVN statistics shrunk toward a prior (cmvnShrink)', () => {
  const prior: CmvnShrink = { mean: [10, 12, 14, 16], std: [1, 2, 3, 4], frames: 50 };

  it('takes the prior\'s deviation shape at the utterance\'s scale, and blends the mean by T / (T + frames)', () => {
    const mean = Float64Array.from([20, 20, 20, 20]);
    const std = Float64Array.from([5, 5, 5, 5]);
    shrinkUtteranceStats(mean, std, 50, prior);
    // scale: 20 / 10; shape 1:2:3:4
    expect(Array.from(std)).toEqual([2, 4, 6, 8]);
    // level: 20 - 13 = 7 above the prior; w = 0.5
    expect(Array.from(mean)).toEqual([0.5 * 20 + 0.5 * 17, 0.5 * 20 + 0.5 * 19, 0.5 * 20 + 0.5 * 21, 0.5 * 20 + 0.5 * 23]);
  });

  it('leaves a long utterance\'s means nearly its own, and a zero-frame prior its means exactly', () => {
    const mean = Float64Array.from([20, 5, 9, 1]);
    const std = Float64Array.from([1, 1, 1, 1]);
    shrinkUtteranceStats(mean, std, 1e6, prior);
    expect(mean[1]).toBeCloseTo(5, 3);
    const m2 = Float64Array.from([20, 5, 9, 1]);
    shrinkUtteranceStats(m2, Float64Array.from([1, 1, 1, 1]), 3, { ...prior, frames: 0 });
    expect(Array.from(m2)).toEqual([20, 5, 9, 1]);
  });

  it('training and inference normalise the same way (train/frontend vs features.json)', () => {
    const D = 6;
    const p: CmvnShrink = { mean: [9, 10, 11, 12, 13, 14], std: [1, 1.5, 2, 1.5, 1, 0.5], frames: 50 };
    const m = raw(30, D);
    const config: FeatureConfig = { type: 'fbank', options: { numMelBins: D }, normalize: 'utterance', cmvnShrink: p };
    const a = trainNormalize(m, p);
    const b: FeatureMatrix = { ...m, data: m.data.slice() };
    normalizeFeatures(b, config);
    for (let i = 0; i < a.data.length; i++) expect(a.data[i]).toBeCloseTo(b.data[i], 5);
    // and differently from plain per-utterance CMVN, whose columns have mean 0 and deviation 1 each
    const plain = trainNormalize(m);
    const st = columnStats(plain);
    for (const v of st.std) expect(v).toBeCloseTo(1, 4);
    const shrunk = columnStats(a);
    expect(Math.max(...shrunk.std) - Math.min(...shrunk.std)).toBeGreaterThan(0.5);
    expect(Math.max(...shrunk.mean.map(Math.abs))).toBeGreaterThan(0.05);
  });

  it('features.json: parsed with "utterance" CMVN; malformed, dimension-mismatched or without utterance CMVN, it fails naming the file', () => {
    const base = { type: 'fbank', options: { numMelBins: 4 }, normalize: 'utterance' };
    expect(parseFeatureConfig({ ...base, cmvnShrink: prior }, 'm/features.json').cmvnShrink?.frames).toBe(50);
    expect(() => parseFeatureConfig({ ...base, cmvnShrink: { mean: [1, 2], std: [1] , frames: 5 } }, 'm/features.json')).toThrow(/m\/features.json.*equal-length/);
    expect(() => parseFeatureConfig({ ...base, cmvnShrink: { mean: [1], std: [0], frames: 5 } }, 'm/features.json')).toThrow(/positive/);
    expect(() => parseFeatureConfig({ ...base, cmvnShrink: { mean: [1], std: [1] } }, 'm/features.json')).toThrow(/frames/);
    expect(() => parseFeatureConfig({ ...base, normalize: 'none', cmvnShrink: prior }, 'm/features.json')).toThrow(/needs "normalize": "utterance"/);
  });

  it('the streaming front end applies it too: a stream differs from one without it', () => {
    const D = 23;
    const plain: FeatureConfig = { type: 'fbank', options: { numMelBins: D }, normalize: 'utterance' };
    const shrink: FeatureConfig = { ...plain, cmvnShrink: { mean: new Array<number>(D).fill(0).map((_, d) => 8 + d * 0.1), std: new Array<number>(D).fill(0).map((_, d) => 1 + d * 0.1), frames: 50 } };
    const sig = new Float32Array(16000);
    for (let i = 0; i < sig.length; i++) sig[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000) * (i > 4000 && i < 12000 ? 1 : 0.01) + 0.001 * Math.sin(i * 1.7);
    const run = (c: FeatureConfig): FeatureMatrix => {
      const f = createStreamFrontend(c, 600, 10);
      const a = f.accept(sig, 16000);
      const b = f.flush();
      const data = new Float32Array(a.data.length + b.data.length);
      data.set(a.data);
      data.set(b.data, a.data.length);
      return { numFrames: a.numFrames + b.numFrames, dim: D, data };
    };
    const x = run(plain);
    const y = run(shrink);
    expect(y.numFrames).toBe(x.numFrames);
    let diff = 0;
    for (let i = 0; i < x.data.length; i++) diff = Math.max(diff, Math.abs(x.data[i] - y.data[i]));
    expect(diff).toBeGreaterThan(0.1);
    expect(y.data.every(Number.isFinite)).toBe(true);
    expect(() => createStreamFrontend({ ...shrink, cmvnShrink: { ...shrink.cmvnShrink!, mean: [1], std: [1] } })).toThrow(/cmvnShrink has 1 values/);
  });

  it.skipIf(!existsSync(FSDD))('asr cmvn --shrink-prior writes the prior into a model directory\'s features.json', () => {
    buildOnce();
    const dir = mkdtempSync(join(tmpdir(), 'shrink-model-'));
    copyFileSync(join(ROOT, 'models', 'digits', 'config.json'), join(dir, 'config.json'));
    const features = { type: 'fbank', options: { numMelBins: 40, lowFreq: 20, highFreq: 3800 }, normalize: 'utterance', edgePad: { seconds: 0.1, level: 0.0003 } };
    writeFileSync(join(dir, 'features.json'), JSON.stringify(features));
    const m = join(dir, 'm.jsonl');
    writeFileSync(m, ['wav/0_george_0.wav', 'wav/6_yweweler_1.wav'].map((f) => JSON.stringify({ audio_filepath: join(FSDD, f), duration: 1, text: 'x' })).join('\n') + '\n');
    const asr = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'asr.js'), 'cmvn', ...args], { encoding: 'utf8' });
    const r = asr('--shrink-prior', dir, '--manifest', m, '--shrink-frames', '40');
    expect(r.status, r.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8')) as { cmvnShrink: CmvnShrink; edgePad: unknown };
    expect(written.cmvnShrink.mean.length).toBe(40);
    expect(written.cmvnShrink.frames).toBe(40);
    expect(written.edgePad).toEqual(features.edgePad);
    // the prior is computed with the edge padding: a quiet start pulls the low bands' means down against no padding
    const noPad = { ...features, edgePad: undefined };
    writeFileSync(join(dir, 'features.json'), JSON.stringify(noPad));
    expect(asr('--shrink-prior', dir, '--manifest', m).status).toBe(0);
    const unpadded = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8')) as { cmvnShrink: CmvnShrink };
    expect(unpadded.cmvnShrink.mean[5]).toBeGreaterThan(written.cmvnShrink.mean[5]);
    const bad = asr('--shrink-prior', dir, '--manifest', m, '--shrink-frames', '-1');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--shrink-frames/);
  });
});
