import type { Rng } from '../../util/random.js';
import { fftConvolve } from './fft.js';

export interface ReverbParams {
  /** Time for the reverberant tail to fall by 60 dB, seconds. */
  rt60: number;
  /** Direct-to-reverberant energy ratio, dB (high = dry, near talker; low = far talker). */
  drrDb: number;
  /** Gap between the direct sound and the tail, ms (room size). */
  predelayMs: number;
}

/**
 * A synthetic room impulse response: a unit direct path, then after the pre-delay exponentially decaying noise
 * (the diffuse tail of a real room is close to that), slightly low-passed as air and walls absorb high frequencies,
 * and scaled to the requested direct-to-reverberant ratio.
 * @returns [length] at `sampleRate`
 */
export function roomImpulseResponse(p: ReverbParams, sampleRate: number, rng: Rng): Float32Array {
  const len = Math.ceil(Math.min(1.2, p.rt60 * 1.2) * sampleRate) + 1;
  const h = new Float32Array(len);
  h[0] = 1;
  const start = Math.max(1, Math.round((p.predelayMs / 1000) * sampleRate));
  const decay = 6.907755 / (p.rt60 * sampleRate); // ln(1000): amplitude down 60 dB at rt60
  let smooth = 0;
  let energy = 0;
  for (let i = start; i < len; i++) {
    smooth = 0.6 * smooth + 0.4 * rng.normal();
    h[i] = smooth * Math.exp(-decay * (i - start));
    energy += h[i] * h[i];
  }
  const g = energy > 0 ? Math.sqrt(10 ** (-p.drrDb / 10) / energy) : 0;
  for (let i = start; i < len; i++) h[i] *= g;
  return h;
}

/** Convolves `x` with the room response; output has x's length (the tail past the end is cut). @returns [n] */
export function applyReverb(x: Float32Array, h: Float32Array): Float32Array {
  return fftConvolve(x, h).slice(0, x.length);
}
