import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { createModel, disposeModel, forward, modelConfig, trainableVariables } from '../src/model/index.js';
import { ctcLoss } from '../src/train/ctc.js';
import { readExperimentConfig } from '../src/train/config.js';
import { batchGroupIndices, groupedBatches, type GroupedItem } from '../src/train/group-batchnorm.js';
import { runTraining } from '../src/train/train.js';
import { createRng } from '../src/util/random.js';
import { maxAbsDiff } from './helpers/reference.js';
import { TINY } from './helpers/tiny-model.js';
import { synthUtterances, tinyConfig } from './train.fixtures.js';


function features(B: number, T: number, F: number, seed: number): Float32Array {
  const rng = createRng(seed);
  // each item gets its own offset and scale, so per-group statistics differ from the batch's
  return Float32Array.from({ length: B * T * F }, (_, i) => {
    const b = Math.floor(i / (T * F));
    return (1 + b) * rng.normal() + 2 * b;
  });
}

describe('group BatchNorm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('an item normalised by its group gives what a batch of that group alone gives', () => {
    const model = createModel(modelConfig(TINY), 3);
    const T = 40;
    const F = 16;
    const x = features(4, T, F, 1);
    const item = (b: number): Float32Array => x.slice(b * T * F, (b + 1) * T * F);
    const logits = (data: Float32Array, B: number, groups?: Int32Array): Float32Array =>
      tf.tidy(() => {
        const out = forward(model, tf.tensor3d(data, [B, T, F]), new Array<number>(B).fill(T), { training: true, batchNormGroups: groups });
        tf.dispose(out.batchNormUpdates.flatMap((u) => [u.mean, u.variance]));
        return Float32Array.from(out.logits.dataSync());
      });
    const grouped = logits(x, 4, Int32Array.from([0, 1, 0, 1]));
    const per = grouped.length / 4;
    const even = logits(Float32Array.from([...item(0), ...item(2)]), 2);
    const odd = logits(Float32Array.from([...item(1), ...item(3)]), 2);
    expect(maxAbsDiff(grouped.slice(0, per), even.slice(0, per))).toBeLessThan(1e-4);
    expect(maxAbsDiff(grouped.slice(2 * per, 3 * per), even.slice(per))).toBeLessThan(1e-4);
    expect(maxAbsDiff(grouped.slice(per, 2 * per), odd.slice(0, per))).toBeLessThan(1e-4);
    expect(maxAbsDiff(grouped.slice(3 * per), odd.slice(per))).toBeLessThan(1e-4);
    // the whole batch's statistics give something else
    expect(maxAbsDiff(logits(x, 4).slice(0, per), even.slice(0, per))).toBeGreaterThan(1e-2);
    disposeModel(model);
  });

  it('one group is ordinary BatchNorm, running-statistics update included; the update pools within-group variance', () => {
    const model = createModel(modelConfig({ ...TINY, numLayers: 1 }), 4);
    const x = features(3, 40, 16, 2);
    const lengths = [40, 33, 25];
    const stats = (groups?: Int32Array): Float32Array[] =>
      tf.tidy(() => {
        const out = forward(model, tf.tensor3d(x, [3, 40, 16]), lengths, { training: true, batchNormGroups: groups });
        const u = out.batchNormUpdates[0];
        const r = [out.logits, u.mean, u.variance].map((t) => Float32Array.from(t.dataSync()));
        tf.dispose([u.mean, u.variance]);
        return r;
      });
    const plain = stats();
    const one = stats(Int32Array.from([0, 0, 0]));
    plain.forEach((p, i) => expect(maxAbsDiff(one[i], p), `tensor ${i}`).toBeLessThan(1e-4));
    const three = stats(Int32Array.from([0, 1, 2]));
    // same frames, so the same mean; the items' offsets are gone from the within-group variance
    expect(maxAbsDiff(three[1], plain[1])).toBeLessThan(1e-4);
    const sum = (a: Float32Array): number => a.reduce((s, v) => s + v, 0);
    expect(sum(three[2])).toBeLessThan(sum(plain[2]));
    disposeModel(model);
  });

  it('gradients flow through group statistics, with and without gradient checkpointing, and no tensor leaks', () => {
    const model = createModel(modelConfig(TINY), 5);
    const x = tf.tensor3d(features(3, 45, 16, 3), [3, 45, 16]);
    const groups = Int32Array.from([1, 0, 1]);
    const grads = (checkpoint: boolean, g?: Int32Array): Float32Array[] => {
      const { value, grads: gr } = tf.variableGrads(() => {
        const out = forward(model, x, [45, 33, 40], { training: true, checkpoint, batchNormGroups: g });
        tf.dispose(out.batchNormUpdates.flatMap((u) => [u.mean, u.variance]));
        return ctcLoss(out.logits, [[1, 2, 3], [4, 4], [5]], out.outputLengths) as tf.Scalar;
      }, trainableVariables(model));
      const list = [value, ...trainableVariables(model).map((v) => gr[v.name])].map((t) => Float32Array.from(t.dataSync()));
      tf.dispose([value, ...Object.values(gr)]);
      return list;
    };
    grads(false, groups);
    const before = tf.memory().numTensors;
    const plain = grads(false, groups);
    expect(tf.memory().numTensors).toBe(before);
    plain.forEach((p) => expect(p.every(Number.isFinite)).toBe(true));
    const ckpt = grads(true, groups);
    plain.forEach((p, i) => expect(maxAbsDiff(ckpt[i], p), `tensor ${i}`).toBeLessThan(1e-5));
    const ungrouped = grads(false);
    expect(maxAbsDiff(ungrouped[0], plain[0])).toBeGreaterThan(1e-4);
    x.dispose();
    disposeModel(model);
  });

  it('batches are runs of one voice that fit the frame budget; every utterance once; deterministic', () => {
    const rng = createRng(7);
    const items: GroupedItem[] = [];
    for (let v = 0; v < 30; v++) {
      const n = 1 + (v % 13);
      for (let k = 0; k < n; k++) items.push({ frames: 50 + Math.floor(rng.uniform() * 400), group: { voice: `v${v}` } });
    }
    items.push({ frames: 120 }); // no voice field: a group of its own
    const batches = groupedBatches(items, 'voice', 8, 3000, createRng(1), { maxItems: 20 });
    expect(batches.flat().sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(20);
      if (b.length > 1) expect(b.length * Math.max(...b.map((i) => items[i].frames))).toBeLessThanOrEqual(3000);
    }
    // a voice of up to 8 utterances that fit together stays in one batch
    const batchOf = new Map<number, number>();
    batches.forEach((b, k) => b.forEach((i) => batchOf.set(i, k)));
    for (let v = 0; v < 30; v++) {
      const mine = items.map((u, i) => (u.group?.voice === `v${v}` ? i : -1)).filter((i) => i >= 0);
      if (mine.length <= 4) expect(new Set(mine.map((i) => batchOf.get(i))).size).toBe(1);
      // 9..13 utterances: two runs of nearly equal size, at most two batches
      if (mine.length > 8) expect(new Set(mine.map((i) => batchOf.get(i))).size).toBeLessThanOrEqual(2);
    }
    expect(groupedBatches(items, 'voice', 8, 3000, createRng(1), { maxItems: 20 })).toEqual(batches);
    expect(groupedBatches(items, 'voice', 8, 3000, createRng(2), { maxItems: 20 })).not.toEqual(batches);
    // items 0 (v0), 3 and 4 (v2), and the one without a voice
    expect(Array.from(batchGroupIndices([items[0], items[3], items[4], items[items.length - 1]], 'voice'))).toEqual([0, 1, 1, 2]);
  });

  it('a training run with group BatchNorm trains, leaks nothing, and the config is checked', async () => {
    const manifest = synthUtterances(['one two', 'three', 'five six', 'nine oh']);
    // two voices of two utterances each
    const lines = readFileSync(manifest, 'utf8').trim().split('\n').map((l, i) => JSON.stringify({ ...JSON.parse(l), voice: `v${i % 2}` }));
    const two = join(dirname(manifest), 'two-voices.jsonl'); // beside it: its audio paths are relative
    writeFileSync(two, lines.join('\n') + '\n');
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const r = await runTraining({
      configFile: tinyConfig({ epochs: 4, maxItemsPerBatch: 4, groupBatchNorm: { prob: 1, run: 2 } }),
      trainManifest: two,
      validManifest: two,
      outDir: join(mkdtempSync(join(tmpdir(), 'asr-gbn-')), 'exp'),
      resume: false,
      skipBad: false,
      backend: 'wasm',
      log: () => {},
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(r.state.step).toBeGreaterThanOrEqual(4);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    const f = join(mkdtempSync(join(tmpdir(), 'asr-gbn-')), 'c.json');
    writeFileSync(f, JSON.stringify({ train: { groupBatchNorm: { run: 0 } } }));
    expect(() => readExperimentConfig(f)).toThrow('train.groupBatchNorm needs prob in [0, 1], group one of speaker, voice, voice+channel, an integer run >= 1');
    writeFileSync(f, JSON.stringify({ train: { groupBatchNorm: { size: 3 } } }));
    expect(() => readExperimentConfig(f)).toThrow('train.groupBatchNorm must be null or an object with prob, group, run');
  });
});
