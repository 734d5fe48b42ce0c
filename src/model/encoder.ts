import * as tf from '@tensorflow/tfjs';
import { selfAttention, type AttentionSetup } from './attention.js';
import { subsamplingLayers, type ModelConfig } from './config.js';
import { conv2d, depthwiseConv1d } from './conv.js';
import { batchNorm, dropout, feedForward, layerNorm, linear, silu, type Ctx } from './layers.js';

/** Everything a block needs besides its input: masks and positional embeddings for this batch. */
export interface BlockInputs {
  /** [B, T, 1], 1 for real frames. */
  frameMask: tf.Tensor3D;
  attention: AttentionSetup;
  /** [2T-1, d] relative position encodings (posEnc 'rel') or null. */
  posEmb: tf.Tensor2D | null;
}

/**
 * Conv2d subsampling: features [B, T, F] -> [B, T', dModel]. Each layer is a valid k x k Conv2d with stride s
 * over (time, frequency) and ReLU; the result [B, T', F', C] is flattened to [B, T', F' * C] (rows of
 * `subsampling.out.weight` are ordered frequency-major, channel-minor) and projected to dModel.
 */
export function subsample(ctx: Ctx, c: ModelConfig, x: tf.Tensor3D): tf.Tensor3D {
  const [B] = x.shape;
  if (c.subsampling.type === 'none') {
    return c.inputDim === c.dModel ? x : (linear(ctx, 'subsampling.proj', x) as tf.Tensor3D);
  }
  let h = x.expandDims(-1) as tf.Tensor4D; // [B, T, F, 1]
  subsamplingLayers(c.subsampling.factor).forEach(([, s], i) => {
    h = conv2d(h, ctx.p(`subsampling.conv${i + 1}.weight`) as tf.Tensor4D, ctx.p(`subsampling.conv${i + 1}.bias`) as tf.Tensor1D, s, true);
  });
  const [, T2, F2, C] = h.shape;
  return linear(ctx, 'subsampling.out', h.reshape([B, T2, F2 * C])) as tf.Tensor3D;
}

/**
 * Conformer convolution module on x [B, T, d] (returns the residual branch, [B, T, d]): LayerNorm, pointwise
 * d->2d, GLU (first half value, second half gate), [zero padded frames], depthwise conv (same or causal
 * padding), BatchNorm or LayerNorm, SiLU, pointwise d->d, dropout.
 */
function convModule(ctx: Ctx, c: ModelConfig, name: string, x: tf.Tensor3D, mask: tf.Tensor3D): tf.Tensor3D {
  const [B, T, d] = x.shape;
  const h = linear(ctx, `${name}.pointwise1`, layerNorm(ctx, `${name}.norm`, x, c.layerNormEps)); // [B, T, 2d]
  const [value, gate] = tf.split(h, 2, -1);
  let g = value.mul(gate.sigmoid()) as tf.Tensor3D;
  if (c.maskConvPadding) g = g.mul(mask);
  const K = c.convKernel;
  const [padLeft, padRight] = c.causalConv ? [K - 1, 0] : [(K - 1) / 2, (K - 1) / 2];
  let y = depthwiseConv1d(g, ctx.p(`${name}.depthwise.weight`) as tf.Tensor2D, ctx.p(`${name}.depthwise.bias`) as tf.Tensor1D, padLeft, padRight);
  y = c.convNorm === 'batchnorm' ? batchNorm(ctx, `${name}.bn`, y, mask, c.batchNormEps) : (layerNorm(ctx, `${name}.ln`, y, c.layerNormEps) as tf.Tensor3D);
  const out = linear(ctx, `${name}.pointwise2`, silu(y));
  return dropout(ctx, out, c.dropout).reshape([B, T, d]) as tf.Tensor3D;
}

/**
 * One Conformer block (as torchaudio's ConformerLayer with convolution_first=False):
 * x + 1/2 FFN(x) -> + MHSA(LN(x)) -> + Conv(x) -> + 1/2 FFN(x) -> LayerNorm. Traces are reported under
 * `layer{i}.after_ffn1_half_residual`, `.after_mhsa_residual`, `.after_conv_residual`,
 * `.after_ffn2_half_residual`, `.after_final_layer_norm`.
 */
export function conformerBlock(ctx: Ctx, c: ModelConfig, i: number, x: tf.Tensor3D, inputs: BlockInputs): tf.Tensor3D {
  const p = `encoder.layers.${i}`;
  const trace = (what: string, t: tf.Tensor): void => ctx.trace?.(`layer${i}.${what}`, t);
  let h = x.add(feedForward(ctx, `${p}.ffn1`, x, c.ffnActivation, c.dropout, c.layerNormEps).mul(0.5)) as tf.Tensor3D;
  trace('after_ffn1_half_residual', h);
  const a = layerNorm(ctx, `${p}.attn.norm`, h, c.layerNormEps) as tf.Tensor3D;
  h = h.add(selfAttention(ctx, `${p}.attn`, a, inputs.attention, inputs.posEmb));
  trace('after_mhsa_residual', h);
  h = h.add(convModule(ctx, c, `${p}.conv`, h, inputs.frameMask));
  trace('after_conv_residual', h);
  h = h.add(feedForward(ctx, `${p}.ffn2`, h, c.ffnActivation, c.dropout, c.layerNormEps).mul(0.5));
  trace('after_ffn2_half_residual', h);
  h = layerNorm(ctx, `${p}.final_norm`, h, c.layerNormEps) as tf.Tensor3D;
  trace('after_final_layer_norm', h);
  return h;
}

/** One pre-norm Transformer block: x + MHSA(LN(x)), then + FFN(x) (the FFN has its own LayerNorm). */
export function transformerBlock(ctx: Ctx, c: ModelConfig, i: number, x: tf.Tensor3D, inputs: BlockInputs): tf.Tensor3D {
  const p = `encoder.layers.${i}`;
  const a = layerNorm(ctx, `${p}.attn.norm`, x, c.layerNormEps) as tf.Tensor3D;
  let h = x.add(selfAttention(ctx, `${p}.attn`, a, inputs.attention, inputs.posEmb)) as tf.Tensor3D;
  ctx.trace?.(`layer${i}.after_mhsa_residual`, h);
  h = h.add(feedForward(ctx, `${p}.ffn`, h, c.ffnActivation, c.dropout, c.layerNormEps));
  ctx.trace?.(`layer${i}.after_ffn_residual`, h);
  return h;
}
