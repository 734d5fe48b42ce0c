import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, disposeModel, modelConfig, saveModel, type AcousticModel } from '../../src/model/index.js';
import { createRng } from '../../src/util/random.js';

/**
 * A "detector" model for streaming tests: no encoder layers, features passed through, and a CTC head whose token
 * `a` scores the mean log-mel energy while the blank scores 0. Noise (a stand-in for speech) decodes as `a`,
 * digital silence as blank, so endpointing is testable without a trained model.
 */
export function detectorModel(): { model: AcousticModel; tokens: string[] } {
  const config = modelConfig({
    inputDim: 8, subsampling: { type: 'none' }, dModel: 8, numLayers: 0, numHeads: 1, posEnc: 'none', vocabSize: 3, causalConv: true, dropout: 0, attentionDropout: 0,
  });
  const model = createModel(config, 1);
  const w = new Float32Array(8 * 3);
  for (let i = 0; i < 8; i++) w[i * 3 + 2] = 1 / 8;
  (model.params.get('ctc_head.weight') as tf.Variable).assign(tf.tensor2d(w, [8, 3]));
  (model.params.get('ctc_head.bias') as tf.Variable).assign(tf.zeros([3]));
  return { model, tokens: ['<blk>', '|', 'a'] };
}

/** Raw features (no normalisation) with 8 mel bins: what detectorModel expects. */
export const DETECTOR_FEATURES = { type: 'fbank' as const, options: { numMelBins: 8 }, normalize: 'none' as const };

/** Writes the detector model as a model directory (with features.json). */
export async function writeDetectorModelDir(dir: string): Promise<void> {
  const { model, tokens } = detectorModel();
  await saveModel(dir, model, tokens);
  writeFileSync(join(dir, 'features.json'), JSON.stringify(DETECTOR_FEATURES));
  disposeModel(model);
}

export function noise(seconds: number, rate: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: Math.round(seconds * rate) }, () => 0.2 * (rng.uniform() - 0.5));
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Two noise bursts separated by 1.6 s of silence (two utterances under the default rules), ending on speech. */
export function twoUtterances(rate = 16000): Float32Array {
  return concat([new Float32Array(rate * 0.3), noise(0.8, rate, 1), new Float32Array(rate * 1.6), noise(0.6, rate, 2)]);
}

export function toS16le(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 2);
  for (let i = 0; i < x.length; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x[i] * 32768))), i * 2);
  return b;
}

export function wavBytes(x: Float32Array, rate: number): Buffer {
  const pcm = toS16le(x);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}
