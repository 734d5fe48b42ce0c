import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { conv2d, depthwiseConv1d, setConvImplementation, relShift, chunkPattern, attentionBias, MASKED_SCORE } from '../src/model/index.js';
import { dense, batchMatMul } from '../src/model/matmul.js';
import { dropout, type Ctx } from '../src/model/layers.js';
import { createRng } from '../src/util/random.js';
import { maxAbsDiff } from './helpers/reference.js';

function rand(shape: number[], seed: number): { data: Float32Array; shape: number[] } {
  const rng = createRng(seed);
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape };
}

type Inputs = { data: Float32Array; shape: number[] }[];

/** Value of f and its gradients (of sum(f * probe)) w.r.t. every input, on one backend. */
async function valueAndGrads(backend: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
    const y = f(...xs);
    const probe = tf.tensor(rand(y.shape, 99).data, y.shape);
    const g = tf.grads((...a: tf.Tensor[]) => f(...a).mul(probe).sum())(xs);
    return [y, ...g].map((t) => Float32Array.from(t.dataSync()));
  });
}

async function compareBackends(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs, tol: number): Promise<void> {
  const cpu = await valueAndGrads('cpu', f, inputs);
  const wasm = await valueAndGrads('wasm', f, inputs);
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((c, i) => {
    const scale = Math.max(1, ...Array.from(c, Math.abs));
    expect(maxAbsDiff(wasm[i], c) / scale, i === 0 ? 'value' : `gradient ${i - 1}`).toBeLessThan(tol);
  });
}

describe('differentiable ops: our wasm paths against tfjs natives on cpu', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });
  afterEach(async () => {
    setConvImplementation('auto');
    await tf.setBackend('wasm');
  });

  it('dense (linear and relu, with and without bias): values and gradients', async () => {
    const inputs = [rand([37, 12], 1), rand([12, 20], 2), rand([20], 3)];
    await compareBackends((x, w, b) => dense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, 'relu'), inputs, 1e-5);
    await compareBackends((x, w, b) => dense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), inputs, 1e-5);
    await compareBackends((x, w) => dense(x as tf.Tensor2D, w as tf.Tensor2D, null), inputs.slice(0, 2), 1e-5);
    // a wide output takes the other weight-gradient orientation
    await compareBackends((x, w) => dense(x as tf.Tensor2D, w as tf.Tensor2D, null), [rand([30, 4], 4), rand([4, 50], 5)], 1e-5);
  });

  it('batchMatMul: values and gradients', async () => {
    await compareBackends((a, b) => batchMatMul(a as tf.Tensor3D, b as tf.Tensor3D), [rand([5, 7, 6], 6), rand([5, 6, 9], 7)], 1e-5);
  });

  it('strided conv2d by im2col + matMul equals tfjs conv2d, gradients included', async () => {
    const inputs = [rand([2, 11, 9, 3], 8), rand([3, 3, 3, 5], 9), rand([5], 10)];
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, 2, true);
    const native = await valueAndGrads('cpu', f, inputs);
    setConvImplementation('kernels');
    const kernels = await valueAndGrads('cpu', f, inputs);
    const onWasm = await valueAndGrads('wasm', f, inputs);
    expect(native.length).toBe(4);
    native.forEach((n, i) => {
      expect(maxAbsDiff(kernels[i], n), `cpu kernels ${i}`).toBeLessThan(1e-4);
      expect(maxAbsDiff(onWasm[i], n), `wasm ${i}`).toBeLessThan(1e-4);
    });
  });

  for (const [label, padLeft, padRight] of [
    ['same', 3, 3],
    ['causal', 6, 0],
  ] as const) {
    it(`depthwise conv over time (${label} padding) equals tfjs depthwiseConv2d, gradients included`, async () => {
      const inputs = [rand([3, 13, 4], 11), rand([7, 4], 12), rand([4], 13)];
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => depthwiseConv1d(x as tf.Tensor3D, w as tf.Tensor2D, b as tf.Tensor1D, padLeft, padRight);
      const native = await valueAndGrads('cpu', f, inputs);
      const wasmMixed = await valueAndGrads('wasm', f, inputs);
      setConvImplementation('kernels');
      const wasmJs = await valueAndGrads('wasm', f, inputs);
      native.forEach((n, i) => {
        expect(maxAbsDiff(wasmMixed[i], n), `wasm (native forward) ${i}`).toBeLessThan(1e-4);
        expect(maxAbsDiff(wasmJs[i], n), `wasm (our kernels) ${i}`).toBeLessThan(1e-4);
      });
      // causal: output t must not depend on inputs after t
      if (padRight === 0) {
        const x = rand([1, 13, 4], 14);
        const y1 = tf.tidy(() => f(tf.tensor(x.data, x.shape), tf.tensor(inputs[1].data, [7, 4]), tf.tensor(inputs[2].data, [4])).dataSync());
        x.data.fill(5, 8 * 4);
        const y2 = tf.tidy(() => f(tf.tensor(x.data, x.shape), tf.tensor(inputs[1].data, [7, 4]), tf.tensor(inputs[2].data, [4])).dataSync());
        expect(maxAbsDiff(y1.slice(0, 8 * 4), y2.slice(0, 8 * 4))).toBe(0);
        expect(maxAbsDiff(y1.slice(8 * 4), y2.slice(8 * 4))).toBeGreaterThan(0);
      }
    });
  }

  it('dropout: the gradient is the same mask, and the mask depends only on the seed', () => {
    const ctx = (seed: number): Ctx => ({ p: () => tf.scalar(0), training: true, rng: createRng(seed), bnUpdates: [], bnGroups: null, trace: null });
    const x = tf.tensor(rand([40, 30], 15).data, [40, 30]);
    const y = dropout(ctx(3), x, 0.3).dataSync();
    const g = tf.grad((v: tf.Tensor) => dropout(ctx(3), v, 0.3).sum())(x).dataSync();
    const xv = x.dataSync();
    let zeros = 0;
    for (let i = 0; i < y.length; i++) {
      expect(y[i]).toBeCloseTo(xv[i] * g[i], 5);
      if (g[i] === 0) zeros++;
    }
    expect(zeros).toBeGreaterThan(0.2 * y.length);
    expect(zeros).toBeLessThan(0.4 * y.length);
    expect(Array.from(dropout(ctx(3), x, 0.3).dataSync())).toEqual(Array.from(y));
    const evalCtx: Ctx = { ...ctx(3), training: false };
    expect(dropout(evalCtx, x, 0.3)).toBe(x);
  });
});

describe('attention helpers', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('relShift maps column T-1-i+j of row i to column j', () => {
    const [N, T] = [2, 5];
    const P = 2 * T - 1;
    const x = rand([N, T, P], 16);
    const out = tf.tidy(() => relShift(tf.tensor3d(x.data, [N, T, P])).dataSync());
    for (let n = 0; n < N; n++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
      expect(out[(n * T + i) * T + j]).toBe(x.data[(n * T + i) * P + (T - 1 - i + j)]);
    }
  });

  it('chunk pattern: own chunk and leftChunks before it, never the future', () => {
    const p = chunkPattern(7, { chunkSize: 2, leftChunks: 1 });
    const row = (i: number): number[] => Array.from(p.subarray(i * 7, i * 7 + 7));
    expect(row(0)).toEqual([1, 1, 0, 0, 0, 0, 0]);
    expect(row(3)).toEqual([1, 1, 1, 1, 0, 0, 0]);
    expect(row(5)).toEqual([0, 0, 1, 1, 1, 1, 0]);
    expect(row(6)).toEqual([0, 0, 0, 0, 1, 1, 1]);
    const all = chunkPattern(5, { chunkSize: 2, leftChunks: -1 });
    expect(Array.from(all.subarray(20, 25))).toEqual([1, 1, 1, 1, 1]);
  });

  it('attention bias masks padded keys, and combines with chunks', () => {
    const keys = attentionBias([3, 1], 4);
    expect(keys.shape).toEqual([1, 2, 1, 4]);
    expect(Array.from(keys.dataSync())).toEqual([0, 0, 0, MASKED_SCORE, 0, MASKED_SCORE, MASKED_SCORE, MASKED_SCORE]);
    const both = attentionBias([3], 4, { chunkSize: 2, leftChunks: 0 }).dataSync();
    const allowed = Array.from(both, (v) => (v === 0 ? 1 : 0));
    expect(allowed).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0]);
  });
});
