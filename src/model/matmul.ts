import * as tf from '@tensorflow/tfjs';
import { BATCH_MATMUL, RELU_GRAD } from '../backend/kernels.js';

/**
 * Matrix products whose gradients are fast on every backend.
 *
 * On wasm, tfjs's BatchMatMul runs XNNPACK (multi-threaded SIMD) only for a single product with neither operand
 * transposed; transposed or batched products fall to a naive loop about 10x slower, and every matMul gradient
 * is a transposed product. So on wasm we transpose explicitly (cheap, linear in size) and multiply untransposed,
 * and batched products go through our AsrBatchMatMul kernel (XNNPACK per batch item). Other backends use
 * tfjs's own ops and gradients.
 */

function onWasm(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(BATCH_MATMUL, 'wasm') !== undefined;
}

/** [M, K] @ [K, N] via the fast path (plain tf.matMul on wasm is the XNNPACK case). */
function plain(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, b);
}

/**
 * d(a b)/db given dy: a^T dy. XNNPACK repacks its right operand on every call, and packing is about 3x dearer
 * per element than a transpose, so the larger of a [n, k] and dy [n, m] is transposed and the smaller packed:
 * a^T dy when m <= k, else (dy^T a)^T. (Measured on the 4x subsampling conv: 240 ms instead of 500 ms.)
 */
function weightGrad(a: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const k = a.shape[1];
  const m = dy.shape[1];
  if (m <= k) return plain(a.transpose(), dy);
  return plain(dy.transpose(), a).transpose();
}

/**
 * y = act(x W + bias): x [N, in], W [in, out], bias [out] (optional) -> [N, out], with 'linear' or 'relu'
 * activation. Fused on every backend; explicit-transpose gradients on wasm.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | null, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  if (!onWasm()) return tf.fused.matMul({ a: x, b: w, bias: bias ?? undefined, activation }) as tf.Tensor2D;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, wi] = args as [tf.Tensor2D, tf.Tensor2D];
    const bi = bias === null ? undefined : (args[2] as tf.Tensor1D);
    const value = tf.fused.matMul({ a: xi, b: wi, bias: bi, activation }) as tf.Tensor2D;
    save(activation === 'relu' ? [xi, wi, value] : [xi, wi]);
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ws, ys] = saved as tf.Tensor2D[];
      let g = dy;
      let db: tf.Tensor | null = null;
      if (activation === 'relu') [g, db] = tf.engine().runKernel(RELU_GRAD, { dy, y: ys }) as [tf.Tensor2D, tf.Tensor1D];
      const grads: tf.Tensor[] = [plain(g, ws.transpose()), weightGrad(xs, g)];
      if (bias !== null) grads.push(db ?? g.sum(0));
      else if (db !== null) db.dispose();
      return grads;
    };
    return { value, gradFunc };
  });
  return (bias === null ? f(x, w) : f(x, w, bias)) as tf.Tensor2D;
}

/** a [N, M, K] @ b [N, K, P] -> [N, M, P]. */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (!onWasm()) return tf.matMul(a, b);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [ai, bi, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([ai, bi]);
    const value = tf.engine().runKernel(BATCH_MATMUL, { a: ai, b: bi }) as tf.Tensor3D;
    const gradFunc = (dy: tf.Tensor3D, saved: tf.Tensor[]): tf.Tensor[] => {
      const [as, bs] = saved as tf.Tensor3D[];
      const mm = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.engine().runKernel(BATCH_MATMUL, { a: x, b: y }) as tf.Tensor;
      return [mm(dy, bs.transpose([0, 2, 1])), mm(as.transpose([0, 2, 1]), dy)];
    };
    return { value, gradFunc };
  });
  return f(a, b) as tf.Tensor3D;
}
