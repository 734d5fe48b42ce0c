import { createFeatureExtractor, type FeatureExtractor } from '../features/extractor.js';
import { resolveFbankOptions } from '../features/options.js';
import { featureDim, type FeatureConfig } from '../features/config-file.js';
import { shrinkUtteranceStats } from '../features/cmvn-shrink.js';
import type { FeatureMatrix } from '../features/matrix.js';
import { createResampler, type StreamingResampler } from '../audio/resample.js';
import { AsrError } from '../util/errors.js';

/**
 * The streaming front end: samples at any rate -> (streaming resampler) -> chunked Kaldi features -> normalised
 * features [frames, dim]. It reads a model directory's `features.json` in the format training writes
 * ({"type", "options", "normalize"}). Per-utterance normalisation needs the whole utterance, so streaming
 * approximates it with statistics over a sliding window of recent frames (Kaldi's online CMVN without a prior),
 * counting only the window's speech frames: each block of new frames is normalised with the mean and standard
 * deviation of the speech among the last `cmvnWindow` frames up to and including the block.
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
 *   speech frames have been seen (or `3 * warmupFrames` frames in all, or the audio ends), then normalised together:
 *   statistics of the first few frames alone (often silence) made the start of every stream decode badly. Costs
 *   this much latency once per stream, not per chunk.
 * @param speechGateDb only frames whose energy is within this many dB of the loudest frame in the window count in
 *   the statistics. Training normalised each utterance over itself, and a training utterance is nearly all speech;
 *   a live window also holds the pauses between utterances, and counting them pulled the mean down so far that the
 *   next utterance decoded as noise (measured: a second digit string after 1.5 s of quiet decoded as "one").
 */
/** A window holds speech only when its loudest frame is this far above its noise floor (10th-percentile energy). */
const SPEECH_ABOVE_FLOOR_DB = 10;

export function createStreamFrontend(config: FeatureConfig, cmvnWindow = 600, warmupFrames = 100, speechGateDb = 40): StreamFrontend {
  // dither off: inference must be deterministic
  const options = { ...config.options, dither: 0 };
  const fb = resolveFbankOptions(options);
  const sampleRate = fb.sampleFrequency;
  const frameShift = fb.frameShift / 1000;
  const dim = featureDim(config);
  let extractor: FeatureExtractor = createFeatureExtractor(config.type, options);
  let resampler: StreamingResampler | null = null;
  // Ring of recent raw frames for the sliding-window CMVN: [cmvnWindow, dim], with each frame's energy (mean
  // log-mel, natural log of power; for MFCC c0 / sqrt(bins), which is the same quantity).
  const ring = new Float32Array(cmvnWindow * dim);
  const ringEnergy = new Float64Array(cmvnWindow);
  let ringCount = 0;
  let ringPos = 0;
  const gate = (speechGateDb / 10) * Math.LN10;
  const energyScale = config.type === 'mfcc' ? 1 / Math.sqrt(fb.numMelBins) : 1 / dim;
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  const mu = new Float64Array(dim);
  const sd = new Float64Array(dim);
  // raw frames held during warm-up: [heldFrames, dim]
  let held: Float32Array[] = [];
  let heldFrames = 0;
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

  const prior = config.normalize === 'utterance' ? config.streamingPrior : undefined;
  if (prior !== undefined && prior.mean.length !== dim) throw new AsrError(`stream: streamingPrior has ${prior.mean.length} values, the features have ${dim}`);
  if (config.cmvnShrink !== undefined && config.cmvnShrink.mean.length !== dim) throw new AsrError(`stream: cmvnShrink has ${config.cmvnShrink.mean.length} values, the features have ${dim}`);
  const floorGate = (SPEECH_ABOVE_FLOOR_DB / 10) * Math.LN10;
  const sorted = new Float64Array(cmvnWindow);
  let statsCount = 0;

  /**
   * Statistics of the window's speech frames (within the gate of the loudest frame; none when no frame rises well
   * above the noise floor, the 10th percentile), plus the prior, into sum/sq and statsCount. Returns how many
   * speech frames counted.
   */
  const windowStats = (): number => {
    let peak = -Infinity;
    for (let i = 0; i < ringCount; i++) {
      peak = Math.max(peak, ringEnergy[i]);
      sorted[i] = ringEnergy[i];
    }
    const recent = sorted.subarray(0, ringCount).sort();
    const floor = recent[Math.floor(0.1 * (ringCount - 1))];
    // nothing stands out of the noise floor: no speech in the window (the prior alone, if any)
    const threshold = peak - floor < floorGate ? Infinity : peak - gate;
    sum.fill(0);
    sq.fill(0);
    let n = 0;
    for (let i = 0; i < ringCount; i++) {
      if (ringEnergy[i] < threshold) continue;
      n++;
      const o = i * dim;
      for (let d = 0; d < dim; d++) {
        const v = ring[o + d];
        sum[d] += v;
        sq[d] += v * v;
      }
    }
    statsCount = n;
    if (prior !== undefined && prior.frames > 0) {
      for (let d = 0; d < dim; d++) {
        sum[d] += prior.frames * prior.mean[d];
        sq[d] += prior.frames * (prior.std[d] ** 2 + prior.mean[d] ** 2);
      }
      statsCount += prior.frames;
    }
    if (statsCount === 0) {
      // no speech heard and no prior: all of the window, as plain sliding-window CMVN
      for (let i = 0; i < ringCount; i++) {
        const o = i * dim;
        for (let d = 0; d < dim; d++) {
          sum[d] += ring[o + d];
          sq[d] += ring[o + d] ** 2;
        }
      }
      statsCount = ringCount;
    }
    return n;
  };

  const normalizeUtterance = (m: FeatureMatrix, ending: boolean): FeatureMatrix => {
    const { numFrames: T, data } = m;
    for (let t = 0; t < T; t++) {
      const o = ringPos * dim;
      let e = 0;
      for (let d = 0; d < dim; d++) ring[o + d] = data[t * dim + d];
      if (config.type === 'mfcc') e = data[t * dim] * energyScale;
      else {
        for (let d = 0; d < dim; d++) e += data[t * dim + d];
        e *= energyScale;
      }
      ringEnergy[ringPos] = e;
      ringPos = (ringPos + 1) % cmvnWindow;
      if (ringCount < cmvnWindow) ringCount++;
    }
    if (ringCount === 0) return m;
    const n = windowStats();
    let out = m;
    if (!warm) {
      if (T > 0) {
        held.push(data.slice());
        heldFrames += T;
      }
      if (n < warmupFrames && heldFrames < 3 * warmupFrames && !ending) return { numFrames: 0, dim, data: new Float32Array(0) };
      warm = true;
      const all = new Float32Array(heldFrames * dim);
      let at = 0;
      for (const h of held) {
        all.set(h, at);
        at += h.length;
      }
      held = [];
      heldFrames = 0;
      out = { numFrames: all.length / dim, dim, data: all };
    }
    const od = out.data;
    const frames = out.numFrames;
    for (let d = 0; d < dim; d++) {
      mu[d] = sum[d] / statsCount;
      // floored as training floors it, so a constant band (digital silence) does not divide by zero
      sd[d] = Math.sqrt(Math.max(sq[d] / statsCount - mu[d] * mu[d], 1e-5));
    }
    // a model trained with shrunk statistics: the same shrinkage, the window's speech frames counting as its length
    if (config.cmvnShrink !== undefined) shrinkUtteranceStats(mu, sd, n, config.cmvnShrink);
    for (let d = 0; d < dim; d++) {
      const m = mu[d];
      const inv = 1 / sd[d];
      for (let t = 0; t < frames; t++) od[t * dim + d] = (od[t * dim + d] - m) * inv;
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
      held = [];
      heldFrames = 0;
      warm = warmupFrames <= 0;
    },
  };
}
