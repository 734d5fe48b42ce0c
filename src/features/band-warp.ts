import type { Rng } from '../util/random.js';
import type { FeatureMatrix } from './matrix.js';

/**
 * Band warping of raw log-mel features (before CMVN), for training: the mel-band axis of an utterance is remapped by
 * a random monotone piecewise-linear function, so each stretch of the spectrum moves by its own amount. VTLN
 * perturbation scales every formant by one factor; a real speaker's vowels differ from a synthetic voice's each in
 * its own way (the digits model's errors on FSDD are per-speaker vowel confusions: one speaker's "six" read as
 * "eight" 41 times in 500, another's "three" as "eight" 26 times).
 *
 * Knots sit evenly on the band axis (the first and last band stay fixed); each interior knot moves by a shift drawn
 * uniformly from [-maxShift, maxShift] bands. Output band b takes the input at the warped position, interpolated
 * linearly between the two nearest bands.
 *
 * Measured (stop 28): a 3-epoch digits pass with prob 0.5, 4 knots, maxShift 1.5 took FSDD per clip 13.30 -> 12.47 %
 * (one-digit grammar) but the reserved festival strings 2.49 -> 3.43 %, so the shipped model does not use it
 * (recipes/digits/README.md).
 */
export interface BandWarpOptions {
  /** Probability that an utterance is warped. */
  prob: number;
  /** Interior knots (at least 1). */
  knots: number;
  /** Largest shift of a knot, in bands; below half the knots' spacing, so the map stays increasing. */
  maxShift: number;
}

/** Problems with `o` for a feature dimension of `dim`, or [] when it is usable. */
export function bandWarpProblems(o: BandWarpOptions, dim: number): string[] {
  const out: string[] = [];
  if (!(o.prob >= 0 && o.prob <= 1)) out.push(`prob must be in [0, 1], got ${o.prob}`);
  if (!(Number.isInteger(o.knots) && o.knots >= 1)) out.push(`knots must be an integer >= 1, got ${o.knots}`);
  else if (!(o.maxShift >= 0 && o.maxShift < (dim - 1) / (o.knots + 1) / 2)) {
    out.push(`maxShift must be in [0, ${((dim - 1) / (o.knots + 1) / 2).toFixed(2)}) for ${o.knots} knots over ${dim} bands (half their spacing), got ${o.maxShift}`);
  }
  return out;
}

/**
 * The source position (fractional band) of each of `dim` output bands for knot shifts `shifts` (one per interior
 * knot, in bands): increasing, from 0 to dim - 1.
 */
export function bandWarpMap(dim: number, shifts: number[]): Float64Array {
  const n = shifts.length + 1;
  const step = (dim - 1) / n;
  // knot k sits at k * step on the output axis and reads from k * step + shift
  const xs = [0, ...shifts.map((_, k) => (k + 1) * step), dim - 1];
  const ys = [0, ...shifts.map((s, k) => (k + 1) * step + s), dim - 1];
  const src = new Float64Array(dim);
  let k = 0;
  for (let b = 0; b < dim; b++) {
    while (k < n - 1 && b > xs[k + 1]) k++;
    const t = (b - xs[k]) / (xs[k + 1] - xs[k]);
    src[b] = ys[k] + t * (ys[k + 1] - ys[k]);
  }
  return src;
}

/** `m` [frames, dim] with its band axis remapped through `src` (bandWarpMap). */
export function applyBandWarp(m: FeatureMatrix, src: Float64Array): FeatureMatrix {
  const { numFrames: T, dim: D } = m;
  const data = new Float32Array(T * D);
  const lo = new Int32Array(D);
  const w = new Float64Array(D);
  for (let b = 0; b < D; b++) {
    const p = Math.min(Math.max(src[b], 0), D - 1);
    lo[b] = Math.min(Math.floor(p), D - 2);
    w[b] = p - lo[b];
  }
  for (let t = 0; t < T; t++) {
    const o = t * D;
    for (let b = 0; b < D; b++) data[o + b] = (1 - w[b]) * m.data[o + lo[b]] + w[b] * m.data[o + lo[b] + 1];
  }
  return { data, numFrames: T, dim: D };
}

/** With probability `prob`, `m` band-warped by freshly drawn knot shifts; else `m` itself. */
export function bandWarp(m: FeatureMatrix, rng: Rng, o: BandWarpOptions): FeatureMatrix {
  if (m.dim < 2 || rng.uniform() >= o.prob) return m;
  const shifts = Array.from({ length: o.knots }, () => (2 * rng.uniform() - 1) * o.maxShift);
  return applyBandWarp(m, bandWarpMap(m.dim, shifts));
}
