import { readManifest } from '../data/manifest.js';
import { fileError } from '../util/errors.js';
import { extractFileFeatures } from './file.js';
import type { FeatureConfig, StreamingPrior } from './config-file.js';

/**
 * The prior a streaming front end starts from when a model normalises each utterance by itself ("utterance"
 * CMVN): the average of the training utterances' own means and standard deviations, per dimension. A live stream
 * has no whole utterance to measure, and before it has heard enough speech its sliding-window statistics are
 * those of silence or of a few frames; blending in this prior, worth `frames` frames, keeps the first words and
 * the pauses normalised the way training normalised them.
 *
 * Every `stride`-th entry of the manifest is used, up to `limit` utterances.
 */
export async function streamingPriorFromManifest(
  manifest: string,
  config: FeatureConfig,
  opts: { limit?: number; stride?: number; frames?: number; onProgress?: (done: number) => void } = {},
): Promise<StreamingPrior> {
  const limit = opts.limit ?? 500;
  const stride = Math.max(1, opts.stride ?? 1);
  let meanSum: Float64Array | null = null;
  let stdSum: Float64Array | null = null;
  let n = 0;
  let index = 0;
  for await (const entry of readManifest(manifest)) {
    if (n >= limit) break;
    if (index++ % stride !== 0) continue;
    const m = await extractFileFeatures(entry.audioFilepath, config.type, { ...config.options, dither: 0 });
    if (m.numFrames === 0) continue;
    const D = m.dim;
    meanSum ??= new Float64Array(D);
    stdSum ??= new Float64Array(D);
    for (let d = 0; d < D; d++) {
      let s = 0;
      let sq = 0;
      for (let t = 0; t < m.numFrames; t++) {
        const v = m.data[t * D + d];
        s += v;
        sq += v * v;
      }
      const mu = s / m.numFrames;
      meanSum[d] += mu;
      // floored as utterance CMVN floors it
      stdSum[d] += Math.sqrt(Math.max(sq / m.numFrames - mu * mu, 1e-5));
    }
    n++;
    opts.onProgress?.(n);
  }
  if (meanSum === null || stdSum === null || n === 0) throw fileError(manifest, 'no frames: the manifest lists no usable audio');
  const round = (x: number): number => Math.round(x * 1e5) / 1e5;
  return { mean: Array.from(meanSum, (v) => round(v / n)), std: Array.from(stdSum, (v) => round(v / n)), frames: opts.frames ?? 200 };
}
