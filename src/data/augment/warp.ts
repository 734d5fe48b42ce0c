import { createRealFft } from './fft.js';

const N = 512;
const HOP = 128;

/**
 * The piecewise-linear frequency warp of VTLN (as in Kaldi's VtlnWarpFreq, mirrored to the signal): frequencies below
 * a knee scale by `alpha`; above it a second line joins the knee to Nyquist so the band stays inside [0, Nyquist].
 * alpha > 1 moves formants up (a shorter vocal tract), alpha < 1 down.
 * Both directions, in units of the band (0 = DC, 1 = Nyquist).
 */
export function warpMap(alpha: number): { forward: (f: number) => number; inverse: (f: number) => number } {
  // knee on the output side; its source is knee/alpha, inside the band for either direction of alpha
  const knee = 0.85 * Math.min(1, alpha);
  const kneeIn = knee / alpha;
  return {
    forward: (f) => (f <= kneeIn ? f * alpha : knee + ((f - kneeIn) * (1 - knee)) / (1 - kneeIn)),
    inverse: (f) => (f <= knee ? f / alpha : kneeIn + ((f - knee) * (1 - kneeIn)) / (1 - knee)),
  };
}

function princarg(phase: number): number {
  return phase - 2 * Math.PI * Math.round(phase / (2 * Math.PI));
}

/**
 * Vocal-tract-length-like frequency warping of a waveform (VTLP, Jaitly & Hinton 2013, done on the signal instead of
 * the filterbank): a phase vocoder moves every spectral component from f to warp(f) and keeps the timing, so the
 * speaker sounds bigger or smaller (formants and pitch both move; duration does not). 512-point frames, hop 128,
 * square-root Hann windows; output phases advance at the warped instantaneous frequency of the source bin, which
 * keeps harmonics coherent across frames.
 * @param x [n] @returns [n]
 */
export function frequencyWarp(x: Float32Array, alpha: number): Float32Array {
  if (alpha === 1 || x.length === 0) return Float32Array.from(x);
  const half = N / 2;
  const { forward, inverse } = warpMap(alpha);
  const win = new Float64Array(N);
  for (let i = 0; i < N; i++) win[i] = Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N));
  // pad so the first and last samples sit under full frames
  const padded = new Float64Array(x.length + 2 * N);
  padded.set(x, N);
  const out = new Float64Array(padded.length);
  const norm = new Float64Array(padded.length);
  const fft = createRealFft(N);
  const frame = new Float64Array(N);
  const mag = new Float64Array(half + 1);
  const phase = new Float64Array(half + 1);
  const prevPhase = new Float64Array(half + 1);
  const instFreq = new Float64Array(half + 1);
  const outPhase = new Float64Array(half + 1);
  const spec = new Float64Array(2 * N);
  // source position (in bins) of every output bin, and nearest source bin
  const srcPos = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) srcPos[k] = inverse(k / half) * half;
  for (let start = 0; start + N <= padded.length; start += HOP) {
    for (let i = 0; i < N; i++) frame[i] = padded[start + i] * win[i];
    const X = fft.forward(frame);
    for (let j = 0; j <= half; j++) {
      const re = X[2 * j];
      const im = X[2 * j + 1];
      mag[j] = Math.hypot(re, im);
      phase[j] = Math.atan2(im, re);
      const expected = (2 * Math.PI * j * HOP) / N;
      // instantaneous frequency in units of the band (0..1)
      instFreq[j] = (expected + princarg(phase[j] - prevPhase[j] - expected)) / HOP / Math.PI;
      prevPhase[j] = phase[j];
    }
    spec.fill(0);
    for (let k = 0; k <= half; k++) {
      const s = srcPos[k];
      const j0 = Math.min(half, Math.floor(s));
      const j1 = Math.min(half, j0 + 1);
      const t = s - j0;
      const m = mag[j0] * (1 - t) + mag[j1] * t;
      const jn = t < 0.5 ? j0 : j1;
      const f = Math.min(1, Math.max(0, instFreq[jn]));
      outPhase[k] += HOP * Math.PI * forward(f);
      spec[2 * k] = m * Math.cos(outPhase[k]);
      spec[2 * k + 1] = m * Math.sin(outPhase[k]);
    }
    // DC and Nyquist are real
    spec[1] = 0;
    spec[2 * half + 1] = 0;
    for (let k = 1; k < half; k++) {
      spec[2 * (N - k)] = spec[2 * k];
      spec[2 * (N - k) + 1] = -spec[2 * k + 1];
    }
    const y = fft.inverse(spec);
    for (let i = 0; i < N; i++) {
      out[start + i] += y[i] * win[i];
      norm[start + i] += win[i] * win[i];
    }
  }
  const result = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const w = norm[i + N];
    result[i] = w > 1e-6 ? out[i + N] / w : 0;
  }
  return result;
}
