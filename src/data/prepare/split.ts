import { AsrError } from '../../util/errors.js';
import { createRng } from '../../util/random.js';
import { deriveSeed } from '../seed.js';
import type { ManifestRecord } from '../manifest-write.js';

export type SplitBy = 'speaker' | 'voice';

export interface SplitOptions {
  /** Share of the total duration to put in validation (default 0.05), unless validGroups is given. */
  validFraction?: number;
  /** Exactly this many speakers (or voices) in validation. */
  validGroups?: number;
  /**
   * speaker: one group per speaker, speed-perturbed copies (`sp0.9-`) with their source speaker.
   * voice: one group per synthetic voice (`voice` field), so no pseudo-speaker of a validation voice is trained on.
   */
  by?: SplitBy;
  seed?: number;
}

/** The group an entry belongs to; `where` names it in the error when it has none. */
export function splitGroup(r: ManifestRecord, by: SplitBy, where: string): string {
  const extra = r.extra ?? {};
  if (by === 'voice') {
    if (typeof extra.voice === 'string') return extra.voice;
    if (typeof extra.speaker === 'string') return extra.speaker.replace(/^sp[\d.]+-/, '').replace(/#\d+$/, '');
    throw new AsrError(`${where}: no "voice" or "speaker" field, needed to split by voice`);
  }
  if (typeof extra.speaker !== 'string' && typeof extra.speaker !== 'number') throw new AsrError(`${where}: no "speaker" field, needed for a speaker-disjoint split`);
  return String(extra.speaker).replace(/^sp[\d.]+-/, '');
}

/**
 * Splits records into train and validation with no speaker (or voice) in both. Groups are shuffled with the seed and
 * moved to validation until it holds the requested share of the duration, skipping groups that would overshoot it by
 * more than a quarter (or exactly validGroups groups); both sides get at least one group. Records keep their order
 * within each side.
 */
export function splitBySpeaker(
  records: ManifestRecord[],
  opts: SplitOptions = {},
  where: (i: number) => string = (i) => records[i].where ?? `entry ${i + 1}`,
): { train: ManifestRecord[]; valid: ManifestRecord[]; validGroups: string[] } {
  const by = opts.by ?? 'speaker';
  const groups = new Map<string, number>();
  const keys = records.map((r, i) => {
    const g = splitGroup(r, by, where(i));
    groups.set(g, (groups.get(g) ?? 0) + (Number.isFinite(r.duration) ? (r.duration as number) : 1));
    return g;
  });
  if (groups.size < 2) throw new AsrError(`a ${by}-disjoint split needs at least 2 ${by}s; the input has ${groups.size}`);
  const names = [...groups.keys()].sort();
  const rng = createRng(deriveSeed(opts.seed ?? 0, 'split'));
  for (let i = names.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [names[i], names[j]] = [names[j], names[i]];
  }
  const valid = new Set<string>();
  if (opts.validGroups !== undefined) {
    if (!Number.isInteger(opts.validGroups) || opts.validGroups < 1 || opts.validGroups >= names.length) {
      throw new AsrError(`--valid-speakers: expected 1..${names.length - 1} (the input has ${names.length} ${by}s), got ${opts.validGroups}`);
    }
    for (const n of names.slice(0, opts.validGroups)) valid.add(n);
  } else {
    const fraction = opts.validFraction ?? 0.05;
    if (!(fraction > 0 && fraction < 1)) throw new AsrError(`--valid-fraction: expected a number in (0, 1), got ${fraction}`);
    const target = fraction * [...groups.values()].reduce((a, b) => a + b, 0);
    let acc = 0;
    // in shuffled order, take groups that do not overshoot the target by more than a quarter (one big speaker would)
    for (const n of names) {
      if (acc >= target || valid.size === names.length - 1) break;
      const size = groups.get(n) as number;
      if (acc + size > 1.25 * target) continue;
      valid.add(n);
      acc += size;
    }
    if (valid.size === 0) valid.add(names.reduce((a, b) => ((groups.get(b) as number) < (groups.get(a) as number) ? b : a)));
  }
  const train: ManifestRecord[] = [];
  const validRecords: ManifestRecord[] = [];
  records.forEach((r, i) => (valid.has(keys[i]) ? validRecords : train).push(r));
  return { train, valid: validRecords, validGroups: [...valid].sort() };
}
