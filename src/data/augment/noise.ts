import type { Rng } from '../../util/random.js';

export const NOISE_TYPES = ['white', 'pink', 'brown'] as const;
export type NoiseType = (typeof NOISE_TYPES)[number];

/**
 * Seeded coloured noise of unit power. Pink: white noise through Paul Kellet's economy filter (-3 dB/octave within
 * about 1 dB over the audio band); brown: leaky integration of white (-6 dB/octave above ~5 Hz).
 * @returns [n]
 */
export function colouredNoise(type: NoiseType, n: number, rng: Rng): Float32Array {
  const out = new Float64Array(n);
  if (type === 'white') {
    for (let i = 0; i < n; i++) out[i] = rng.normal();
  } else if (type === 'pink') {
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    for (let i = 0; i < n; i++) {
      const w = rng.normal();
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = b0 + b1 + b2 + w * 0.1848;
    }
  } else {
    let b = 0;
    for (let i = 0; i < n; i++) {
      b = 0.998 * b + 0.05 * rng.normal();
      out[i] = b;
    }
  }
  let p = 0;
  for (let i = 0; i < n; i++) p += out[i] * out[i];
  const g = p > 0 ? 1 / Math.sqrt(p / n) : 0;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = out[i] * g;
  return y;
}

/**
 * Mean power of the speech in `x`: over 20 ms frames (at 16 kHz) within 30 dB of the loudest, so the pauses a
 * synthesizer leaves do not dilute it and an SNR means what a listener would take it to mean.
 */
export function activePower(x: Float32Array, frame = 320): number {
  const energies: number[] = [];
  for (let s = 0; s + frame <= x.length; s += frame) {
    let e = 0;
    for (let i = s; i < s + frame; i++) e += x[i] * x[i];
    energies.push(e / frame);
  }
  if (energies.length === 0) {
    let e = 0;
    for (let i = 0; i < x.length; i++) e += x[i] * x[i];
    return x.length ? e / x.length : 0;
  }
  const floor = Math.max(...energies) * 1e-3;
  const active = energies.filter((e) => e >= floor);
  return active.reduce((a, b) => a + b, 0) / active.length;
}

/** Adds `noise` (unit power, same length) to `x` at `snrDb` relative to x's active power. @returns [n] new array */
export function addNoise(x: Float32Array, noise: Float32Array, snrDb: number): Float32Array {
  const gain = Math.sqrt(activePower(x) / 10 ** (snrDb / 10));
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] + gain * noise[i];
  return y;
}
