import type { FeatureMatrix } from '../features/matrix.js';
import type { Rng } from '../util/random.js';

/**
 * Length bucketing: utterances of similar length go together so little of a batch is padding, and a batch's
 * padded size (items x longest item, in frames) stays under `maxFrames`, which bounds the memory of a step
 * whatever the lengths. Lengths are jittered by up to ±`jitter` before sorting so batches differ from epoch to
 * epoch; the batch order is shuffled. Deterministic for a given rng state.
 * @returns batches of indices into `lengths`
 */
export function bucketBatches(lengths: readonly number[], maxFrames: number, rng: Rng, opts: { maxItems?: number; jitter?: number; shuffle?: boolean } = {}): number[][] {
  const jitter = opts.jitter ?? 0.1;
  const maxItems = opts.maxItems ?? Infinity;
  const keyed = lengths.map((len, i) => ({ i, len, key: len * (1 + jitter * (2 * rng.uniform() - 1)) }));
  keyed.sort((a, b) => a.key - b.key || a.i - b.i);
  const batches = packRuns(keyed.map(({ i, len }) => ({ idx: [i], longest: len })), maxFrames, maxItems);
  if (opts.shuffle ?? true) shuffleInPlace(batches, rng);
  return batches;
}

/**
 * Packs runs of utterances that must stay together (one utterance each, or several of one group: group-batchnorm.ts),
 * in the order given, greedily into batches whose padded size (items x longest, in frames) stays under `maxFrames`
 * and whose items stay under `maxItems`; a run over the budget on its own still gets a batch.
 */
export function packRuns(runs: ReadonlyArray<{ idx: readonly number[]; longest: number }>, maxFrames: number, maxItems: number): number[][] {
  const batches: number[][] = [];
  let cur: number[] = [];
  let longest = 0;
  for (const r of runs) {
    const l = Math.max(longest, r.longest);
    if (cur.length > 0 && ((cur.length + r.idx.length) * l > maxFrames || cur.length + r.idx.length > maxItems)) {
      batches.push(cur);
      cur = [];
      longest = 0;
    }
    cur.push(...r.idx);
    longest = Math.max(longest, r.longest);
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/** Fisher-Yates shuffle of the batch order. */
export function shuffleInPlace<T>(list: T[], rng: Rng): void {
  for (let k = list.length - 1; k > 0; k--) {
    const j = rng.int(0, k);
    [list[k], list[j]] = [list[j], list[k]];
  }
}

export interface PaddedBatch {
  /** [B, T, D] row-major, zero past each item's length. */
  data: Float32Array;
  shape: [number, number, number];
  /** [B] valid frames per item. */
  lengths: Int32Array;
}

/** Pads feature matrices to the longest (at least `minFrames`) and stacks them: [B, T, D]. */
export function padBatch(mats: readonly FeatureMatrix[], minFrames = 1): PaddedBatch {
  if (mats.length === 0) throw new Error('padBatch: empty batch');
  const D = mats[0].dim;
  const T = Math.max(minFrames, ...mats.map((m) => m.numFrames));
  const data = new Float32Array(mats.length * T * D);
  mats.forEach((m, b) => {
    if (m.dim !== D) throw new Error(`padBatch: item ${b} has dimension ${m.dim}, expected ${D}`);
    data.set(m.data.subarray(0, m.numFrames * D), b * T * D);
  });
  return { data, shape: [mats.length, T, D], lengths: Int32Array.from(mats, (m) => m.numFrames) };
}
