import * as tf from '@tensorflow/tfjs';
import { scorePairs } from '../eval/score.js';
import { minInputFrames } from '../model/config.js';
import { forward, type AcousticModel } from '../model/model.js';
import { bucketBatches, padBatch } from './batching.js';
import { ctcLoss } from './ctc.js';
import type { FeatureSource, Utterance } from './dataset.js';
import type { Tokenizer } from './tokenizer.js';
import { createRng } from '../util/random.js';

/**
 * Greedy CTC decoding of one item: argmax per frame, repeats merged, blanks dropped.
 * @param logits [T, V] row-major (log-probabilities or logits: argmax is the same)
 */
export function greedyIds(logits: Float32Array, frames: number, vocab: number, blank = 0): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let t = 0; t < frames; t++) {
    let best = 0;
    let bestV = -Infinity;
    for (let k = 0; k < vocab; k++) {
      const v = logits[t * vocab + k];
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    if (best !== prev && best !== blank) out.push(best);
    prev = best;
  }
  return out;
}

export interface ValidationResult {
  /** Mean over utterances of CTC loss / transcript length (the training loss's normalisation). */
  loss: number;
  /** Character error rate (spaces counted) and word error rate, as fractions (sclite rules for WER). */
  cer: number;
  wer: number;
  utterances: number;
  /** A few reference/hypothesis pairs, for the log. */
  examples: { ref: string; hyp: string }[];
}

/** Runs the model (inference mode) over a validation set in length-bucketed batches and scores greedy output. */
export async function validate(model: AcousticModel, set: Utterance[], source: FeatureSource, tokenizer: Tokenizer, maxFrames: number): Promise<ValidationResult> {
  const V = model.config.vocabSize;
  const batches = bucketBatches(set.map((u) => u.frames), maxFrames, createRng(0), { jitter: 0, shuffle: false });
  let lossSum = 0;
  let lossCount = 0;
  const pairs: { id: string; ref: string; hyp: string }[] = [];
  for (const idx of batches) {
    const utts = idx.map((i) => set[i]);
    const mats = [];
    for (const u of utts) mats.push(await source.features(u, null, null));
    const batch = padBatch(mats, minInputFrames(model.config));
    // tensors out of tidy, arrays read after it (tidy would walk a returned typed array element by element)
    let outLens: Int32Array = new Int32Array(0);
    const [lossT, logitsT] = tf.tidy(() => {
      const x = tf.tensor3d(batch.data, batch.shape);
      const out = forward(model, x, batch.lengths);
      outLens = out.outputLengths;
      return [ctcLoss(out.logits, utts.map((u) => u.targets), out.outputLengths, { reduction: 'none' }), out.logits];
    });
    const losses = lossT.dataSync();
    const logits = logitsT.dataSync() as Float32Array;
    const T2 = logitsT.shape[1] as number;
    tf.dispose([lossT, logitsT]);
    utts.forEach((u, b) => {
      if (Number.isFinite(losses[b])) {
        lossSum += losses[b] / Math.max(1, u.targets.length);
        lossCount++;
      }
      const ids = greedyIds(logits.subarray(b * T2 * V, (b + 1) * T2 * V), outLens[b], V, model.config.blank);
      pairs.push({ id: u.where, ref: tokenizer.decode(u.targets), hyp: tokenizer.decode(ids) });
    });
  }
  const w = scorePairs(pairs).totals;
  const c = scorePairs(pairs, { unit: 'char', keepSpaces: true, costs: 'unit', caseSensitive: true }).totals;
  return {
    loss: lossCount > 0 ? lossSum / lossCount : Number.NaN,
    cer: c.wer ?? 0,
    wer: w.wer ?? 0,
    utterances: pairs.length,
    examples: pairs.slice(0, 3).map(({ ref, hyp }) => ({ ref, hyp })),
  };
}
