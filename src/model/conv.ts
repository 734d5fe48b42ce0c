import * as tf from '@tensorflow/tfjs';
import {
  COL2IM,
  DWCONV1D,
  DWCONV1D_FILTER_GRAD,
  DWCONV1D_INPUT_GRAD,
  IM2COL,
  registerFastKernels,
  type DwConv1dAttrs,
  type Im2ColAttrs,
} from '../backend/kernels.js';
import { dense } from './matmul.js';

/**
 * Convolutions with gradients on every backend. Native tfjs convolutions are used where the active backend
 * registers their gradient kernels (TensorFlow, cpu); elsewhere (wasm: no Conv2DBackpropFilter, no depthwise
 * backprop, and a slow Conv2DBackpropInput) we use our own kernels: im2col + matMul for the strided 2-D
 * convolutions, direct loops for the depthwise 1-D convolution.
 */

export type ConvImplementation = 'auto' | 'native' | 'kernels';

let forced: ConvImplementation = 'auto';

/** Forces one implementation (tests compare both); 'auto' picks per backend. */
export function setConvImplementation(impl: ConvImplementation): void {
  forced = impl;
}

function hasKernels(names: string[]): boolean {
  const backend = tf.getBackend();
  return names.every((n) => tf.getKernel(n, backend) !== undefined);
}

function useNative(gradKernels: string[]): boolean {
  if (forced !== 'auto') return forced === 'native';
  return hasKernels(gradKernels);
}

function ensureKernels(): void {
  if (tf.getKernel(IM2COL, tf.getBackend()) === undefined) registerFastKernels();
  if (tf.getKernel(IM2COL, tf.getBackend()) === undefined) {
    throw new Error(`backend ${tf.getBackend()} has neither native convolution gradients nor asr-ts kernels`);
  }
}

/** im2col as a differentiable op: x [B, H, W, C] -> [B, Ho, Wo, kh*kw*C] (valid, strided). */
function im2col(x: tf.Tensor4D, kh: number, kw: number, sh: number, sw: number): tf.Tensor4D {
  const attrs: Im2ColAttrs = { kh, kw, sh, sw, h: x.shape[1], w: x.shape[2] };
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const value = tf.engine().runKernel(IM2COL, { x: args[0] as tf.Tensor }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const gradFunc = (dy: tf.Tensor4D) => tf.engine().runKernel(COL2IM, { cols: dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return { value, gradFunc };
  });
  return f(x) as tf.Tensor4D;
}

/**
 * Valid (unpadded) strided 2-D convolution + bias, optionally ReLU: x [B, H, W, Cin], w [kh, kw, Cin, Cout],
 * b [Cout] -> [B, Ho, Wo, Cout] with Ho = floor((H - kh) / stride) + 1.
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: number, relu: boolean): tf.Tensor4D {
  if (useNative([tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput])) {
    return tf.fused.conv2d({ x, filter: w, strides: stride, pad: 'valid', bias: b, activation: relu ? 'relu' : 'linear' });
  }
  ensureKernels();
  const [kh, kw, cin, cout] = w.shape;
  return tf.tidy(() => {
    const cols = im2col(x, kh, kw, stride, stride);
    const [B, Ho, Wo] = cols.shape;
    const y = dense(cols.reshape([B * Ho * Wo, kh * kw * cin]), w.reshape([kh * kw * cin, cout]), b, relu ? 'relu' : 'linear');
    return y.reshape([B, Ho, Wo, cout]);
  });
}

/**
 * Depthwise convolution over time: y[b, t, c] = bias[c] + sum_k x[b, t + k - padLeft, c] * w[k, c], zero
 * outside the sequence. x [B, T, C], w [K, C], bias [C] -> [B, T + padLeft + padRight - K + 1, C].
 */
export function depthwiseConv1d(x: tf.Tensor3D, w: tf.Tensor2D, bias: tf.Tensor1D, padLeft: number, padRight: number): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const K = w.shape[0];
  if (useNative([tf.DepthwiseConv2dNativeBackpropFilter, tf.DepthwiseConv2dNativeBackpropInput])) {
    return tf.tidy(() => {
      const y = tf.depthwiseConv2d(x.reshape([B, T, 1, C]) as tf.Tensor4D, w.reshape([K, 1, C, 1]) as tf.Tensor4D, 1, [
        [0, 0],
        [padLeft, padRight],
        [0, 0],
        [0, 0],
      ]);
      return y.reshape([B, y.shape[1], C]).add(bias) as tf.Tensor3D;
    });
  }
  ensureKernels();
  const attrs: DwConv1dAttrs = { padLeft, padRight, t: T, k: K };
  const a = attrs as unknown as tf.NamedAttrMap;
  // wasm has a fast (XNNPACK) forward depthwise kernel but no gradients: use it for the forward pass and, with
  // the filter reversed in time, for the input gradient; the filter gradient is our kernel.
  const nativeForward = tf.getKernel(tf.DepthwiseConv2dNative, tf.getBackend()) !== undefined && forced !== 'kernels';
  const conv = (v: tf.Tensor, filt: tf.Tensor, pl: number, pr: number, t: number): tf.Tensor => {
    if (!nativeForward) {
      const at = { padLeft: pl, padRight: pr, t, k: K } as unknown as tf.NamedAttrMap;
      return tf.engine().runKernel(DWCONV1D, { x: v, w: filt }, at) as tf.Tensor;
    }
    return tf.tidy(() => {
      const y = tf.depthwiseConv2d(v.reshape([B, t, 1, C]) as tf.Tensor4D, filt.reshape([K, 1, C, 1]) as tf.Tensor4D, 1, [
        [0, 0],
        [pl, pr],
        [0, 0],
        [0, 0],
      ]);
      return y.reshape([B, y.shape[1], C]);
    });
  };
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, wIn, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xIn, wIn]);
    const value = conv(xIn, wIn, padLeft, padRight, T) as tf.Tensor3D;
    const gradFunc = (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved;
      // dx[s] = sum_j dy[s + j - (K-1-padLeft)] * w[K-1-j]: the same convolution with the filter reversed
      const dx = nativeForward
        ? tf.tidy(() => conv(dy, ws.reverse(0), K - 1 - padLeft, K - 1 - padRight, dy.shape[1]))
        : (tf.engine().runKernel(DWCONV1D_INPUT_GRAD, { dy, w: ws }, a) as tf.Tensor);
      return [dx, tf.engine().runKernel(DWCONV1D_FILTER_GRAD, { x: xs, dy }, a) as tf.Tensor];
    };
    return { value, gradFunc };
  });
  return tf.tidy(() => (f(x, w) as tf.Tensor3D).add(bias));
}
