import { createFeatureExtractor } from './extractor.js';
import { concatFrames, type FeatureMatrix } from './matrix.js';
import { subtractColumnMean } from './compute.js';
import { resolveFbankOptions, resolveMfccOptions, FBANK_DEFAULTS, type MfccOptions } from './options.js';
import { accumulateCmvnStats, emptyCmvnStats, type CmvnStats } from './cmvn.js';
import type { FeatureType } from './extractor.js';
import { audioChunks, type RawPcmFormat } from '../audio/index.js';
import { readManifest } from '../data/manifest.js';
import { fileError, errorMessage } from '../util/errors.js';

export interface AudioInputOptions {
  /** Use this channel instead of the mean of all channels. */
  channel?: number;
  /** Headerless PCM layout, when the file has no header. */
  raw?: RawPcmFormat;
}

/**
 * Features of an audio file, read in chunks (memory bounded by the chunk and the feature matrix, not the audio),
 * resampled to options.sampleFrequency and mixed to mono. What `asr features` computes.
 * @returns [numFrames, dim]
 */
export async function extractFileFeatures(
  path: string,
  type: FeatureType,
  options: Partial<MfccOptions>,
  audio: AudioInputOptions = {},
): Promise<FeatureMatrix> {
  const resolved = type === 'mfcc' ? resolveMfccOptions(options) : resolveFbankOptions(options, FBANK_DEFAULTS);
  const ex = createFeatureExtractor(type, { ...options, subtractMean: false });
  const parts: FeatureMatrix[] = [];
  let samples = 0;
  for await (const chunk of audioChunks(path, { targetRate: resolved.sampleFrequency, channel: audio.channel, raw: audio.raw })) {
    samples += chunk.length;
    try {
      parts.push(ex.accept(chunk));
    } catch (e) {
      throw fileError(path, errorMessage(e));
    }
  }
  parts.push(ex.flush());
  if (samples === 0) throw fileError(path, 'no audio samples');
  if (samples / resolved.sampleFrequency < resolved.minDuration) return { numFrames: 0, dim: ex.dim, data: new Float32Array(0) };
  const m = concatFrames(parts, ex.dim);
  if (resolved.subtractMean) subtractColumnMean(m);
  return m;
}


/**
 * Global CMVN statistics over every utterance of a manifest (Kaldi compute-cmvn-stats over a whole set).
 * `onProgress` is called after each utterance.
 */
export async function cmvnStatsFromManifest(
  manifest: string,
  type: FeatureType,
  options: Partial<MfccOptions>,
  onProgress?: (done: number, file: string) => void,
): Promise<CmvnStats> {
  let stats: CmvnStats | null = null;
  let done = 0;
  for await (const entry of readManifest(manifest)) {
    const m = await extractFileFeatures(entry.audioFilepath, type, options);
    stats ??= emptyCmvnStats(m.dim);
    accumulateCmvnStats(stats, m);
    onProgress?.(++done, entry.audioFilepath);
  }
  if (!stats || stats.count === 0) throw fileError(manifest, 'no frames: the manifest lists no usable audio');
  return stats;
}
