import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import {
  applyBatchNormUpdates,
  createModel,
  disposeModel,
  forward,
  minInputFrames,
  modelConfig,
  outputLength,
  parameterCount,
  resolveModelConfig,
  trainableVariables,
  type AcousticModel,
  type ModelConfigInput,
} from '../src/model/index.js';
import { ctcLoss } from '../src/train/ctc.js';
import { createRng } from '../src/util/random.js';
import { maxAbsDiff } from './helpers/reference.js';
import { TINY } from './helpers/tiny-model.js';


function features(B: number, T: number, F: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: B * T * F }, () => rng.normal());
}

function run(model: AcousticModel, x: Float32Array, shape: [number, number, number], lengths: number[], opts = {}): { logits: Float32Array; lens: Int32Array; dims: number[] } {
  return tf.tidy(() => {
    const out = forward(model, tf.tensor3d(x, shape), lengths, opts);
    return { logits: Float32Array.from(out.logits.dataSync()), lens: out.outputLengths, dims: out.logits.shape };
  });
}

describe('acoustic model', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('the reference config has the parameter count its architecture implies', () => {
    const c = modelConfig({});
    const d = c.dModel;
    const lin = (i: number, o: number): number => i * o + o;
    const sub = 9 * 1 * 144 + 144 + 9 * 144 * 144 + 144 + lin(144 * 19, d);
    const ffn = 2 * d + lin(d, c.ffnDim) + lin(c.ffnDim, d);
    const attn = 2 * d + lin(d, 3 * d) + lin(d, d) + d * d + 2 * d;
    const conv = 2 * d + lin(d, 2 * d) + c.convKernel * d + d + 2 * d + lin(d, d);
    const block = 2 * ffn + attn + conv + 2 * d;
    const expected = sub + 8 * block + lin(d, 30);
    const model = createModel(c, 1);
    expect(parameterCount(model)).toBe(expected);
    disposeModel(model);
  });

  for (const factor of [4, 6, 8] as const) {
    it(`${factor}x conv2d subsampling: output frames match outputLength for every item`, () => {
      const config = modelConfig({ ...TINY, subsampling: { type: 'conv2d', factor, channels: 8 } });
      const model = createModel(config, 2);
      const T = 61;
      const lengths = [61, 40, minInputFrames(config)];
      const r = run(model, features(3, T, 16, 1), [3, T, 16], lengths);
      expect(r.dims).toEqual([3, outputLength(config, T), 7]);
      expect(Array.from(r.lens)).toEqual(lengths.map((l) => outputLength(config, l)));
      expect(r.lens[2]).toBe(1);
      disposeModel(model);
    });
  }

  for (const variant of [
    { block: 'conformer', posEnc: 'rel' },
    { block: 'conformer', posEnc: 'none', convNorm: 'layernorm' },
    { block: 'transformer', posEnc: 'abs', ffnActivation: 'relu' },
  ] as ModelConfigInput[]) {
    it(`padding does not leak into real frames (${variant.block}, posEnc ${variant.posEnc})`, () => {
      const config = modelConfig({ ...TINY, ...variant });
      const model = createModel(config, 3);
      const T = 50;
      const x = features(2, T, 16, 4);
      const batch = run(model, x, [2, T, 16], [50, 29]);
      const alone = run(model, x.slice(T * 16, (T + 29) * 16), [1, 29, 16], [29]);
      const n = batch.lens[1] * 7;
      expect(alone.lens[0]).toBe(batch.lens[1]);
      const Tout = batch.dims[1];
      expect(maxAbsDiff(batch.logits.slice(Tout * 7, Tout * 7 + n), alone.logits)).toBeLessThan(1e-4);
      // and the padded frames' contents really are ignored
      const noisy = Float32Array.from(x);
      for (let i = (T + 29) * 16; i < 2 * T * 16; i++) noisy[i] = 100 * Math.sin(i);
      const batch2 = run(model, noisy, [2, T, 16], [50, 29]);
      expect(maxAbsDiff(batch2.logits.slice(Tout * 7, Tout * 7 + n), alone.logits)).toBeLessThan(1e-4);
      disposeModel(model);
    });
  }

  it('chunked attention with a causal convolution never looks past the end of the current chunk', () => {
    const config = modelConfig({ ...TINY, inputDim: 24, subsampling: { type: 'none' }, causalConv: true });
    const model = createModel(config, 5);
    const T = 20;
    const x = features(1, T, 24, 6);
    const chunks = { chunkSize: 4, leftChunks: 1 };
    const a = run(model, x, [1, T, 24], [T], { chunks });
    const changed = Float32Array.from(x);
    for (let i = 8 * 24; i < T * 24; i++) changed[i] += 3 * Math.sin(i); // not constant: LayerNorm would remove that
    const b = run(model, changed, [1, T, 24], [T], { chunks });
    expect(maxAbsDiff(a.logits.slice(0, 8 * 7), b.logits.slice(0, 8 * 7))).toBe(0);
    expect(maxAbsDiff(a.logits.slice(8 * 7), b.logits.slice(8 * 7))).toBeGreaterThan(1e-3);
    // without chunks the first frames do see the future
    const c = run(model, x, [1, T, 24], [T]);
    const d = run(model, changed, [1, T, 24], [T]);
    expect(maxAbsDiff(c.logits.slice(0, 8 * 7), d.logits.slice(0, 8 * 7))).toBeGreaterThan(1e-3);
    disposeModel(model);
  });

  it('gradient checkpointing gives the same loss and gradients', () => {
    const config = modelConfig(TINY);
    const model = createModel(config, 7);
    const T = 45;
    const x = tf.tensor3d(features(2, T, 16, 8), [2, T, 16]);
    const targets = [[1, 2, 3], [4, 4]];
    const grads = (checkpoint: boolean): Float32Array[] => {
      const { value, grads: g } = tf.variableGrads(() => {
        const out = forward(model, x, [45, 33], { training: true, checkpoint });
        tf.dispose(out.batchNormUpdates.flatMap((u) => [u.mean, u.variance]));
        return ctcLoss(out.logits, targets, out.outputLengths) as tf.Scalar;
      }, trainableVariables(model));
      const list = [value, ...trainableVariables(model).map((v) => g[v.name])].map((t) => Float32Array.from(t.dataSync()));
      tf.dispose([value, ...Object.values(g)]);
      return list;
    };
    const plain = grads(false);
    const ckpt = grads(true);
    expect(ckpt.length).toBe(plain.length);
    plain.forEach((p, i) => expect(maxAbsDiff(ckpt[i], p), `tensor ${i}`).toBeLessThan(1e-5));
    x.dispose();
    disposeModel(model);
  });

  it('a training step (dropout, BatchNorm updates, Adam) leaks no tensors and is reproducible from the RNG seed', () => {
    const config = modelConfig({ ...TINY, dropout: 0.1, attentionDropout: 0.1 });
    const model = createModel(config, 9);
    const x = tf.tensor3d(features(2, 40, 16, 10), [2, 40, 16]);
    const opt = tf.train.adam(1e-3);
    const step = (seed: number): number => {
      const rng = createRng(seed);
      const updates: ReturnType<typeof forward>['batchNormUpdates'] = [];
      const loss = opt.minimize(() => {
        const out = forward(model, x, [40, 31], { training: true, rng, checkpoint: true });
        updates.push(...out.batchNormUpdates);
        return ctcLoss(out.logits, [[1, 2], [3]], out.outputLengths) as tf.Scalar;
      }, true, trainableVariables(model)) as tf.Scalar;
      const v = loss.dataSync()[0];
      loss.dispose();
      applyBatchNormUpdates(model, updates);
      return v;
    };
    step(1); // the optimizer creates its slots on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) expect(Number.isFinite(step(2 + i))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    // the same dropout seed gives the same loss on the same weights
    const lossAt = (seed: number): number =>
      tf.tidy(() => {
        const out = forward(model, x, [40, 31], { training: true, rng: createRng(seed) });
        tf.dispose(out.batchNormUpdates.flatMap((u) => [u.mean, u.variance]));
        return ctcLoss(out.logits, [[1, 2], [3]], out.outputLengths).dataSync()[0];
      });
    expect(lossAt(5)).toBe(lossAt(5));
    expect(lossAt(5)).not.toBe(lossAt(6));
    x.dispose();
    disposeModel(model);
    opt.dispose();
  });

  it('BatchNorm statistics come from real frames only and move the running statistics', () => {
    const config = modelConfig({ ...TINY, numLayers: 1 });
    const model = createModel(config, 11);
    const x = features(2, 40, 16, 12);
    const noisy = Float32Array.from(x);
    for (let i = (40 + 25) * 16; i < 80 * 16; i++) noisy[i] = 50;
    const stats = (data: Float32Array): Float32Array[] =>
      tf.tidy(() => {
        const out = forward(model, tf.tensor3d(data, [2, 40, 16]), [40, 25], { training: true });
        const u = out.batchNormUpdates;
        expect(u.map((v) => v.name)).toEqual(['encoder.layers.0.conv.bn']);
        const r = [u[0].mean, u[0].variance].map((t) => Float32Array.from(t.dataSync()));
        tf.dispose([u[0].mean, u[0].variance]);
        return r;
      });
    const [m1, v1] = stats(x);
    const [m2, v2] = stats(noisy);
    expect(maxAbsDiff(m1, m2)).toBeLessThan(1e-5);
    expect(maxAbsDiff(v1, v2)).toBeLessThan(1e-4);
    const rm = model.params.get('encoder.layers.0.conv.bn.running_mean') as tf.Variable;
    const input = tf.tensor3d(x, [2, 40, 16]);
    const res = forward(model, input, [40, 25], { training: true });
    applyBatchNormUpdates(model, res.batchNormUpdates);
    tf.dispose([input, res.logits, res.encoderOut]);
    const expected = Array.from(m1, (m) => 0.1 * m);
    expect(maxAbsDiff(rm.dataSync(), expected)).toBeLessThan(1e-6);
    disposeModel(model);
  });

  it('rejects bad configs with one line naming the source and the field', () => {
    expect(() => resolveModelConfig({ numHeads: 5 }, 'exp/config.json')).toThrow('exp/config.json: numHeads must divide dModel (144 % 5 != 0)');
    expect(() => resolveModelConfig({ convKernel: 30 }, 'c.json')).toThrow('c.json: convKernel must be odd, got 30');
    expect(() => resolveModelConfig({ blocks: 3 }, 'c.json')).toThrow("c.json: unknown key 'blocks'");
    expect(() => resolveModelConfig({ subsampling: { factor: 5 } }, 'c.json')).toThrow(/subsampling.factor must be one of 1, 4, 6, 8, got 5/);
    expect(() => resolveModelConfig({ inputDim: 6 }, 'c.json')).toThrow('c.json: inputDim 6 is too small for 4x conv2d subsampling');
    expect(() => resolveModelConfig({ dropout: 1 }, 'c.json')).toThrow('c.json: dropout must be a number in [0, 1), got 1');
  });
});
