import * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { kernelArrays } from './arrays.js';

/**
 * Kernels we register with tfjs:
 *
 * 1. Replacements for the wasm backend's Slice, SplitV and Unpack. The stock ones `readSync` the whole input
 *    (a copy out of the heap) for every output; splitting one tensor in n copies it n times. Ours copy only the
 *    selected runs, from a heap view. Gradients of pad/concat/split all go through these.
 * 2. Convolution helpers that tfjs lacks on wasm (no Conv2DBackpropFilter, no depthwise backprop kernels):
 *    im2col / col2im for strided 2-D convolutions, and a depthwise 1-D convolution over time with its input and
 *    filter gradients. They are plain loops on typed arrays, registered for 'wasm' and 'cpu'.
 */

export const IM2COL = 'AsrIm2Col';
export const COL2IM = 'AsrCol2Im';
export const DWCONV1D = 'AsrDepthwiseConv1d';
export const DWCONV1D_INPUT_GRAD = 'AsrDepthwiseConv1dInputGrad';
export const DWCONV1D_FILTER_GRAD = 'AsrDepthwiseConv1dFilterGrad';
export const BATCH_MATMUL = 'AsrBatchMatMul';
export const RELU_GRAD = 'AsrReluGrad';
export const DROPOUT = 'AsrDropout';

/** Attributes of the dropout kernel: the mask is a pure function of (seed, element index), so the gradient
 * kernel regenerates it instead of storing it. */
export interface DropoutAttrs {
  rate: number;
  seed: number;
}

/** Attributes of the im2col pair: kernel and stride (no padding: pad the input first). */
export interface Im2ColAttrs {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Input height/width, needed by col2im to size its output. */
  h: number;
  w: number;
}

/** Attributes of the depthwise 1-D convolution: zero padding before and after the time axis. */
export interface DwConv1dAttrs {
  padLeft: number;
  padRight: number;
  /** Input length (input gradient) or kernel size (filter gradient). */
  t: number;
  k: number;
}

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  attrs: Record<string, unknown>;
  backend: unknown;
}

/** Adapts a kernel written against required inputs/attrs to tfjs's looser KernelFunc signature. */
function kernel(fn: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): tf.KernelFunc {
  return (args) =>
    fn({ inputs: args.inputs as Record<string, tf.TensorInfo>, attrs: (args.attrs ?? {}) as Record<string, unknown>, backend: args.backend });
}

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

type AnyArray = Float32Array | Int32Array | Uint8Array;

/** Copies the box `begin`/`size` of `src` (shape `shape`) into `dst`, one contiguous run at a time. */
export function copyBox(src: AnyArray, shape: number[], begin: number[], size: number[], dst: AnyArray): void {
  const rank = shape.length;
  let k = rank - 1;
  while (k >= 0 && size[k] === shape[k] && begin[k] === 0) k--;
  if (k < 0) {
    dst.set(src.subarray(0, dst.length));
    return;
  }
  const st = strides(shape);
  const run = size[k] * st[k];
  const runs = dst.length / run;
  const idx = new Array<number>(k).fill(0);
  let base = 0;
  for (let i = 0; i < rank; i++) base += begin[i] * st[i];
  let off = base;
  for (let r = 0; r < runs; r++) {
    if (run >= 32) dst.set(src.subarray(off, off + run), r * run);
    else for (let j = 0, o = r * run; j < run; j++) dst[o + j] = src[off + j];
    // odometer over the outer axes 0..k-1
    for (let a = k - 1; a >= 0; a--) {
      idx[a]++;
      off += st[a];
      if (idx[a] < size[a]) break;
      off -= idx[a] * st[a];
      idx[a] = 0;
    }
  }
}

/**
 * Writes the transpose of `src` (shape `shape`) by `perm` into `dst`. Axes that stay adjacent are merged first;
 * when the innermost axis stays innermost, contiguous runs are copied; otherwise the two innermost axes (of
 * input and output) are walked in 32 x 32 tiles so both reads and writes stay cache-friendly.
 */
export function transposeArray(src: AnyArray, shape: number[], perm: number[], dst: AnyArray): void {
  // merge input axes i, i+1 that are also consecutive in the output
  const dims: number[] = [];
  const order: number[] = []; // output order of merged input axes
  {
    const groupOf = new Array<number>(shape.length);
    const kept = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
    const permK = perm.filter((a) => shape[a] !== 1);
    if (kept.length === 0) {
      dst.set(src.subarray(0, dst.length));
      return;
    }
    // groups: runs in permK where each next axis is the next kept input axis
    const groups: number[][] = [];
    for (const a of permK) {
      const g = groups[groups.length - 1];
      const prevKept = kept.indexOf(a) - 1;
      if (g !== undefined && prevKept >= 0 && g[g.length - 1] === kept[prevKept]) g.push(a);
      else groups.push([a]);
    }
    const byFirst = [...groups].sort((x, y) => x[0] - y[0]);
    byFirst.forEach((g, i) => {
      for (const a of g) groupOf[a] = i;
      dims.push(g.reduce((acc, a) => acc * shape[a], 1));
    });
    for (const g of groups) order.push(groupOf[g[0]]);
  }
  const rank = dims.length;
  const inStr = strides(dims);
  const outDims = order.map((a) => dims[a]);
  const outStr = strides(outDims);
  if (rank === 1 || order.every((a, i) => a === i)) {
    dst.set(src.subarray(0, dst.length));
    return;
  }
  const last = rank - 1;
  if (order[last] === last) {
    // innermost axis kept: copy runs of dims[last]
    const run = dims[last];
    const runs = dst.length / run;
    const idx = new Array<number>(last).fill(0);
    let off = 0;
    for (let r = 0; r < runs; r++) {
      const o = r * run;
      if (run >= 32) dst.set(src.subarray(off, off + run), o);
      else for (let e = 0; e < run; e++) dst[o + e] = src[off + e];
      for (let j = last - 1; j >= 0; j--) {
        idx[j]++;
        off += inStr[order[j]];
        if (idx[j] < outDims[j]) break;
        off -= idx[j] * inStr[order[j]];
        idx[j] = 0;
      }
    }
    return;
  }
  // a = input axis that becomes the output's innermost; jL = output position of the input's innermost axis
  const a = order[last];
  const jL = order.indexOf(last);
  const nA = dims[a];
  const nL = dims[last];
  const sA = inStr[a];
  const sOutL = outStr[jL];
  const outer: number[] = [];
  for (let j = 0; j < rank; j++) if (j !== last && j !== jL) outer.push(j);
  const idx = new Array<number>(outer.length).fill(0);
  const count = outer.reduce((acc, j) => acc * outDims[j], 1);
  let inBase = 0;
  let outBase = 0;
  const B = 32;
  for (let c = 0; c < count; c++) {
    for (let i0 = 0; i0 < nA; i0 += B) {
      const i1 = Math.min(nA, i0 + B);
      for (let l0 = 0; l0 < nL; l0 += B) {
        const l1 = Math.min(nL, l0 + B);
        for (let l = l0; l < l1; l++) {
          const so = inBase + l;
          const doff = outBase + l * sOutL;
          for (let i = i0; i < i1; i++) dst[doff + i] = src[so + i * sA];
        }
      }
    }
    for (let k = outer.length - 1; k >= 0; k--) {
      const j = outer[k];
      idx[k]++;
      inBase += inStr[order[j]];
      outBase += outStr[j];
      if (idx[k] < outDims[j]) break;
      inBase -= idx[k] * inStr[order[j]];
      outBase -= idx[k] * outStr[j];
      idx[k] = 0;
    }
  }
}

function heapView(backend: BackendWasm, t: tf.TensorInfo): AnyArray {
  return backend.typedArrayFromHeap(t) as AnyArray;
}

function wasmSlice(
  backend: BackendWasm,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
  fallback: tf.KernelFunc,
): tf.TensorInfo {
  if (x.dtype === 'string') {
    return fallback({ inputs: { x }, attrs: { begin, size }, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
  }
  const out = backend.makeOutput(size, x.dtype);
  if (size.some((s) => s === 0)) return out;
  copyBox(heapView(backend, x), x.shape, begin, size, heapView(backend, out));
  return out;
}

let fastInstalled = false;

function replaceKernel(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Installs the fast wasm Slice/SplitV/Unpack and the convolution kernels (idempotent). */
export function registerFastKernels(): void {
  if (fastInstalled) return;
  fastInstalled = true;
  const stockSlice = tf.getKernel(tf.Slice, 'wasm');
  if (stockSlice !== undefined) {
    const fallback = stockSlice.kernelFunc;
    const fallbackIdentity = (tf.getKernel(tf.Identity, 'wasm') as tf.KernelConfig).kernelFunc;
    const fallbackTranspose = (tf.getKernel(tf.Transpose, 'wasm') as tf.KernelConfig).kernelFunc;
    replaceKernel({
      kernelName: tf.Slice,
      backendName: 'wasm',
      kernelFunc: kernel(({ inputs, attrs, backend }) => {
        const x = inputs.x;
        const [begin, size] = tf.slice_util.parseSliceParams(
          x as tf.Tensor,
          attrs.begin as number | number[],
          attrs.size as number | number[],
        );
        return wasmSlice(backend as BackendWasm, x, begin, size, fallback);
      }),
    });
    replaceKernel({
      kernelName: tf.SplitV,
      backendName: 'wasm',
      kernelFunc: kernel(({ inputs, attrs, backend }) => {
        const x = inputs.x;
        const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
        const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
        const begin = new Array<number>(x.shape.length).fill(0);
        return sizes.map((s) => {
          const size = x.shape.slice();
          size[axis] = s;
          const out = wasmSlice(backend as BackendWasm, x, begin.slice(), size, fallback);
          begin[axis] += s;
          return out;
        });
      }),
    });
    // The stock Identity copies the data; tensors are immutable, so sharing it (as the cpu backend does) is
    // enough. The engine clones every tensor it saves for backprop, so this halves the copies of a step.
    replaceKernel({
      kernelName: tf.Identity,
      backendName: 'wasm',
      kernelFunc: kernel(({ inputs, backend }) => {
        const x = inputs.x;
        if (x.dtype === 'string') return fallbackIdentity({ inputs: { x }, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
        (backend as BackendWasm).incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      }),
    });
    // Cast to the same dtype (every Mul gradient does one) copies in the stock kernel; share instead.
    const fallbackCast = (tf.getKernel(tf.Cast, 'wasm') as tf.KernelConfig).kernelFunc;
    replaceKernel({
      kernelName: tf.Cast,
      backendName: 'wasm',
      kernelFunc: kernel(({ inputs, attrs, backend }) => {
        const x = inputs.x;
        if (x.dtype !== attrs.dtype) return fallbackCast({ inputs: { x }, attrs: { dtype: attrs.dtype as tf.DataType }, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
        (backend as BackendWasm).incRef(x.dataId);
        return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
      }),
    });
    // The stock Transpose is fast up to rank 4 after squeezing, but slow for rank 2 and very slow beyond 4.
    replaceKernel({
      kernelName: tf.Transpose,
      backendName: 'wasm',
      kernelFunc: kernel(({ inputs, attrs, backend }) => {
        const x = inputs.x;
        const perm = attrs.perm as number[];
        const be = backend as BackendWasm;
        const squeezed = x.shape.filter((d) => d !== 1).length;
        if (x.dtype === 'string' || squeezed === 3 || squeezed === 4) {
          return fallbackTranspose({ inputs: { x }, attrs: { perm }, backend: be }) as tf.TensorInfo;
        }
        const out = be.makeOutput(perm.map((p) => x.shape[p]), x.dtype);
        if (out.shape.some((d) => d === 0)) return out;
        transposeArray(heapView(be, x), x.shape, perm, heapView(be, out));
        return out;
      }),
    });
    replaceKernel({
      kernelName: tf.Unpack,
      backendName: 'wasm',
      kernelFunc: kernel(({ inputs, attrs, backend }) => {
        const x = inputs.value;
        let axis = attrs.axis as number;
        if (axis < 0) axis += x.shape.length;
        const outShape = x.shape.filter((_, i) => i !== axis);
        const size = x.shape.slice();
        size[axis] = 1;
        const outs: tf.TensorInfo[] = [];
        for (let i = 0; i < x.shape[axis]; i++) {
          const begin = new Array<number>(x.shape.length).fill(0);
          begin[axis] = i;
          const o = wasmSlice(backend as BackendWasm, x, begin, size, fallback);
          outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
        }
        return outs;
      }),
    });
  }
  tf.registerKernel({ kernelName: BATCH_MATMUL, backendName: 'wasm', kernelFunc: wasmBatchMatMul });
  for (const backendName of ['wasm', 'cpu']) {
    for (const [kernelName, kernelFunc] of CONV_KERNELS) {
      if (tf.getKernel(kernelName, backendName) === undefined) tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
}

interface WasmModuleLike {
  cwrap(name: string, ret: null, args: string[]): (...a: (number | Uint8Array)[]) => void;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
}

const batchMatMulFns = new WeakMap<object, (...a: (number | Uint8Array)[]) => void>();

/**
 * a [N, M, K] @ b [N or 1, K, P] -> [N, M, P] on wasm, through XNNPACK one batch item at a time. The stock
 * BatchMatMul reaches XNNPACK only for a single, untransposed product and otherwise runs a naive
 * single-threaded loop (10x slower). Each item's operands are registered with the C++ side as tensors that
 * alias slices of the inputs (no copies) and unregistered after the call; their memory is never freed.
 */
const wasmBatchMatMul = kernel(({ inputs, backend }) => {
  const be = backend as BackendWasm;
  const { a, b } = inputs;
  const [N, M, K] = a.shape;
  const [Nb, K2, P] = b.shape;
  if (K !== K2 || (Nb !== N && Nb !== 1)) throw new Error(`${BATCH_MATMUL}: shapes [${a.shape}] and [${b.shape}] do not fit`);
  const out = be.makeOutput([N, M, P], 'float32');
  if (N * M * P === 0) return out;
  const mod = be.wasm as unknown as WasmModuleLike;
  let mm = batchMatMulFns.get(mod);
  if (mm === undefined) {
    mm = mod.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
    batchMatMulFns.set(mod, mm);
  }
  const ids = be as unknown as { dataIdNextNumber: number };
  const offset = (t: tf.TensorInfo): number => be.dataIdMap.get(t.dataId)?.memoryOffset as number;
  const aOff = offset(a);
  const bOff = offset(b);
  const oOff = offset(out);
  const shapeA = new Uint8Array(Int32Array.of(1, M, K).buffer);
  const shapeB = new Uint8Array(Int32Array.of(1, K, P).buffer);
  const reg = (off: number, size: number): number => {
    const id = ids.dataIdNextNumber++;
    mod.tfjs.registerTensor(id, size, off);
    return id;
  };
  // a shared b keeps one id, so XNNPACK packs it once
  let bId = Nb === 1 ? reg(bOff, K * P) : 0;
  for (let i = 0; i < N; i++) {
    const aId = reg(aOff + 4 * i * M * K, M * K);
    if (Nb !== 1) bId = reg(bOff + 4 * i * K * P, K * P);
    const oId = reg(oOff + 4 * i * M * P, M * P);
    mm(aId, shapeA, 3, bId, shapeB, 3, 0, 0, oId);
    mod.tfjs.disposeData(aId);
    mod.tfjs.disposeData(oId);
    if (Nb !== 1) mod.tfjs.disposeData(bId);
  }
  if (Nb === 1) mod.tfjs.disposeData(bId);
  return out;
});

/** cols[b, i, j, (p*kw + q)*C + c] = x[b, i*sh + p, j*sw + q, c]; x [B, H, W, C] -> [B, Ho, Wo, kh*kw*C]. */
const im2col = kernel(({ inputs, attrs, backend }) => {
  const x = inputs.x;
  const { kh, kw, sh, sw } = attrs as unknown as Im2ColAttrs;
  const [B, H, W, C] = x.shape;
  const Ho = Math.floor((H - kh) / sh) + 1;
  const Wo = Math.floor((W - kw) / sw) + 1;
  const io = kernelArrays(backend);
  const out = io.alloc([B, Ho, Wo, kh * kw * C]);
  const [xv, ov] = io.views([x, out]);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        for (let p = 0; p < kh; p++) {
          const rowBase = ((b * H + i * sh + p) * W + j * sw) * C;
          const n = kw * C; // the kw taps of one row are contiguous in x
          if (n >= 32) ov.set(xv.subarray(rowBase, rowBase + n), o);
          else for (let e = 0; e < n; e++) ov[o + e] = xv[rowBase + e];
          o += n;
        }
      }
    }
  }
  return out;
});

/** The adjoint of im2col: dx[b, i*sh + p, j*sw + q, c] += cols[b, i, j, (p*kw + q)*C + c]. */
const col2im = kernel(({ inputs, attrs, backend }) => {
  const cols = inputs.cols;
  const { kh, kw, sh, sw, h: H, w: W } = attrs as unknown as Im2ColAttrs;
  const [B, Ho, Wo, KC] = cols.shape;
  const C = KC / (kh * kw);
  const io = kernelArrays(backend);
  const out = io.alloc([B, H, W, C], 'float32', true);
  const [cv, dv] = io.views([cols, out]);
  let o = 0;
  const n = kw * C;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++) {
        for (let p = 0; p < kh; p++) {
          const rowBase = ((b * H + i * sh + p) * W + j * sw) * C;
          for (let e = 0; e < n; e++) dv[rowBase + e] += cv[o + e];
          o += n;
        }
      }
    }
  }
  return out;
});

/**
 * y[b, t, c] = sum_k x[b, t + k - padLeft, c] * w[k, c] (zero outside 0..T-1); x [B, T, C], w [K, C],
 * y [B, T + padLeft + padRight - K + 1, C].
 */
const dwConv1d = kernel(({ inputs, attrs, backend }) => {
  const { x, w } = inputs;
  const { padLeft, padRight } = attrs as unknown as DwConv1dAttrs;
  const [B, T, C] = x.shape;
  const K = w.shape[0];
  const To = T + padLeft + padRight - K + 1;
  const io = kernelArrays(backend);
  const out = io.alloc([B, To, C]);
  const [xv, wv, ov] = io.views([x, w, out]);
  const acc = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < To; t++) {
      acc.fill(0);
      const k0 = Math.max(0, padLeft - t);
      const k1 = Math.min(K, T + padLeft - t);
      for (let k = k0; k < k1; k++) {
        const xr = (b * T + t + k - padLeft) * C;
        const wr = k * C;
        for (let c = 0; c < C; c++) acc[c] += xv[xr + c] * wv[wr + c];
      }
      const or = (b * To + t) * C;
      for (let c = 0; c < C; c++) ov[or + c] = acc[c];
    }
  }
  return out;
});

/** dx[b, s, c] = sum_k dy[b, s - k + padLeft, c] * w[k, c]; dy [B, To, C] -> dx [B, T, C] (attrs.t = T). */
const dwConv1dInputGrad = kernel(({ inputs, attrs, backend }) => {
  const { dy, w } = inputs;
  const { padLeft, t: T } = attrs as unknown as DwConv1dAttrs;
  const [B, To, C] = dy.shape;
  const K = w.shape[0];
  const io = kernelArrays(backend);
  const out = io.alloc([B, T, C]);
  const [gv, wv, ov] = io.views([dy, w, out]);
  const acc = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < T; s++) {
      acc.fill(0);
      // t = s - k + padLeft must lie in [0, To)
      const k0 = Math.max(0, s + padLeft - To + 1);
      const k1 = Math.min(K, s + padLeft + 1);
      for (let k = k0; k < k1; k++) {
        const gr = (b * To + s - k + padLeft) * C;
        const wr = k * C;
        for (let c = 0; c < C; c++) acc[c] += gv[gr + c] * wv[wr + c];
      }
      const or = (b * T + s) * C;
      for (let c = 0; c < C; c++) ov[or + c] = acc[c];
    }
  }
  return out;
});

/** dw[k, c] = sum_{b,t} dy[b, t, c] * x[b, t + k - padLeft, c]; x [B, T, C], dy [B, To, C] -> [K, C]. */
const dwConv1dFilterGrad = kernel(({ inputs, attrs, backend }) => {
  const { x, dy } = inputs;
  const { padLeft, k: K } = attrs as unknown as DwConv1dAttrs;
  const [B, T, C] = x.shape;
  const To = dy.shape[1];
  const io = kernelArrays(backend);
  const out = io.alloc([K, C]);
  const [xv, gv, ov] = io.views([x, dy, out]);
  const acc = new Float64Array(K * C);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < To; t++) {
      const gr = (b * To + t) * C;
      const k0 = Math.max(0, padLeft - t);
      const k1 = Math.min(K, T + padLeft - t);
      for (let k = k0; k < k1; k++) {
        const xr = (b * T + t + k - padLeft) * C;
        const ar = k * C;
        for (let c = 0; c < C; c++) acc[ar + c] += gv[gr + c] * xv[xr + c];
      }
    }
  }
  for (let i = 0; i < K * C; i++) ov[i] = acc[i];
  return out;
});

/**
 * g = dy where y > 0, else 0 (y a ReLU output, both [N, C]), and the bias gradient sum_n g[n, :] [C], in one
 * pass instead of wasm's Greater + Cast + Multiply and a Sum.
 */
const reluGrad = kernel(({ inputs, backend }) => {
  const { dy, y } = inputs;
  const C = dy.shape[dy.shape.length - 1];
  const io = kernelArrays(backend);
  const out = io.alloc(dy.shape);
  const db = io.alloc([C]);
  const [gv, yv, ov, bv] = io.views([dy, y, out, db]);
  const acc = new Float64Array(C);
  const n = ov.length;
  for (let r = 0; r < n; r += C) {
    for (let c = 0; c < C; c++) {
      const g = yv[r + c] > 0 ? gv[r + c] : 0;
      ov[r + c] = g;
      acc[c] += g;
    }
  }
  for (let c = 0; c < C; c++) bv[c] = acc[c];
  return [out, db];
});

/** out[i] = x[i] / (1 - rate) or 0: a pure function of (seed, i), so the gradient regenerates the same mask. */
const dropoutKernel = kernel(({ inputs, attrs, backend }) => {
  const { x } = inputs;
  const { rate, seed } = attrs as unknown as DropoutAttrs;
  const io = kernelArrays(backend);
  const out = io.alloc(x.shape);
  const [xv, ov] = io.views([x, out]);
  const scale = 1 / (1 - rate);
  // one Mulberry32 draw decides two elements (16 bits each): rate is honoured to 1/65536
  const threshold = Math.round(rate * 65536);
  let s = seed >>> 0;
  const n = ov.length;
  for (let i = 0; i < n; i += 2) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    ov[i] = (t & 0xffff) < threshold ? 0 : xv[i] * scale;
    if (i + 1 < n) ov[i + 1] = t >>> 16 < threshold ? 0 : xv[i + 1] * scale;
  }
  return out;
});

const CONV_KERNELS: [string, tf.KernelFunc][] = [
  [DROPOUT, dropoutKernel],
  [RELU_GRAD, reluGrad],
  [IM2COL, im2col],
  [COL2IM, col2im],
  [DWCONV1D, dwConv1d],
  [DWCONV1D_INPUT_GRAD, dwConv1dInputGrad],
  [DWCONV1D_FILTER_GRAD, dwConv1dFilterGrad],
];
