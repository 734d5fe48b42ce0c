import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import {
  createModel,
  createStreamingEncoder,
  disposeModel,
  forward,
  modelConfig,
  type AcousticModel,
  type ModelConfigInput,
} from '../src/model/index.js';
import { createRng } from '../src/util/random.js';
import { maxAbsDiff } from './helpers/reference.js';
import { TINY as TINY_MODEL } from './helpers/tiny-model.js';

const TINY: ModelConfigInput = { ...TINY_MODEL, causalConv: true };

function features(T: number, F: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: T * F }, () => rng.normal());
}

/** forward() over the whole utterance with the chunk mask: [T', vocab]. */
function offline(model: AcousticModel, x: Float32Array, T: number, chunkSize: number, leftChunks: number): Float32Array {
  return tf.tidy(() => {
    const out = forward(model, tf.tensor3d(x, [1, T, model.config.inputDim]), [T], { chunks: { chunkSize, leftChunks } });
    return Float32Array.from(out.logits.dataSync());
  });
}

/** The streaming encoder fed pieces of random sizes (1..maxPiece frames), then flushed. */
function streamed(model: AcousticModel, x: Float32Array, T: number, chunkSize: number, leftChunks: number, seed: number, maxPiece = 13): Float32Array {
  const F = model.config.inputDim;
  const enc = createStreamingEncoder(model, { chunkSize, leftChunks });
  const rng = createRng(seed);
  const parts: Float32Array[] = [];
  let t = 0;
  while (t < T) {
    const n = Math.min(T - t, 1 + Math.floor(rng.uniform() * maxPiece));
    const r = enc.accept(x.slice(t * F, (t + n) * F), n);
    parts.push(r.data);
    t += n;
  }
  parts.push(enc.flush().data);
  enc.dispose();
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('streaming encoder', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  const variants: [string, ModelConfigInput][] = [
    ['conformer, rel positions, 4x', {}],
    ['conformer, abs positions, 6x, layernorm conv', { posEnc: 'abs', subsampling: { type: 'conv2d', factor: 6, channels: 8 }, convNorm: 'layernorm' }],
    ['transformer, rel positions, 8x', { block: 'transformer', subsampling: { type: 'conv2d', factor: 8, channels: 8 } }],
    ['conformer, no subsampling, no positions', { subsampling: { type: 'none' }, posEnc: 'none' }],
  ];
  for (const [label, over] of variants) {
    it(`${label}: equals forward() with the same chunks for several chunk sizes and left contexts`, () => {
      const model = createModel(modelConfig({ ...TINY, ...over }), 3);
      const T = over.subsampling?.type === 'none' ? 41 : 157;
      const x = features(T, 16, 7);
      let worst = 0;
      for (const [chunkSize, leftChunks] of [
        [1, 0],
        [2, 1],
        [3, 2],
        [4, -1],
        [5, 1],
        [16, 0],
      ] as const) {
        const a = offline(model, x, T, chunkSize, leftChunks);
        const b = streamed(model, x, T, chunkSize, leftChunks, chunkSize * 10 + leftChunks);
        expect(b.length, `chunk ${chunkSize} left ${leftChunks}`).toBe(a.length);
        const diff = maxAbsDiff(a, b);
        worst = Math.max(worst, diff);
        expect(diff, `chunk ${chunkSize} left ${leftChunks}`).toBeLessThan(1e-4);
      }
      expect(worst).toBeGreaterThanOrEqual(0);
      disposeModel(model);
    });
  }

  it('chunking changes the output (the test above is not vacuous)', () => {
    const model = createModel(modelConfig(TINY), 3);
    const T = 157;
    const x = features(T, 16, 7);
    const a = offline(model, x, T, 2, 0);
    const b = offline(model, x, T, 8, 2);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-3);
    disposeModel(model);
  });

  it('log-probabilities option and reset give a fresh stream', () => {
    const model = createModel(modelConfig(TINY), 4);
    const T = 60;
    const x = features(T, 16, 9);
    const enc = createStreamingEncoder(model, { chunkSize: 4, leftChunks: 2, logProbs: true });
    const run = (): Float32Array => {
      const a = enc.accept(x, T);
      const b = enc.flush();
      return Float32Array.from([...a.data, ...b.data]);
    };
    const first = run();
    enc.reset();
    const second = run();
    expect(maxAbsDiff(first, second)).toBe(0);
    const ref = tf.tidy(() => tf.logSoftmax(tf.tensor2d(offline(model, x, T, 4, 2), [first.length / 7, 7]), -1).dataSync());
    expect(maxAbsDiff(first, ref)).toBeLessThan(1e-4);
    expect(() => enc.accept(x, T)).toThrow(/after flush/);
    enc.dispose();
    disposeModel(model);
  });

  it('refuses a model with a centred convolution', () => {
    const model = createModel(modelConfig({ ...TINY, causalConv: false }), 3);
    expect(() => createStreamingEncoder(model, { chunkSize: 4, leftChunks: 1 })).toThrow(/^streaming: the model has a centred convolution \(causalConv false\)/);
    disposeModel(model);
  });

  it('holds a constant number of tensors over many chunks (no leak)', () => {
    const model = createModel(modelConfig(TINY), 5);
    const enc = createStreamingEncoder(model, { chunkSize: 4, leftChunks: 2 });
    // 16 feature frames = 4 encoder frames = one chunk per call at 4x: the same tensors are alive after every call
    const piece = features(16, 16, 11);
    const counts: number[] = [];
    for (let i = 0; i < 100; i++) {
      enc.accept(piece, 16);
      if (i >= 20 && i % 10 === 0) counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    enc.flush();
    enc.dispose();
    disposeModel(model);
  });
});
