import * as tf from '@tensorflow/tfjs';
import { createFeatureExtractor } from '../features/extractor.js';
import { concatFrames, type FeatureMatrix } from '../features/matrix.js';
import { forward, logProbs, minInputFrames, outputLength, type AcousticModel } from '../model/index.js';
import { featureSampleRate, normalizeFeatures, type FeatureConfig } from '../features/config-file.js';
import { padEdges } from '../features/edge-pad.js';

/** Frame log-posteriors of one segment: `data` is `[frames, vocab]`, natural log. */
export interface SegmentPosteriors {
  data: Float32Array;
  frames: number;
  vocab: number;
}

/**
 * Input features of a segment (16 kHz mono floats in [-1, 1)), normalised as the model was trained; with the
 * config's edge padding, when it has one (the features then start `edgePadSeconds(config)` before the samples).
 */
export function segmentFeatures(samples: Float32Array | Float64Array, config: FeatureConfig): FeatureMatrix {
  // dither off: inference must be deterministic
  const ex = createFeatureExtractor(config.type, { ...config.options, dither: 0, subtractMean: false });
  const input = config.edgePad && config.edgePad.seconds > 0 ? padEdges(samples, featureSampleRate(config), config.edgePad) : samples;
  const m = concatFrames([ex.accept(input), ex.flush()], ex.dim);
  normalizeFeatures(m, config);
  return m;
}

/**
 * Feature matrices as one zero-padded batch `[B, T, inputDim]` (flat), with each item's length; items shorter than
 * the model's receptive field count as that long (their padding is zeros) so they still give one output frame.
 */
export function paddedBatch(model: AcousticModel, feats: FeatureMatrix[]): { batch: Float32Array; lengths: number[]; T: number } {
  const D = model.config.inputDim;
  const minT = minInputFrames(model.config);
  const lengths = feats.map((m) => Math.max(m.numFrames, minT));
  const T = Math.max(...lengths);
  const batch = new Float32Array(feats.length * T * D);
  feats.forEach((m, b) => {
    if (m.dim !== D) throw new Error(`features have dimension ${m.dim}, the model expects ${D}`);
    batch.set(m.data, b * T * D);
  });
  return { batch, lengths, T };
}

/**
 * Runs the model on a batch of feature matrices (padded to the longest) and returns each item's log-posteriors.
 * Items shorter than the model's receptive field are padded with their last frame (or zeros) so they still give
 * one output frame. All tensors are freed before returning.
 */
export function posteriorsOf(model: AcousticModel, feats: FeatureMatrix[]): SegmentPosteriors[] {
  if (feats.length === 0) return [];
  const c = model.config;
  const { batch, lengths, T } = paddedBatch(model, feats);
  const D = c.inputDim;
  const vocab = c.vocabSize;
  let outLens: Int32Array = new Int32Array(0);
  const lp = tf.tidy(() => {
    const out = forward(model, tf.tensor3d(batch, [feats.length, T, D]), lengths);
    outLens = out.outputLengths;
    return logProbs(out.logits);
  });
  const T2 = lp.shape[1];
  let data: Float32Array;
  try {
    data = lp.dataSync() as Float32Array;
  } finally {
    lp.dispose();
  }
  return feats.map((_, b) => {
    const frames = Math.min(outLens[b], outputLength(c, lengths[b]));
    return { data: data.slice(b * T2 * vocab, (b * T2 + frames) * vocab), frames, vocab };
  });
}

/** Seconds of padding before a segment's samples in its features: subtracted from the decoder's word times. */
export function edgePadSeconds(config: FeatureConfig): number {
  if (!config.edgePad) return 0;
  const rate = featureSampleRate(config);
  return Math.round(config.edgePad.seconds * rate) / rate;
}
