import type { FbankOptions, MfccOptions } from './options.js';
import { resolveFbankOptions, resolveMfccOptions, FBANK_DEFAULTS } from './options.js';
import { fbankFrameComputer, mfccFrameComputer, type FrameComputer } from './frame.js';
import type { FeatureMatrix } from './matrix.js';
import { AsrError } from '../util/errors.js';

export type FeatureType = 'fbank' | 'mfcc';

/**
 * Incremental feature extraction: audio fed in chunks of any size yields exactly the frames of the whole-signal
 * call (same frame positions, edge reflection, dither sequence). Memory stays bounded by one window plus the
 * unconsumed tail of the last chunk.
 */
export interface FeatureExtractor {
  readonly dim: number;
  /** samples: [n] floats in [-1, 1) (scaled by inputScale inside). Returns the frames completed by this chunk. */
  accept(samples: Float32Array | Float64Array): FeatureMatrix;
  /** Ends the signal: returns the frames that needed its end (reflected right edge when snipEdges is false). */
  flush(): FeatureMatrix;
  /** Frames emitted so far. */
  readonly framesEmitted: number;
}

export function createFeatureExtractor(type: FeatureType, options: Partial<MfccOptions> = {}): FeatureExtractor {
  const o = type === 'mfcc' ? resolveMfccOptions(options) : resolveFbankOptions(options, FBANK_DEFAULTS);
  if (o.subtractMean) throw new AsrError('subtract-mean needs the whole utterance; it is not available for chunked extraction');
  const computer = type === 'mfcc' ? mfccFrameComputer(o as MfccOptions) : fbankFrameComputer(o);
  return chunkedExtractor(o, computer);
}

function chunkedExtractor(o: FbankOptions, c: FrameComputer): FeatureExtractor {
  const { windowSize, windowShift, dim } = c;
  // Samples [bufStart, bufStart + bufLen) of the signal, scaled.
  let buf = new Float64Array(Math.max(4 * windowSize, 4096));
  let bufStart = 0;
  let bufLen = 0;
  let nextFrame = 0;
  let flushed = false;
  const window = new Float64Array(windowSize);
  // Without snipping, frame i starts at i*shift - pad and the signal is reflected at both ends (Kaldi ExtractWindow).
  const pad = o.snipEdges ? 0 : (windowSize >> 1) - (windowShift >> 1);

  const append = (samples: Float32Array | Float64Array): void => {
    if (bufLen + samples.length > buf.length) {
      const next = new Float64Array(Math.max(buf.length * 2, bufLen + samples.length));
      next.set(buf.subarray(0, bufLen));
      buf = next;
    }
    const scale = o.inputScale;
    for (let i = 0; i < samples.length; i++) {
      const v = samples[i];
      if (!Number.isFinite(v)) throw new AsrError(`audio sample ${bufStart + bufLen + i} is not finite (${v})`);
      buf[bufLen + i] = v * scale;
    }
    bufLen += samples.length;
  };

  /** Sample at absolute index s, reflecting at 0 and (when the end is known) at total. */
  const sampleAt = (s: number, total: number): number => {
    let i = s;
    // a loop, not two ifs: signals shorter than the padding reflect more than once
    while (i < 0 || i >= total) i = i < 0 ? -i - 1 : 2 * total - 1 - i;
    return buf[i - bufStart];
  };

  const emit = (count: number, total: number): FeatureMatrix => {
    const data = new Float32Array(count * dim);
    for (let f = 0; f < count; f++) {
      const first = nextFrame * windowShift - pad;
      if (first >= bufStart && first + windowSize <= bufStart + bufLen && first + windowSize <= total) {
        window.set(buf.subarray(first - bufStart, first - bufStart + windowSize));
      } else {
        for (let j = 0; j < windowSize; j++) window[j] = sampleAt(first + j, total);
      }
      c.compute(window, data, f * dim);
      nextFrame++;
    }
    return { numFrames: count, dim, data };
  };

  /** Drops samples no later frame can need (keeps index 0.. while early frames may reflect the left edge). */
  const compact = (): void => {
    const keepFrom = Math.max(0, nextFrame * windowShift - pad - windowSize);
    if (keepFrom <= bufStart || keepFrom < windowSize) return;
    const drop = Math.min(keepFrom - bufStart, bufLen);
    buf.copyWithin(0, drop, bufLen);
    bufStart += drop;
    bufLen -= drop;
  };

  return {
    dim,
    get framesEmitted() {
      return nextFrame;
    },
    accept(samples) {
      if (flushed) throw new AsrError('feature extractor: accept() after flush()');
      append(samples);
      const seen = bufStart + bufLen;
      // Frames whose window lies inside [-(pad), seen): left reflection only needs samples we always keep.
      let ready = 0;
      while ((nextFrame + ready) * windowShift - pad + windowSize <= seen) ready++;
      const out = emit(ready, Number.POSITIVE_INFINITY);
      compact();
      return out;
    },
    flush() {
      if (flushed) return { numFrames: 0, dim, data: new Float32Array(0) };
      flushed = true;
      const total = bufStart + bufLen;
      const numFrames = o.snipEdges
        ? total < windowSize
          ? 0
          : 1 + Math.floor((total - windowSize) / windowShift)
        : Math.floor((total + (windowShift >> 1)) / windowShift);
      return emit(Math.max(0, numFrames - nextFrame), total);
    },
  };
}

/** Number of frames Kaldi produces for n samples. */
export function numFrames(n: number, options: Partial<FbankOptions> = {}): number {
  const o = resolveFbankOptions(options);
  const ws = Math.trunc(o.sampleFrequency * o.frameLength * 0.001);
  const sh = Math.trunc(o.sampleFrequency * o.frameShift * 0.001);
  if (o.snipEdges) return n < ws ? 0 : 1 + Math.floor((n - ws) / sh);
  return Math.floor((n + (sh >> 1)) / sh);
}
