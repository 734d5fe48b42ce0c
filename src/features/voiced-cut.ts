import type { Rng } from '../util/random.js';
import { frameMeans, NATS_PER_DB, type FeatureMatrix } from './matrix.js';

/**
 * Voiced-core cutting of raw log-mel features (before CMVN), for training: an edge of the utterance loses every
 * frame whose low-band level (the mean of the lowest mel bins, where voicing lives) is more than a drawn depth below
 * the loudest frame's, so the first or last word starts or ends on its vowel.
 *
 * Why: FSDD's clips were cut on an energy threshold, and in some speakers' recordings that threshold lies above the
 * consonants: yweweler's "six" clips are about 15-35 frames of the vowel /I/ alone, /s/ and /ks/ both gone (49 of
 * his 50 "six" clips read "eight" in the best adapted setting), nicolas's "four" starts on the vowel. The digits
 * model (eleventh pass) read synthetic "six" cut to its voiced core (the frames within 12 dB of the loudest in
 * 100-1000 Hz) as "eight" 12 times in 20 (one-digit grammar); it had never heard a bare vowel labelled "six".
 * Trained with this cut (twelfth pass) it still did, 10 times, and yweweler's "six" stayed "eight": /I/ and /eI/
 * without their consonants differ by little more than the glide. What the cut bought is elsewhere (nicolas's "four",
 * FSDD as a whole: recipes/digits/README.md). Unlike `cutOnset` (a drawn number of frames) this cuts by level, as
 * the recordings' trimmer did, so a word keeps its voiced part whatever its length.
 */

/**
 * Cuts `m` [frames, dim] to its voiced core: each edge with probability `prob`, the frames whose mean over the lowest
 * `bandFraction` of the bins is more than `db` (drawn uniformly from [minDb, maxDb]) below the loudest frame's, never
 * the loudest frame itself. Returns [frames - cut, dim]. Draws nothing when `prob` is 0.
 */
export function cutToVoicedCore(
  m: FeatureMatrix, rng: Rng, prob: number, minDb: number, maxDb: number, bandFraction: number,
): FeatureMatrix {
  if (prob <= 0 || m.numFrames === 0) return m;
  const cutLeft = rng.uniform() < prob;
  const cutRight = rng.uniform() < prob;
  const db = minDb + (maxDb - minDb) * rng.uniform();
  if (!cutLeft && !cutRight) return m;
  const bins = Math.max(1, Math.min(m.dim, Math.round(bandFraction * m.dim)));
  const e = frameMeans(m, bins);
  let loudest = 0;
  for (let t = 1; t < e.length; t++) if (e[t] > e[loudest]) loudest = t;
  const floor = e[loudest] - db * NATS_PER_DB;
  let start = 0;
  let end = m.numFrames;
  if (cutLeft) while (start < loudest && e[start] < floor) start++;
  if (cutRight) while (end - 1 > loudest && e[end - 1] < floor) end--;
  if (start === 0 && end === m.numFrames) return m;
  return { numFrames: end - start, dim: m.dim, data: m.data.slice(start * m.dim, end * m.dim) };
}
