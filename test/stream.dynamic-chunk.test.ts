import { describe, expect, it } from 'vitest';
import { resolveDynamicChunk, sampleDynamicChunks, DEFAULT_DYNAMIC_CHUNK } from '../src/model/index.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { createRng } from '../src/util/random.js';

describe('dynamic chunk training option', () => {
  it('train configs accept dynamicChunk (true = defaults, object, null) and reject bad values', () => {
    expect(resolveTrainConfig({}).dynamicChunk).toBeNull();
    expect(resolveTrainConfig({ dynamicChunk: true }).dynamicChunk).toEqual(DEFAULT_DYNAMIC_CHUNK);
    expect(resolveTrainConfig({ dynamicChunk: { maxChunk: 16 } }, 'conf/train.json').dynamicChunk).toEqual({ ...DEFAULT_DYNAMIC_CHUNK, maxChunk: 16 });
    expect(() => resolveTrainConfig({ dynamicChunk: { maxChunks: 16 } }, 'conf/train.json')).toThrow(/conf\/train.json: unknown key 'train.dynamicChunk.maxChunks'/);
    expect(() => resolveDynamicChunk({ fullContextProb: 2 }, 'x')).toThrow(/fullContextProb/);
  });

  it('draws full context about fullContextProb of the time, chunks in [1, maxChunk], left in [0, maxLeftChunks]', () => {
    const rng = createRng(3);
    const c = { fullContextProb: 0.3, maxChunk: 7, maxLeftChunks: 2 };
    let full = 0;
    const sizes = new Set<number>();
    const lefts = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const s = sampleDynamicChunks(rng, c);
      if (s === undefined) full++;
      else {
        sizes.add(s.chunkSize);
        lefts.add(s.leftChunks);
      }
    }
    expect(full / 2000).toBeGreaterThan(0.25);
    expect(full / 2000).toBeLessThan(0.35);
    expect([...sizes].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect([...lefts].sort()).toEqual([0, 1, 2]);
    expect(sampleDynamicChunks(createRng(1), { fullContextProb: 0, maxChunk: 4, maxLeftChunks: -1 })?.leftChunks).toBe(-1);
  });
});
