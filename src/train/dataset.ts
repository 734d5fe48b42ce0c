import { existsSync, readFileSync } from 'node:fs';
import { loadAudio } from '../audio/load.js';
import { resample } from '../audio/resample.js';
import { parseManifestLine } from '../data/manifest.js';
import type { FeatureMatrix } from '../features/matrix.js';
import { specAugment, type SpecAugmentOptions } from '../features/specaugment.js';
import { levelAugment, type LevelAugmentOptions } from '../features/level-augment.js';
import { bandWarp, type BandWarpOptions } from '../features/band-warp.js';
import { finalLengthening, type FinalLengtheningOptions } from '../features/final-lengthening.js';
import { outputLength, type ModelConfig } from '../model/config.js';
import { AsrError, errorMessage, fileError } from '../util/errors.js';
import type { Rng } from '../util/random.js';
import { minFramesFor } from './ctc.js';
import { framesForDuration, normalizeFeatures, rawFeatures, SAMPLE_RATE, FULL_BAND, type FeatureBand } from './frontend.js';
import type { Tokenizer } from './tokenizer.js';
import { jitteredShrink, type ShrinkJitterOptions } from './shrink-jitter.js';
import { utteranceStats } from '../features/speaker-cmvn.js';
import { addToPool, normalizeWithStats, pooledGroupKey, pooledStats, type GroupFields, type PooledCmvnOptions, type StatsPool } from './pooled-cmvn.js';

/** One usable manifest line. */
export interface Utterance {
  /** `manifest:line`, for messages. */
  where: string;
  audio: string;
  duration: number;
  text: string;
  /** Token ids of the normalised text. */
  targets: Int32Array;
  /** Fbank frames estimated from the duration (for bucketing). */
  frames: number;
  /** The manifest's speaker, voice and augment fields, where present (for pooled CMVN's groups). */
  group?: GroupFields;
}

export interface BadLine {
  where: string;
  problem: string;
}

export interface LoadedSet {
  utterances: Utterance[];
  skipped: BadLine[];
}

/**
 * Reads and checks a training or validation manifest. Each line needs `audio_filepath` (an existing file),
 * `duration` and a tokenizable, non-empty `text`, and must be long enough for CTC to emit its transcript after
 * subsampling. A bad line stops with `manifest:line: problem`, or with `skipBad` is left out and reported in
 * `skipped`.
 */
export function loadUtterances(manifest: string, tokenizer: Tokenizer, config: ModelConfig, skipBad: boolean): LoadedSet {
  let text: string;
  try {
    text = readFileSync(manifest, 'utf8');
  } catch {
    throw fileError(manifest, 'manifest not found');
  }
  const utterances: Utterance[] = [];
  const skipped: BadLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const where = `${manifest}:${i + 1}`;
    try {
      const e = parseManifestLine(raw, manifest, i + 1);
      const fields = JSON.parse(raw) as Record<string, unknown>;
      if (!('duration' in fields)) throw new AsrError('missing "duration"');
      if (!('text' in fields)) throw new AsrError('missing "text"');
      if (!existsSync(e.audioFilepath)) throw new AsrError(`audio file not found: ${e.audioFilepathRaw}`);
      const problem = tokenizer.problem(e.text);
      if (problem !== null) throw new AsrError(`text ${JSON.stringify(e.text)}: ${problem}`);
      const targets = tokenizer.encode(e.text) as Int32Array;
      const frames = framesForDuration(e.duration);
      const out = outputLength(config, frames);
      if (out < minFramesFor(targets)) {
        throw new AsrError(`${e.duration} s of audio gives ${out} output frames, too few for the ${targets.length} tokens of its text`);
      }
      utterances.push({ where, audio: e.audioFilepath, duration: e.duration, text: e.text, targets, frames, group: groupFields(fields) });
    } catch (err) {
      // parseManifestLine's messages already start with `manifest: line N:`; keep one prefix
      const msg = errorMessage(err).replace(`${manifest}: line ${i + 1}: `, '');
      if (!skipBad) throw new AsrError(`${where}: ${msg}`);
      skipped.push({ where, problem: msg });
    }
  }
  if (utterances.length === 0) throw fileError(manifest, skipped.length > 0 ? `no usable lines (${skipped.length} bad)` : 'no utterances');
  return { utterances, skipped };
}

function groupFields(f: Record<string, unknown>): GroupFields {
  const g: GroupFields = {};
  if (typeof f.speaker === 'string') g.speaker = f.speaker;
  if (typeof f.voice === 'string') g.voice = f.voice;
  if (typeof f.augment === 'object' && f.augment !== null && !Array.isArray(f.augment)) g.augment = f.augment as Record<string, unknown>;
  return g;
}

/** The transcripts of a manifest's readable lines (to train a BPE tokenizer; bad lines are reported later). */
export function manifestTexts(manifest: string): string[] {
  let text: string;
  try {
    text = readFileSync(manifest, 'utf8');
  } catch {
    throw fileError(manifest, 'manifest not found');
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const t = (JSON.parse(line) as { text?: unknown }).text;
      if (typeof t === 'string') out.push(t);
    } catch {
      // reported by loadUtterances
    }
  }
  return out;
}

export interface AugmentConfig {
  /** SpecAugment options, or null for none. */
  specAugment: Partial<SpecAugmentOptions> | null;
  /** Speed factors drawn uniformly per utterance (e.g. [0.9, 1, 1.1]); [] or [1] for none. */
  speedFactors: number[];
  /** VTLN warp factors drawn uniformly per utterance; absent, [] or [1] for none. */
  vtlnWarps?: number[];
  /** Level augmentation of the raw features, or null/absent for none. */
  levelAugment?: Partial<LevelAugmentOptions> | null;
  /** Pooled CMVN (src/train/pooled-cmvn.ts), or null/absent for per-utterance CMVN always. */
  pooledCmvn?: PooledCmvnOptions | null;
  /** Shrink-weight jitter (src/train/shrink-jitter.ts; only with a shrink prior), or null/absent for none. */
  shrinkJitter?: ShrinkJitterOptions | null;
  /** Band warping of the raw features (src/features/band-warp.ts), or null/absent for none. */
  bandWarp?: BandWarpOptions | null;
  /** Final lengthening of the raw features (src/features/final-lengthening.ts), or null/absent for none. */
  finalLengthening?: FinalLengtheningOptions | null;
}

/**
 * Features for training, computed on the fly from the audio. Raw fbank of each (utterance, speed) is kept in
 * memory when `cache` is on (it is ~3% of the audio's size at 80 dims), since decoding and fbank dominate the
 * data side otherwise; normalisation and SpecAugment are applied per use.
 */
export class FeatureSource {
  private readonly cache = new Map<string, FeatureMatrix>();
  /** Pooled CMVN's statistics per group, filled as utterances are first seen (not saved with checkpoints). */
  private readonly pool: StatsPool = new Map();
  private readonly pooled = new Set<string>();
  /** Seconds spent decoding audio and computing fbank (for the speed report). */
  featureSeconds = 0;

  constructor(
    private readonly inputDim: number,
    private readonly useCache: boolean,
    private readonly band: FeatureBand = FULL_BAND,
  ) {}

  /** Raw fbank [frames, inputDim] of an utterance at a speed factor and VTLN warp. */
  async raw(u: Utterance, speed = 1, warp = 1): Promise<FeatureMatrix> {
    const key = warp === 1 ? `${u.audio}@${speed}` : `${u.audio}@${speed}@${warp}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const t0 = performance.now();
    let samples: Float64Array;
    try {
      samples = (await loadAudio(u.audio, { targetRate: SAMPLE_RATE })).samples;
    } catch (e) {
      throw new AsrError(`${u.where}: ${errorMessage(e)}`);
    }
    // speed perturbation (Kaldi style): read the samples as if recorded at speed x 16 kHz, resample to 16 kHz
    if (speed !== 1) samples = resample(samples, Math.round(SAMPLE_RATE * speed), SAMPLE_RATE);
    const m = rawFeatures(samples, this.inputDim, this.band, warp);
    this.featureSeconds += (performance.now() - t0) / 1000;
    if (this.useCache) this.cache.set(key, m);
    return m;
  }

  /** Normalised, optionally augmented features of an utterance; `rng` draws the speed and the masks. */
  async features(u: Utterance, augment: AugmentConfig | null, rng: Rng | null): Promise<FeatureMatrix> {
    const factors = augment?.speedFactors ?? [];
    const speed = factors.length > 1 && rng !== null ? factors[rng.int(0, factors.length - 1)] : (factors[0] ?? 1);
    const warps = augment?.vtlnWarps ?? [];
    // drawn only when there is a choice, so runs without VTLN perturbation draw the same numbers as before
    const warp = rng === null ? 1 : warps.length > 1 ? warps[rng.int(0, warps.length - 1)] : (warps[0] ?? 1);
    let m = await this.raw(u, speed, warp);
    const pc = augment?.pooledCmvn;
    const key = pc && rng !== null && m.numFrames > 0 && u.group && (pc.maxSeconds <= 0 || u.duration <= pc.maxSeconds) ? pooledGroupKey(u.group, pc.group) : null;
    const own = key !== null ? utteranceStats(m) : null;
    if (key !== null && own !== null && rng !== null && !this.pooled.has(u.audio)) {
      this.pooled.add(u.audio);
      addToPool(this.pool, key, own, rng);
    }
    if (augment?.levelAugment && rng !== null) m = levelAugment(m, rng, augment.levelAugment);
    // drawn only when configured, so runs without it draw the same numbers as before
    if (augment?.bandWarp && rng !== null) m = bandWarp(m, rng, augment.bandWarp);
    if (augment?.finalLengthening && rng !== null) m = finalLengthening(m, rng, augment.finalLengthening);
    if (key !== null && own !== null && rng !== null && pc && rng.uniform() < pc.prob) {
      m = normalizeWithStats(m, pooledStats(this.pool, key, own, pc.others, rng));
    } else {
      const shrink = this.band.cmvnShrink;
      // drawn only when configured, so runs without it draw the same numbers as before
      m = normalizeFeatures(m, shrink && augment?.shrinkJitter && rng !== null ? jitteredShrink(shrink, augment.shrinkJitter, rng) : shrink);
    }
    if (augment?.specAugment && rng !== null) m = specAugment(m, rng, augment.specAugment);
    return m;
  }
}
