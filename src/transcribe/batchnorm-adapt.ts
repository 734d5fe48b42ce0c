import * as tf from '@tensorflow/tfjs';
import type { FeatureMatrix } from '../features/matrix.js';
import { addBatchNormSums, adaptedModel, assertHasBatchNorm, emptyBatchNormMoments, forward, type AcousticModel, type BatchNormMoments } from '../model/index.js';
import { paddedBatch, segmentFeatures } from './acoustic.js';
import type { Recognizer } from './recognizer.js';
import { filePieces } from './speaker-cmvn.js';

/**
 * Speaker-level BatchNorm statistics at inference ("AdaBN"). The Conformer's convolution modules normalise with
 * running statistics averaged over the training corpus; on a speaker (or channel) far from that corpus, the
 * activations' statistics differ, and every later layer sees shifted inputs. Re-estimating each BatchNorm layer's
 * mean and variance on the speaker's own unlabelled audio (no transcripts, no gradient) removes that shift, much as
 * speaker CMVN does for the input features. Measured on the shipped digits model: FSDD (real speakers) gains a
 * fifth of its errors; clean synthetic voices, which are close to the training corpus, lose a little (see
 * recipes/digits/README.md), so it is opt-in.
 */

/** Fails unless the recognizer's model has BatchNorm layers. */
export function assertBatchNormAdaptable(r: Recognizer): void {
  assertHasBatchNorm(r.model, r.dir);
}

/**
 * Adds one batch of feature matrices (each `[frames, inputDim]`, normalised as the model expects) to `acc`: a
 * forward pass with BatchNorm on batch statistics and dropout off (no RNG), whose per-layer batch mean and variance
 * are pooled over the real frames. Every tensor is freed before returning.
 */
export function addBatchNormMoments(model: AcousticModel, feats: FeatureMatrix[], acc: BatchNormMoments): BatchNormMoments {
  if (feats.length === 0) return acc;
  const { batch, lengths, T } = paddedBatch(model, feats);
  const D = model.config.inputDim;
  let frames = 0;
  let updates: { name: string; mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
  tf.tidy(() => {
    // [B, T, inputDim] in; the updates are kept tensors (BatchNorm keeps them for the optimizer), freed below
    const out = forward(model, tf.tensor3d(batch, [feats.length, T, D]), lengths, { training: true });
    frames = out.outputLengths.reduce((a, b) => a + b, 0);
    updates = out.batchNormUpdates;
  });
  try {
    for (const u of updates) {
      const mean = u.mean.dataSync();
      // BatchNorm records the unbiased variance (as PyTorch's running statistics); back to the biased one
      const unbiased = u.variance.dataSync();
      const biased = frames > 1 ? (frames - 1) / frames : 1;
      addBatchNormSums(
        acc,
        u.name,
        Array.from(mean, (m) => frames * m),
        Array.from(mean, (m, i) => frames * (unbiased[i] * biased + m * m)),
      );
    }
  } finally {
    for (const u of updates) {
      u.mean.dispose();
      u.variance.dispose();
    }
  }
  acc.frames += frames;
  return acc;
}

export interface BatchNormViewOptions {
  /** Files are measured in pieces of at most this many seconds (default 20), so memory stays bounded. */
  pieceSeconds?: number;
  /** Padded feature frames per forward pass (default 12000). */
  maxBatchFrames?: number;
  /**
   * Below this much audio (seconds) the statistics are too noisy to help and `r` is returned unchanged (default
   * 10; on FSDD, statistics from 5 one-word clips of a speaker, about 3 s, added errors, 10 clips helped).
   */
  minSeconds?: number;
  /** Called after each file. */
  onFile?: () => void;
}

export interface BatchNormView {
  /** `r` with the adapted model, or `r` itself when too little audio could be measured. */
  recognizer: Recognizer;
  /** Seconds of audio the statistics were measured on. */
  seconds: number;
  adapted: boolean;
}

/**
 * `r` with BatchNorm statistics measured on the files at `paths` (one speaker), through `r`'s own features (so a
 * speaker-CMVN view is measured as it will be recognised). A file that cannot be read is skipped here: the
 * transcription pass reports it.
 */
export async function batchNormView(r: Recognizer, paths: string[], opts: BatchNormViewOptions = {}): Promise<BatchNormView> {
  assertBatchNormAdaptable(r);
  const maxBatchFrames = opts.maxBatchFrames ?? 12000;
  const acc = emptyBatchNormMoments();
  let batch: FeatureMatrix[] = [];
  let longest = 0;
  const flush = (): void => {
    addBatchNormMoments(r.model, batch, acc);
    batch = [];
    longest = 0;
  };
  for (const path of paths) {
    try {
      for await (const piece of filePieces(path, r.sampleRate, opts.pieceSeconds ?? 20)) {
        const f = segmentFeatures(piece, r.features);
        acc.seconds += piece.length / r.sampleRate;
        if (batch.length > 0 && (batch.length + 1) * Math.max(longest, f.numFrames) > maxBatchFrames) flush();
        batch.push(f);
        longest = Math.max(longest, f.numFrames);
      }
    } catch {
      // reported when it is transcribed
    }
    opts.onFile?.();
  }
  flush();
  if (acc.seconds < (opts.minSeconds ?? 10) || acc.frames < 1) return { recognizer: r, seconds: acc.seconds, adapted: false };
  return { recognizer: { ...r, model: adaptedModel(r.model, acc) }, seconds: acc.seconds, adapted: true };
}
