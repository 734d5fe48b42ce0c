import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { createModel, disposeModel, forward, modelConfig } from '../src/model/index.js';
import { fbank } from '../src/features/index.js';
import { greedyDecode, createTokenSet } from '../src/decode/index.js';
import { createStreamingRecognizer, endpointRule, recognizeStream, resolveEndpointConfig, type RecognitionEvent } from '../src/stream/index.js';
import { concat, detectorModel, DETECTOR_FEATURES, noise } from './helpers/stream-model.js';

const NONE = DETECTOR_FEATURES;

function feedInPieces(rec: { accept(x: Float32Array, r: number): void }, x: Float32Array, rate: number, piece: number): void {
  for (let i = 0; i < x.length; i += piece) rec.accept(x.subarray(i, i + piece), rate);
}

describe('streaming recognizer', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('endpoint rules fire as sherpa-onnx defines them', () => {
    const c = resolveEndpointConfig();
    expect(endpointRule(c, false, 2.3, 5)).toBe(0);
    expect(endpointRule(c, false, 2.4, 5)).toBe(1);
    expect(endpointRule(c, true, 1.1, 5)).toBe(0);
    expect(endpointRule(c, true, 1.2, 5)).toBe(2);
    expect(endpointRule(c, true, 0, 20)).toBe(3);
    expect(endpointRule(resolveEndpointConfig({ rule2: { minTrailingSilence: 0.5 } }), true, 0.5, 1)).toBe(2);
  });

  it('endpointing splits two utterances separated by silence, with start/end times', () => {
    const { model, tokens } = detectorModel();
    const rate = 16000;
    const audio = concat([new Float32Array(rate * 0.5), noise(1, rate, 1), new Float32Array(rate * 2), noise(0.8, rate, 2), new Float32Array(rate * 0.4)]);
    const rec = createStreamingRecognizer({ model, tokens, features: NONE, chunkMs: 160, decode: { mode: 'greedy' } });
    const finals: RecognitionEvent[] = [];
    const partials: RecognitionEvent[] = [];
    rec.on('final', (e) => finals.push(e));
    rec.on('partial', (e) => partials.push(e));
    feedInPieces(rec, audio, rate, 1234);
    // the first utterance ended on its own (rule 2) before the input ended
    expect(finals.length).toBe(1);
    expect(finals[0].rule).toBe(2);
    rec.finish();
    expect(finals.map((f) => f.text)).toEqual(['a', 'a']);
    expect(finals[0].start).toBeCloseTo(0.5, 1);
    expect(finals[0].end).toBeCloseTo(1.5, 1);
    expect(finals[1].start).toBeCloseTo(3.5, 1);
    expect(finals[1].end).toBeCloseTo(4.3, 1);
    expect(finals[1].rule).toBe(0);
    expect(partials.some((p) => p.text === 'a')).toBe(true);
    rec.dispose();
    disposeModel(model);
  });

  it('beam search with resampled 8 kHz input, through the async iterator', async () => {
    const { model, tokens } = detectorModel();
    const rate = 8000;
    const audio = concat([noise(0.6, rate, 3), new Float32Array(rate * 1.5), noise(0.6, rate, 4)]);
    const rec = createStreamingRecognizer({ model, tokens, features: NONE, chunkMs: 320, decode: { beamWidth: 4 } });
    async function* source(): AsyncGenerator<Float32Array> {
      for (let i = 0; i < audio.length; i += 800) yield audio.subarray(i, i + 800);
    }
    const events: RecognitionEvent[] = [];
    for await (const e of recognizeStream(rec, source(), rate)) events.push(e);
    expect(events.filter((e) => e.type === 'final').map((e) => e.text)).toEqual(['a', 'a']);
    // the iterator form on the recognizer itself
    rec.reset();
    const it = rec.events();
    feedInPieces(rec, audio, rate, 4000);
    rec.finish();
    const again: RecognitionEvent[] = [];
    for await (const e of it) again.push(e);
    expect(again.filter((e) => e.type === 'final').map((e) => e.text)).toEqual(['a', 'a']);
    rec.dispose();
    disposeModel(model);
  });

  it('greedy streaming on a random Conformer equals greedy decoding of forward() with the same chunks', () => {
    const config = modelConfig({
      inputDim: 16, subsampling: { type: 'conv2d', factor: 4, channels: 8 }, dModel: 24, numLayers: 2, numHeads: 3, ffnDim: 40, convKernel: 5,
      causalConv: true, vocabSize: 7, dropout: 0, attentionDropout: 0,
    });
    const model = createModel(config, 11);
    const tokens = ['<blk>', '|', 'a', 'b', 'c', 'd', 'e'];
    const audio = noise(2.3, 16000, 5);
    const features = { type: 'fbank' as const, options: { numMelBins: 16 }, normalize: 'none' as const };
    const rec = createStreamingRecognizer({ model, tokens, features, chunkMs: 200, leftChunks: 2, decode: { mode: 'greedy' }, endpoint: false });
    const finals: RecognitionEvent[] = [];
    rec.on('final', (e) => finals.push(e));
    feedInPieces(rec, audio, 16000, 2000);
    rec.finish();
    const feats = fbank(audio, { numMelBins: 16, dither: 0 });
    const lp = tf.tidy(() => {
      const out = forward(model, tf.tensor3d(feats.data, [1, feats.numFrames, 16]), [feats.numFrames], { chunks: { chunkSize: 5, leftChunks: 2 } });
      return tf.logSoftmax(out.logits, -1).dataSync() as Float32Array;
    });
    const ref = greedyDecode(lp, lp.length / 7, createTokenSet(tokens), 0.04);
    expect(ref.hypotheses[0].text.length).toBeGreaterThan(0);
    expect(finals.map((f) => f.text).join(' ')).toBe(ref.hypotheses[0].text);
    rec.dispose();
    disposeModel(model);
  });

  it('holds a constant number of tensors over a long stream', () => {
    const { model, tokens } = detectorModel();
    const rec = createStreamingRecognizer({ model, tokens, features: NONE, chunkMs: 160 });
    const block = concat([noise(0.5, 16000, 6), new Float32Array(16000 * 1.5)]);
    const counts: number[] = [];
    for (let i = 0; i < 30; i++) {
      feedInPieces(rec, block, 16000, 1600);
      if (i >= 5) counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    rec.dispose();
    disposeModel(model);
  });
});
