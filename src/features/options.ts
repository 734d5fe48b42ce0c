import { AsrError } from '../util/errors.js';

export type WindowType = 'povey' | 'hamming' | 'hanning' | 'rectangular' | 'blackman';
export const WINDOW_TYPES: readonly WindowType[] = ['povey', 'hamming', 'hanning', 'rectangular', 'blackman'];

/**
 * Framing and per-frame signal processing, as Kaldi's FrameExtractionOptions and torchaudio.compliance.kaldi name
 * them (camelCase). Times are in milliseconds, frequencies in Hz.
 */
export interface FrameOptions {
  sampleFrequency: number;
  frameLength: number;
  frameShift: number;
  /** Gaussian noise of this standard deviation (in the input's units) added to each frame; 0 turns it off. */
  dither: number;
  preemphasisCoefficient: number;
  removeDcOffset: boolean;
  windowType: WindowType;
  blackmanCoeff: number;
  roundToPowerOfTwo: boolean;
  /** true: only frames that fit in the signal; false: (n + shift/2) / shift frames with reflected edges. */
  snipEdges: boolean;
  /** Seed of the dither noise, so features are reproducible. */
  ditherSeed: number;
}

/** Mel filterbank options (Kaldi MelBanksOptions), including VTLN warping. */
export interface MelOptions {
  numMelBins: number;
  lowFreq: number;
  /** <= 0 means offset from Nyquist (0 = Nyquist). */
  highFreq: number;
  vtlnLow: number;
  /** < 0 means offset from Nyquist. */
  vtlnHigh: number;
  vtlnWarp: number;
}

export interface EnergyOptions {
  useEnergy: boolean;
  /** Energy before pre-emphasis and windowing (true) or after (false). */
  rawEnergy: boolean;
  /** Floor on the energy (not its log); 0 means none beyond float32 epsilon. */
  energyFloor: number;
  /** Put energy last (HTK) instead of first; for MFCC also moves C0 last. */
  htkCompat: boolean;
}

export interface FbankOptions extends FrameOptions, MelOptions, EnergyOptions {
  useLogFbank: boolean;
  usePower: boolean;
  subtractMean: boolean;
  /** Utterances shorter than this (seconds) give no frames. */
  minDuration: number;
  /**
   * Multiplier applied to [-1, 1) float samples before processing. Kaldi works on int16 values, so the default 32768
   * makes features equal to compute-fbank-feats on the same WAV; use 1 to match features of raw floats.
   */
  inputScale: number;
}

export interface MfccOptions extends FbankOptions {
  numCeps: number;
  cepstralLifter: number;
}

const FRAME_DEFAULTS: FrameOptions = {
  sampleFrequency: 16000,
  frameLength: 25,
  frameShift: 10,
  dither: 0,
  preemphasisCoefficient: 0.97,
  removeDcOffset: true,
  windowType: 'povey',
  blackmanCoeff: 0.42,
  roundToPowerOfTwo: true,
  snipEdges: true,
  ditherSeed: 0,
};

/** Kaldi compute-fbank-feats defaults, except dither 0 (reproducible by default). */
export const FBANK_DEFAULTS: Readonly<FbankOptions> = {
  ...FRAME_DEFAULTS,
  numMelBins: 23,
  lowFreq: 20,
  highFreq: 0,
  vtlnLow: 100,
  vtlnHigh: -500,
  vtlnWarp: 1,
  useEnergy: false,
  rawEnergy: true,
  energyFloor: 0,
  htkCompat: false,
  useLogFbank: true,
  usePower: true,
  subtractMean: false,
  minDuration: 0,
  inputScale: 32768,
};

/** Kaldi compute-mfcc-feats defaults (use_energy true), except dither 0. */
export const MFCC_DEFAULTS: Readonly<MfccOptions> = {
  ...FBANK_DEFAULTS,
  useEnergy: true,
  numCeps: 13,
  cepstralLifter: 22,
};

/** Number of samples in a window and between windows, as Kaldi computes them (truncating). */
export function frameGeometry(o: FrameOptions): { windowSize: number; windowShift: number; paddedSize: number } {
  const windowSize = Math.trunc(o.sampleFrequency * o.frameLength * 0.001);
  const windowShift = Math.trunc(o.sampleFrequency * o.frameShift * 0.001);
  const paddedSize = o.roundToPowerOfTwo ? nextPowerOfTwo(windowSize) : windowSize;
  return { windowSize, windowShift, paddedSize };
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Fills in defaults and rejects impossible settings with one clear message. */
export function resolveFbankOptions(partial: Partial<FbankOptions> = {}, base: Readonly<FbankOptions> = FBANK_DEFAULTS): FbankOptions {
  const o: FbankOptions = { ...base, ...dropUndefined(partial) };
  validateFbankOptions(o);
  return o;
}

export function resolveMfccOptions(partial: Partial<MfccOptions> = {}): MfccOptions {
  const o: MfccOptions = { ...MFCC_DEFAULTS, ...dropUndefined(partial) };
  validateFbankOptions(o);
  if (!Number.isInteger(o.numCeps) || o.numCeps < 1 || o.numCeps > o.numMelBins) {
    throw new AsrError(`num-ceps must be an integer in 1..num-mel-bins (${o.numMelBins}), got ${o.numCeps}`);
  }
  return o;
}

function dropUndefined<T extends object>(p: Partial<T>): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function validateFbankOptions(o: FbankOptions): void {
  const { windowSize, windowShift } = frameGeometry(o);
  const nyquist = o.sampleFrequency / 2;
  const high = o.highFreq <= 0 ? o.highFreq + nyquist : o.highFreq;
  const check = (ok: boolean, msg: string): void => {
    if (!ok) throw new AsrError(msg);
  };
  check(o.sampleFrequency > 0, `sample-frequency must be positive, got ${o.sampleFrequency}`);
  check(windowSize >= 2, `frame-length ${o.frameLength} ms gives a window of ${windowSize} samples (need at least 2)`);
  check(windowShift >= 1, `frame-shift ${o.frameShift} ms gives a shift of ${windowShift} samples (need at least 1)`);
  check(WINDOW_TYPES.includes(o.windowType), `window-type must be one of ${WINDOW_TYPES.join(', ')}, got '${o.windowType}'`);
  check(Number.isInteger(o.numMelBins) && o.numMelBins >= 3, `num-mel-bins must be an integer >= 3, got ${o.numMelBins}`);
  check(o.lowFreq >= 0 && o.lowFreq < nyquist, `low-freq must be in [0, ${nyquist}), got ${o.lowFreq}`);
  check(high > o.lowFreq && high <= nyquist, `high-freq ${o.highFreq} (= ${high} Hz) must lie in (low-freq, Nyquist ${nyquist}]`);
  check(o.dither >= 0, `dither must be >= 0, got ${o.dither}`);
  check(o.energyFloor >= 0, `energy-floor must be >= 0, got ${o.energyFloor}`);
  check(o.vtlnWarp > 0, `vtln-warp must be positive, got ${o.vtlnWarp}`);
  check(Number.isFinite(o.inputScale) && o.inputScale > 0, `input scale must be positive, got ${o.inputScale}`);
}
