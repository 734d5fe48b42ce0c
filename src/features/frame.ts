import type { FbankOptions, MfccOptions } from './options.js';
import { frameGeometry } from './options.js';
import { featureWindow } from './window.js';
import { createRealSpectrum } from './spectrum.js';
import { kaldiMelBanks, type MelBanks } from './mel.js';
import { orthoDctMatrix, cepstralLifter } from './dct.js';
import { createRng, type Rng } from '../util/random.js';

/** float32 machine epsilon: Kaldi and torchaudio floor log energies with it, whatever the compute precision. */
export const FLOAT32_EPS = 1.1920928955078125e-7;
const LOG_EPS = Math.log(FLOAT32_EPS);

/**
 * Turns one window of samples into one feature vector, Kaldi's way (feature-window.cc ProcessWindow, then
 * feature-fbank.cc / feature-mfcc.cc Compute). All arithmetic is float64; the result is stored as float32.
 */
export interface FrameComputer {
  readonly dim: number;
  readonly windowSize: number;
  readonly windowShift: number;
  /** window: [windowSize] samples already multiplied by inputScale; out receives [dim] values at offset. */
  compute(window: Float64Array, out: Float32Array, offset: number): void;
}

interface Stages {
  windowSize: number;
  paddedSize: number;
  buf: Float64Array;
  spectrum: Float64Array;
  windowFn: Float64Array;
  spec: ReturnType<typeof createRealSpectrum>;
  banks: MelBanks;
  rng: Rng | null;
}

function makeStages(o: FbankOptions): Stages {
  const { windowSize, paddedSize } = frameGeometry(o);
  return {
    windowSize,
    paddedSize,
    buf: new Float64Array(paddedSize),
    spectrum: new Float64Array((paddedSize >> 1) + 1),
    windowFn: featureWindow(o.windowType, windowSize, o.blackmanCoeff),
    spec: createRealSpectrum(paddedSize),
    banks: kaldiMelBanks(o, o.sampleFrequency, paddedSize),
    rng: o.dither > 0 ? createRng(o.ditherSeed) : null,
  };
}

/**
 * Dither, DC removal, raw energy, pre-emphasis, windowing, zero padding and the spectrum; then the log mel energies
 * into `mel` [numBins]. Returns the log energy (raw or windowed as the options say).
 * Options are read into locals once per call and the sample passes are fused: this runs once per 10 ms frame and
 * property lookups on the options object showed up in profiles.
 */
function processWindow(o: FbankOptions, s: Stages, window: Float64Array, mel: Float64Array): number {
  const { buf, windowSize: n, paddedSize, rng, windowFn: w } = s;
  const useEnergy = o.useEnergy;
  const rawEnergy = o.rawEnergy;
  const energyFloor = o.energyFloor;
  let mean = 0;
  if (rng) {
    const d = o.dither;
    for (let i = 0; i < n; i++) {
      const v = window[i] + d * rng.normal();
      buf[i] = v;
      mean += v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = window[i];
      buf[i] = v;
      mean += v;
    }
  }
  mean = o.removeDcOffset ? mean / n : 0;
  let logEnergy = 0;
  if (useEnergy && rawEnergy) {
    let e = 0;
    for (let i = 0; i < n; i++) {
      const v = buf[i] - mean;
      e += v * v;
    }
    logEnergy = floorLogEnergy(e, energyFloor);
  }
  // DC removal, pre-emphasis (backwards, from the DC-removed neighbour) and the window in one pass
  const c = o.preemphasisCoefficient;
  let next = buf[n - 1] - mean;
  for (let i = n - 1; i > 0; i--) {
    const prev = buf[i - 1] - mean;
    buf[i] = (next - c * prev) * w[i];
    next = prev;
  }
  buf[0] = (next - c * next) * w[0];
  for (let i = n; i < paddedSize; i++) buf[i] = 0;
  if (useEnergy && !rawEnergy) logEnergy = frameLogEnergy(buf, paddedSize, energyFloor);
  const spectrum = s.spectrum;
  s.spec.compute(buf, spectrum, o.usePower);
  const { start, weights, numBins } = s.banks;
  const useLog = o.useLogFbank;
  for (let b = 0; b < numBins; b++) {
    const wts = weights[b];
    const st = start[b];
    let e = 0;
    for (let k = 0; k < wts.length; k++) e += wts[k] * spectrum[st + k];
    mel[b] = useLog ? (e > FLOAT32_EPS ? Math.log(e) : LOG_EPS) : e;
  }
  return logEnergy;
}

function floorLogEnergy(e: number, energyFloor: number): number {
  const logE = Math.log(Math.max(e, FLOAT32_EPS));
  return energyFloor > 0 ? Math.max(logE, Math.log(energyFloor)) : logE;
}

function frameLogEnergy(buf: Float64Array, n: number, energyFloor: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) e += buf[i] * buf[i];
  return floorLogEnergy(e, energyFloor);
}

/** Log mel filterbank frames: [numMelBins] or [numMelBins + 1] with energy (first, or last with htkCompat). */
export function fbankFrameComputer(o: FbankOptions): FrameComputer {
  const s = makeStages(o);
  const { windowShift } = frameGeometry(o);
  const nb = o.numMelBins;
  const mel = new Float64Array(nb);
  const dim = nb + (o.useEnergy ? 1 : 0);
  const melOffset = o.useEnergy && !o.htkCompat ? 1 : 0;
  return {
    dim,
    windowSize: s.windowSize,
    windowShift,
    compute(window, out, offset) {
      const logE = processWindow(o, s, window, mel);
      for (let b = 0; b < nb; b++) out[offset + melOffset + b] = mel[b];
      if (o.useEnergy) out[offset + (o.htkCompat ? nb : 0)] = logE;
    },
  };
}

/** MFCC frames: DCT of the log mel energies, liftered; C0 replaced by log energy when useEnergy; HTK order on request. */
export function mfccFrameComputer(o: MfccOptions): FrameComputer {
  const s = makeStages({ ...o, useLogFbank: true, usePower: true });
  const { windowShift } = frameGeometry(o);
  const nb = o.numMelBins;
  const nc = o.numCeps;
  const mel = new Float64Array(nb);
  const ceps = new Float64Array(nc);
  const dct = orthoDctMatrix(nc, nb); // Kaldi's MFCC DCT is the orthonormal DCT-II, [nb, nc]
  const lifter = o.cepstralLifter !== 0 ? cepstralLifter(nc, o.cepstralLifter) : null;
  const po = { ...o, useLogFbank: true, usePower: true };
  return {
    dim: nc,
    windowSize: s.windowSize,
    windowShift,
    compute(window, out, offset) {
      const logE = processWindow(po, s, window, mel);
      ceps.fill(0);
      for (let b = 0; b < nb; b++) {
        const v = mel[b];
        const row = b * nc;
        for (let k = 0; k < nc; k++) ceps[k] += v * dct[row + k];
      }
      if (lifter) for (let k = 0; k < nc; k++) ceps[k] *= lifter[k];
      if (o.useEnergy) ceps[0] = logE;
      if (o.htkCompat) {
        // HTK order: C1..C(n-1), then C0 (or energy) last; plain C0 gets Kaldi's sqrt(2) HTK scaling.
        const c0 = o.useEnergy ? ceps[0] : ceps[0] * Math.SQRT2;
        for (let k = 1; k < nc; k++) out[offset + k - 1] = ceps[k];
        out[offset + nc - 1] = c0;
      } else {
        for (let k = 0; k < nc; k++) out[offset + k] = ceps[k];
      }
    },
  };
}
