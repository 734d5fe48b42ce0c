import type { Rng } from '../util/random.js';
import { frameMeans, type FeatureMatrix } from './matrix.js';

/**
 * Final lengthening of raw log-mel features (before CMVN), for training: the last stretch of speech of an
 * utterance (its final syllable, roughly) is slowed down by a random factor, as people and some voices lengthen the
 * end of a phrase. The synthetic training voices end their strings crisply; the reserved flite voice `slt` holds
 * the final /i:/ of "three" for about 360 ms, which the digits model heard as "three eight" (7 of its 23 errors on
 * the reserved flite strings), and a lone digit said by a person is phrase-final by definition (FSDD's most frequent
 * confusions are "six" as "eight" and "four" as "oh").
 *
 * The speech's end is the last frame whose mean log energy over the bands is above the midpoint between the
 * utterance's 10th percentile and its maximum; the `minFrames`-`maxFrames` frames (drawn) up to it are resampled
 * by linear interpolation along time to `factor` times as many (drawn uniformly from [1, maxFactor]); the frames
 * before and after are kept as they are.
 */
export interface FinalLengtheningOptions {
  /** Probability that an utterance is lengthened. */
  prob: number;
  /** Largest stretch factor (>= 1). */
  maxFactor: number;
  /** Frames (10 ms) of the stretched region: drawn uniformly in [minFrames, maxFrames]. */
  minFrames: number;
  maxFrames: number;
}

/** Index of the last frame of speech in `m` (see FinalLengtheningOptions), or -1 for an empty matrix. */
export function speechEndFrame(m: FeatureMatrix): number {
  const T = m.numFrames;
  if (T === 0) return -1;
  const e = frameMeans(m);
  const sorted = Float64Array.from(e).sort();
  const lo = sorted[Math.floor(0.1 * (T - 1))];
  const hi = sorted[T - 1];
  const thr = (lo + hi) / 2;
  for (let t = T - 1; t >= 0; t--) if (e[t] >= thr) return t;
  return T - 1;
}

/**
 * `m` with frames [start, start + length) resampled to `newLength` frames (linear interpolation along time, the
 * region's first and last frames kept); the frames around it unchanged.
 */
export function stretchFrames(m: FeatureMatrix, start: number, length: number, newLength: number): FeatureMatrix {
  const D = m.dim;
  const T = m.numFrames;
  const out = new Float32Array((T - length + newLength) * D);
  out.set(m.data.subarray(0, start * D), 0);
  for (let j = 0; j < newLength; j++) {
    const pos = newLength === 1 ? 0 : (j * (length - 1)) / (newLength - 1);
    const a = Math.floor(pos);
    const b = Math.min(a + 1, length - 1);
    const w = pos - a;
    const ra = (start + a) * D;
    const rb = (start + b) * D;
    const o = (start + j) * D;
    for (let d = 0; d < D; d++) out[o + d] = (1 - w) * m.data[ra + d] + w * m.data[rb + d];
  }
  out.set(m.data.subarray((start + length) * D), (start + newLength) * D);
  return { numFrames: T - length + newLength, dim: D, data: out };
}

/** With probability `prob`, `m` with its final stretch of speech lengthened by a drawn factor; else `m` itself. */
export function finalLengthening(m: FeatureMatrix, rng: Rng, o: FinalLengtheningOptions): FeatureMatrix {
  if (m.numFrames < 2 || rng.uniform() >= o.prob) return m;
  const end = speechEndFrame(m);
  const want = rng.int(o.minFrames, o.maxFrames);
  const factor = 1 + rng.uniform() * (o.maxFactor - 1);
  const length = Math.min(want, end + 1);
  if (length < 2) return m;
  return stretchFrames(m, end + 1 - length, length, Math.round(length * factor));
}
