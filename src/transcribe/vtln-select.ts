import { normalizeByStats, type FeatureConfig } from '../features/config-file.js';
import type { FeatureMatrix } from '../features/matrix.js';
import { bucketBatches } from '../train/batching.js';
import { createRng } from '../util/random.js';
import { AsrError } from '../util/errors.js';
import { posteriorsOf, segmentFeatures, type SegmentPosteriors } from './acoustic.js';
import type { Recognizer } from './recognizer.js';
import { readSpeakerAudio } from './speaker-cmvn.js';
import { addSpeakerUtterance, emptySpeakerCmvn, speakerNormalize } from '../features/speaker-cmvn.js';

/**
 * Unsupervised per-speaker VTLN: the frequency warp of the speaker's filterbank (Kaldi's --vtln-warp) chosen from a
 * grid by how sure the model is of its own output, with no transcript. Kaldi picks the warp that maximises a GMM's
 * likelihood; a CTC model has none. Two scores: the mean log posterior of the model's spikes (frames whose best token
 * is not blank; the default: acoustic only, so the choice is the same under every LM or grammar) or the decoder's
 * mean log word confidence (depends on the LM: under FSDD's ten-word grammar it flipped two speakers' warps and cost
 * 1 point of WER; see the digits README).
 *
 * Why: the digits model learnt from mostly male voices. On the reserved female voice (slt), warping its features
 * by 0.85-0.9 took flite slt from 6.61 to 4.68 % and festival slt from 5.23 to 2.26 % WER (fixed warps, measured);
 * both scores peaked at the best warp for slt and at 1.0 for a male voice. Scored under per-utterance
 * CMVN the curve of a poorly recognised real speaker (FSDD) can have two peaks; under the speaker's own CMVN it had
 * one for each of FSDD's six, hence `speakerCmvn`.
 */

/** What a warp is scored by: `frames`, the mean log posterior of the spikes; `words`, the decoded words' mean log confidence. */
export type VtlnCriterion = 'frames' | 'words';

export const VTLN_CRITERIA: readonly VtlnCriterion[] = ['frames', 'words'];

/** Warps tried by default: 0.85 to 1.15 in steps of 0.05 (a wider grid can be given; see the digits README). */
export const DEFAULT_WARPS = [0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15];

export interface VtlnSelectOptions {
  /** Candidate warps (default DEFAULT_WARPS). */
  warps?: number[];
  /** At most this much of the speaker's audio is scored per warp (seconds, default 300): the cost stays bounded. */
  maxSeconds?: number;
  /** Files are read in pieces of at most this many seconds (default 20). */
  pieceSeconds?: number;
  /** Padded feature frames per forward (default 12000). */
  maxBatchFrames?: number;
  /**
   * Score each warp with the speaker's CMVN measured under that warp (what `--cmvn speaker` will use), not each
   * piece's own statistics.
   */
  speakerCmvn?: boolean;
  /** What a warp is scored by (default `frames`). */
  criterion?: VtlnCriterion;
  onFile?: () => void;
}

export interface VtlnSelection {
  /** `r` with the chosen warp in its features (r itself when that is the warp it had). */
  recognizer: Recognizer;
  warp: number;
  /** The score of each warp tried (NaN where nothing was recognised). */
  scores: WarpScore[];
  criterion: VtlnCriterion;
}

/** The warp chosen for one speaker, with every candidate's score. */
export interface SpeakerWarp extends Omit<VtlnSelection, 'recognizer'> {
  speaker: string;
}

/** One candidate warp and its score (a mean natural-log posterior or confidence: higher is surer). */
export interface WarpScore {
  warp: number;
  score: number;
}

/**
 * The items in bit-reversed index order (0, n/2, n/4, 3n/4, ...): any prefix samples the whole list evenly, and
 * the order is the same on every run.
 */
export function spreadOrder<T>(items: T[]): T[] {
  const n = items.length;
  let bits = 0;
  while (1 << bits < n) bits++;
  const out: T[] = [];
  for (let i = 0; i < 1 << bits; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    if (r < n) out.push(items[r]);
  }
  return out;
}

/** Fails unless every warp is a number in Kaldi's accepted range. */
export function checkWarps(warps: number[]): void {
  if (warps.length === 0) throw new AsrError('VTLN: no warp factors to try');
  for (const w of warps) if (!Number.isFinite(w) || w < 0.5 || w > 1.5) throw new AsrError(`VTLN: warp factor ${w} is outside 0.5-1.5`);
}

/** The feature config with `warp` as its VTLN warp factor. */
export function warpedFeatures(c: FeatureConfig, warp: number): FeatureConfig {
  return { ...c, options: { ...c.options, vtlnWarp: warp } };
}

/**
 * The sum and number of the frame log-posteriors of a segment's spikes: the frames whose most probable token is not
 * the blank, each counted by that token's log posterior. Blank frames are left out: they are most of a CTC model's
 * frames and near-certain under any warp, so they would drown the spikes.
 */
export function spikeLogPosteriors(p: SegmentPosteriors, blank: number): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let t = 0; t < p.frames; t++) {
    const o = t * p.vocab;
    let best = 0;
    for (let v = 1; v < p.vocab; v++) if (p.data[o + v] > p.data[o + best]) best = v;
    if (best === blank) continue;
    sum += p.data[o + best];
    count++;
  }
  return { sum, count };
}

/**
 * Recognises up to `maxSeconds` of the files at `paths` (one speaker) under each candidate warp and returns `r` with
 * the warp the model was surest under (`criterion`). Ties and empty decodes keep the warp nearest 1. Unreadable files
 * are skipped here: the recognition pass reports them.
 */
export async function selectVtlnWarp(r: Recognizer, paths: string[], opts: VtlnSelectOptions = {}): Promise<VtlnSelection> {
  const warps = opts.warps ?? DEFAULT_WARPS;
  checkWarps(warps);
  const criterion = opts.criterion ?? 'frames';
  // files in a spread-out order, so that the first maxSeconds are not all one part of a sorted list (a manifest
  // sorted by word gave one speaker only "zero" and "one" in its first minute)
  const { pieces } = await readSpeakerAudio(spreadOrder(paths), r.sampleRate, { maxSeconds: opts.maxSeconds ?? 300, pieceSeconds: opts.pieceSeconds, onFile: opts.onFile });
  const scores: WarpScore[] = [];
  for (const warp of warps) {
    const features = warpedFeatures(r.features, warp);
    let feats: FeatureMatrix[];
    if (opts.speakerCmvn) {
      // raw features once: measured for the speaker's statistics, then normalised by them in place
      feats = pieces.map((p) => segmentFeatures(p, { ...features, normalize: 'none' }));
      const acc = emptySpeakerCmvn(r.model.config.inputDim);
      for (const f of feats) addSpeakerUtterance(acc, f);
      if (acc.count > 0) {
        const { mean, std } = speakerNormalize(acc);
        for (const f of feats) normalizeByStats(f, mean, std);
      } else feats = pieces.map((p) => segmentFeatures(p, features));
    } else feats = pieces.map((p) => segmentFeatures(p, features));
    let sum = 0;
    let count = 0;
    const batches = bucketBatches(feats.map((f) => f.numFrames), opts.maxBatchFrames ?? 12000, createRng(1), { jitter: 0, shuffle: false });
    for (const idx of batches) {
      const posts = posteriorsOf(r.model, idx.map((i) => feats[i]));
      for (const p of posts) {
        if (criterion === 'frames') {
          const s = spikeLogPosteriors(p, r.tokenSet.blank);
          sum += s.sum;
          count += s.count;
          continue;
        }
        const best = r.decoder.decode(p.data, p.frames).hypotheses[0];
        for (const w of best?.words ?? []) {
          sum += Math.log(Math.max(w.confidence, 1e-6));
          count++;
        }
      }
    }
    scores.push({ warp, score: count > 0 ? sum / count : Number.NaN });
  }
  let best = { warp: 1, score: Number.NEGATIVE_INFINITY };
  for (const s of scores) {
    if (!Number.isFinite(s.score)) continue;
    const better = s.score > best.score || (s.score === best.score && Math.abs(s.warp - 1) < Math.abs(best.warp - 1));
    if (better) best = s;
  }
  const warp = Number.isFinite(best.score) ? best.warp : 1;
  const same = (r.features.options.vtlnWarp ?? 1) === warp;
  return { recognizer: same ? r : { ...r, features: warpedFeatures(r.features, warp) }, warp, scores, criterion };
}
