import type { MelOptions } from './options.js';

/** Kaldi's mel scale: 1127 ln(1 + f/700). */
export function melScale(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

export function inverseMelScale(mel: number): number {
  return 700 * (Math.exp(mel / 1127) - 1);
}

/**
 * Kaldi's piecewise-linear VTLN frequency warp (MelBanks::VtlnWarpFreq): frequencies between the inflection points
 * are scaled by 1/warp; the two end segments bend so that lowFreq and highFreq stay fixed.
 */
export function vtlnWarpFreq(
  vtlnLow: number,
  vtlnHigh: number,
  lowFreq: number,
  highFreq: number,
  warp: number,
  freq: number,
): number {
  if (freq < lowFreq || freq > highFreq) return freq;
  const l = vtlnLow * Math.max(1, warp);
  const h = vtlnHigh * Math.min(1, warp);
  const scale = 1 / warp;
  const fl = scale * l;
  const fh = scale * h;
  if (freq < l) return lowFreq + ((fl - lowFreq) / (l - lowFreq)) * (freq - lowFreq);
  if (freq < h) return scale * freq;
  return highFreq + ((highFreq - fh) / (highFreq - h)) * (freq - highFreq);
}

/** Triangular filters over FFT bins, stored sparsely: filter b covers bins [start[b], start[b] + weights[b].length). */
export interface MelBanks {
  numBins: number;
  /** FFT size the filters were built for; filters cover bins 0..paddedSize/2 - 1 (Nyquist gets weight 0). */
  paddedSize: number;
  start: Int32Array;
  weights: Float64Array[];
  /** Center frequencies in Hz, [numBins]. */
  centerFreqs: Float64Array;
}

/**
 * Kaldi's mel filterbank (mel-computations.cc; torchaudio.compliance.kaldi.get_mel_banks): numBins triangles equally
 * spaced on the mel scale between lowFreq and highFreq, evaluated at FFT bin frequencies k * fs / paddedSize for
 * k < paddedSize / 2. With VTLN the triangle corners move by the warp.
 */
export function kaldiMelBanks(o: MelOptions, sampleFrequency: number, paddedSize: number): MelBanks {
  const numFftBins = paddedSize >> 1;
  const nyquist = 0.5 * sampleFrequency;
  const highFreq = o.highFreq <= 0 ? o.highFreq + nyquist : o.highFreq;
  const vtlnHigh = o.vtlnHigh < 0 ? o.vtlnHigh + nyquist : o.vtlnHigh;
  const binWidth = sampleFrequency / paddedSize;
  const melLow = melScale(o.lowFreq);
  const melHigh = melScale(highFreq);
  const delta = (melHigh - melLow) / (o.numMelBins + 1);
  const warp = (mel: number): number =>
    o.vtlnWarp === 1 ? mel : melScale(vtlnWarpFreq(o.vtlnLow, vtlnHigh, o.lowFreq, highFreq, o.vtlnWarp, inverseMelScale(mel)));
  const fftMel = new Float64Array(numFftBins);
  for (let k = 0; k < numFftBins; k++) fftMel[k] = melScale(binWidth * k);
  const start = new Int32Array(o.numMelBins);
  const weights: Float64Array[] = [];
  const centerFreqs = new Float64Array(o.numMelBins);
  for (let b = 0; b < o.numMelBins; b++) {
    const left = warp(melLow + b * delta);
    const center = warp(melLow + (b + 1) * delta);
    const right = warp(melLow + (b + 2) * delta);
    centerFreqs[b] = inverseMelScale(center);
    const full = new Float64Array(numFftBins);
    let first = -1;
    let last = -1;
    for (let k = 0; k < numFftBins; k++) {
      const m = fftMel[k];
      let w = 0;
      if (o.vtlnWarp === 1) {
        w = Math.max(0, Math.min((m - left) / (center - left), (right - m) / (right - center)));
      } else if (m > left && m <= center) {
        w = (m - left) / (center - left);
      } else if (m > center && m < right) {
        w = (right - m) / (right - center);
      }
      full[k] = w;
      if (w > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    start[b] = first < 0 ? 0 : first;
    weights.push(first < 0 ? new Float64Array(0) : full.slice(first, last + 1));
  }
  return { numBins: o.numMelBins, paddedSize, start, weights, centerFreqs };
}

/** Dense [numBins, paddedSize/2] copy of the banks, the layout torchaudio's get_mel_banks returns. */
export function denseMelBanks(banks: MelBanks): Float64Array {
  const cols = banks.paddedSize >> 1;
  const out = new Float64Array(banks.numBins * cols);
  for (let b = 0; b < banks.numBins; b++) out.set(banks.weights[b], b * cols + banks.start[b]);
  return out;
}

/** HTK mel scale: 2595 log10(1 + f/700) (torchaudio's mel_scale='htk'). */
export function htkMelScale(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function inverseHtkMelScale(mel: number): number {
  return 700 * (Math.pow(10, mel / 2595) - 1);
}

/**
 * torchaudio.functional.melscale_fbanks(nFreqs, fMin, fMax, nMels, sampleRate, norm=None, mel_scale='htk'):
 * [nFreqs, nMels], triangles whose corners are equally spaced on the HTK mel scale, evaluated at nFreqs linearly
 * spaced frequencies from 0 to sampleRate/2.
 */
export function htkMelFilterbank(nFreqs: number, fMin: number, fMax: number, nMels: number, sampleRate: number): Float64Array {
  const melMin = htkMelScale(fMin);
  const melMax = htkMelScale(fMax);
  const fPts = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) fPts[i] = inverseHtkMelScale(melMin + ((melMax - melMin) * i) / (nMels + 1));
  const fb = new Float64Array(nFreqs * nMels);
  for (let f = 0; f < nFreqs; f++) {
    const freq = nFreqs === 1 ? 0 : ((sampleRate / 2) * f) / (nFreqs - 1);
    for (let m = 0; m < nMels; m++) {
      const down = (freq - fPts[m]) / (fPts[m + 1] - fPts[m]);
      const up = (fPts[m + 2] - freq) / (fPts[m + 2] - fPts[m + 1]);
      fb[f * nMels + m] = Math.max(0, Math.min(down, up));
    }
  }
  return fb;
}
