import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { REFERENCE_DIR, hasShared, readJson, readBin, maxAbsDiff, type BinDescriptor } from './helpers/reference.js';
import { initBackend } from '../src/backend/index.js';
import { ctcLoss, ctcLossArrays, minFramesFor } from '../src/train/ctc.js';

const DIR = join(REFERENCE_DIR, 'ctc');

interface CtcCase {
  case: string;
  batch: number;
  max_frames: number;
  vocab: number;
  logits: BinDescriptor;
  input_lengths: number[];
  targets: number[][];
  min_frames_needed: number[];
  feasible: boolean[];
  loss: (number | null)[];
  loss_zero_infinity_true: number[];
  loss_mean_reduction_over_feasible: number;
  grad_logits: BinDescriptor;
}

const cases = hasShared ? readJson<{ cases: string[] }>(join(DIR, 'index.json')).cases : [];

function load(name: string): { c: CtcCase; logits: Float32Array; grad: Float32Array; shape: [number, number, number] } {
  const json = join(DIR, `${name}.json`);
  const c = readJson<CtcCase>(json);
  return { c, logits: readBin(json, c.logits).data, grad: readBin(json, c.grad_logits).data, shape: [c.batch, c.max_frames, c.vocab] };
}

/** The README's float32 gradient tolerances, by case. */
function gradTolerance(name: string): number {
  if (name === 'long_t300_peaky_v30') return 5e-3;
  if (name === 'long_t300_v30' || name === 'large_logits_v30') return 1e-3;
  return 1e-4;
}

describe.skipIf(!hasShared)('CTC against torch.nn.functional.ctc_loss (shared/reference/ctc)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  it('covers the cases the README lists', () => {
    expect(cases.length).toBe(15);
  });

  for (const name of cases) {
    describe(name, () => {
      it('float64 core: losses (rel 1e-5 + abs 1e-4), +Infinity when infeasible, gradients abs 1e-6', () => {
        const { c, logits, grad, shape } = load(name);
        const r = ctcLossArrays(logits, shape, c.targets, c.input_lengths, { withGrad: true });
        c.targets.forEach((t, b) => expect(minFramesFor(t)).toBe(c.min_frames_needed[b]));
        const sumGrad = new Float32Array(grad.length);
        const [, T, V] = shape;
        for (let b = 0; b < c.batch; b++) {
          const ref = c.loss[b];
          if (ref === null) {
            expect(c.feasible[b]).toBe(false);
            expect(r.losses[b]).toBe(Infinity);
            continue;
          }
          expect(Math.abs(r.losses[b] - ref)).toBeLessThanOrEqual(1e-5 * Math.abs(ref) + 1e-4);
          for (let i = b * T * V; i < (b + 1) * T * V; i++) sumGrad[i] += (r.grad as Float32Array)[i];
        }
        expect(maxAbsDiff(sumGrad, grad)).toBeLessThan(1e-6);
      });

      it('tfjs op: zeroInfinity, mean reduction and gradient through tf.grad', () => {
        const { c, logits, grad, shape } = load(name);
        const x = tf.tensor3d(logits, shape);
        const none = ctcLoss(x, c.targets, c.input_lengths, { reduction: 'none', zeroInfinity: true });
        const zi = none.dataSync();
        c.loss_zero_infinity_true.forEach((ref, b) => expect(Math.abs(zi[b] - ref)).toBeLessThanOrEqual(1e-4 * Math.abs(ref) + 1e-4));
        const plain = ctcLoss(x, c.targets, c.input_lengths, { reduction: 'none' }).dataSync();
        c.loss.forEach((ref, b) => (ref === null ? expect(plain[b]).toBe(Infinity) : expect(Number.isFinite(plain[b])).toBe(true)));
        // torch's 'mean' over the feasible items only, as the reference states it
        const keep = c.feasible.map((f, b) => (f ? b : -1)).filter((b) => b >= 0);
        const sub = tf.gather(x, keep);
        const mean = ctcLoss(sub as tf.Tensor3D, keep.map((b) => c.targets[b]), keep.map((b) => c.input_lengths[b])).dataSync()[0];
        const refMean = c.loss_mean_reduction_over_feasible;
        expect(Math.abs(mean - refMean)).toBeLessThanOrEqual(1e-4 * Math.abs(refMean) + 1e-5);
        const g = tf.grad((l: tf.Tensor) => ctcLoss(l as tf.Tensor3D, c.targets, c.input_lengths, { reduction: 'sum', zeroInfinity: true }))(x);
        expect(maxAbsDiff(g.dataSync(), grad)).toBeLessThan(gradTolerance(name));
        tf.dispose([x, none, sub, g]);
      });
    });
  }
});

describe('CTC properties (no reference files needed)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  it('equals a brute-force sum over all alignments on a tiny case', () => {
    const T = 4;
    const V = 3;
    const logits = Float32Array.from({ length: T * V }, (_, i) => Math.sin(i * 1.7) * 2);
    const target = [1, 1];
    // enumerate every frame labelling, collapse (merge repeats, drop blanks), sum the matching probabilities
    const lp: number[][] = [];
    for (let t = 0; t < T; t++) {
      const row = Array.from(logits.subarray(t * V, (t + 1) * V));
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      lp.push(row.map((v) => v - lse));
    }
    let total = 0;
    for (let code = 0; code < V ** T; code++) {
      const path: number[] = [];
      let c = code;
      for (let t = 0; t < T; t++) {
        path.push(c % V);
        c = Math.floor(c / V);
      }
      const out: number[] = [];
      path.forEach((p, t) => {
        if (p !== 0 && (t === 0 || path[t - 1] !== p)) out.push(p);
      });
      if (out.length === 2 && out[0] === 1 && out[1] === 1) total += Math.exp(path.reduce((a, p, t) => a + lp[t][p], 0));
    }
    const r = ctcLossArrays(logits, [1, T, V], [target], [T]);
    expect(Math.abs(r.losses[0] + Math.log(total))).toBeLessThan(1e-10);
  });

  it('gradient matches central finite differences of the float64 loss', () => {
    const T = 7;
    const V = 5;
    const logits = Float32Array.from({ length: T * V }, (_, i) => Math.cos(i * 0.9) * 1.5);
    const target = [2, 3, 3];
    const r = ctcLossArrays(logits, [1, T, V], [target], [T], { withGrad: true });
    const h = 1e-2;
    for (const i of [0, 6, 13, 20, 34]) {
      const up = Float32Array.from(logits);
      const dn = Float32Array.from(logits);
      up[i] += h;
      dn[i] -= h;
      const fd = (ctcLossArrays(up, [1, T, V], [target], [T]).losses[0] - ctcLossArrays(dn, [1, T, V], [target], [T]).losses[0]) / (2 * h);
      expect(Math.abs(fd - (r.grad as Float32Array)[i])).toBeLessThan(1e-3);
    }
  });

  it('rejects blank labels and lengths beyond the frames', () => {
    const x = new Float32Array(2 * 3 * 4);
    expect(() => ctcLossArrays(x, [2, 3, 4], [[1], [0]], [3, 3])).toThrow(/label 0/);
    expect(() => ctcLossArrays(x, [2, 3, 4], [[1], [2]], [3, 4])).toThrow(/input length 4/);
  });
});

describe('zeroInfinity zeroes only infinite losses', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  it('an infeasible item gives 0, an item with NaN logits stays NaN', () => {
    // item 0: 2 frames for 3 distinct labels (infeasible); item 1: feasible but its logits hold a NaN
    const data = new Float32Array(2 * 4 * 5).map((_, i) => Math.sin(i));
    data[1 * 4 * 5 + 7] = Number.NaN;
    const logits = tf.tensor3d(data, [2, 4, 5]);
    const loss = ctcLoss(logits, [[1, 2, 3], [1, 2]], [2, 4], { reduction: 'none', zeroInfinity: true });
    const v = loss.dataSync();
    expect(v[0]).toBe(0);
    expect(Number.isNaN(v[1])).toBe(true);
    tf.dispose([logits, loss]);
  });
});
