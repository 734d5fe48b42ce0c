import type { FeatureMatrix } from './matrix.js';
import type { Rng } from '../util/random.js';

/** SpecAugment (Park et al. 2019): time warp, then frequency and time masks. */
export interface SpecAugmentOptions {
  numFreqMasks: number;
  /** Widest frequency mask, in bins. */
  freqMaskWidth: number;
  numTimeMasks: number;
  /** Widest time mask, in frames. */
  timeMaskWidth: number;
  /** Time masks are also capped at this fraction of the utterance (LibriSpeech policies use 0.05..0.2). */
  timeMaskMaxRatio: number;
  /** Time-warp radius W in frames (0 = off). */
  timeWarp: number;
  /** Value written into masked cells: 0 suits CMVN-normalised features; 'mean' uses the utterance mean. */
  maskValue: number | 'mean';
}

export const SPECAUGMENT_DEFAULTS: Readonly<SpecAugmentOptions> = {
  numFreqMasks: 2,
  freqMaskWidth: 27,
  numTimeMasks: 2,
  timeMaskWidth: 40,
  timeMaskMaxRatio: 0.2,
  timeWarp: 0,
  maskValue: 0,
};

/** Applies SpecAugment with a seeded generator; returns a new matrix [frames, dim]. */
export function specAugment(m: FeatureMatrix, rng: Rng, options: Partial<SpecAugmentOptions> = {}): FeatureMatrix {
  const o = { ...SPECAUGMENT_DEFAULTS, ...options };
  const { numFrames: T, dim: F } = m;
  let data: Float32Array = m.data.slice();
  if (T === 0) return { numFrames: T, dim: F, data };
  if (o.timeWarp > 0 && T > 2 * o.timeWarp + 1) data = timeWarp(data, T, F, o.timeWarp, rng);
  let fill = 0;
  if (o.maskValue === 'mean') {
    for (let i = 0; i < data.length; i++) fill += data[i];
    fill /= data.length;
  } else fill = o.maskValue;
  for (let k = 0; k < o.numFreqMasks; k++) {
    const w = rng.int(0, Math.min(o.freqMaskWidth, F));
    const f0 = rng.int(0, F - w);
    for (let t = 0; t < T; t++) data.fill(fill, t * F + f0, t * F + f0 + w);
  }
  const maxT = Math.min(o.timeMaskWidth, Math.floor(o.timeMaskMaxRatio * T));
  for (let k = 0; k < o.numTimeMasks; k++) {
    const w = rng.int(0, Math.max(0, maxT));
    const t0 = rng.int(0, T - w);
    data.fill(fill, t0 * F, (t0 + w) * F);
  }
  return { numFrames: T, dim: F, data };
}

/**
 * Piecewise-linear time warp: a random centre c moves to c + w (|w| <= W); the frames on each side are stretched or
 * squeezed by linear interpolation, so the length stays T.
 */
function timeWarp(data: Float32Array, T: number, F: number, W: number, rng: Rng): Float32Array {
  const c = rng.int(W, T - W - 1);
  const w = rng.int(-W, W);
  const dst = c + w;
  if (w === 0 || dst <= 0 || dst >= T - 1) return data;
  const out = new Float32Array(data.length);
  for (let t = 0; t < T; t++) {
    // source position of output frame t
    const src = t < dst ? (t * c) / dst : c + ((t - dst) * (T - 1 - c)) / (T - 1 - dst);
    const i0 = Math.floor(src);
    const i1 = Math.min(T - 1, i0 + 1);
    const a = src - i0;
    for (let f = 0; f < F; f++) out[t * F + f] = (1 - a) * data[i0 * F + f] + a * data[i1 * F + f];
  }
  return out;
}
