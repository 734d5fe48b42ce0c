import { AsrError } from '../util/errors.js';
import type { Rng } from '../util/random.js';
import type { ChunkOptions } from './masks.js';

/**
 * Dynamic chunk training (WeNet U2): each batch draws its attention chunk size, so one model serves full context
 * and streaming at any chunk size chosen at run time. With probability `fullContextProb` the batch sees full
 * context; otherwise the chunk is uniform in [1, maxChunk] encoder frames, and the left context uniform in
 * [0, maxLeftChunks] chunks (or unlimited when maxLeftChunks < 0). Models trained this way should have
 * causalConv true, so the convolution module does not look ahead either.
 */
export interface DynamicChunkConfig {
  fullContextProb: number;
  /** Largest chunk, encoder frames (25 frames of 40 ms = 1 s, WeNet's default). */
  maxChunk: number;
  /** Largest left context, chunks; negative = always unlimited. */
  maxLeftChunks: number;
}

export const DEFAULT_DYNAMIC_CHUNK: DynamicChunkConfig = { fullContextProb: 0.5, maxChunk: 25, maxLeftChunks: 8 };

/** Fills defaults and validates (from a train config's `dynamicChunk`); `where` names the file. */
export function resolveDynamicChunk(input: unknown, where: string): DynamicChunkConfig | null {
  if (input === null || input === undefined || input === false) return null;
  const o = input === true ? {} : input;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new AsrError(`${where}: train.dynamicChunk must be an object, true or null`);
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!(k in DEFAULT_DYNAMIC_CHUNK)) throw new AsrError(`${where}: unknown key 'train.dynamicChunk.${k}'`);
  const c = { ...DEFAULT_DYNAMIC_CHUNK, ...r } as DynamicChunkConfig;
  if (!(typeof c.fullContextProb === 'number' && c.fullContextProb >= 0 && c.fullContextProb <= 1)) throw new AsrError(`${where}: train.dynamicChunk.fullContextProb must be in [0, 1]`);
  if (!(Number.isInteger(c.maxChunk) && c.maxChunk >= 1)) throw new AsrError(`${where}: train.dynamicChunk.maxChunk must be an integer >= 1`);
  if (!Number.isInteger(c.maxLeftChunks)) throw new AsrError(`${where}: train.dynamicChunk.maxLeftChunks must be an integer`);
  return c;
}

/** This batch's chunk options, or undefined for full context. */
export function sampleDynamicChunks(rng: Rng, c: DynamicChunkConfig): ChunkOptions | undefined {
  if (rng.uniform() < c.fullContextProb) return undefined;
  const chunkSize = rng.int(1, c.maxChunk);
  const leftChunks = c.maxLeftChunks < 0 ? -1 : rng.int(0, c.maxLeftChunks);
  return { chunkSize, leftChunks };
}
