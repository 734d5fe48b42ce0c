import type { Rng } from '../util/random.js';
import { packRuns, shuffleInPlace } from './batching.js';
import { pooledGroupKey, type GroupFields, type PooledCmvnGroup } from './pooled-cmvn.js';

/**
 * Group BatchNorm, a training option: batches are made of runs of utterances of one group (a voice, by default),
 * and in a share of them each BatchNorm layer normalises every utterance by its own group's statistics within the
 * batch instead of the whole batch's.
 *
 * Why: `--adapt-bn` (src/transcribe/batchnorm-adapt.ts) gives each real speaker BatchNorm statistics of their own
 * audio at inference, while ordinary training normalises by statistics of batches mixing dozens of voices. With
 * group statistics in training, the layers after each BatchNorm learn from inputs normalised the way adapted
 * inference normalises them (one voice's statistics), as pooled CMVN (pooled-cmvn.ts) did for the features.
 * The running statistics are updated from the batch mean and the within-group variance.
 */
export interface GroupBatchNormOptions {
  /** Chance per micro-batch of group statistics instead of the batch's; the batches are grouped either way. */
  prob: number;
  /** Which utterances are one group: `speaker`, `voice` (default) or `voice+channel` (see pooled-cmvn.ts). */
  group: PooledCmvnGroup;
  /** Most utterances of one group in a run (a group with more is cut into runs of similar length). */
  run: number;
}

export const GROUP_BATCHNORM_DEFAULTS: GroupBatchNormOptions = { prob: 0.5, group: 'voice', run: 8 };

/** An utterance as batching sees it: its length in frames and its group fields. */
export interface GroupedItem {
  frames: number;
  group?: GroupFields;
}

/** The group of item `i`; an item without the group's field is a group of its own. */
function groupOf(u: GroupedItem, i: number, group: PooledCmvnGroup): string {
  return (u.group && pooledGroupKey(u.group, group)) ?? `\u0000${i}`;
}

/**
 * Micro-batches of runs of one group each: every group's utterances are sorted by jittered length and cut into
 * runs of at most `run` utterances (nearly equal sizes), each run fitting the frame budget on its own; runs are
 * then sorted by their longest item and packed as batching.ts packs single utterances (`packRuns`). Utterances
 * without the group's field form groups of one. Batch order is shuffled. Deterministic for a given rng state.
 * @returns batches of indices into `items`
 */
export function groupedBatches(items: readonly GroupedItem[], group: PooledCmvnGroup, run: number, maxFrames: number, rng: Rng,
  opts: { maxItems?: number; jitter?: number } = {}): number[][] {
  const jitter = opts.jitter ?? 0.1;
  const maxItems = opts.maxItems ?? Infinity;
  const byGroup = new Map<string, Array<{ i: number; len: number; key: number }>>();
  items.forEach((u, i) => {
    const g = groupOf(u, i, group);
    const list = byGroup.get(g) ?? [];
    if (list.length === 0) byGroup.set(g, list);
    list.push({ i, len: u.frames, key: u.frames * (1 + jitter * (2 * rng.uniform() - 1)) });
  });
  const runs: Array<{ idx: number[]; longest: number; key: number }> = [];
  const cap = Math.max(1, Math.min(run, maxItems));
  for (const list of byGroup.values()) {
    list.sort((a, b) => a.key - b.key || a.i - b.i);
    // nearly equal runs, then split further where a run would not fit the frame budget on its own
    const parts = Math.ceil(list.length / cap);
    const size = Math.ceil(list.length / parts);
    for (let s = 0; s < list.length; s += size) {
      let cur: typeof list = [];
      for (const x of list.slice(s, s + size)) {
        if (cur.length > 0 && (cur.length + 1) * Math.max(x.len, ...cur.map((c) => c.len)) > maxFrames) {
          runs.push(toRun(cur));
          cur = [];
        }
        cur.push(x);
      }
      runs.push(toRun(cur));
    }
  }
  runs.sort((a, b) => a.key - b.key || a.idx[0] - b.idx[0]);
  const batches = packRuns(runs, maxFrames, maxItems);
  shuffleInPlace(batches, rng);
  return batches;
}

function toRun(list: Array<{ i: number; len: number; key: number }>): { idx: number[]; longest: number; key: number } {
  return { idx: list.map((x) => x.i), longest: Math.max(...list.map((x) => x.len)), key: Math.max(...list.map((x) => x.key)) };
}

/**
 * Group index (0 .. groups-1, in order of first appearance) of each item of a batch, for BatchNorm's per-group
 * statistics (`ForwardOptions.batchNormGroups`).
 */
export function batchGroupIndices(items: readonly GroupedItem[], group: PooledCmvnGroup): Int32Array {
  const seen = new Map<string, number>();
  return Int32Array.from(items, (u, i) => {
    const g = groupOf(u, i, group);
    let k = seen.get(g);
    if (k === undefined) {
      k = seen.size;
      seen.set(g, k);
    }
    return k;
  });
}
