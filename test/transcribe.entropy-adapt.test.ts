import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import {
  adaptableParameterNames, disposeRecognizer, entropyAdaptedView, evaluateManifest, loadRecognizer, speakerViews, tokenEntropy,
} from '../src/transcribe/index.js';
import { noise, writeTinyModel, writeTwoVoiceClips } from './helpers/transcribe-fixtures.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Deterministic pseudo-random numbers in [-1, 1). */
const rand = (n: number, seed: number): Float32Array => Float32Array.from(noise(n, 1, seed));

describe('tokenEntropy', () => {
  it('is the entropy over the non-blank tokens, weighted by P(not blank) over the valid frames, with no gradient on blank', () => {
    const [B, T, V] = [2, 5, 4];
    const x = rand(B * T * V, 3).map((v) => 3 * v);
    const lengths = [5, 3];
    let sum = 0;
    let wSum = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < lengths[b]; t++) {
        const row = Array.from(x.subarray((b * T + t) * V, (b * T + t + 1) * V));
        const z = row.reduce((a, v) => a + Math.exp(v), 0);
        const w = 1 - Math.exp(row[0]) / z;
        const nb = row.slice(1);
        const zn = nb.reduce((a, v) => a + Math.exp(v), 0);
        const h = -nb.reduce((a, v) => a + (Math.exp(v) / zn) * (v - Math.log(zn)), 0);
        sum += w * h;
        wSum += w;
      }
    }
    const start = tf.memory().numTensors;
    const logits = tf.tensor3d(x, [B, T, V]);
    const e = tokenEntropy(logits, lengths, 0);
    expect(e.dataSync()[0]).toBeCloseTo(sum / wSum, 5);
    // the gradient: none on the blank logit, none on padded frames, some on the others
    const g = tf.grad((l: tf.Tensor) => tokenEntropy(l as tf.Tensor3D, lengths, 0))(logits);
    const gd = g.dataSync();
    let onBlank = 0;
    let onPad = 0;
    let onTokens = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let v = 0; v < V; v++) {
          const a = Math.abs(gd[(b * T + t) * V + v]);
          if (t >= lengths[b]) onPad += a;
          else if (v === 0) onBlank += a;
          else onTokens += a;
        }
      }
    }
    expect(onBlank).toBeLessThan(1e-6);
    expect(onPad).toBe(0);
    expect(onTokens).toBeGreaterThan(1e-2);
    tf.dispose([logits, e, g]);
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('entropyAdaptedView', () => {
  let dir = '';
  let model = '';
  const paths: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asr-tent-'));
    model = join(dir, 'model');
    await writeTinyModel(model, 5);
    const clips = await writeTwoVoiceClips(dir);
    paths.push(...clips.paths);
    writeFileSync(
      join(dir, 'two.jsonl'),
      clips.texts.map((t, i) => JSON.stringify({ audio_filepath: paths[i], text: t, speaker: clips.voices[i] })).join('\n') + '\n',
    );
  }, 120_000);

  it('lowers the entropy by training only the normalisation layers, leaves the base model alone, and leaks nothing', async () => {
    const r = loadRecognizer(model, { decode: { mode: 'greedy' } });
    try {
      const names = adaptableParameterNames(r.model);
      expect(names.length).toBeGreaterThan(4);
      expect(names.every((n) => /(norm|bn)\.(weight|bias)$/.test(n))).toBe(true);
      expect(names).not.toContain('ctc_head.weight');
      const before = new Map(names.map((n) => [n, (r.model.params.get(n) as tf.Variable).dataSync().slice()]));
      const start = tf.memory().numTensors;
      const v = await entropyAdaptedView(r, paths.slice(0, 2), { steps: 15, lr: 0.01, minSeconds: 0.1, maxBatchFrames: 100_000 });
      expect(v.adapted).toBe(true);
      // one batch holds both files, so first and last steps saw the same frames
      expect(v.entropyAfter).toBeLessThan(v.entropyBefore * 0.9);
      const own = [...v.recognizer.model.params.keys()].filter((k) => v.recognizer.model.params.get(k) !== r.model.params.get(k));
      expect(own.sort()).toEqual(names.slice().sort());
      const moved = names.filter((n) => {
        const a = (v.recognizer.model.params.get(n) as tf.Variable).dataSync();
        const b = before.get(n) as Float32Array;
        return a.some((x, i) => Math.abs(x - b[i]) > 1e-4);
      });
      expect(moved.length).toBeGreaterThan(names.length / 2);
      for (const n of names) expect(Array.from((r.model.params.get(n) as tf.Variable).dataSync())).toEqual(Array.from(before.get(n) as Float32Array));
      // the adapted view holds exactly its own copies: freeing them returns to where it began (optimizer state freed)
      expect(tf.memory().numTensors).toBe(start + names.length);
      for (const n of own) (v.recognizer.model.params.get(n) as tf.Variable).dispose();
      expect(tf.memory().numTensors).toBe(start);

      const under = await entropyAdaptedView(r, [paths[0], join(dir, 'missing.wav')], { minSeconds: 60 });
      expect(under.adapted).toBe(false);
      expect(under.recognizer).toBe(r);
      expect(under.seconds).toBeGreaterThan(0.3);
      expect(tf.memory().numTensors).toBe(start);
    } finally {
      disposeRecognizer(r);
    }
  }, 120_000);

  it('stacks on speaker CMVN and BatchNorm statistics, changes what is recognised, and frees every view once', async () => {
    const r = loadRecognizer(model, { decode: { mode: 'greedy' } });
    try {
      const start = tf.memory().numTensors;
      const groups = new Map([['awb', [paths[0], paths[2]]], ['rms', [paths[1], paths[3]]]]);
      const sv = await speakerViews(r, groups, { cmvn: 'speaker', adaptBn: true, adaptMinSeconds: 0.1, adaptEntropy: { steps: 3, lr: 0.01 } });
      expect(sv.entropyAdapted.map((a) => a.speaker).sort()).toEqual(['awb', 'rms']);
      const bnOnly = await speakerViews(r, groups, { cmvn: 'speaker', adaptBn: true, adaptMinSeconds: 0.1 });
      for (const spk of ['awb', 'rms']) {
        const full = sv.views.get(spk)?.model.params;
        const bn = bnOnly.views.get(spk)?.model.params;
        expect(full?.get('encoder.layers.0.conv.bn.running_mean')).toBeDefined();
        // the BatchNorm statistics measured under the entropy-adapted view are the AdaBN ones
        expect(Array.from(full?.get('encoder.layers.0.conv.bn.running_mean')?.dataSync() ?? [])).toEqual(Array.from(bn?.get('encoder.layers.0.conv.bn.running_mean')?.dataSync() ?? [1]));
      }
      sv.dispose();
      bnOnly.dispose();
      expect(tf.memory().numTensors).toBe(start);

      const bn = await evaluateManifest(r, join(dir, 'two.jsonl'), { cmvn: 'speaker', adaptBn: true, adaptMinSeconds: 0.1 });
      const tent = await evaluateManifest(r, join(dir, 'two.jsonl'), { cmvn: 'speaker', adaptBn: true, adaptMinSeconds: 0.1, adaptEntropy: { steps: 10, lr: 0.01 } });
      expect(tent.entropyAdapted?.length).toBe(2);
      expect(tent.utterances.map((u) => u.hyp)).not.toEqual(bn.utterances.map((u) => u.hyp));
      expect(tf.memory().numTensors).toBe(start);
    } finally {
      disposeRecognizer(r);
    }
  }, 120_000);
});
