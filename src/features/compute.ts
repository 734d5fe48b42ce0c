import type { FbankOptions, MfccOptions } from './options.js';
import { resolveFbankOptions, resolveMfccOptions } from './options.js';
import { createFeatureExtractor, type FeatureType } from './extractor.js';
import { concatFrames, type FeatureMatrix } from './matrix.js';
import { AsrError } from '../util/errors.js';

/**
 * Kaldi-compatible log mel filterbank (compute-fbank-feats, torchaudio.compliance.kaldi.fbank).
 * @param samples [n] mono samples in [-1, 1) (multiplied by options.inputScale, default 32768, as Kaldi reads int16)
 * @returns [numFrames, numMelBins (+1 with useEnergy)]
 */
export function fbank(samples: Float32Array | Float64Array, options: Partial<FbankOptions> = {}): FeatureMatrix {
  return computeFeatures('fbank', samples, options);
}

/**
 * Kaldi-compatible MFCC (compute-mfcc-feats, torchaudio.compliance.kaldi.mfcc).
 * @returns [numFrames, numCeps]
 */
export function mfcc(samples: Float32Array | Float64Array, options: Partial<MfccOptions> = {}): FeatureMatrix {
  return computeFeatures('mfcc', samples, options);
}

export function computeFeatures(
  type: FeatureType,
  samples: Float32Array | Float64Array,
  options: Partial<MfccOptions> = {},
): FeatureMatrix {
  const o: FbankOptions = type === 'mfcc' ? resolveMfccOptions(options) : resolveFbankOptions(options);
  const ex = createFeatureExtractor(type, { ...options, subtractMean: false });
  if (samples.length / o.sampleFrequency < o.minDuration) return { numFrames: 0, dim: ex.dim, data: new Float32Array(0) };
  const head = ex.accept(samples);
  const tail = ex.flush();
  const m = concatFrames([head, tail], ex.dim);
  if (o.subtractMean) subtractColumnMean(m);
  return m;
}

/** Subtracts each column's mean over frames, in place (Kaldi --subtract-mean). */
export function subtractColumnMean(m: FeatureMatrix): void {
  if (m.numFrames === 0) return;
  const mean = new Float64Array(m.dim);
  for (let t = 0; t < m.numFrames; t++) for (let d = 0; d < m.dim; d++) mean[d] += m.data[t * m.dim + d];
  for (let d = 0; d < m.dim; d++) mean[d] /= m.numFrames;
  for (let t = 0; t < m.numFrames; t++) for (let d = 0; d < m.dim; d++) m.data[t * m.dim + d] -= mean[d];
}

/** Throws a clear error when audio and options disagree on the sample rate. */
export function checkSampleRate(file: string, rate: number, o: { sampleFrequency: number }): void {
  if (rate !== o.sampleFrequency) {
    throw new AsrError(`${file}: sample rate ${rate} Hz differs from sample-frequency ${o.sampleFrequency} Hz (resample first)`);
  }
}
