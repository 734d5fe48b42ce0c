import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsrError, fileError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { resolveFbankOptions, resolveMfccOptions, type MfccOptions } from './options.js';
import type { FeatureType } from './extractor.js';
import type { FeatureMatrix } from './matrix.js';
import type { EdgePad } from './edge-pad.js';
import { cmvnShrinkProblem, shrinkUtteranceStats, type CmvnShrink } from './cmvn-shrink.js';

/** The model directory file that says how audio becomes the model's input features. */
export const FEATURES_FILE = 'features.json';

/**
 * How features are computed for a model (written by training, read by transcription, so both compute the same):
 *   {"type": "fbank", "options": {"numMelBins": 80, ...}, "normalize": "none" | "utterance" | {"mean": [...], "std": [...]}}
 * `options` are Kaldi options in camelCase (src/features/options.ts); dither is ignored at inference.
 * `normalize`: "utterance" subtracts each segment's mean and divides by its standard deviation; a mean/std pair is
 * global CMVN (streaming-friendly: the same for every segment).
 * `streamingPrior` (optional, with "utterance"): the training utterances' average mean and standard deviation, which
 * the streaming front end blends in, as `frames` frames' worth, until it has heard enough speech (streaming-prior.ts).
 * `cmvnShrink` (optional, with "utterance"): {"mean": [...], "std": [...], "frames": N}: each segment's statistics are
 * shrunk toward this prior before normalising (cmvn-shrink.ts), for models of short clips.
 * `edgePad` (optional): {"seconds": s, "level": sd}: quiet noise added at both ends of every segment before its
 * features (edge-pad.ts), as the model was trained; word times are measured without it.
 */
export interface FeatureConfig {
  type: FeatureType;
  options: Partial<MfccOptions>;
  normalize: 'none' | 'utterance' | { mean: number[]; std: number[] };
  streamingPrior?: StreamingPrior;
  cmvnShrink?: CmvnShrink;
  edgePad?: EdgePad;
}

/** Per-dimension statistics [dim] and the weight in frames they carry. */
export interface StreamingPrior {
  mean: number[];
  std: number[];
  frames: number;
}

/** What a model directory without features.json gets: Kaldi fbank with as many mel bins as the model has inputs, per-utterance CMVN. */
export function defaultFeatureConfig(inputDim: number): FeatureConfig {
  return { type: 'fbank', options: { numMelBins: inputDim }, normalize: 'utterance' };
}

/** Sample rate (Hz) a config's features are computed at: Kaldi's default 16 kHz unless the options say. */
export function featureSampleRate(c: FeatureConfig): number {
  return c.options.sampleFrequency ?? 16000;
}

/** Dimension of the features a config produces. */
export function featureDim(c: FeatureConfig): number {
  if (c.type === 'mfcc') {
    const o = resolveMfccOptions(c.options);
    return o.numCeps;
  }
  const o = resolveFbankOptions(c.options);
  return o.numMelBins + (o.useEnergy ? 1 : 0);
}

/** Validates a parsed features.json; `source` names it in errors. */
export function parseFeatureConfig(raw: unknown, source: string): FeatureConfig {
  const fail = (problem: string): never => {
    throw fileError(source, problem);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('expected a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['type', 'options', 'normalize', 'streamingPrior', 'cmvnShrink', 'edgePad'].includes(k)) fail(`unknown key '${k}'`);
  const type = o.type ?? 'fbank';
  if (type !== 'fbank' && type !== 'mfcc') fail(`type must be "fbank" or "mfcc", got ${JSON.stringify(type)}`);
  const options = o.options ?? {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options must be an object');
  let normalize: FeatureConfig['normalize'] = 'none';
  const n = o.normalize ?? 'none';
  if (n === 'none' || n === 'utterance') normalize = n;
  else if (typeof n === 'object' && n !== null && !Array.isArray(n)) {
    const { mean, std } = n as { mean?: unknown; std?: unknown };
    const nums = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!nums(mean) || !nums(std) || mean.length !== std.length || mean.length === 0) fail('normalize.mean and normalize.std must be equal-length arrays of numbers');
    if ((std as number[]).some((v) => v <= 0)) fail('normalize.std values must be positive');
    normalize = { mean: mean as number[], std: std as number[] };
  } else fail(`normalize must be "none", "utterance" or {"mean": [...], "std": [...]}, got ${JSON.stringify(n)}`);
  const config: FeatureConfig = { type: type as FeatureType, options: options as Partial<MfccOptions>, normalize };
  if (o.streamingPrior !== undefined) {
    const p = o.streamingPrior as { mean?: unknown; std?: unknown; frames?: unknown } | null;
    const nums = (a: unknown): a is number[] => Array.isArray(a) && a.length > 0 && a.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (typeof p !== 'object' || p === null || !nums(p.mean) || !nums(p.std) || p.mean.length !== p.std.length) {
      fail('streamingPrior must be {"mean": [...], "std": [...], "frames": N} with equal-length arrays of numbers');
    }
    const prior = p as { mean: number[]; std: number[]; frames?: unknown };
    if (prior.std.some((v) => v <= 0)) fail('streamingPrior.std values must be positive');
    const frames = prior.frames ?? 200;
    if (typeof frames !== 'number' || !(frames >= 0)) fail('streamingPrior.frames must be a number >= 0');
    config.streamingPrior = { mean: prior.mean, std: prior.std, frames: frames as number };
  }
  if (o.cmvnShrink !== undefined) {
    const problem = cmvnShrinkProblem(o.cmvnShrink);
    if (problem !== null) fail(problem);
    if (normalize !== 'utterance') fail('cmvnShrink needs "normalize": "utterance"');
    const p = o.cmvnShrink as CmvnShrink;
    config.cmvnShrink = { mean: p.mean, std: p.std, frames: p.frames };
  }
  if (o.edgePad !== undefined) {
    const p = o.edgePad as { seconds?: unknown; level?: unknown } | null;
    const ok = (v: unknown, max: number): v is number => typeof v === 'number' && v >= 0 && v <= max;
    if (typeof p !== 'object' || p === null || !ok(p.seconds, 5) || !ok(p.level, 1)) {
      fail('edgePad must be {"seconds": 0-5, "level": 0-1}');
    }
    const e = p as { seconds: number; level: number };
    config.edgePad = { seconds: e.seconds, level: e.level };
  }
  try {
    featureDim(config);
  } catch (e) {
    fail(`options: ${(e as Error).message}`);
  }
  return config;
}

/**
 * The feature config of a model directory: features.json when present, else the default for `inputDim`.
 * Fails when the features' dimension is not the model's input dimension.
 */
export function readFeatureConfig(dir: string, inputDim: number): FeatureConfig {
  const path = join(dir, FEATURES_FILE);
  let config: FeatureConfig;
  if (!existsSync(path)) config = defaultFeatureConfig(inputDim);
  else {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw fileError(path, `invalid JSON (${(e as Error).message})`);
    }
    config = parseFeatureConfig(raw, path);
  }
  const dim = featureDim(config);
  if (dim !== inputDim) throw fileError(existsSync(path) ? path : dir, `features have dimension ${dim}, config.json says inputDim ${inputDim}`);
  if (typeof config.normalize === 'object' && config.normalize.mean.length !== dim) {
    throw fileError(path, `normalize has ${config.normalize.mean.length} values, the features have ${dim}`);
  }
  if (config.streamingPrior !== undefined && config.streamingPrior.mean.length !== dim) {
    throw fileError(path, `streamingPrior has ${config.streamingPrior.mean.length} values, the features have ${dim}`);
  }
  if (config.cmvnShrink !== undefined && config.cmvnShrink.mean.length !== dim) {
    throw fileError(path, `cmvnShrink has ${config.cmvnShrink.mean.length} values, the features have ${dim}`);
  }
  return config;
}

export async function writeFeatureConfig(dir: string, config: FeatureConfig): Promise<void> {
  await writeFileAtomic(join(dir, FEATURES_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** Applies the config's normalisation to a segment's features, in place. */
export function normalizeFeatures(m: FeatureMatrix, c: FeatureConfig): void {
  const { numFrames: T, dim: D, data } = m;
  if (c.normalize === 'none' || T === 0) return;
  if (c.normalize !== 'utterance') {
    normalizeByStats(m, c.normalize.mean, c.normalize.std);
    return;
  }
  const mu = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let t = 0; t < T; t++) {
    for (let d = 0; d < D; d++) {
      const v = data[t * D + d];
      mu[d] += v;
      sq[d] += v * v;
    }
  }
  const std = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    mu[d] /= T;
    // floored so a constant band (digital silence) does not divide by zero
    std[d] = Math.sqrt(Math.max(sq[d] / T - mu[d] * mu[d], 1e-5));
  }
  if (c.cmvnShrink !== undefined) shrinkUtteranceStats(mu, std, T, c.cmvnShrink);
  normalizeByStats(m, mu, std);
}

/** In place: `(x - mean) / std` per dimension of features `[frames, dim]` (a speaker's or pooled statistics). */
export function normalizeByStats(m: FeatureMatrix, mean: ArrayLike<number>, std: ArrayLike<number>): void {
  const { numFrames: T, dim: D, data } = m;
  if (mean.length !== D) throw new AsrError(`features have dimension ${D}, normalize has ${mean.length}`);
  const inv = Float64Array.from(std, (s) => 1 / s);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) data[t * D + d] = (data[t * D + d] - mean[d]) * inv[d];
}
