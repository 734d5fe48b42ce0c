import { createRealSpectrum } from './spectrum.js';
import { periodicHannWindow } from './window.js';
import { htkMelFilterbank } from './mel.js';
import { orthoDctMatrix } from './dct.js';
import type { FeatureMatrix } from './matrix.js';

/**
 * The torchaudio.transforms convention (MelSpectrogram / MFCC), used by many PyTorch models: centred frames with
 * reflect padding, a periodic Hann window, HTK mel filters, no log. Input is the [-1, 1) waveform, not x32768.
 */
export interface MelSpectrogramOptions {
  sampleRate: number;
  nFft: number;
  winLength: number;
  hopLength: number;
  fMin: number;
  /** null means sampleRate / 2. */
  fMax: number | null;
  nMels: number;
  /** 2 for power, 1 for magnitude. */
  power: number;
  center: boolean;
}

export const MELSPECTROGRAM_DEFAULTS: Readonly<MelSpectrogramOptions> = {
  sampleRate: 16000,
  nFft: 400,
  winLength: 400,
  hopLength: 160,
  fMin: 0,
  fMax: null,
  nMels: 80,
  power: 2,
  center: true,
};

/** @returns mel power [frames, nMels]; frames = 1 + n / hop when centred. */
export function melSpectrogram(samples: Float32Array | Float64Array, options: Partial<MelSpectrogramOptions> = {}): FeatureMatrix {
  const o = { ...MELSPECTROGRAM_DEFAULTS, ...options };
  const { nFft, hopLength, nMels } = o;
  const pad = o.center ? nFft >> 1 : 0;
  const n = samples.length;
  const at = (i: number): number => {
    // torch 'reflect' padding mirrors without repeating the edge sample
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
    return samples[j];
  };
  const total = n + 2 * pad;
  const frames = total < nFft ? 0 : 1 + Math.floor((total - nFft) / hopLength);
  // the window is winLength long, centred inside nFft
  const win = new Float64Array(nFft);
  win.set(periodicHannWindow(o.winLength), (nFft - o.winLength) >> 1);
  const nFreqs = (nFft >> 1) + 1;
  const fb = htkMelFilterbank(nFreqs, o.fMin, o.fMax ?? o.sampleRate / 2, nMels, o.sampleRate);
  const spec = createRealSpectrum(nFft);
  const frame = new Float64Array(nFft);
  const mag = new Float64Array(nFreqs);
  const out = new Float32Array(frames * nMels);
  const acc = new Float64Array(nMels);
  for (let t = 0; t < frames; t++) {
    const first = t * hopLength - pad;
    for (let i = 0; i < nFft; i++) frame[i] = at(first + i) * win[i];
    spec.compute(frame, mag, false);
    acc.fill(0);
    for (let f = 0; f < nFreqs; f++) {
      const p = o.power === 1 ? mag[f] : Math.pow(mag[f], o.power);
      if (p === 0) continue;
      const row = f * nMels;
      for (let m = 0; m < nMels; m++) acc[m] += p * fb[row + m];
    }
    for (let m = 0; m < nMels; m++) out[t * nMels + m] = acc[m];
  }
  return { numFrames: frames, dim: nMels, data: out };
}

/**
 * torchaudio.transforms.MFCC (dct_type 2, norm 'ortho', log_mels false): power mel spectrogram to dB
 * (10 log10(max(x, 1e-10))), clamped from below at the utterance maximum minus topDb, then the orthonormal DCT.
 * @returns [frames, nMfcc]
 */
export function transformsMfcc(
  samples: Float32Array | Float64Array,
  nMfcc = 13,
  options: Partial<MelSpectrogramOptions> = {},
  topDb = 80,
): FeatureMatrix {
  const mel = melSpectrogram(samples, options);
  const { numFrames, dim } = mel;
  const db = new Float64Array(numFrames * dim);
  let max = -Infinity;
  for (let i = 0; i < db.length; i++) {
    db[i] = 10 * Math.log10(Math.max(mel.data[i], 1e-10));
    if (db[i] > max) max = db[i];
  }
  const floor = max - topDb;
  const dct = orthoDctMatrix(nMfcc, dim);
  const out = new Float32Array(numFrames * nMfcc);
  for (let t = 0; t < numFrames; t++) {
    for (let k = 0; k < nMfcc; k++) {
      let s = 0;
      for (let m = 0; m < dim; m++) s += Math.max(db[t * dim + m], floor) * dct[m * nMfcc + k];
      out[t * nMfcc + k] = s;
    }
  }
  return { numFrames, dim: nMfcc, data: out };
}
