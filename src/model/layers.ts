import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../util/random.js';
import { DROPOUT } from '../backend/kernels.js';
import { dense } from './matmul.js';

/**
 * Building blocks on batch-major activations [B, T, D]. They look parameters up by name in a {@link Ctx}; the
 * forward pass is plain tfjs ops, so the same code runs (and differentiates) on every backend.
 */

/** Running-statistics update from one training forward pass, applied after the optimizer step. */
export interface BatchNormUpdate {
  /** Parameter prefix, e.g. `encoder.layers.3.conv.bn`. */
  name: string;
  /** Batch mean [C] and unbiased batch variance [C]; kept tensors, disposed when applied. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export interface Ctx {
  /** A parameter by name (throws when missing). */
  p(name: string): tf.Tensor;
  training: boolean;
  /** Source of dropout masks in training. */
  rng: Rng | null;
  /** BatchNorm statistics collected in training. */
  bnUpdates: BatchNormUpdate[];
  /**
   * Training only: a group index per batch item (0 .. G-1); BatchNorm then normalises each item by its group's
   * statistics within the batch (src/train/group-batchnorm.ts). null: the whole batch's.
   */
  bnGroups: Int32Array | null;
  trace: ((name: string, t: tf.Tensor) => void) | null;
}

/** x [..., in] @ W [in, out] + b -> [..., out], optionally ReLU (fused where the backend has it). */
export function linear(ctx: Ctx, name: string, x: tf.Tensor, activation: 'linear' | 'relu' = 'linear', bias = true): tf.Tensor {
  const w = ctx.p(`${name}.weight`) as tf.Tensor2D;
  const inDim = w.shape[0];
  const outDim = w.shape[1];
  const lead = x.shape.slice(0, -1);
  const x2 = x.reshape([-1, inDim]) as tf.Tensor2D;
  const y = dense(x2, w, bias ? (ctx.p(`${name}.bias`) as tf.Tensor1D) : null, activation);
  return y.reshape([...lead, outDim]);
}

/** LayerNorm over the last axis (biased variance), then gain and bias. */
export function layerNorm(ctx: Ctx, name: string, x: tf.Tensor, eps: number): tf.Tensor {
  const mean = x.mean(-1, true);
  const xc = x.sub(mean);
  const variance = xc.square().mean(-1, true);
  return xc.mul(variance.add(eps).rsqrt()).mul(ctx.p(`${name}.weight`)).add(ctx.p(`${name}.bias`));
}

/** x * sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return x.mul(x.sigmoid());
}

/**
 * Inverted dropout, identity outside training or at rate 0. The mask is drawn from a seed taken from the
 * context's RNG; where our dropout kernel exists (wasm, cpu) it is generated in place and regenerated for the
 * gradient, so no mask tensor is stored.
 */
export function dropout(ctx: Ctx, x: tf.Tensor, rate: number): tf.Tensor {
  if (!ctx.training || rate <= 0 || ctx.rng === null) return x;
  const seed = Math.floor(ctx.rng.uniform() * 4294967296);
  if (tf.getKernel(DROPOUT, tf.getBackend()) !== undefined) {
    const attrs = { rate, seed } as unknown as tf.NamedAttrMap;
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
      value: tf.engine().runKernel(DROPOUT, { x: args[0] as tf.Tensor }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(DROPOUT, { x: dy }, attrs) as tf.Tensor,
    }));
    return f(x);
  }
  const n = x.size;
  const mask = new Float32Array(n);
  const keep = 1 / (1 - rate);
  const rng = createRng(seed);
  for (let i = 0; i < n; i++) mask[i] = rng.uniform() < rate ? 0 : keep;
  return x.mul(tf.tensor(mask, x.shape));
}

/**
 * BatchNorm over the channel (last) axis of x [B, T, C]. Training: statistics of the real frames only (`mask`
 * [B, T, 1], 1 = real), biased variance to normalise, and an update of the running statistics recorded in ctx.
 * Inference: the running statistics.
 */
export function batchNorm(ctx: Ctx, name: string, x: tf.Tensor3D, mask: tf.Tensor3D, eps: number): tf.Tensor3D {
  const g = ctx.p(`${name}.weight`);
  const b = ctx.p(`${name}.bias`);
  if (!ctx.training) {
    const scale = ctx.p(`${name}.running_var`).add(eps).rsqrt().mul(g);
    const shift = b.sub(ctx.p(`${name}.running_mean`).mul(scale));
    return x.mul(scale).add(shift);
  }
  if (ctx.bnGroups !== null) return groupBatchNorm(ctx, name, x, mask, eps, ctx.bnGroups);
  const count = mask.sum();
  const mean = x.mul(mask).sum([0, 1]).div(count) as tf.Tensor1D;
  const xc = x.sub(mean);
  const variance = xc.mul(mask).square().sum([0, 1]).div(count) as tf.Tensor1D;
  const y = xc.mul(variance.add(eps).rsqrt()).mul(g).add(b) as tf.Tensor3D;
  // running statistics use the unbiased variance, as PyTorch does
  const unbiased = variance.mul(count.div(count.sub(1).maximum(1))) as tf.Tensor1D;
  ctx.bnUpdates.push({ name, mean: tf.keep(mean.clone()), variance: tf.keep(unbiased.clone()) });
  return y;
}

/**
 * Training BatchNorm with statistics per group of items: item b is normalised by the mean and biased variance of
 * the real frames of the items of its group (`groups[b]`). The running statistics get the batch mean and the
 * pooled within-group variance (unbiased: frames less groups), which is what adapted inference, one speaker's
 * statistics at a time, averages to.
 */
function groupBatchNorm(ctx: Ctx, name: string, x: tf.Tensor3D, mask: tf.Tensor3D, eps: number, groups: Int32Array): tf.Tensor3D {
  const [B, , C] = x.shape;
  if (groups.length !== B) throw new Error(`${groups.length} BatchNorm groups for a batch of ${B}`);
  const G = Math.max(...groups) + 1;
  const assign = new Float32Array(G * B);
  groups.forEach((k, b) => { assign[k * B + b] = 1; });
  const member = tf.tensor2d(assign, [G, B]); // [G, B] one-hot: item b in group k
  const memberT = member.transpose(); // [B, G]
  const frames = member.matMul(mask.sum(1) as tf.Tensor2D).maximum(1); // [G, 1]
  const sums = member.matMul(x.mul(mask).sum(1) as tf.Tensor2D); // [G, C]
  const itemMean = memberT.matMul(sums.div(frames)).reshape([B, 1, C]); // [B, 1, C]
  const xc = x.sub(itemMean);
  const squares = member.matMul(xc.mul(mask).square().sum(1) as tf.Tensor2D); // [G, C]
  const itemVar = memberT.matMul(squares.div(frames)).reshape([B, 1, C]);
  const y = xc.mul(itemVar.add(eps).rsqrt()).mul(ctx.p(`${name}.weight`)).add(ctx.p(`${name}.bias`)) as tf.Tensor3D;
  const count = frames.sum();
  const mean = sums.sum(0).div(count) as tf.Tensor1D;
  const pooled = squares.sum(0).div(count.sub(G).maximum(1)) as tf.Tensor1D;
  ctx.bnUpdates.push({ name, mean: tf.keep(mean.clone()), variance: tf.keep(pooled.clone()) });
  return y;
}

/** Position-wise feed-forward: (LayerNorm) -> Linear d->ffn -> activation -> dropout -> Linear ffn->d -> dropout. */
export function feedForward(
  ctx: Ctx,
  name: string,
  x: tf.Tensor,
  activation: 'silu' | 'relu',
  dropoutRate: number,
  eps: number,
): tf.Tensor {
  const h0 = layerNorm(ctx, `${name}.norm`, x, eps);
  const h1 = activation === 'relu' ? linear(ctx, `${name}.linear1`, h0, 'relu') : silu(linear(ctx, `${name}.linear1`, h0));
  const h2 = linear(ctx, `${name}.linear2`, dropout(ctx, h1, dropoutRate));
  return dropout(ctx, h2, dropoutRate);
}

/** Sinusoidal encodings of the given positions: [positions.length, d], sin in even columns, cos in odd. */
export function sinusoids(positions: ArrayLike<number>, d: number): Float32Array {
  const out = new Float32Array(positions.length * d);
  for (let i = 0; i < d / 2; i++) {
    const freq = Math.exp((-Math.log(10000) * 2 * i) / d);
    for (let n = 0; n < positions.length; n++) {
      const a = positions[n] * freq;
      out[n * d + 2 * i] = Math.sin(a);
      out[n * d + 2 * i + 1] = Math.cos(a);
    }
  }
  return out;
}
