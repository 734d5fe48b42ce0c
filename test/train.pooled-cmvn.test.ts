import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelConfig } from '../src/model/index.js';
import { createRng } from '../src/util/random.js';
import { createCharTokenizer } from '../src/train/tokenizer.js';
import { FeatureSource, loadUtterances, type AugmentConfig } from '../src/train/dataset.js';
import { normalizeFeatures } from '../src/train/frontend.js';
import { readExperimentConfig } from '../src/train/config.js';
import { addToPool, normalizeWithStats, pooledGroupKey, pooledStats, type StatsPool } from '../src/train/pooled-cmvn.js';
import { utteranceStats, type UtteranceStats } from '../src/features/speaker-cmvn.js';
import type { FeatureMatrix } from '../src/features/matrix.js';
import { synthUtterances } from './train.fixtures.js';

function matrix(rows: number[][]): FeatureMatrix {
  return { numFrames: rows.length, dim: rows[0].length, data: Float32Array.from(rows.flat()) };
}

function stats(mean: number[], std: number[]): UtteranceStats {
  return { mean: Float64Array.from(mean), std: Float64Array.from(std) };
}

function average(list: UtteranceStats[]): UtteranceStats {
  const D = list[0].mean.length;
  const out = stats(new Array<number>(D).fill(0), new Array<number>(D).fill(0));
  for (const s of list) {
    for (let d = 0; d < D; d++) {
      out.mean[d] += s.mean[d] / list.length;
      out.std[d] += s.std[d] / list.length;
    }
  }
  return out;
}

describe('pooled CMVN', () => {
  it('groups by speaker, voice, or voice and the kinds of channel (peak level ignored)', () => {
    const f = { speaker: 'flite:awb#3', voice: 'flite:awb', augment: { telephone: true, noise: { snr_db: 4 }, peak_db: -3 } };
    expect(pooledGroupKey(f, 'speaker')).toBe('flite:awb#3');
    expect(pooledGroupKey(f, 'voice')).toBe('flite:awb');
    expect(pooledGroupKey(f, 'voice+channel')).toBe('flite:awb|noise+telephone');
    expect(pooledGroupKey({ voice: 'flite:awb', augment: { peak_db: -1 } }, 'voice+channel')).toBe('flite:awb|');
    expect(pooledGroupKey({ voice: 'flite:awb' }, 'speaker')).toBeNull();
    expect(pooledGroupKey({ speaker: 'x' }, 'voice')).toBeNull();
  });

  it("an utterance's own statistics normalise exactly as per-utterance CMVN", () => {
    const m = matrix([[1, 10, -3], [2, 14, -3], [6, 9, -3], [3, 11, -3]]);
    const own = utteranceStats(m);
    expect(Array.from(own.std)[2]).toBeCloseTo(Math.sqrt(1e-5), 9); // constant dimension: floored
    const a = normalizeWithStats(m, own);
    const b = normalizeFeatures(m);
    for (let i = 0; i < a.data.length; i++) expect(a.data[i]).toBeCloseTo(b.data[i], 5);
  });

  it('averages its own statistics with up to `others` entries of its group, and bounds each group', () => {
    const pool: StatsPool = new Map();
    const rng = createRng(3);
    const own = stats([0, 0], [1, 1]);
    expect(Array.from(pooledStats(pool, 'g', own, 15, rng).mean)).toEqual([0, 0]); // empty pool: own alone
    addToPool(pool, 'g', stats([3, 6], [2, 4]), rng);
    addToPool(pool, 'g', stats([6, 0], [3, 1]), rng);
    addToPool(pool, 'h', stats([100, 100], [9, 9]), rng);
    const all = pooledStats(pool, 'g', own, 15, rng);
    expect(Array.from(all.mean)).toEqual([3, 2]);
    expect(Array.from(all.std)).toEqual([2, 2]);
    expect(Array.from(pooledStats(pool, 'g', own, 0, rng).mean)).toEqual([0, 0]);
    const one = pooledStats(pool, 'g', own, 1, rng); // own and one of the two
    expect([[1.5, 3], [3, 0]]).toContainEqual(Array.from(one.mean));
    for (let i = 0; i < 100; i++) addToPool(pool, 'h', stats([i, i], [1, 1]), rng);
    expect(pool.get('h')?.length).toBe(64);
  });

  it('training normalises by pooled statistics of the same group; validation and prob 0 keep their own', async () => {
    const manifest = synthUtterances(['one', 'two three', 'four five six']);
    const utts = loadUtterances(manifest, createCharTokenizer(), modelConfig({ vocabSize: 29 }), false).utterances;
    expect(utts.map((u) => u.group?.voice)).toEqual(['espeak:en-us', 'espeak:en-us', 'espeak:en-us']);
    const src = new FeatureSource(40, true);
    const pooled: AugmentConfig = { specAugment: null, speedFactors: [], pooledCmvn: { prob: 1, group: 'voice', others: 15, maxSeconds: 0 } };
    const rng = createRng(5);
    const raws = await Promise.all(utts.map((u) => src.raw(u)));
    const s = raws.map(utteranceStats);
    const first = await src.features(utts[0], pooled, rng); // the pool held only itself
    expect(Array.from(first.data)).toEqual(Array.from(normalizeFeatures(raws[0]).data));
    await src.features(utts[1], pooled, rng);
    const third = await src.features(utts[2], pooled, rng); // own + all three pooled (itself included)
    const expected = normalizeWithStats(raws[2], average([s[2], s[0], s[1], s[2]]));
    for (let i = 0; i < third.data.length; i += 97) expect(third.data[i]).toBeCloseTo(expected.data[i], 4);
    expect(Array.from(third.data)).not.toEqual(Array.from(normalizeFeatures(raws[2]).data));
    const valid = await src.features(utts[2], pooled, null);
    expect(Array.from(valid.data)).toEqual(Array.from(normalizeFeatures(raws[2]).data));
    const never = await src.features(utts[2], { ...pooled, pooledCmvn: { prob: 0, group: 'voice', others: 15, maxSeconds: 0 } }, rng);
    expect(Array.from(never.data)).toEqual(Array.from(normalizeFeatures(raws[2]).data));
    // longer than maxSeconds: its own statistics, and kept out of the pool
    const short = { ...pooled, pooledCmvn: { prob: 1, group: 'voice' as const, others: 15, maxSeconds: utts[2].duration - 0.01 } };
    const fresh = new FeatureSource(40, true);
    const long = await fresh.features(utts[2], short, rng);
    expect(Array.from(long.data)).toEqual(Array.from(normalizeFeatures(raws[2]).data));
    await fresh.features(utts[0], short, rng);
    const second = await fresh.features(utts[1], short, rng); // pooled with the first only
    const want = normalizeWithStats(raws[1], average([s[1], s[0], s[1]]));
    for (let i = 0; i < second.data.length; i += 97) expect(second.data[i]).toBeCloseTo(want.data[i], 4);
  });

  it('the config is checked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-pooled-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ train: { pooledCmvn: { group: 'room' } } }));
    expect(() => readExperimentConfig(f)).toThrow('train.pooledCmvn needs prob in [0, 1], group one of speaker, voice, voice+channel, an integer others >= 0, maxSeconds >= 0');
    writeFileSync(f, JSON.stringify({ train: { pooledCmvn: { prob: 0.5, size: 3 } } }));
    expect(() => readExperimentConfig(f)).toThrow('train.pooledCmvn must be null or an object with prob, group, others, maxSeconds');
    writeFileSync(f, JSON.stringify({ train: { pooledCmvn: { prob: 0.3 } } }));
    expect(readExperimentConfig(f).train.pooledCmvn).toEqual({ prob: 0.3 });
  });
});
