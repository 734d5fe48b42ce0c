import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import {
  adaptedModel, createModel, disposeAdaptedModel, disposeModel, emptyBatchNormMoments, forward, logProbs, modelConfig, saveModel, type AcousticModel,
} from '../src/model/index.js';
import type { FeatureMatrix } from '../src/features/matrix.js';
import {
  addBatchNormMoments, assertBatchNormAdaptable, batchNormView, disposeRecognizer, evaluateManifest, loadRecognizer, segmentFeatures,
} from '../src/transcribe/index.js';
import { decodeSegment } from '../src/transcribe/transcribe.js';
import { TINY_TOKENS, writeTinyModel, writeTwoVoiceClips } from './helpers/transcribe-fixtures.js';

const D = 12;
const small = (convNorm: 'batchnorm' | 'layernorm' = 'batchnorm'): AcousticModel =>
  createModel(modelConfig({ inputDim: D, subsampling: { type: 'conv2d', factor: 4, channels: 4 }, dModel: 16, numLayers: 2, numHeads: 2, ffnDim: 24, convKernel: 5, vocabSize: 6, convNorm }), 3);

/** A feature matrix [T, D] of a deterministic pattern with its own offset and scale (a "speaker"). */
const feats = (T: number, seed: number, offset = 0, scale = 1): FeatureMatrix => {
  const data = new Float32Array(T * D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) data[t * D + d] = offset + scale * Math.sin(0.37 * t * (d + 1) + seed * 1.7 + d);
  return { numFrames: T, dim: D, data };
};

/** Log-posteriors [B, T', V] of a batch, padded to the longest. */
const posteriors = (m: AcousticModel, fs: FeatureMatrix[], training: boolean): Float32Array => {
  const T = Math.max(...fs.map((f) => f.numFrames));
  const buf = new Float32Array(fs.length * T * D);
  fs.forEach((f, b) => buf.set(f.data, b * T * D));
  const lp = tf.tidy(() => {
    const out = forward(m, tf.tensor3d(buf, [fs.length, T, D]), fs.map((f) => f.numFrames), { training });
    out.batchNormUpdates.forEach((u) => {
      u.mean.dispose();
      u.variance.dispose();
    });
    return logProbs(out.logits);
  });
  const data = lp.dataSync() as Float32Array;
  lp.dispose();
  return data;
};

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('speaker BatchNorm statistics (AdaBN)', () => {
  it('gives inference exactly what training-mode BatchNorm gives the same batch', () => {
    const m = small();
    const batch = [feats(40, 1, 2, 3), feats(31, 2, 2, 3), feats(25, 3, 2, 3)];
    const a = adaptedModel(m, addBatchNormMoments(m, batch, emptyBatchNormMoments()));
    const before = posteriors(m, batch, false);
    const adapted = posteriors(a, batch, false);
    const training = posteriors(m, batch, true);
    let diffTraining = 0;
    let diffBefore = 0;
    for (let i = 0; i < training.length; i++) {
      diffTraining = Math.max(diffTraining, Math.abs(adapted[i] - training[i]));
      diffBefore = Math.max(diffBefore, Math.abs(before[i] - training[i]));
    }
    expect(diffTraining).toBeLessThan(1e-3);
    expect(diffBefore).toBeGreaterThan(1e-2); // the running statistics differ from this batch's
    disposeAdaptedModel(a, m);
    disposeModel(m);
  });

  it('pools batches: the first layer gets the statistics of all the frames as one batch', () => {
    const m = small();
    const all = [feats(40, 1, 1, 2), feats(33, 2, -1, 0.5), feats(28, 3, 0, 1), feats(36, 4, 2, 1)];
    const one = addBatchNormMoments(m, all, emptyBatchNormMoments());
    const two = addBatchNormMoments(m, all.slice(2), addBatchNormMoments(m, all.slice(0, 2), emptyBatchNormMoments()));
    expect(two.frames).toBe(one.frames);
    const first = [...one.layers.keys()].sort()[0];
    expect(first).toBe('encoder.layers.0.conv.bn');
    const [a, b] = [adaptedModel(m, one), adaptedModel(m, two)];
    for (const key of [`${first}.running_mean`, `${first}.running_var`]) {
      const x = a.params.get(key)?.dataSync() as Float32Array;
      const y = b.params.get(key)?.dataSync() as Float32Array;
      for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(x[i], 4);
    }
    disposeAdaptedModel(a, m);
    disposeAdaptedModel(b, m);
    disposeModel(m);
  });

  it('shares every other parameter, frees only its own statistics, and leaks no tensor', () => {
    const m = small();
    const start = tf.memory().numTensors;
    const baseMean = (m.params.get('encoder.layers.1.conv.bn.running_mean') as tf.Variable).dataSync().slice();
    const a = adaptedModel(m, addBatchNormMoments(m, [feats(30, 5, 1, 2)], emptyBatchNormMoments()));
    expect(Array.from((a.params.get('encoder.layers.1.conv.bn.running_mean') as tf.Variable).dataSync())).not.toEqual(Array.from(baseMean));
    expect(Array.from((m.params.get('encoder.layers.1.conv.bn.running_mean') as tf.Variable).dataSync())).toEqual(Array.from(baseMean));
    const replaced = [...a.params.keys()].filter((k) => a.params.get(k) !== m.params.get(k));
    expect(replaced.sort()).toEqual(['encoder.layers.0.conv.bn.running_mean', 'encoder.layers.0.conv.bn.running_var', 'encoder.layers.1.conv.bn.running_mean', 'encoder.layers.1.conv.bn.running_var']);
    expect(tf.memory().numTensors).toBe(start + 4);
    disposeAdaptedModel(a, m);
    expect(tf.memory().numTensors).toBe(start);
    // the base model still runs
    expect(posteriors(m, [feats(20, 1)], false).every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(start);
    disposeModel(m);
  });
});

describe('batchNormView and asr eval --adapt-bn', () => {
  let dir = '';
  let model = '';
  let lnModel = '';
  const paths: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asr-adabn-'));
    model = join(dir, 'model');
    await writeTinyModel(model, 5);
    lnModel = join(dir, 'ln');
    const ln = createModel(modelConfig({ inputDim: 80, subsampling: { type: 'conv2d', factor: 4, channels: 8 }, dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32, convKernel: 7, vocabSize: TINY_TOKENS.length, convNorm: 'layernorm' }), 2);
    await saveModel(lnModel, ln, TINY_TOKENS);
    disposeModel(ln);
    const { paths: clipPaths, texts } = await writeTwoVoiceClips(dir);
    paths.push(...clipPaths);
    writeFileSync(
      join(dir, 'own.jsonl'),
      texts.map((t, i) => JSON.stringify({ audio_filepath: paths[i], text: t, speaker: `u${i}` })).join('\n') + '\n',
    );
  }, 120_000);

  it('keeps the model below minSeconds, skips unreadable files, and refuses a model without BatchNorm', async () => {
    const r = loadRecognizer(model);
    const ln = loadRecognizer(lnModel);
    try {
      const under = await batchNormView(r, [paths[0], join(dir, 'missing.wav')], { minSeconds: 60 });
      expect(under.adapted).toBe(false);
      expect(under.recognizer).toBe(r);
      expect(under.seconds).toBeGreaterThan(0.3);
      const over = await batchNormView(r, [paths[0], join(dir, 'missing.wav')], { minSeconds: 0.1 });
      expect(over.adapted).toBe(true);
      expect(over.seconds).toBeCloseTo(under.seconds, 6);
      expect(over.recognizer.model).not.toBe(r.model);
      disposeAdaptedModel(over.recognizer.model, r.model);
      expect(() => assertBatchNormAdaptable(ln)).toThrow(/--adapt-bn needs a model with BatchNorm layers; .*convNorm "layernorm"/);
      await expect(evaluateManifest(ln, join(dir, 'own.jsonl'), { adaptBn: true })).rejects.toThrow(/BatchNorm/);
    } finally {
      disposeRecognizer(r);
      disposeRecognizer(ln);
    }
  });

  it('with every utterance its own speaker, recognises each as training-mode BatchNorm on that utterance would', async () => {
    const r = loadRecognizer(model, { decode: { mode: 'greedy' } });
    const start = tf.memory().numTensors;
    try {
      const res = await evaluateManifest(r, join(dir, 'own.jsonl'), { adaptBn: true, adaptMinSeconds: 0.1 });
      const plain = await evaluateManifest(r, join(dir, 'own.jsonl'));
      expect(res.adaptedSpeakers).toBe(4);
      expect(tf.memory().numTensors).toBe(start);
      const expected: string[] = [];
      for (const p of paths) {
        const { audioChunks } = await import('../src/audio/index.js');
        const parts: number[] = [];
        for await (const c of audioChunks(p, { targetRate: r.sampleRate })) parts.push(...c);
        const samples = Float32Array.from(parts);
        const f = segmentFeatures(samples, r.features);
        const lp = tf.tidy(() => {
          const out = forward(r.model, tf.tensor3d(f.data, [1, f.numFrames, f.dim]), [f.numFrames], { training: true });
          out.batchNormUpdates.forEach((u) => {
            u.mean.dispose();
            u.variance.dispose();
          });
          return logProbs(out.logits);
        });
        const data = lp.dataSync() as Float32Array;
        const frames = lp.shape[1] as number;
        lp.dispose();
        expected.push(decodeSegment(r, { data, frames, vocab: r.model.config.vocabSize }, samples, 0).text);
      }
      expect(res.utterances.map((u) => u.hyp)).toEqual(expected);
      // and the adaptation changed what was recognised (else this test could not tell)
      expect(plain.utterances.map((u) => u.hyp)).not.toEqual(expected);
    } finally {
      disposeRecognizer(r);
    }
  }, 60_000);
});
