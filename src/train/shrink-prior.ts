import type { CmvnShrink } from '../features/cmvn-shrink.js';
import { addSpeakerUtterance, emptySpeakerCmvn, speakerNormalize } from '../features/speaker-cmvn.js';
import { FeatureSource, type Utterance } from './dataset.js';
import type { FeatureBand } from './frontend.js';

/**
 * The prior of `train.features.cmvnShrinkFrames` (src/features/cmvn-shrink.ts): the average of the training
 * utterances' own per-dimension means and standard deviations (the speaker-CMVN accumulator over one "speaker"), raw
 * features as training computes them (edge padding included, no speed or VTLN perturbation), over every k-th
 * utterance so that at most `limit` are read. Deterministic for a manifest, so a resumed run measures the same prior.
 */
export async function trainingShrinkPrior(
  utts: Utterance[], inputDim: number, band: FeatureBand, frames: number, limit = 1000,
): Promise<CmvnShrink> {
  const source = new FeatureSource(inputDim, false, { lowFreq: band.lowFreq, highFreq: band.highFreq, edgePad: band.edgePad });
  const stride = Math.max(1, Math.ceil(utts.length / limit));
  const acc = emptySpeakerCmvn(inputDim);
  for (let i = 0; i < utts.length; i += stride) addSpeakerUtterance(acc, await source.raw(utts[i]));
  if (acc.count === 0) throw new Error('cmvnShrink prior: no training utterance has frames');
  const { mean, std } = speakerNormalize(acc);
  const round = (x: number): number => Math.round(x * 1e5) / 1e5;
  return { mean: mean.map(round), std: std.map(round), frames };
}
