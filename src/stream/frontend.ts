import { createFeatureExtractor, type FeatureExtractor } from '../features/extractor.js';
import { resolveFbankOptions } from '../features/options.js';
import { featureDim, type FeatureConfig } from '../features/config-file.js';
import type { FeatureMatrix } from '../features/matrix.js';
import { createResampler, type StreamingResampler } from '../audio/resample.js';
import { AsrError } from '../util/errors.js';

/**
 * The streaming front end: samples at any rate -> (streaming resampler) -> chunked Kaldi features -> normalised
 * features [frames, dim]. It reads a model directory's `features.json` in the format training writes
 * ({"type", "options", "normalize"}). Per-utterance normalisation needs the whole utterance, so streaming
 * approximates it with statistics over a sliding window of recent frames (Kaldi's online CMVN without a prior):
 * each block of new frames is normalised with the mean and standard deviation of the last `cmvnWindow` frames
 * up to and including the block.
 */
export interface StreamFrontend {
  readonly dim: number;
  /** Feature sample rate (Hz). */
  readonly sampleRate: number;
  /** Seconds per feature frame. */
  readonly frameShift: number;
  /** samples at `rate` -> new normalised frames. */
  accept(samples: Float32Array | Float64Array, rate: number): FeatureMatrix;
  /** Ends the audio: the remaining frames. */
  flush(): FeatureMatrix;
  reset(): void;
}

/**
 * @param cmvnWindow frames of the sliding CMVN window (600 = 6 s)
 * @param warmupFrames with per-utterance normalisation, frames held back at the start of a stream until this many
 *   have been seen (or the audio ends), then normalised together: statistics of the first few frames alone (often
 *   silence) made the start of every stream decode badly. Costs this much latency once per stream, not per chunk.
 */
export function createStreamFrontend(config: FeatureConfig, cmvnWindow = 600, warmupFrames = 100): StreamFrontend {
  // dither off: inference must be deterministic
  const options = { ...config.options, dither: 0 };
  const fb = resolveFbankOptions(options);
  const sampleRate = fb.sampleFrequency;
  const frameShift = fb.frameShift / 1000;
  const dim = featureDim(config);
  let extractor: FeatureExtractor = createFeatureExtractor(config.type, options);
  let resampler: StreamingResampler | null = null;
  // Ring of recent raw frames for the sliding-window CMVN: [cmvnWindow, dim].
  const ring = new Float64Array(cmvnWindow * dim);
  let ringCount = 0;
  let ringPos = 0;
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  // raw frames held during warm-up: [heldFrames, dim]
  let held: Float32Array[] = [];
  let warm = warmupFrames <= 0;

  const normalize = (m: FeatureMatrix): FeatureMatrix => {
    const { numFrames: T, data } = m;
    const nz = config.normalize;
    if (nz === 'none' || T === 0) return m;
    if (nz !== 'utterance') {
      for (let t = 0; t < T; t++) for (let d = 0; d < dim; d++) data[t * dim + d] = (data[t * dim + d] - nz.mean[d]) / nz.std[d];
      return m;
    }
    return normalizeUtterance(m, false);
  };

  const normalizeUtterance = (m: FeatureMatrix, ending: boolean): FeatureMatrix => {
    const { numFrames: T, data } = m;
    for (let t = 0; t < T; t++) {
      const o = ringPos * dim;
      for (let d = 0; d < dim; d++) {
        const v = data[t * dim + d];
        if (ringCount === cmvnWindow) {
          const old = ring[o + d];
          sum[d] -= old;
          sq[d] -= old * old;
        }
        ring[o + d] = v;
        sum[d] += v;
        sq[d] += v * v;
      }
      ringPos = (ringPos + 1) % cmvnWindow;
      if (ringCount < cmvnWindow) ringCount++;
    }
    let out = m;
    if (!warm) {
      if (T > 0) held.push(data.slice());
      if (ringCount < warmupFrames && !ending) return { numFrames: 0, dim, data: new Float32Array(0) };
      warm = true;
      const total = held.reduce((a, h) => a + h.length, 0);
      const all = new Float32Array(total);
      let at = 0;
      for (const h of held) {
        all.set(h, at);
        at += h.length;
      }
      held = [];
      out = { numFrames: total / dim, dim, data: all };
    }
    const n = out.numFrames;
    const od = out.data;
    if (ringCount === 0) return out;
    for (let d = 0; d < dim; d++) {
      const mu = sum[d] / ringCount;
      // floored as training floors it, so a constant band (digital silence) does not divide by zero
      const inv = 1 / Math.sqrt(Math.max(sq[d] / ringCount - mu * mu, 1e-5));
      for (let t = 0; t < n; t++) od[t * dim + d] = (od[t * dim + d] - mu) * inv;
    }
    return out;
  };

  /** The last frames of the audio: warm-up ends here even if short. */
  const normalizeEnd = (m: FeatureMatrix): FeatureMatrix =>
    config.normalize === 'utterance' ? normalizeUtterance(m, true) : normalize(m);

  return {
    dim,
    sampleRate,
    frameShift,
    accept(samples, rate) {
      let x: Float32Array | Float64Array = samples;
      if (rate !== sampleRate) {
        if (!Number.isFinite(rate) || rate <= 0) throw new AsrError(`stream: invalid sample rate ${rate}`);
        if (resampler === null || resampler.inputRate !== rate) resampler = createResampler(rate, sampleRate);
        x = resampler.accept(samples);
      }
      return normalize(extractor.accept(x));
    },
    flush() {
      if (resampler !== null) {
        const rest = resampler.flush();
        resampler = null;
        const a = extractor.accept(rest);
        const b = extractor.flush();
        const data = new Float32Array(a.data.length + b.data.length);
        data.set(a.data);
        data.set(b.data, a.data.length);
        return normalizeEnd({ numFrames: a.numFrames + b.numFrames, dim, data });
      }
      return normalizeEnd(extractor.flush());
    },
    reset() {
      extractor = createFeatureExtractor(config.type, options);
      resampler = null;
      ringCount = 0;
      ringPos = 0;
      sum.fill(0);
      sq.fill(0);
      held = [];
      warm = warmupFrames <= 0;
    },
  };
}
