import { fbank } from '../features/compute.js';
import type { FeatureMatrix } from '../features/matrix.js';
import { EDGE_PAD_LEVEL, padEdges, type EdgePad } from '../features/edge-pad.js';
import { shrinkUtteranceStats, type CmvnShrink } from '../features/cmvn-shrink.js';

/**
 * The acoustic front end every model of this toolkit is trained and run with: Kaldi fbank (25 ms / 10 ms frames,
 * `inputDim` mel bins, no dither, so features are reproducible) followed by per-utterance mean and variance
 * normalisation. Per-utterance CMVN was chosen over global statistics because it needs no statistics file in the
 * model directory and adapts to each recording's gain; the cost is that a streaming front end would need a
 * running estimate instead.
 */
export const SAMPLE_RATE = 16000;

/**
 * Mel filter band in Hz (highFreq 0: Nyquist), as Kaldi's low_freq/high_freq, and the seconds of quiet noise added
 * at each edge of every utterance (src/features/edge-pad.ts; 0 or absent: none), and the prior each utterance's
 * CMVN statistics are shrunk toward (src/features/cmvn-shrink.ts; absent: plain per-utterance CMVN).
 */
export interface FeatureBand {
  lowFreq: number;
  highFreq: number;
  edgePad?: number;
  cmvnShrink?: CmvnShrink;
}

export const FULL_BAND: FeatureBand = { lowFreq: 20, highFreq: 0 };

/** The edge padding a training front end adds (and its features.json declares), or null for none. */
function edgePadOf(band: FeatureBand): EdgePad | null {
  return (band.edgePad ?? 0) > 0 ? { seconds: band.edgePad as number, level: EDGE_PAD_LEVEL } : null;
}

/**
 * Raw log-mel features [frames, inputDim] of 16 kHz mono samples (before normalisation), edge padding included;
 * `vtlnWarp` other than 1 warps the mel axis (training's VTLN perturbation; models run with 1).
 */
export function rawFeatures(samples: Float32Array | Float64Array, inputDim: number, band: FeatureBand = FULL_BAND, vtlnWarp = 1): FeatureMatrix {
  const pad = edgePadOf(band);
  const input = pad ? padEdges(samples, SAMPLE_RATE, pad) : samples;
  return fbank(input, { numMelBins: inputDim, dither: 0, sampleFrequency: SAMPLE_RATE, lowFreq: band.lowFreq, highFreq: band.highFreq, vtlnWarp });
}

/**
 * Normalised features [frames, inputDim]: what the model reads. Per dimension (x - mean) / std over the
 * utterance, variance floored at 1e-5 (digital silence), the statistics shrunk toward `shrink` when given: the same
 * as src/features' "utterance" normalisation, which inference applies, and what featuresJson below declares.
 */
export function normalizeFeatures(m: FeatureMatrix, shrink?: CmvnShrink): FeatureMatrix {
  const { numFrames: T, dim: D } = m;
  const data = new Float32Array(m.data.length);
  if (T === 0) return { numFrames: T, dim: D, data };
  const mu = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let t = 0; t < T; t++) {
    for (let d = 0; d < D; d++) {
      const v = m.data[t * D + d];
      mu[d] += v;
      sq[d] += v * v;
    }
  }
  const std = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    mu[d] /= T;
    std[d] = Math.sqrt(Math.max(sq[d] / T - mu[d] * mu[d], 1e-5));
  }
  if (shrink !== undefined) shrinkUtteranceStats(mu, std, T, shrink);
  const inv = Float64Array.from(std, (v) => 1 / v);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) data[t * D + d] = (m.data[t * D + d] - mu[d]) * inv[d];
  return { numFrames: T, dim: D, data };
}

/** features.json of a trained model directory (the schema src/features/config-file.ts reads). */
export function featuresJson(inputDim: number, band: FeatureBand = FULL_BAND): string {
  const options = band.lowFreq === FULL_BAND.lowFreq && band.highFreq === FULL_BAND.highFreq
    ? { numMelBins: inputDim }
    : { numMelBins: inputDim, lowFreq: band.lowFreq, highFreq: band.highFreq };
  const edgePad = edgePadOf(band);
  const shrink = band.cmvnShrink;
  return JSON.stringify({ type: 'fbank', options, normalize: 'utterance', ...(shrink ? { cmvnShrink: shrink } : {}), ...(edgePad ? { edgePad } : {}) }, null, 2) + '\n';
}

/** {@link rawFeatures} then {@link normalizeFeatures}. */
export function modelFeatures(samples: Float32Array | Float64Array, inputDim: number, band: FeatureBand = FULL_BAND): FeatureMatrix {
  return normalizeFeatures(rawFeatures(samples, inputDim, band), band.cmvnShrink);
}

/** Fbank frames for `seconds` of audio (snip_edges: (n - 400) / 160 + 1), used to estimate lengths from durations. */
export function framesForDuration(seconds: number): number {
  const n = Math.round(seconds * SAMPLE_RATE);
  return n < 400 ? 0 : Math.floor((n - 400) / 160) + 1;
}
