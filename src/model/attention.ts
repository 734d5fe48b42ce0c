import * as tf from '@tensorflow/tfjs';
import { dropout, linear, sinusoids, type Ctx } from './layers.js';
import { batchMatMul } from './matmul.js';

/**
 * Multi-head self-attention with optional Transformer-XL relative positions (as in ESPnet's / NeMo's
 * RelPositionMultiHeadAttention). Scores are computed in a [heads, B, T, T] layout so every matMul is a plain
 * batched 3-D product (tfjs's BatchMatMul gradient does not reduce broadcast batch axes).
 */

export interface AttentionSetup {
  heads: number;
  /** Additive bias [1, B, 1 | T, T] (0 = allowed, -1e9 = masked); see masks.ts. */
  bias: tf.Tensor4D;
  dropoutRate: number;
  attentionDropoutRate: number;
}

/**
 * Relative position encodings for T frames: rows are relative positions T-1, T-2, ..., 0, ..., -(T-1),
 * i.e. row m encodes position (T-1-m). [2T-1, d].
 */
export function relativePositions(frames: number, d: number): tf.Tensor2D {
  const pos = new Float32Array(2 * frames - 1);
  for (let m = 0; m < pos.length; m++) pos[m] = frames - 1 - m;
  return tf.tensor2d(sinusoids(pos, d), [pos.length, d]);
}

/**
 * Turns scores against relative positions into scores against keys: x [N, T, 2T-1] (column m = relative
 * position T-1-m) -> [N, T, T] with out[n, i, j] = x[n, i, T-1-i+j] (relative position i-j). Pad-reshape-slice,
 * as in Transformer-XL, so it differentiates with cheap ops.
 */
export function relShift(x: tf.Tensor3D): tf.Tensor3D {
  const [N, T, P] = x.shape; // P = 2T-1
  const padded = x.pad([
    [0, 0],
    [0, 0],
    [1, 0],
  ]); // [N, T, 2T]
  const folded = padded.reshape([N, P + 1, T]).slice([0, 1, 0], [N, P, T]); // [N, 2T-1, T]
  return folded.reshape([N, T, P]).slice([0, 0, 0], [N, T, T]) as tf.Tensor3D;
}

/**
 * x [B, T, d] (already normalised) -> [B, T, d]: packed QKV projection, scaled dot products (plus relative
 * position terms when `posEmb` [2T-1, d] is given), masked softmax over keys, weighted values, output
 * projection. Attention dropout on the weights and dropout on the output in training.
 */
export function selfAttention(ctx: Ctx, name: string, x: tf.Tensor3D, setup: AttentionSetup, posEmb: tf.Tensor2D | null): tf.Tensor3D {
  const [B, T, d] = x.shape;
  const H = setup.heads;
  const dh = d / H;
  const qkv = linear(ctx, `${name}.qkv`, x).reshape([B, T, 3, H, dh]).transpose([2, 3, 0, 1, 4]); // [3, H, B, T, dh]
  const [q0, k, v] = tf.unstack(qkv, 0) as tf.Tensor4D[]; // each [H, B, T, dh]
  const scale = 1 / Math.sqrt(dh);
  const kT = k.reshape([H * B, T, dh]).transpose([0, 2, 1]) as tf.Tensor3D; // [H*B, dh, T]
  let scores: tf.Tensor;
  if (posEmb !== null) {
    const u = ctx.p(`${name}.pos_bias_u`).reshape([H, 1, 1, dh]);
    const vb = ctx.p(`${name}.pos_bias_v`).reshape([H, 1, 1, dh]);
    const P = posEmb.shape[0];
    const p = linear(ctx, `${name}.pos`, posEmb, 'linear', false).reshape([P, H, dh]).transpose([1, 0, 2]) as tf.Tensor3D; // [H, P, dh]
    const qu = q0.add(u).mul(scale).reshape([H * B, T, dh]) as tf.Tensor3D;
    const ac = batchMatMul(qu, kT); // [H*B, T, T]
    const qv = q0.add(vb).mul(scale).reshape([H, B * T, dh]) as tf.Tensor3D;
    const bdFull = batchMatMul(qv, p.transpose([0, 2, 1])).reshape([H * B, T, P]); // [H*B, T, 2T-1]
    scores = ac.add(relShift(bdFull as tf.Tensor3D));
  } else {
    scores = batchMatMul(q0.mul(scale).reshape([H * B, T, dh]) as tf.Tensor3D, kT);
  }
  const weights = dropout(ctx, tf.softmax(scores.reshape([H, B, T, T]).add(setup.bias)), setup.attentionDropoutRate);
  const ctxv = batchMatMul(weights.reshape([H * B, T, T]) as tf.Tensor3D, v.reshape([H * B, T, dh]) as tf.Tensor3D); // [H*B, T, dh]
  const merged = ctxv.reshape([H, B, T, dh]).transpose([1, 2, 0, 3]).reshape([B, T, d]);
  return dropout(ctx, linear(ctx, `${name}.out`, merged), setup.dropoutRate) as tf.Tensor3D;
}
