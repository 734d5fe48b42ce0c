import * as tf from '@tensorflow/tfjs';
import type { FeatureMatrix } from '../features/matrix.js';
import { forward, type AcousticModel } from '../model/index.js';
import { paddedBatch, segmentFeatures } from './acoustic.js';
import type { Recognizer } from './recognizer.js';
import { readSpeakerAudio } from './speaker-cmvn.js';
import { bucketBatches } from '../train/batching.js';
import { createRng } from '../util/random.js';

/**
 * Unsupervised speaker adaptation by entropy minimisation at inference (TENT, Wang et al. 2021; for CTC, SUTA, Lin
 * et al. 2022). The model's normalisation layers (LayerNorm and BatchNorm scales and offsets: a few thousand of its
 * parameters) get copies of their own, trained for a fixed number of steps on one speaker's unlabelled audio to
 * make the model sure which word each of its spikes is (tokenEntropy). No transcript is used.
 *
 * Why: speaker CMVN and AdaBN (batchnorm-adapt.ts) move first and second moments only; a speaker whose consonants
 * the synthetic-trained model reads weakly needs the layers' scales changed, which the entropy gradient does.
 */

export interface EntropyAdaptOptions {
  /** Adam steps, each on one batch of the speaker's audio (default 50). */
  steps?: number;
  /** Adam learning rate (default 2e-3). */
  lr?: number;
  /** Padded feature frames per step (default 4000). */
  maxBatchFrames?: number;
  /** Files are read in pieces of at most this many seconds (default 20). */
  pieceSeconds?: number;
  /** At most this much of the speaker's audio is used (seconds, default 300): memory and time stay bounded. */
  maxSeconds?: number;
  /** Below this much audio the view is returned unchanged (seconds, default 10). */
  minSeconds?: number;
  /** Seed of the batch order. */
  seed?: number;
  /** Called after each file read. */
  onFile?: () => void;
}

/** Names of the parameters adapted: every normalisation layer's scale and offset. */
export function adaptableParameterNames(model: AcousticModel): string[] {
  return model.specs.filter((s) => s.trainable && /(^|\.)(norm|final_norm|bn)\.(weight|bias)$/.test(s.name)).map((s) => s.name);
}

/**
 * A model sharing every parameter of `model` except `names`, which are trainable copies (equal at first). Free it
 * with disposeAdaptedModel (it frees what the base does not share).
 */
export function modelWithOwnParameters(model: AcousticModel, names: string[]): AcousticModel {
  const params = new Map(model.params);
  for (const name of names) {
    const v = model.params.get(name);
    if (v === undefined) throw new Error(`model has no parameter ${name}`);
    params.set(name, tf.variable(v, true));
  }
  return { config: model.config, specs: model.specs, params };
}

/**
 * The loss minimised, a scalar: the entropy of each frame's posteriors renormalised over the non-blank tokens
 * (which word a spike is), averaged over the valid frames weighted by their probability of not being blank (a
 * constant, read back: no gradient flows through it). `logits` [B, T', vocab]; `lengths` the valid output frames per
 * item. It has no gradient with respect to the blank logit, so it sharpens the choice between words without pushing
 * frames into or out of blank.
 *
 * Why not plain entropy: measured on the reserved flite voices' digit strings (speaker CMVN, 50 steps), the entropy
 * of the full posteriors over every frame (TENT as published) made blank surer and words rarer (3.09 % -> 3.18 %,
 * 27 deletions), and over the frames whose best token is not blank it turned edge frames into words (38.20 %, 436
 * insertions); this one gave 1.46 %.
 */
export function tokenEntropy(logits: tf.Tensor3D, lengths: ArrayLike<number>, blank: number): tf.Scalar {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape;
    const p = tf.softmax(logits, -1).dataSync();
    const w = new Float32Array(B * T);
    let wSum = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Math.min(T, lengths[b]); t++) {
        const i = b * T + t;
        w[i] = 1 - p[i * V + blank];
        wSum += w[i];
      }
    }
    // blank pushed out of the softmax by a large negative offset (a gather's gradient has no WASM kernel)
    const offset = new Float32Array(V);
    offset[blank] = -1e4;
    const lp = tf.logSoftmax(tf.add(logits, tf.tensor1d(offset)), -1); // [B, T', V], blank's probability 0
    const ent = tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), -1)); // [B, T']
    return tf.div(tf.sum(tf.mul(ent, tf.tensor2d(w, [B, T]))), Math.max(wSum, 1e-6)) as tf.Scalar;
  });
}

export interface EntropyAdaptedView {
  recognizer: Recognizer;
  seconds: number;
  adapted: boolean;
  /** Mean tokenEntropy of the batches of the first and the last steps (each before its update). */
  entropyBefore: number;
  entropyAfter: number;
}

/**
 * Deterministic shuffle (xorshift), so a seeded adaptation repeats. Not train/batching.ts's shuffleInPlace: that one
 * draws a different order, and every figure for --adapt-entropy was measured with this one.
 */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * `r` with its normalisation layers adapted to the files at `paths` (one speaker) by entropy minimisation, through
 * `r`'s own features and BatchNorm statistics (so it composes with speaker CMVN and AdaBN views). Unreadable files
 * are skipped here: the recognition pass reports them.
 */
export async function entropyAdaptedView(r: Recognizer, paths: string[], opts: EntropyAdaptOptions = {}): Promise<EntropyAdaptedView> {
  const { pieces, seconds } = await readSpeakerAudio(paths, r.sampleRate, { maxSeconds: opts.maxSeconds ?? 300, pieceSeconds: opts.pieceSeconds, onFile: opts.onFile });
  const feats: FeatureMatrix[] = pieces.map((p) => segmentFeatures(p, r.features));
  if (seconds < (opts.minSeconds ?? 10) || feats.length === 0) return { recognizer: r, seconds, adapted: false, entropyBefore: NaN, entropyAfter: NaN };
  const names = adaptableParameterNames(r.model);
  const model = modelWithOwnParameters(r.model, names);
  const vars = names.map((n) => model.params.get(n) as tf.Variable);
  const optimizer = tf.train.adam(opts.lr ?? 2e-3);
  const D = model.config.inputDim;
  const blank = model.config.blank;
  // sorted by length, packed under the frame budget (unshuffled: the steps below draw their own order)
  const batches = bucketBatches(feats.map((f) => f.numFrames), opts.maxBatchFrames ?? 4000, createRng(1), { jitter: 0, shuffle: false }).map((idx) => idx.map((i) => feats[i]));
  const steps = opts.steps ?? 50;
  // a fixed number of steps, not passes: a speaker with an hour of audio drifts no further than one with a minute
  // (an earlier version that made whole passes reached 32.47 % on FSDD at lr 0.01, against 8.83 % at 0.001)
  const order: FeatureMatrix[][] = [];
  const losses: number[] = [];
  try {
    for (let k = 0; k < steps; k++) {
      if (order.length === 0) order.push(...shuffled(batches, (opts.seed ?? 1) + k));
      const b = order.pop() as FeatureMatrix[];
      const { batch, lengths, T } = paddedBatch(model, b);
      const loss = optimizer.minimize(() => {
        // [B, T, inputDim] -> logits [B, T', vocab]; inference mode: BatchNorm on its (possibly adapted) statistics
        const out = forward(model, tf.tensor3d(batch, [b.length, T, D]), lengths);
        return tokenEntropy(out.logits, out.outputLengths, blank);
      }, true, vars);
      if (loss) {
        losses.push((await loss.data())[0]);
        loss.dispose();
      }
    }
  } finally {
    optimizer.dispose();
  }
  // entropy of the first and last few steps' batches (each measured before its update)
  const k = Math.min(batches.length, Math.max(1, Math.floor(losses.length / 2)));
  const mean = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, x) => a + x, 0) / xs.length : NaN);
  return { recognizer: { ...r, model }, seconds, adapted: true, entropyBefore: mean(losses.slice(0, k)), entropyAfter: mean(losses.slice(-k)) };
}
