import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/random.js';
import { relativePositions } from './attention.js';
import { minInputFrames, outputLength, type ModelConfig } from './config.js';
import { checkpointed } from './checkpoint.js';
import { conformerBlock, subsample, transformerBlock, type BlockInputs } from './encoder.js';
import { dropout, layerNorm, linear, sinusoids, type BatchNormUpdate, type Ctx } from './layers.js';
import { attentionBias, frameMask, type ChunkOptions } from './masks.js';
import { countParameters, initialValues, makeVariables, parameterSpecs, type ParamSpec } from './params.js';

/** A CTC acoustic model: its config and its parameters as tfjs variables (see params.ts for names/layouts). */
export interface AcousticModel {
  config: ModelConfig;
  specs: ParamSpec[];
  params: Map<string, tf.Variable>;
}

/** A model with freshly initialised parameters (deterministic for a seed). */
export function createModel(config: ModelConfig, seed = 1): AcousticModel {
  const specs = parameterSpecs(config);
  return { config, specs, params: makeVariables(specs, initialValues(specs, seed)) };
}

/** A model holding the given values (every spec name must be present with the right size). */
export function modelFromValues(config: ModelConfig, values: Map<string, Float32Array>): AcousticModel {
  const specs = parameterSpecs(config);
  for (const s of specs) {
    const v = values.get(s.name);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (v === undefined) throw new Error(`missing parameter ${s.name}`);
    if (v.length !== n) throw new Error(`parameter ${s.name}: ${v.length} values, shape [${s.shape.join(', ')}] needs ${n}`);
  }
  return { config, specs, params: makeVariables(specs, values) };
}

/** Frees the model's variables. */
export function disposeModel(model: AcousticModel): void {
  for (const v of model.params.values()) v.dispose();
  model.params.clear();
}

/** The variables an optimizer should update (BatchNorm running statistics excluded). */
export function trainableVariables(model: AcousticModel): tf.Variable[] {
  return model.specs.filter((s) => s.trainable).map((s) => model.params.get(s.name) as tf.Variable);
}

/** Trainable parameter count. */
export function parameterCount(model: AcousticModel): number {
  return countParameters(model.specs);
}

/** Current parameter values (a copy), keyed by name, in spec order. */
export function parameterValues(model: AcousticModel): Map<string, Float32Array> {
  return new Map(model.specs.map((s) => [s.name, (model.params.get(s.name) as tf.Variable).dataSync() as Float32Array]));
}

export interface ForwardOptions {
  /** Dropout on and BatchNorm on batch statistics (updates returned). Default false. */
  training?: boolean;
  /** Dropout masks come from here (required for dropout in training; none without it). */
  rng?: Rng;
  /** Chunked attention (streaming-style): each frame sees its chunk and `leftChunks` chunks before it. */
  chunks?: ChunkOptions;
  /** Receives intermediate activations by name (e.g. `layer0.after_mhsa_residual`); read them synchronously. */
  trace?: (name: string, t: tf.Tensor) => void;
  /** Also return the encoder states after these many blocks (1-based), e.g. for an intermediate CTC loss. */
  intermediateLayers?: number[];
  /**
   * Gradient checkpointing: keep only each encoder block's input for backprop and recompute the block in the
   * backward pass (about a third more compute in the blocks, a fraction of the memory). Use it for large batches
   * on wasm (4 GB heap).
   */
  checkpoint?: boolean;
  /**
   * Training only: a group index per item [B]; BatchNorm normalises each item by the statistics of its group within
   * the batch (group BatchNorm, src/train/group-batchnorm.ts) instead of the whole batch's.
   */
  batchNormGroups?: Int32Array;
}

export interface ForwardResult {
  /** [B, T', vocab] unnormalised scores; CTC (src/train/ctc.ts) takes these. */
  logits: tf.Tensor3D;
  /** [B, T', dModel] encoder output. */
  encoderOut: tf.Tensor3D;
  /** Valid output frames per item: {@link outputLength} of each input length. */
  outputLengths: Int32Array;
  /** Encoder states [B, T', dModel] after the layers asked for in `intermediateLayers`, in that order. */
  intermediates: tf.Tensor3D[];
  /** Training only: BatchNorm statistics to pass to {@link applyBatchNormUpdates} after the step. */
  batchNormUpdates: BatchNormUpdate[];
}

function makeCtx(model: AcousticModel, opts: ForwardOptions, updates: BatchNormUpdate[]): Ctx {
  return {
    p: (name) => {
      const v = model.params.get(name);
      if (v === undefined) throw new Error(`model has no parameter ${name}`);
      return v;
    },
    training: opts.training === true,
    rng: opts.rng ?? null,
    bnUpdates: updates,
    bnGroups: opts.training === true ? opts.batchNormGroups ?? null : null,
    trace: opts.trace ?? null,
  };
}

/**
 * Runs the model: features [B, T, inputDim] with per-item valid lengths (frames) -> logits [B, T', vocab] and
 * output lengths. Frames past an item's length may hold anything: they are masked out of attention (as keys),
 * of the convolution module (unless `maskConvPadding` is false) and of BatchNorm statistics. The caller owns
 * the returned tensors (dispose them, or call inside tf.tidy).
 */
export function forward(model: AcousticModel, features: tf.Tensor3D, lengths: ArrayLike<number>, opts: ForwardOptions = {}): ForwardResult {
  const c = model.config;
  const [B, T, F] = features.shape;
  if (F !== c.inputDim) throw new Error(`features have dimension ${F}, the model expects ${c.inputDim}`);
  if (lengths.length !== B) throw new Error(`${lengths.length} lengths for a batch of ${B}`);
  if (T < minInputFrames(c)) throw new Error(`${T} frames is too short: the model needs at least ${minInputFrames(c)}`);
  const outLens = Int32Array.from({ length: B }, (_, b) => outputLength(c, Math.min(T, lengths[b])));
  const updates: BatchNormUpdate[] = [];
  const ctx = makeCtx(model, opts, updates);
  const wanted = new Set(opts.intermediateLayers ?? []);
  for (const n of wanted) {
    if (!Number.isInteger(n) || n < 1 || n > c.numLayers) throw new Error(`intermediate layer ${n} is not in 1..${c.numLayers}`);
  }
  const checkpoint = opts.checkpoint === true && ctx.training;
  const trainableUnder = (prefix: string): string[] => model.specs.filter((s) => s.trainable && s.name.startsWith(prefix)).map((s) => s.name);
  const out = tf.tidy(() => {
    // the subsampling is not checkpointed: recomputing its large convolutions costs more than keeping them
    let h = subsample(ctx, c, features);
    const T2 = h.shape[1];
    if (c.posEnc === 'abs') {
      const pos = Float32Array.from({ length: T2 }, (_, i) => i);
      h = h.add(tf.tensor2d(sinusoids(pos, c.dModel), [T2, c.dModel]));
    }
    h = dropout(ctx, h, c.dropout) as tf.Tensor3D;
    opts.trace?.('subsampling', h);
    const inputs: BlockInputs = {
      frameMask: frameMask(outLens, T2),
      attention: { heads: c.numHeads, bias: attentionBias(outLens, T2, opts.chunks), dropoutRate: c.dropout, attentionDropoutRate: c.attentionDropout },
      posEmb: c.posEnc === 'rel' ? relativePositions(T2, c.dModel) : null,
    };
    const intermediates: tf.Tensor3D[] = [];
    const byLayer = new Map<number, tf.Tensor3D>();
    for (let i = 0; i < c.numLayers; i++) {
      const consts = [inputs.frameMask, inputs.attention.bias, ...(inputs.posEmb === null ? [] : [inputs.posEmb])];
      const block = (cc: Ctx, xx: tf.Tensor, k: tf.Tensor[]): tf.Tensor3D => {
        const bi: BlockInputs = {
          frameMask: k[0] as tf.Tensor3D,
          attention: { ...inputs.attention, bias: k[1] as tf.Tensor4D },
          posEmb: inputs.posEmb === null ? null : (k[2] as tf.Tensor2D),
        };
        return c.block === 'conformer' ? conformerBlock(cc, c, i, xx as tf.Tensor3D, bi) : transformerBlock(cc, c, i, xx as tf.Tensor3D, bi);
      };
      h = checkpoint ? (checkpointed(ctx, trainableUnder(`encoder.layers.${i}.`), h, consts, block) as tf.Tensor3D) : block(ctx, h, consts);
      if (wanted.has(i + 1)) byLayer.set(i + 1, h);
    }
    if (c.block === 'transformer' && c.numLayers > 0) h = layerNorm(ctx, 'encoder.final_norm', h, c.layerNormEps) as tf.Tensor3D;
    for (const n of opts.intermediateLayers ?? []) intermediates.push(byLayer.get(n) as tf.Tensor3D);
    const logits = linear(ctx, 'ctc_head', h) as tf.Tensor3D;
    return { logits, encoderOut: h, intermediates };
  });
  return { ...out, outputLengths: outLens, batchNormUpdates: updates };
}

/** Log-probabilities over the vocabulary: log_softmax(logits) along the last axis, [B, T', vocab]. */
export function logProbs(logits: tf.Tensor3D): tf.Tensor3D {
  return tf.logSoftmax(logits, -1);
}

/**
 * Folds BatchNorm batch statistics into the running statistics (running = (1 - m) running + m batch, m =
 * `batchNormMomentum`, PyTorch's convention) and disposes the update tensors.
 */
export function applyBatchNormUpdates(model: AcousticModel, updates: BatchNormUpdate[]): void {
  const m = model.config.batchNormMomentum;
  tf.tidy(() => {
    for (const u of updates) {
      const rm = model.params.get(`${u.name}.running_mean`) as tf.Variable;
      const rv = model.params.get(`${u.name}.running_var`) as tf.Variable;
      rm.assign(rm.mul(1 - m).add(u.mean.mul(m)));
      rv.assign(rv.mul(1 - m).add(u.variance.mul(m)));
    }
  });
  for (const u of updates) {
    u.mean.dispose();
    u.variance.dispose();
  }
}
