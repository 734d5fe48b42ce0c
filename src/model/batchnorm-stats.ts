import * as tf from '@tensorflow/tfjs';
import { AsrError } from '../util/errors.js';
import type { AcousticModel } from './model.js';

/**
 * BatchNorm statistics measured on new audio, for re-estimating a model's running statistics at inference
 * (AdaBN; see src/transcribe/batchnorm-adapt.ts for why). The moments are pooled over frames: per layer the sum and
 * the sum of squares of the BatchNorm input, per channel, over `frames` real (unpadded) encoder frames.
 */
export interface BatchNormMoments {
  /** Encoder frames the moments were taken over (the same for every layer). */
  frames: number;
  /** Seconds of audio measured (without edge padding), where the caller knows it. */
  seconds: number;
  /** By layer prefix (`encoder.layers.3.conv.bn`): per-channel sums. */
  layers: Map<string, { sum: Float64Array; sumSq: Float64Array }>;
}

export function emptyBatchNormMoments(): BatchNormMoments {
  return { frames: 0, seconds: 0, layers: new Map() };
}

/** Adds per-channel sums of one layer's BatchNorm input (frames are counted by the caller, once per batch). */
export function addBatchNormSums(acc: BatchNormMoments, name: string, sum: ArrayLike<number>, sumSq: ArrayLike<number>): void {
  let layer = acc.layers.get(name);
  if (!layer) {
    layer = { sum: new Float64Array(sum.length), sumSq: new Float64Array(sum.length) };
    acc.layers.set(name, layer);
  }
  for (let i = 0; i < sum.length; i++) {
    layer.sum[i] += sum[i];
    layer.sumSq[i] += sumSq[i];
  }
}

/** True when the model has BatchNorm layers whose statistics can be re-estimated. */
export function hasBatchNorm(model: AcousticModel): boolean {
  return model.specs.some((s) => s.name.endsWith('.running_mean'));
}

/** Fails, naming `where` (the model directory), unless the model has BatchNorm layers. */
export function assertHasBatchNorm(model: AcousticModel, where: string): void {
  if (!hasBatchNorm(model)) {
    const c = model.config;
    throw new AsrError(`${where}: --adapt-bn needs a model with BatchNorm layers; its config.json has block ${JSON.stringify(c.block)} and convNorm ${JSON.stringify(c.convNorm)}`);
  }
}

/**
 * A model sharing every parameter of `model` except the BatchNorm running statistics, which are its own copies
 * (equal at first): {@link assignBatchNormStats} changes them without touching `model`. Free it with
 * {@link disposeAdaptedModel}.
 */
export function modelWithOwnBatchNorm(model: AcousticModel): AcousticModel {
  const params = new Map(model.params);
  for (const [name, v] of model.params) {
    if (name.endsWith('.running_mean') || name.endsWith('.running_var')) params.set(name, tf.variable(v, false));
  }
  return { config: model.config, specs: model.specs, params };
}

/**
 * Sets the running statistics of `model` (one from {@link modelWithOwnBatchNorm}) to the pooled moments of `acc`.
 * The variance is the biased one, which training-mode BatchNorm normalises with: the frames measured are the
 * speaker's whole population, not a sample of it.
 */
export function assignBatchNormStats(model: AcousticModel, acc: BatchNormMoments): void {
  if (acc.frames < 1) throw new Error('BatchNorm statistics need at least one frame');
  const n = acc.frames;
  for (const [name, { sum, sumSq }] of acc.layers) {
    const mean = Float32Array.from(sum, (s) => s / n);
    const variance = Float32Array.from(sumSq, (q, i) => Math.max(0, q / n - mean[i] * mean[i]));
    for (const [key, values] of [[`${name}.running_mean`, mean], [`${name}.running_var`, variance]] as const) {
      const v = model.params.get(key);
      if (v === undefined) throw new Error(`model has no parameter ${key}`);
      tf.tidy(() => v.assign(tf.tensor1d(values)));
    }
  }
}

/** A model with the BatchNorm statistics of `acc` and every other parameter shared with `model`. */
export function adaptedModel(model: AcousticModel, acc: BatchNormMoments): AcousticModel {
  const own = modelWithOwnBatchNorm(model);
  try {
    assignBatchNormStats(own, acc);
  } catch (e) {
    disposeAdaptedModel(own, model);
    throw e;
  }
  return own;
}

/** Frees the running statistics `adapted` does not share with `base`. */
export function disposeAdaptedModel(adapted: AcousticModel, base: AcousticModel): void {
  for (const [name, v] of adapted.params) if (base.params.get(name) !== v) v.dispose();
}
