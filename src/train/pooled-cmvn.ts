import type { FeatureMatrix } from '../features/matrix.js';
import type { Rng } from '../util/random.js';
import type { UtteranceStats } from '../features/speaker-cmvn.js';
import { normalizeByStats } from '../features/config-file.js';

/**
 * Pooled CMVN, a training augmentation: with probability `prob` an utterance is normalised by the average of its
 * own statistics and those of up to `others` other utterances of its group (its speaker, or its voice), instead of
 * by its own alone.
 *
 * Why: inference on short clips of one speaker normalises them by the speaker's statistics (`--cmvn speaker`,
 * src/features/speaker-cmvn.ts), so each clip reaches the model with a residual offset, its own mean less the
 * speaker's, which per-utterance CMVN in training never shows. The residual carries the clip's content (a word
 * with a fricative lifts the high bins), which the model can learn to use. The statistics pooled are the raw
 * features' (before level augmentation), as `asr eval --cmvn speaker` measures them.
 */
export interface PooledCmvnOptions {
  /** Chance per utterance of pooled statistics instead of its own. */
  prob: number;
  /**
   * Which utterances share statistics: `speaker` (the manifest's speaker field), `voice`, or `voice+channel` (one
   * voice and the same kinds of added noise, reverberation and band-limiting, so that the pooled statistics are not
   * those of another channel). The digits corpus has 669 voices (median 9 utterances each) but 3,682 voice+channel
   * groups (median 1, so mostly an utterance's own statistics) and 3,608 pseudo-speakers: `voice` is the default.
   */
  group: PooledCmvnGroup;
  /** Other utterances' statistics averaged with the utterance's own (at most; fewer while the pool fills). */
  others: number;
  /**
   * Only utterances up to this many seconds (by the manifest's duration) are pooled and pool-normalised; 0: all.
   * A long utterance's own statistics are already close to its speaker's; a short clip's are not.
   */
  maxSeconds: number;
}

export type PooledCmvnGroup = 'speaker' | 'voice' | 'voice+channel';

export const POOLED_CMVN_GROUPS: readonly PooledCmvnGroup[] = ['speaker', 'voice', 'voice+channel'];
export const POOLED_CMVN_DEFAULTS: PooledCmvnOptions = { prob: 0.5, group: 'voice', others: 15, maxSeconds: 0 };

/** Statistics kept per group: the newest are kept up to this many (a random one is replaced once full). */
const POOL_CAP = 64;

/** The manifest fields a group key is made of (`augment` as written by `asr data synth`). */
export interface GroupFields {
  speaker?: string;
  voice?: string;
  augment?: Record<string, unknown>;
}

/** The group an utterance belongs to, or null when the manifest line lacks the field (it keeps its own statistics). */
export function pooledGroupKey(f: GroupFields, group: PooledCmvnGroup): string | null {
  if (group === 'speaker') return f.speaker ?? null;
  if (f.voice === undefined) return null;
  if (group === 'voice') return f.voice;
  // peak level is removed by CMVN anyway; the kinds of channel are what change the statistics
  const kinds = Object.keys(f.augment ?? {}).filter((k) => k !== 'peak_db').sort();
  return `${f.voice}|${kinds.join('+')}`;
}

/** A normalised copy of features `[frames, dim]` (the input may be the feature cache's): `(x - mean) / std`. */
export function normalizeWithStats(m: FeatureMatrix, s: UtteranceStats): FeatureMatrix {
  const out = { numFrames: m.numFrames, dim: m.dim, data: Float32Array.from(m.data) };
  normalizeByStats(out, s.mean, s.std);
  return out;
}

/** Statistics seen so far, per group. */
export type StatsPool = Map<string, UtteranceStats[]>;

/** Adds an utterance's statistics to its group's pool (bounded: a random entry is replaced once full). */
export function addToPool(pool: StatsPool, key: string, s: UtteranceStats, rng: Rng): void {
  const list = pool.get(key);
  if (list === undefined) pool.set(key, [s]);
  else if (list.length < POOL_CAP) list.push(s);
  else list[rng.int(0, POOL_CAP - 1)] = s;
}

/**
 * The average of `own` and up to `others` distinct entries drawn from the group's pool (own may be among them: it
 * was added when its features were first seen, as inference's speaker statistics include the clip itself).
 */
export function pooledStats(pool: StatsPool, key: string, own: UtteranceStats, others: number, rng: Rng): UtteranceStats {
  const list = pool.get(key) ?? [];
  const picks: UtteranceStats[] = [own];
  const idx = list.map((_, i) => i);
  const k = Math.min(others, idx.length);
  for (let i = 0; i < k; i++) {
    const j = rng.int(i, idx.length - 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
    picks.push(list[idx[i]]);
  }
  const D = own.mean.length;
  const mean = new Float64Array(D);
  const std = new Float64Array(D);
  for (const p of picks) {
    for (let d = 0; d < D; d++) {
      mean[d] += p.mean[d] / picks.length;
      std[d] += p.std[d] / picks.length;
    }
  }
  return { mean, std };
}
