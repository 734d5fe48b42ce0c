import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { createModel, disposeModel, emptyBatchNormMoments, modelConfig, type AcousticModel } from '../src/model/index.js';
import { createStreamingEncoder } from '../src/model/streaming.js';
import { createStreamingRecognizer, type RecognitionEvent } from '../src/stream/index.js';
import { concat, noise } from './helpers/stream-model.js';

// Online BatchNorm statistics in streaming (asr stream --adapt-bn): the encoder adds each chunk's BatchNorm inputs
// to the moments, and the recognizer switches to them once it has heard enough.

const FEATURES = { type: 'fbank' as const, options: { numMelBins: 8 }, normalize: 'none' as const };
const TOKENS = ['<blk>', '|', 'a', 'b', 'c'];

function bnModel(convNorm: 'batchnorm' | 'layernorm' = 'batchnorm'): AcousticModel {
  const m = createModel(
    modelConfig({
      inputDim: 8, subsampling: { type: 'conv2d', factor: 4, channels: 4 }, dModel: 8, numLayers: 2, numHeads: 2, ffnDim: 16, convKernel: 3,
      causalConv: true, vocabSize: TOKENS.length, convNorm, dropout: 0, attentionDropout: 0,
    }),
    4,
  );
  // blank and the word delimiter never win, so every frame shows a letter that depends on the activations
  (m.params.get('ctc_head.bias') as tf.Variable).assign(tf.tensor1d([-100, -100, 0, 0, 0]));
  return m;
}

/** Finals of one stream, with the words' confidences (which move with any change of the posteriors). */
function run(rec: ReturnType<typeof createStreamingRecognizer>, audio: Float32Array): string[] {
  const finals: RecognitionEvent[] = [];
  const on = (e: RecognitionEvent): void => void finals.push(e);
  rec.on('final', on);
  for (let i = 0; i < audio.length; i += 1600) rec.accept(audio.subarray(i, i + 1600), 16000);
  rec.finish();
  rec.removeListener('final', on);
  return finals.map((f) => `${f.text}|${(f.words ?? []).map((w) => w.confidence.toFixed(5)).join(',')}`);
}

describe('streaming BatchNorm adaptation', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('the encoder counts every chunk once: the moments do not depend on how the features arrive', () => {
    const m = bnModel();
    const T = 203;
    const feats = Float32Array.from({ length: T * 8 }, (_, i) => Math.sin(i * 0.37) * 2 + (i % 8));
    const moments = (piece: number) => {
      const acc = emptyBatchNormMoments();
      const enc = createStreamingEncoder(m, { chunkSize: 4, leftChunks: 2, batchNormMoments: acc });
      for (let t = 0; t < T; t += piece) {
        const n = Math.min(piece, T - t);
        enc.accept(feats.subarray(t * 8, (t + n) * 8), n);
      }
      enc.flush();
      const framesOut = enc.framesOut;
      enc.dispose();
      return { acc, framesOut };
    };
    const a = moments(T);
    const b = moments(7);
    expect(a.acc.frames).toBe(a.framesOut);
    expect(b.acc.frames).toBe(a.acc.frames);
    expect([...a.acc.layers.keys()].sort()).toEqual(['encoder.layers.0.conv.bn', 'encoder.layers.1.conv.bn']);
    for (const [name, l] of a.acc.layers) {
      const o = b.acc.layers.get(name);
      for (let i = 0; i < l.sum.length; i++) {
        expect(o?.sum[i]).toBeCloseTo(l.sum[i], 2);
        expect(o?.sumSq[i]).toBeCloseTo(l.sumSq[i], 1);
      }
    }
    disposeModel(m);
  });

  it('changes nothing before adaptMinSeconds of speech, changes the results after it, starts over on reset, leaks nothing', () => {
    const m = bnModel();
    const audio = concat([noise(3, 16000, 1), noise(3, 16000, 2).map((x) => 3 * x + 0.05)]);
    const opts = { model: m, tokens: TOKENS, features: FEATURES, chunkMs: 160, decode: { mode: 'greedy' as const }, endpoint: false as const, utteranceGate: false, emitEmptyFinals: true };
    const start = tf.memory().numTensors;
    const plainRec = createStreamingRecognizer(opts);
    const plain = run(plainRec, audio);
    plainRec.dispose();
    const late = createStreamingRecognizer({ ...opts, adaptBn: true, adaptMinSeconds: 60 });
    expect(run(late, audio)).toEqual(plain);
    late.dispose();
    const early = createStreamingRecognizer({ ...opts, adaptBn: true, adaptMinSeconds: 1 });
    const adapted = run(early, audio);
    expect(adapted).not.toEqual(plain);
    early.reset();
    expect(run(early, audio)).toEqual(adapted);
    early.dispose();
    expect(tf.memory().numTensors).toBe(start);
    // the shared model's own statistics are untouched
    const again = createStreamingRecognizer(opts);
    expect(run(again, audio)).toEqual(plain);
    again.dispose();
    disposeModel(m);
  });

  it('refuses a model without BatchNorm', () => {
    const m = bnModel('layernorm');
    expect(() => createStreamingRecognizer({ model: m, tokens: TOKENS, features: FEATURES, adaptBn: true })).toThrow(/--adapt-bn needs a model with BatchNorm layers/);
    disposeModel(m);
  });
});
