import { resample } from '../../audio/index.js';
import { butterworth, filterBiquads } from './biquad.js';

/**
 * The analogue telephone channel: 300-3400 Hz, as 4th-order Butterworth high- and low-pass (two sections each).
 * @param x [n] at `sampleRate` @returns [n]
 */
export function telephoneBand(x: Float32Array, sampleRate: number): Float32Array {
  const hp = butterworth('highpass', 300, sampleRate);
  const lp = butterworth('lowpass', 3400, sampleRate);
  return filterBiquads(x, [hp, hp, lp, lp]);
}

const MU = 255;

/**
 * 8-bit mu-law companding and back (the continuous mu = 255 law with 256 levels, what G.711 approximates with
 * segments): the quantization noise of a digital phone line. @param x [n] in [-1, 1] @returns [n]
 */
export function mulawRoundTrip(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  const lnMu = Math.log1p(MU);
  for (let i = 0; i < x.length; i++) {
    const v = Math.max(-1, Math.min(1, x[i]));
    const c = (Math.sign(v) * Math.log1p(MU * Math.abs(v))) / lnMu;
    // 256 levels over [-1, 1]
    const q = Math.max(-128, Math.min(127, Math.round(c * 127.5 - 0.5))) + 0.5;
    const cq = q / 127.5;
    y[i] = (Math.sign(cq) * Math.expm1(Math.abs(cq) * lnMu)) / MU;
  }
  return y;
}

/**
 * Down to `lowRate` and back up (torchaudio's sinc resampler both ways), so the band above lowRate/2 is gone as in
 * real narrow-band recordings. Output has x's length. @param x [n] @returns [n]
 */
export function narrowbandRoundTrip(x: Float32Array, sampleRate: number, lowRate = 8000, codec?: (y: Float32Array) => Float32Array): Float32Array {
  let low: Float32Array = Float32Array.from(resample(x, sampleRate, lowRate));
  if (codec) low = codec(low);
  const back = resample(low, lowRate, sampleRate);
  const out = new Float32Array(x.length);
  out.set(back.subarray(0, Math.min(back.length, x.length)));
  return out;
}
