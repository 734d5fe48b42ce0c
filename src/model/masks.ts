import * as tf from '@tensorflow/tfjs';

/**
 * Masks for padded batches and chunked (streaming) attention. Lengths are per batch item, in frames at the
 * resolution of the tensor being masked.
 */

/** Added to the attention scores of forbidden keys: exp() of it underflows to exactly 0 after max-subtraction. */
export const MASKED_SCORE = -1e9;

/** 1 for real frames, 0 for padding: [B * T] row-major, i.e. [B, T]. */
export function validFrames(lengths: ArrayLike<number>, frames: number): Float32Array {
  const out = new Float32Array(lengths.length * frames);
  for (let b = 0; b < lengths.length; b++) out.fill(1, b * frames, b * frames + Math.min(frames, lengths[b]));
  return out;
}

/** [B, T, 1] float mask tensor: 1 for real frames, 0 for padding. */
export function frameMask(lengths: ArrayLike<number>, frames: number): tf.Tensor3D {
  return tf.tensor3d(validFrames(lengths, frames), [lengths.length, frames, 1]);
}

export interface ChunkOptions {
  /** Frames per chunk: a query sees keys in its own chunk and `leftChunks` chunks before it (never after). */
  chunkSize: number;
  /** Chunks of left context; negative means unlimited. */
  leftChunks: number;
}

/**
 * Chunked-attention pattern [T, T] (row = query, column = key; 1 = allowed). Query i in chunk c = floor(i / size)
 * may attend to key j when its chunk cj satisfies c - leftChunks <= cj <= c.
 */
export function chunkPattern(frames: number, opts: ChunkOptions): Uint8Array {
  const { chunkSize, leftChunks } = opts;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`chunkSize must be a positive integer, got ${chunkSize}`);
  const out = new Uint8Array(frames * frames);
  for (let i = 0; i < frames; i++) {
    const c = Math.floor(i / chunkSize);
    const first = leftChunks < 0 ? 0 : Math.max(0, (c - leftChunks) * chunkSize);
    const last = Math.min(frames, (c + 1) * chunkSize);
    out.fill(1, i * frames + first, i * frames + last);
  }
  return out;
}

/**
 * Additive attention bias, 0 where a query may attend a key and {@link MASKED_SCORE} where not: padded keys
 * (j >= length) always, plus the chunk pattern when given. Shape [1, B, 1, T] (keys only) or [1, B, T, T]
 * (with chunks), broadcasting over heads in the [heads, B, T, T] score layout.
 */
export function attentionBias(lengths: ArrayLike<number>, frames: number, chunks?: ChunkOptions): tf.Tensor4D {
  const B = lengths.length;
  if (chunks === undefined) {
    const v = new Float32Array(B * frames);
    for (let b = 0; b < B; b++) v.fill(MASKED_SCORE, b * frames + Math.min(frames, lengths[b]), (b + 1) * frames);
    return tf.tensor4d(v, [1, B, 1, frames]);
  }
  const pattern = chunkPattern(frames, chunks);
  const v = new Float32Array(B * frames * frames);
  for (let b = 0; b < B; b++) {
    const len = Math.min(frames, lengths[b]);
    const base = b * frames * frames;
    for (let i = 0; i < frames; i++) {
      for (let j = 0; j < frames; j++) {
        if (j >= len || pattern[i * frames + j] === 0) v[base + i * frames + j] = MASKED_SCORE;
      }
    }
  }
  return tf.tensor4d(v, [1, B, frames, frames]);
}
