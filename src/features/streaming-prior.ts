import { readManifest } from '../data/manifest.js';
import { fileError } from '../util/errors.js';
import { extractFileFeatures } from './file.js';
import { featureSampleRate, type FeatureConfig, type StreamingPrior } from './config-file.js';
import { loadAudio } from '../audio/load.js';
import { padEdges } from './edge-pad.js';
import { createFeatureExtractor } from './extractor.js';
import { concatFrames, type FeatureMatrix } from './matrix.js';
import { addSpeakerUtterance, emptySpeakerCmvn, speakerNormalize, type SpeakerCmvn } from './speaker-cmvn.js';

/**
 * The prior a streaming front end starts from when a model normalises each utterance by itself ("utterance"
 * CMVN): the average of the training utterances' own means and standard deviations, per dimension. A live stream
 * has no whole utterance to measure, and before it has heard enough speech its sliding-window statistics are
 * those of silence or of a few frames; blending in this prior, worth `frames` frames, keeps the first words and
 * the pauses normalised the way training normalised them.
 *
 * Every `stride`-th entry of the manifest is used, up to `limit` utterances. `padEdges`: each file with the config's
 * edge padding, as `asr transcribe` computes a segment's features (for a `cmvnShrink` prior, src/features/cmvn-shrink.ts;
 * a stream has no edge padding).
 */
export async function streamingPriorFromManifest(
  manifest: string,
  config: FeatureConfig,
  opts: { limit?: number; stride?: number; frames?: number; padEdges?: boolean; onProgress?: (done: number) => void } = {},
): Promise<StreamingPrior> {
  const limit = opts.limit ?? 500;
  const stride = Math.max(1, opts.stride ?? 1);
  let acc: SpeakerCmvn | null = null;
  let index = 0;
  for await (const entry of readManifest(manifest)) {
    if ((acc?.count ?? 0) >= limit) break;
    if (index++ % stride !== 0) continue;
    const m = opts.padEdges && config.edgePad ? await paddedFeatures(entry.audioFilepath, config) : await extractFileFeatures(entry.audioFilepath, config.type, { ...config.options, dither: 0 });
    if (m.numFrames === 0) continue;
    // the average of the utterances' own statistics: what per-speaker CMVN computes for one speaker
    acc ??= emptySpeakerCmvn(m.dim);
    addSpeakerUtterance(acc, m);
    opts.onProgress?.(acc.count);
  }
  if (acc === null || acc.count === 0) throw fileError(manifest, 'no frames: the manifest lists no usable audio');
  const { mean, std } = speakerNormalize(acc);
  const round = (x: number): number => Math.round(x * 1e5) / 1e5;
  return { mean: mean.map(round), std: std.map(round), frames: opts.frames ?? 200 };
}

/** Raw features of a whole file with the config's edge padding: [frames, dim]. */
async function paddedFeatures(path: string, config: FeatureConfig): Promise<FeatureMatrix> {
  const rate = featureSampleRate(config);
  const { samples } = await loadAudio(path, { targetRate: rate });
  const ex = createFeatureExtractor(config.type, { ...config.options, dither: 0, subtractMean: false });
  const input = config.edgePad ? padEdges(samples, rate, config.edgePad) : samples;
  return concatFrames([ex.accept(input), ex.flush()], ex.dim);
}
