/**
 * Per-utterance CMVN statistics shrunk toward a prior: what a short clip's own statistics cannot say reliably is
 * taken from the training corpus's average statistics instead.
 *
 * Why: per-utterance CMVN estimates 40-80 means and deviations from the clip itself. For a 0.3 s single word those
 * depend on which phones it holds: a "six" is mostly /s/, so its own high-band mean is high and its own deviation
 * per band is shaped by that one fricative; normalising by them flattens exactly what tells "six" from "eight".
 * The shrunk estimate keeps what a clip does measure well (its overall level and deviation, and, given enough
 * frames, its channel) and takes the spectral shape from the prior:
 *   std[d]  = prior.std[d] * (sum of the clip's std / sum of prior.std)      (the prior's shape at the clip's scale)
 *   mean[d] = w * clipMean[d] + (1 - w) * (prior.mean[d] + level),  w = T / (T + prior.frames)
 * where `level` is the clip's mean over all dimensions less the prior's, so a quiet recording is not read as a
 * different spectrum. A long utterance (T >> frames) keeps its own means, as plain per-utterance CMVN does.
 *
 * Measured (stop 25) with the shipped digits model, trained with plain per-utterance CMVN, the prior added after
 * training (`asr cmvn --shrink-prior`, frames 50), `asr eval` beam 16: FSDD all 3,000 clips, one-digit grammar 20.30 ->
 * 14.37 %, ten-word grammar 19.07 -> 13.10 %; reserved flite strings 3.52 -> 3.26 %, festival 3.43 -> 2.40 %; streamed
 * (`npm run bench -- stream`, 100 reserved strings) 8.70 -> 7.16 %. The weight was chosen on the synthetic validation
 * voices (a prototype script: plain CMVN 12.72 %, shrunk with 50 frames 12.92 %, with 200 frames 16.72 %).
 */
export interface CmvnShrink {
  /** [dim] prior means: the average of the training utterances' own means (streaming-prior.ts computes it). */
  mean: number[];
  /** [dim] prior standard deviations, averaged the same way. */
  std: number[];
  /** Weight of the prior mean, in frames: an utterance of this many frames takes half its mean from the prior. */
  frames: number;
}

/**
 * In place: an utterance's per-dimension `mean` and `std` (over `numFrames` frames) shrunk toward `prior` as above.
 * `std` must already be floored (positive).
 */
export function shrinkUtteranceStats(mean: Float64Array, std: Float64Array, numFrames: number, prior: CmvnShrink): void {
  const D = mean.length;
  if (prior.mean.length !== D || prior.std.length !== D) throw new Error(`cmvnShrink has ${prior.mean.length} values, the features have ${D}`);
  let ownStd = 0;
  let priorStd = 0;
  let ownMean = 0;
  let priorMean = 0;
  for (let d = 0; d < D; d++) {
    ownStd += std[d];
    priorStd += prior.std[d];
    ownMean += mean[d];
    priorMean += prior.mean[d];
  }
  const scale = ownStd / priorStd;
  const level = (ownMean - priorMean) / D;
  const w = numFrames / (numFrames + Math.max(0, prior.frames));
  for (let d = 0; d < D; d++) {
    std[d] = prior.std[d] * scale;
    mean[d] = w * mean[d] + (1 - w) * (prior.mean[d] + level);
  }
}

/** Validates a parsed `cmvnShrink` object; returns the problem, or null when it is well formed for `dim` (any dim when undefined). */
export function cmvnShrinkProblem(raw: unknown, dim?: number): string | null {
  const p = raw as { mean?: unknown; std?: unknown; frames?: unknown } | null;
  const nums = (a: unknown): a is number[] => Array.isArray(a) && a.length > 0 && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (typeof p !== 'object' || p === null || !nums(p.mean) || !nums(p.std) || p.mean.length !== p.std.length) {
    return 'cmvnShrink must be {"mean": [...], "std": [...], "frames": N} with equal-length arrays of numbers';
  }
  if (p.std.some((v) => v <= 0)) return 'cmvnShrink.std values must be positive';
  if (typeof p.frames !== 'number' || !(p.frames >= 0) || !Number.isFinite(p.frames)) return 'cmvnShrink.frames must be a number >= 0';
  if (dim !== undefined && p.mean.length !== dim) return `cmvnShrink has ${p.mean.length} values, the features have ${dim}`;
  return null;
}
