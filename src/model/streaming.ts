import * as tf from '@tensorflow/tfjs';
import { AsrError } from '../util/errors.js';
import { minInputFrames, outputLength, subsamplingLayers, type ModelConfig } from './config.js';
import { depthwiseConv1d } from './conv.js';
import { subsample } from './encoder.js';
import { batchNorm, feedForward, layerNorm, linear, silu, sinusoids, type Ctx } from './layers.js';
import { batchMatMul } from './matmul.js';
import type { AcousticModel } from './model.js';
import { addBatchNormSums, type BatchNormMoments } from './batchnorm-stats.js';

/**
 * Cache-aware streaming encoder: the model run chunk by chunk on one stream, giving the output of
 * `forward(model, feats, [T], {chunks: {chunkSize, leftChunks}})` (same chunk configuration) on the whole
 * utterance, with work per chunk proportional to the chunk plus its left context:
 *
 * - subsampling: the input feature frames not yet fully consumed by the strided convolutions are kept (at most
 *   receptive field - stride frames past the last emitted output), so the valid convolutions over
 *   [kept, new] reproduce the whole-utterance outputs exactly;
 * - attention: per layer, the keys and values [heads, L, dh] of the last `leftChunks * chunkSize` frames
 *   (what a query may see under the chunk mask), unbounded when leftChunks < 0;
 * - convolution module: per layer, the last K-1 GLU outputs [1, K-1, d] (the causal depthwise convolution's left
 *   context; zeros at the start, as forward pads).
 *
 * Chunks are aligned as forward aligns them (subsampled frame 0 starts chunk 0); the last, shorter chunk is run
 * by flush(). Requires `causalConv` for Conformer blocks: a centred convolution needs future frames.
 */

export interface StreamingEncoderOptions {
  /** Encoder (subsampled) frames per chunk, >= 1. */
  chunkSize: number;
  /** Chunks of left context each chunk's queries see; negative = unlimited (memory and cost grow). */
  leftChunks: number;
  /** Return log-softmax scores instead of raw logits (default false). */
  logProbs?: boolean;
  /**
   * When given, every chunk adds its BatchNorm inputs' per-channel sums to it (and its frames to `frames`), for
   * re-estimating the statistics on the stream (batchnorm-stats.ts). The running statistics in use are the
   * model's, whatever is done with these.
   */
  batchNormMoments?: BatchNormMoments;
}

export interface StreamingOutput {
  /** [frames, vocab] row-major logits (or log-probabilities with `logProbs`), float32. */
  data: Float32Array;
  frames: number;
}

export interface StreamingEncoder {
  readonly config: ModelConfig;
  readonly chunkSize: number;
  readonly leftChunks: number;
  /** Encoder frames emitted since the start (or the last reset). */
  readonly framesOut: number;
  /** Feature frames received and not yet consumed by the subsampling. */
  readonly pendingFeatureFrames: number;
  /**
   * features: [frames, inputDim] row-major. Runs every chunk the features complete; returns their output
   * (possibly 0 frames).
   */
  accept(features: Float32Array, frames: number): StreamingOutput;
  /** Ends the stream: runs the last, possibly shorter chunk. Call reset() to start another stream. */
  flush(): StreamingOutput;
  /** Forgets all context (caches, positions, buffered features) to start a new stream. */
  reset(): void;
  /** Frees the caches (not the model). */
  dispose(): void;
}

interface LayerCache {
  /** [H, L, dh] keys and values of the left context, or null when L = 0. */
  k: tf.Tensor3D | null;
  v: tf.Tensor3D | null;
  /** [1, K-1, d] last GLU outputs (Conformer with K > 1), or null. */
  conv: tf.Tensor3D | null;
}

function inferenceCtx(model: AcousticModel): Ctx {
  return {
    p: (name) => {
      const v = model.params.get(name);
      if (v === undefined) throw new Error(`model has no parameter ${name}`);
      return v;
    },
    training: false,
    rng: null,
    bnUpdates: [],
    bnGroups: null,
    trace: null,
  };
}

/**
 * Generalised Transformer-XL shift: x [N, Tq, Tk+Tq-1] where column m is relative position (Tk-1 - m) measured
 * from the LAST query -> [N, Tq, Tk] with out[n, i, j] = x[n, i, Tq-1-i+j]. With queries being the last Tq of Tk
 * keys, that is relative position (Tk-Tq+i) - j. Same pad-reshape-slice as attention.ts's relShift (Tq = Tk).
 */
function relShiftRect(x: tf.Tensor3D, tk: number): tf.Tensor3D {
  const [N, Tq, P] = x.shape;
  const padded = x.pad([
    [0, 0],
    [0, 0],
    [1, 0],
  ]); // [N, Tq, P+1]
  const folded = padded.reshape([N, P + 1, Tq]).slice([0, 1, 0], [N, P, Tq]); // [N, P, Tq]
  return folded.reshape([N, Tq, P]).slice([0, 0, 0], [N, Tq, tk]) as tf.Tensor3D;
}

/** Throws (naming `where`) when the model cannot stream exactly: a Conformer with a centred convolution. */
export function checkStreamable(c: ModelConfig, where: string): void {
  if (c.block === 'conformer' && c.numLayers > 0 && !c.causalConv && c.convKernel > 1) {
    throw new AsrError(`${where}: the model has a centred convolution (causalConv false); streaming needs a model trained with causalConv true`);
  }
}

export function createStreamingEncoder(model: AcousticModel, opts: StreamingEncoderOptions): StreamingEncoder {
  const c = model.config;
  const { chunkSize, leftChunks } = opts;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new AsrError(`streaming: chunk size must be a positive integer of encoder frames, got ${chunkSize}`);
  if (!Number.isInteger(leftChunks)) throw new AsrError(`streaming: left chunks must be an integer, got ${leftChunks}`);
  checkStreamable(c, 'streaming');
  const ctx = inferenceCtx(model);
  const d = c.dModel;
  const H = c.numHeads;
  const dh = d / H;
  const K = c.convKernel;
  const maxLeft = leftChunks < 0 ? Number.POSITIVE_INFINITY : leftChunks * chunkSize;
  // Input frames consumed per output frame, and the receptive field of one output frame.
  const stride = subsamplingLayers(c.subsampling.factor).reduce((a, [, s]) => a * s, 1);
  const minIn = minInputFrames(c);
  const F = c.inputDim;

  let caches: LayerCache[] = [];
  // Pending input features [pendingFrames, F] (subsampling context + frames not yet subsampled).
  let feat = new Float32Array(0);
  let featFrames = 0;
  // Subsampled frames not yet run through the encoder [1, n, d] (fewer than a chunk), or null.
  let pending: tf.Tensor3D | null = null;
  let framesOut = 0;
  let flushed = false;
  // Projected relative-position embeddings per layer, by (left, chunk) frame counts: bounded when leftChunks >= 0.
  const posCache = new Map<string, tf.Tensor3D[]>();

  const init = (): void => {
    caches = Array.from({ length: c.numLayers }, () => ({
      k: null,
      v: null,
      conv: c.block === 'conformer' && K > 1 ? tf.keep(tf.zeros([1, K - 1, d])) as tf.Tensor3D : null,
    }));
  };
  const freeCaches = (): void => {
    for (const lc of caches) for (const t of [lc.k, lc.v, lc.conv]) t?.dispose();
    caches = [];
    pending?.dispose();
    pending = null;
  };
  init();

  /** Per-layer projected position embeddings [H, L+2C-1, dh] for relative positions L+C-1 .. -(C-1). */
  const positions = (L: number, C: number): tf.Tensor3D[] => {
    const key = `${L}:${C}`;
    const hit = posCache.get(key);
    if (hit) return hit;
    const P = L + 2 * C - 1;
    const rel = Float32Array.from({ length: P }, (_, m) => L + C - 1 - m);
    const out = tf.tidy(() => {
      const emb = tf.tensor2d(sinusoids(rel, d), [P, d]);
      return Array.from({ length: c.numLayers }, (_, i) =>
        linear(ctx, `encoder.layers.${i}.attn.pos`, emb, 'linear', false).reshape([P, H, dh]).transpose([1, 0, 2]) as tf.Tensor3D,
      );
    });
    if (leftChunks >= 0) posCache.set(key, out.map((t) => tf.keep(t)));
    return out;
  };

  /** x [1, C, d] normalised -> attention output [1, C, d]; updates the layer's key/value cache. */
  const attention = (i: number, x: tf.Tensor3D, pos: tf.Tensor3D | null): tf.Tensor3D => {
    const name = `encoder.layers.${i}.attn`;
    const C = x.shape[1];
    const lc = caches[i];
    const qkv = linear(ctx, `${name}.qkv`, x).reshape([C, 3, H, dh]).transpose([1, 2, 0, 3]); // [3, H, C, dh]
    const [q, kNew, vNew] = tf.unstack(qkv, 0) as tf.Tensor3D[]; // each [H, C, dh]
    const k = lc.k === null ? kNew : (tf.concat([lc.k, kNew], 1) as tf.Tensor3D); // [H, L+C, dh]
    const v = lc.v === null ? vNew : (tf.concat([lc.v, vNew], 1) as tf.Tensor3D);
    const Tk = k.shape[1];
    const scale = 1 / Math.sqrt(dh);
    const kT = k.transpose([0, 2, 1]) as tf.Tensor3D; // [H, dh, L+C]
    let scores: tf.Tensor3D;
    if (pos !== null) {
      const u = ctx.p(`${name}.pos_bias_u`).reshape([H, 1, dh]);
      const vb = ctx.p(`${name}.pos_bias_v`).reshape([H, 1, dh]);
      const ac = batchMatMul(q.add(u).mul(scale) as tf.Tensor3D, kT); // [H, C, L+C]
      const bd = batchMatMul(q.add(vb).mul(scale) as tf.Tensor3D, pos.transpose([0, 2, 1]) as tf.Tensor3D); // [H, C, L+2C-1]
      scores = ac.add(relShiftRect(bd, Tk));
    } else {
      scores = batchMatMul(q.mul(scale) as tf.Tensor3D, kT);
    }
    // No mask: every cached key is inside the chunk window, and keys after the chunk do not exist yet.
    const w = tf.softmax(scores, -1) as tf.Tensor3D;
    const ctxv = batchMatMul(w, v); // [H, C, dh]
    const merged = ctxv.transpose([1, 0, 2]).reshape([1, C, d]);
    const keep = Math.min(Tk, maxLeft);
    lc.k = keep === 0 ? null : tf.keep(k.slice([0, Tk - keep, 0], [H, keep, dh]));
    lc.v = keep === 0 ? null : tf.keep(v.slice([0, Tk - keep, 0], [H, keep, dh]));
    return linear(ctx, `${name}.out`, merged) as tf.Tensor3D;
  };

  /** Conformer convolution module with the causal state: x [1, C, d] -> [1, C, d]. */
  const convModule = (i: number, x: tf.Tensor3D): tf.Tensor3D => {
    const name = `encoder.layers.${i}.conv`;
    const C = x.shape[1];
    const lc = caches[i];
    const h = linear(ctx, `${name}.pointwise1`, layerNorm(ctx, `${name}.norm`, x, c.layerNormEps)); // [1, C, 2d]
    const [value, gate] = tf.split(h, 2, -1);
    const g = value.mul(gate.sigmoid()) as tf.Tensor3D; // [1, C, d]
    const full = lc.conv === null ? g : (tf.concat([lc.conv, g], 1) as tf.Tensor3D); // [1, K-1+C, d]
    if (lc.conv !== null) lc.conv = tf.keep(full.slice([0, C, 0], [1, K - 1, d]));
    let y = depthwiseConv1d(full, ctx.p(`${name}.depthwise.weight`) as tf.Tensor2D, ctx.p(`${name}.depthwise.bias`) as tf.Tensor1D, 0, 0);
    if (c.convNorm === 'batchnorm' && opts.batchNormMoments) {
      // [1, C, d] -> per-channel sums over the chunk's frames
      addBatchNormSums(opts.batchNormMoments, `${name}.bn`, y.sum([0, 1]).dataSync(), y.square().sum([0, 1]).dataSync());
    }
    // inference BatchNorm uses running statistics only; the mask argument is unused there
    y = c.convNorm === 'batchnorm' ? batchNorm(ctx, `${name}.bn`, y, y, c.batchNormEps) : (layerNorm(ctx, `${name}.ln`, y, c.layerNormEps) as tf.Tensor3D);
    return linear(ctx, `${name}.pointwise2`, silu(y)) as tf.Tensor3D;
  };

  /** One chunk h [1, C, d] (subsampled, positions framesOut..) -> [C, vocab] scores. */
  const runChunk = (h0: tf.Tensor3D): StreamingOutput => {
    const C = h0.shape[1];
    const L = caches.length > 0 && caches[0].k !== null ? caches[0].k.shape[1] : 0;
    const olds: tf.Tensor[] = caches.flatMap((lc) => [lc.k, lc.v, lc.conv].filter((t): t is tf.Tensor3D => t !== null));
    const pos = c.posEnc === 'rel' && c.numLayers > 0 ? positions(L, C) : null;
    const data = tf.tidy(() => {
      let h = h0;
      if (c.posEnc === 'abs') {
        const p = Float32Array.from({ length: C }, (_, j) => framesOut + j);
        h = h.add(tf.tensor2d(sinusoids(p, d), [C, d]));
      }
      for (let i = 0; i < c.numLayers; i++) {
        const p = `encoder.layers.${i}`;
        const li = pos === null ? null : pos[i];
        if (c.block === 'conformer') {
          h = h.add(feedForward(ctx, `${p}.ffn1`, h, c.ffnActivation, 0, c.layerNormEps).mul(0.5));
          h = h.add(attention(i, layerNorm(ctx, `${p}.attn.norm`, h, c.layerNormEps) as tf.Tensor3D, li));
          h = h.add(convModule(i, h));
          h = h.add(feedForward(ctx, `${p}.ffn2`, h, c.ffnActivation, 0, c.layerNormEps).mul(0.5));
          h = layerNorm(ctx, `${p}.final_norm`, h, c.layerNormEps) as tf.Tensor3D;
        } else {
          h = h.add(attention(i, layerNorm(ctx, `${p}.attn.norm`, h, c.layerNormEps) as tf.Tensor3D, li));
          h = h.add(feedForward(ctx, `${p}.ffn`, h, c.ffnActivation, 0, c.layerNormEps));
        }
      }
      if (c.block === 'transformer' && c.numLayers > 0) h = layerNorm(ctx, 'encoder.final_norm', h, c.layerNormEps) as tf.Tensor3D;
      let logits = linear(ctx, 'ctc_head', h).reshape([C, c.vocabSize]);
      if (opts.logProbs) logits = tf.logSoftmax(logits, -1);
      return logits.dataSync() as Float32Array;
    });
    for (const t of olds) t.dispose();
    if (pos !== null && leftChunks < 0) for (const t of pos) t.dispose();
    framesOut += C;
    if (opts.batchNormMoments && c.block === 'conformer' && c.convNorm === 'batchnorm' && c.numLayers > 0) opts.batchNormMoments.frames += C;
    return { data, frames: C };
  };

  /** Subsamples the first `n` output frames' worth of pending features: [1, n, d]; drops consumed input. */
  const subsampleFrames = (n: number): tf.Tensor3D => {
    const need = c.subsampling.type === 'none' ? n : (n - 1) * stride + minIn;
    const x = tf.tidy(() => subsample(ctx, c, tf.tensor3d(feat.subarray(0, need * F), [1, need, F])));
    const used = n * stride;
    feat = feat.slice(used * F, featFrames * F);
    featFrames -= used;
    return x;
  };

  const concatOut = (outs: StreamingOutput[]): StreamingOutput => {
    const frames = outs.reduce((a, o) => a + o.frames, 0);
    if (outs.length === 1) return outs[0];
    const data = new Float32Array(frames * c.vocabSize);
    let o = 0;
    for (const r of outs) {
      data.set(r.data, o);
      o += r.data.length;
    }
    return { data, frames };
  };

  /** Runs full chunks from pending + available features; with `final`, also the last partial chunk. */
  const drain = (final: boolean): StreamingOutput => {
    const avail = featFrames === 0 ? 0 : outputLength(c, featFrames);
    const have = (pending === null ? 0 : pending.shape[1]) + avail;
    const outs: StreamingOutput[] = [];
    if (avail > 0 && (final || have >= chunkSize)) {
      const x = subsampleFrames(avail);
      const all = pending === null ? x : (tf.concat([pending, x], 1) as tf.Tensor3D);
      if (pending !== null) {
        pending.dispose();
        x.dispose();
      }
      pending = all;
    }
    if (pending !== null) {
      const n = pending.shape[1];
      const runnable = final ? n : Math.floor(n / chunkSize) * chunkSize;
      for (let s = 0; s < runnable; s += chunkSize) {
        const C = Math.min(chunkSize, runnable - s);
        const chunk = pending.slice([0, s, 0], [1, C, d]) as tf.Tensor3D;
        outs.push(runChunk(chunk));
        chunk.dispose();
      }
      if (runnable === n) {
        pending.dispose();
        pending = null;
      } else if (runnable > 0) {
        const rest = pending.slice([0, runnable, 0], [1, n - runnable, d]) as tf.Tensor3D;
        pending.dispose();
        pending = rest;
      }
    }
    return outs.length === 0 ? { data: new Float32Array(0), frames: 0 } : concatOut(outs);
  };

  return {
    config: c,
    chunkSize,
    leftChunks,
    get framesOut() {
      return framesOut;
    },
    get pendingFeatureFrames() {
      return featFrames;
    },
    accept(features: Float32Array, frames: number): StreamingOutput {
      if (flushed) throw new AsrError('streaming encoder: accept() after flush() (call reset() first)');
      if (features.length !== frames * F) throw new AsrError(`streaming encoder: ${features.length} values are not ${frames} frames of dimension ${F}`);
      if (frames > 0) {
        const next = new Float32Array((featFrames + frames) * F);
        next.set(feat.subarray(0, featFrames * F));
        next.set(features, featFrames * F);
        feat = next;
        featFrames += frames;
      }
      return drain(false);
    },
    flush(): StreamingOutput {
      if (flushed) return { data: new Float32Array(0), frames: 0 };
      flushed = true;
      return drain(true);
    },
    reset(): void {
      freeCaches();
      init();
      feat = new Float32Array(0);
      featFrames = 0;
      framesOut = 0;
      flushed = false;
    },
    dispose(): void {
      freeCaches();
      for (const ts of posCache.values()) for (const t of ts) t.dispose();
      posCache.clear();
    },
  };
}
