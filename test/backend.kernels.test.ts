import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { BATCH_MATMUL, COL2IM, DROPOUT, IM2COL, RELU_GRAD, copyBox, transposeArray } from '../src/backend/kernels.js';
import { maxAbsDiff } from './helpers/reference.js';
import { createRng } from '../src/util/random.js';

/** Runs f on the cpu backend and on wasm and returns both results as arrays. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = (): Float32Array[] => {
    const r = f();
    const list = Array.isArray(r) ? r : [r];
    const out = list.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(list);
    return out;
  };
  await tf.setBackend('cpu');
  const cpu = run();
  await tf.setBackend('wasm');
  const wasm = run();
  return { cpu, wasm };
}

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

describe('wasm kernel replacements and asr-ts kernels', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('Slice, SplitV, Unpack, Transpose, Identity and Cast match the cpu backend', async () => {
    const shape = [3, 5, 4, 6];
    const data = randomArray(3 * 5 * 4 * 6, 1);
    const { cpu, wasm } = await onBoth(() => {
      const x = tf.tensor(data, shape);
      return [
        x.slice([1, 2, 0, 3], [2, 3, 4, 2]),
        x.slice([0, 0, 1, 0], [3, 5, 2, 6]),
        ...tf.split(x, [1, 3, 2], 3),
        ...tf.unstack(x, 1),
        x.transpose([2, 0, 3, 1]),
        x.reshape([15, 24]).transpose(),
        x.reshape([3, 5, 2, 2, 6]).transpose([3, 0, 4, 2, 1]),
        x.clone(),
        x.cast('float32'),
        x.cast('int32').cast('float32'),
      ];
    });
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((c, i) => expect(maxAbsDiff(wasm[i], c), `output ${i}`).toBe(0));
  });

  it('copyBox and transposeArray agree with index arithmetic on random shapes', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + (trial % 5);
      const shape = Array.from({ length: rank }, () => rng.int(1, 4));
      const n = shape.reduce((a, b) => a * b, 1);
      const src = Float32Array.from({ length: n }, (_, i) => i);
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const perm = [...shape.keys()].sort(() => rng.uniform() - 0.5);
      const out = new Float32Array(n);
      transposeArray(src, shape, perm, out);
      const outShape = perm.map((p) => shape[p]);
      for (let o = 0; o < n; o++) {
        let rem = o;
        let at = 0;
        for (let j = 0; j < rank; j++) {
          const s = outShape.slice(j + 1).reduce((a, b) => a * b, 1);
          at += Math.floor(rem / s) * strides[perm[j]];
          rem %= s;
        }
        expect(out[o]).toBe(src[at]);
      }
      const begin = shape.map((d) => rng.int(0, d - 1));
      const size = shape.map((d, i) => rng.int(1, d - begin[i]));
      const box = new Float32Array(size.reduce((a, b) => a * b, 1));
      copyBox(src, shape, begin, size, box);
      const expected = tf.tidy(() => tf.tensor(src, shape).slice(begin, size).dataSync());
      expect(Array.from(box)).toEqual(Array.from(expected));
    }
  });

  it('AsrBatchMatMul (XNNPACK per item) equals tf.matMul on cpu, with and without a shared right operand', async () => {
    const a = randomArray(6 * 7 * 5, 2);
    const b = randomArray(6 * 5 * 9, 3);
    const b1 = randomArray(5 * 9, 4);
    const ref = await onBoth(() => [tf.matMul(tf.tensor3d(a, [6, 7, 5]), tf.tensor3d(b, [6, 5, 9])), tf.matMul(tf.tensor3d(a, [6, 7, 5]), tf.tensor3d(b1, [1, 5, 9]).tile([6, 1, 1]))]);
    const mine = [
      tf.engine().runKernel(BATCH_MATMUL, { a: tf.tensor3d(a, [6, 7, 5]), b: tf.tensor3d(b, [6, 5, 9]) }) as tf.Tensor,
      tf.engine().runKernel(BATCH_MATMUL, { a: tf.tensor3d(a, [6, 7, 5]), b: tf.tensor3d(b1, [1, 5, 9]) }) as tf.Tensor,
    ];
    expect(maxAbsDiff(mine[0].dataSync(), ref.cpu[0])).toBeLessThan(1e-5);
    expect(maxAbsDiff(mine[1].dataSync(), ref.cpu[1])).toBeLessThan(1e-5);
  });

  it('col2im is the adjoint of im2col: <im2col(x), y> = <x, col2im(y)>', () => {
    const [B, H, W, C] = [2, 9, 8, 3];
    const attrs = { kh: 3, kw: 3, sh: 2, sw: 2, h: H, w: W } as unknown as tf.NamedAttrMap;
    const x = tf.tensor4d(randomArray(B * H * W * C, 6), [B, H, W, C]);
    const cols = tf.engine().runKernel(IM2COL, { x }, attrs) as tf.Tensor;
    expect(cols.shape).toEqual([B, 4, 3, 27]);
    const y = tf.tensor(randomArray(cols.size, 7), cols.shape);
    const back = tf.engine().runKernel(COL2IM, { cols: y }, attrs) as tf.Tensor;
    const lhs = tf.sum(cols.mul(y)).dataSync()[0];
    const rhs = tf.sum(x.mul(back)).dataSync()[0];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3);
    // and im2col itself picks the right pixels: patch (1, 2) of item 1, tap (2, 1), channel 2
    const xv = x.dataSync();
    const cv = cols.dataSync();
    expect(cv[((1 * 4 + 1) * 3 + 2) * 27 + (2 * 3 + 1) * 3 + 2]).toBe(xv[((1 * H + 1 * 2 + 2) * W + 2 * 2 + 1) * C + 2]);
  });

  it('dropout keeps about 1 - rate, scales by 1/(1 - rate) and is deterministic in its seed', () => {
    const n = 200_001;
    const x = tf.ones([n]);
    const attrs = { rate: 0.25, seed: 1234 } as unknown as tf.NamedAttrMap;
    const a = (tf.engine().runKernel(DROPOUT, { x }, attrs) as tf.Tensor).dataSync();
    const b = (tf.engine().runKernel(DROPOUT, { x }, attrs) as tf.Tensor).dataSync();
    const c = (tf.engine().runKernel(DROPOUT, { x }, { rate: 0.25, seed: 99 } as unknown as tf.NamedAttrMap) as tf.Tensor).dataSync();
    let kept = 0;
    let differs = 0;
    let badScale = 0;
    let unstable = 0;
    const scale = Math.fround(1 / 0.75);
    for (let i = 0; i < n; i++) {
      if (a[i] !== 0) {
        kept++;
        if (a[i] !== scale) badScale++;
      }
      if (a[i] !== b[i]) unstable++;
      if ((a[i] === 0) !== (c[i] === 0)) differs++;
    }
    expect(badScale).toBe(0);
    expect(unstable).toBe(0);
    expect(Math.abs(kept / n - 0.75)).toBeLessThan(0.005);
    expect(differs).toBeGreaterThan(n * 0.2);
  });

  it('the ReLU gradient kernel masks by y > 0 and sums the bias gradient', () => {
    const dy = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const y = tf.tensor2d([0, 1, 2, 0, 0.5, 0], [3, 2]);
    const [g, db] = tf.engine().runKernel(RELU_GRAD, { dy, y }) as tf.Tensor[];
    expect(Array.from(g.dataSync())).toEqual([0, 2, 3, 0, 5, 0]);
    expect(Array.from(db.dataSync())).toEqual([8, 2]);
  });
});
