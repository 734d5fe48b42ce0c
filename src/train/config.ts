import { readFileSync } from 'node:fs';
import { resolveDynamicChunk, type DynamicChunkConfig } from '../model/dynamic-chunk.js';
import { resolveModelConfig, type ModelConfig } from '../model/config.js';
import type { SpecAugmentOptions } from '../features/specaugment.js';
import { LEVEL_AUGMENT_DEFAULTS, type LevelAugmentOptions } from '../features/level-augment.js';
import { AsrError, fileError } from '../util/errors.js';
import { POOLED_CMVN_DEFAULTS, POOLED_CMVN_GROUPS, type PooledCmvnOptions } from './pooled-cmvn.js';
import { GROUP_BATCHNORM_DEFAULTS, type GroupBatchNormOptions } from './group-batchnorm.js';
import type { ShrinkJitterOptions } from './shrink-jitter.js';
import type { BandWarpOptions } from '../features/band-warp.js';
import type { FinalLengtheningOptions } from '../features/final-lengthening.js';
import type { AdamWConfig } from './optimizer.js';
import type { ScheduleConfig } from './schedule.js';

/**
 * Training options: the `train` object of a training config file. A config file is
 *   { "model": { ...ModelConfig overrides (src/model/config.ts) }, "train": { ...TrainConfig overrides } }
 * Both parts are optional; unknown keys are errors. vocabSize is set from the tokenizer.
 */
export interface TrainConfig {
  /** Seeds initialisation, data order, SpecAugment, speed perturbation and dropout. */
  seed: number;
  /** Passes over the training set. */
  epochs: number;
  /** Stop after this many optimizer steps (0: no limit; epochs still apply). */
  maxSteps: number;
  /** Padded fbank frames per micro-batch (items x longest item); bounds memory (100 frames = 1 s). */
  maxFramesPerBatch: number;
  /** Most utterances per micro-batch. */
  maxItemsPerBatch: number;
  /** Micro-batches whose gradients are summed per optimizer step. */
  accumulate: number;
  /** AdamW (weight decay applies to matrices only). */
  optimizer: AdamWConfig;
  /** 'noam' | 'cosine' | 'constant' with linear warm-up; totalSteps is filled in from the data. */
  lr: Omit<ScheduleConfig, 'totalSteps'>;
  /** Clip gradients to this global L2 norm (0: off). */
  clipNorm: number;
  /** Intermediate CTC (shared head) after block `layer` (1-based; 0: off), loss = (1-w) final + w inter. */
  intermediateCtc: { layer: number; weight: number };
  /** SpecAugment on training features, or null. Masks fill with 0 (features are mean-normalised). */
  specAugment: Partial<SpecAugmentOptions> | null;
  /** Speed perturbation factors drawn per utterance; [] for none. */
  speedPerturb: number[];
  /**
   * VTLN warp factors (Kaldi's vtln-warp: each mel bin's band moves from F to F / factor, so factors above 1 put
   * spectral peaks in higher bins, as a shorter vocal tract would) drawn per utterance, as vocal tract length
   * perturbation (VTLP); [] for none. Validation and inference use 1.
   */
  vtlnPerturb: number[];
  /** Level augmentation of raw features (src/features/level-augment.ts; missing keys take its defaults), or null. */
  levelAugment: Partial<LevelAugmentOptions> | null;
  /** Pooled CMVN (src/train/pooled-cmvn.ts; missing keys take its defaults), or null for per-utterance CMVN. */
  pooledCmvn: Partial<PooledCmvnOptions> | null;
  /**
   * Group BatchNorm (src/train/group-batchnorm.ts; missing keys take its defaults): batches made of runs of one
   * voice, normalised by each voice's statistics in a share of them. null: ordinary length-bucketed batches.
   */
  groupBatchNorm: Partial<GroupBatchNormOptions> | null;
  /**
   * With `features.cmvnShrinkFrames`: in a share `prob` of training utterances the shrink weight is drawn
   * log-uniformly from [cmvnShrinkFrames, maxFrames] (src/train/shrink-jitter.ts). null: always the model's weight.
   */
  shrinkJitter: ShrinkJitterOptions | null;
  /**
   * Band warping of raw features (src/features/band-warp.ts): in a share `prob` of utterances the mel-band axis is
   * remapped by a random monotone piecewise-linear function with `knots` interior knots, each moved by up to
   * `maxShift` bands. null: none.
   */
  bandWarp: BandWarpOptions | null;
  /**
   * Final lengthening of raw features (src/features/final-lengthening.ts): in a share `prob` of utterances the last
   * `minFrames`-`maxFrames` frames of speech are slowed down by up to `maxFactor`. null: none.
   */
  finalLengthening: FinalLengtheningOptions | null;
  /** Keep raw fbank of training audio in memory after the first epoch. */
  featureCache: boolean;
  /** Write a checkpoint every N optimizer steps (also at each epoch end and on Ctrl-C). */
  checkpointEverySteps: number;
  /** Step checkpoints kept on disk (the newest); averaging uses the last `averageLast` of them. */
  keepCheckpoints: number;
  /** exp/final is the average of the last N checkpoints (1: the last one). */
  averageLast: number;
  /** Validate every N optimizer steps as well as at each epoch end (0: epoch ends only). */
  validEverySteps: number;
  /** Metrics line (and non-TTY log line) every N optimizer steps. */
  logEverySteps: number;
  /** Abort after this many consecutive batches with a non-finite loss. */
  maxBadBatches: number;
  /** 'char' (blank, |, ', a-z) or 'bpe': pieces learned from the training transcripts (src/train/bpe.ts). */
  tokenizer: 'char' | 'bpe';
  /** BPE vocabulary size, blank included. */
  bpeVocabSize: number;
  /**
   * With --init-from: take the vocabulary from this config's `tokenizer` (not from the init model) and start a
   * freshly initialised CTC head; every other weight comes from the init model (as NeMo's change_vocabulary does).
   * For moving a trained encoder to other output units (characters to word pieces). Default false.
   */
  newHead: boolean;
  /** Gradient checkpointing of encoder blocks: 'auto' turns it on for wasm with large batches. */
  gradientCheckpointing: 'auto' | 'on' | 'off';
  /**
   * Dynamic chunk training for streaming (src/model/dynamic-chunk.ts; added for issue 8): per batch, full context
   * or a random attention chunk and left context. null (default): full context only. `true` takes the defaults.
   */
  dynamicChunk: DynamicChunkConfig | null;
  /**
   * Band of the fbank mel filters in Hz (Kaldi low_freq/high_freq; highFreq 0 = Nyquist). A model for telephone or
   * 8 kHz speech can be trained on 20-3800 Hz only, so wideband training audio and narrowband test audio look
   * alike to it. `edgePad`: seconds of quiet noise around every utterance (src/features/edge-pad.ts), for models
   * that must read tightly cut recordings. `cmvnShrinkFrames` > 0: each utterance's CMVN statistics are shrunk
   * toward the training set's average statistics with this weight in frames (src/features/cmvn-shrink.ts; the prior
   * is measured on the training manifest when the run starts). Written to the model's features.json so inference
   * computes the same.
   */
  features: { lowFreq: number; highFreq: number; edgePad: number; cmvnShrinkFrames: number };
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  seed: 1,
  epochs: 20,
  maxSteps: 0,
  maxFramesPerBatch: 6000,
  maxItemsPerBatch: 64,
  accumulate: 1,
  optimizer: { beta1: 0.9, beta2: 0.98, eps: 1e-9, weightDecay: 1e-3 },
  lr: { kind: 'noam', peakLr: 1e-3, warmupSteps: 200, minLr: 1e-5 },
  clipNorm: 5,
  intermediateCtc: { layer: 0, weight: 0.3 },
  specAugment: { numFreqMasks: 2, freqMaskWidth: 15, numTimeMasks: 2, timeMaskWidth: 20, timeMaskMaxRatio: 0.1, timeWarp: 0, maskValue: 0 },
  speedPerturb: [],
  vtlnPerturb: [],
  levelAugment: null,
  pooledCmvn: null,
  groupBatchNorm: null,
  shrinkJitter: null,
  bandWarp: null,
  finalLengthening: null,
  featureCache: true,
  checkpointEverySteps: 100,
  keepCheckpoints: 5,
  averageLast: 1,
  validEverySteps: 0,
  logEverySteps: 10,
  maxBadBatches: 5,
  gradientCheckpointing: 'auto',
  tokenizer: 'char',
  bpeVocabSize: 128,
  newHead: false,
  dynamicChunk: null,
  features: { lowFreq: 20, highFreq: 0, edgePad: 0, cmvnShrinkFrames: 0 },
};

export interface ExperimentConfig {
  /** Model overrides as written (vocabSize is set from the tokenizer). */
  model: Record<string, unknown>;
  train: TrainConfig;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges `input` over `defaults` one level deep for nested objects, rejecting unknown keys. */
function merge<T extends object>(defaults: T, input: Record<string, unknown>, where: string, path: string): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(input)) {
    if (!(k in out)) throw new AsrError(`${where}: unknown key '${path}${k}'`);
    const d = out[k];
    if (isObject(d) && isObject(v) && k !== 'specAugment') out[k] = merge(d, v, where, `${path}${k}.`);
    else if (k === 'specAugment' && isObject(v)) out[k] = { ...(isObject(d) ? d : {}), ...v };
    else out[k] = v;
  }
  return out as T;
}

function check(where: string, ok: boolean, problem: string): void {
  if (!ok) throw new AsrError(`${where}: ${problem}`);
}

/** Validates a train config (types and ranges); `where` names the file. */
export function resolveTrainConfig(input: unknown, where = 'train config'): TrainConfig {
  check(where, input === undefined || isObject(input), '"train" must be an object');
  const c = merge(DEFAULT_TRAIN_CONFIG, (input ?? {}) as Record<string, unknown>, where, 'train.');
  const int = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;
  const num = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;
  for (const k of ['seed', 'maxSteps', 'validEverySteps'] as const) check(where, int(c[k], 0), `train.${k} must be an integer >= 0`);
  for (const k of ['epochs', 'maxFramesPerBatch', 'maxItemsPerBatch', 'accumulate', 'checkpointEverySteps', 'keepCheckpoints', 'averageLast', 'logEverySteps', 'maxBadBatches'] as const) {
    check(where, int(c[k], 1), `train.${k} must be an integer >= 1`);
  }
  check(where, c.averageLast <= c.keepCheckpoints, 'train.averageLast cannot exceed train.keepCheckpoints');
  check(where, num(c.clipNorm, 0), 'train.clipNorm must be a number >= 0');
  check(where, ['noam', 'cosine', 'constant'].includes(c.lr.kind), 'train.lr.kind must be "noam", "cosine" or "constant"');
  check(where, num(c.lr.peakLr, 0) && c.lr.peakLr > 0, 'train.lr.peakLr must be positive');
  check(where, int(c.lr.warmupSteps, 0), 'train.lr.warmupSteps must be an integer >= 0');
  check(where, num(c.lr.minLr, 0), 'train.lr.minLr must be >= 0');
  const o = c.optimizer;
  check(where, num(o.beta1, 0) && o.beta1 < 1 && num(o.beta2, 0) && o.beta2 < 1, 'train.optimizer.beta1/beta2 must be in [0, 1)');
  check(where, num(o.eps, 0) && o.eps > 0 && num(o.weightDecay, 0), 'train.optimizer.eps must be positive, weightDecay >= 0');
  check(where, int(c.intermediateCtc.layer, 0) && num(c.intermediateCtc.weight, 0) && c.intermediateCtc.weight < 1, 'train.intermediateCtc needs an integer layer >= 0 and a weight in [0, 1)');
  check(where, c.specAugment === null || isObject(c.specAugment), 'train.specAugment must be an object or null');
  check(where, Array.isArray(c.speedPerturb) && c.speedPerturb.every((f) => num(f, 0.5) && f <= 2), 'train.speedPerturb must be a list of factors in [0.5, 2]');
  check(where, Array.isArray(c.vtlnPerturb) && c.vtlnPerturb.every((f) => num(f, 0.7) && f <= 1.4), 'train.vtlnPerturb must be a list of warp factors in [0.7, 1.4]');
  const la = c.levelAugment;
  check(where, la === null || (isObject(la) && Object.keys(la).every((k) => k in LEVEL_AUGMENT_DEFAULTS)), 'train.levelAugment must be null or an object with prob, maxExpand, edgePadMaxFrames, edgePadMaxDb, edgeTrimProb, edgeTrimDb, onsetCutProb, onsetCutMaxFrames, voicedCutProb, voicedCutMinDb, voicedCutMaxDb, voicedCutBand');
  if (la !== null) {
    const l = { ...LEVEL_AUGMENT_DEFAULTS, ...la };
    check(where, num(l.prob, 0) && l.prob <= 1 && num(l.maxExpand, 0) && int(l.edgePadMaxFrames, 0) && num(l.edgePadMaxDb, 0)
      && num(l.edgeTrimProb, 0) && l.edgeTrimProb <= 1 && num(l.edgeTrimDb, 0) && num(l.onsetCutProb, 0) && l.onsetCutProb <= 1 && int(l.onsetCutMaxFrames, 0)
      && num(l.voicedCutProb, 0) && l.voicedCutProb <= 1 && num(l.voicedCutMinDb, 0) && num(l.voicedCutMaxDb, l.voicedCutMinDb)
      && num(l.voicedCutBand, 0) && l.voicedCutBand > 0 && l.voicedCutBand <= 1,
      'train.levelAugment needs prob in [0, 1], maxExpand >= 0, an integer edgePadMaxFrames >= 0, edgePadMaxDb >= 0, edgeTrimProb in [0, 1], edgeTrimDb >= 0, onsetCutProb in [0, 1], an integer onsetCutMaxFrames >= 0, voicedCutProb in [0, 1], 0 <= voicedCutMinDb <= voicedCutMaxDb, voicedCutBand in (0, 1]');
  }
  const pc = c.pooledCmvn;
  check(where, pc === null || (isObject(pc) && Object.keys(pc).every((k) => k in POOLED_CMVN_DEFAULTS)), 'train.pooledCmvn must be null or an object with prob, group, others, maxSeconds');
  if (pc !== null) {
    const p = { ...POOLED_CMVN_DEFAULTS, ...pc };
    check(where, num(p.prob, 0) && p.prob <= 1 && POOLED_CMVN_GROUPS.includes(p.group) && int(p.others, 0) && num(p.maxSeconds, 0),
      `train.pooledCmvn needs prob in [0, 1], group one of ${POOLED_CMVN_GROUPS.join(', ')}, an integer others >= 0, maxSeconds >= 0`);
  }
  const gb = c.groupBatchNorm;
  check(where, gb === null || (isObject(gb) && Object.keys(gb).every((k) => k in GROUP_BATCHNORM_DEFAULTS)), 'train.groupBatchNorm must be null or an object with prob, group, run');
  if (gb !== null) {
    const g = { ...GROUP_BATCHNORM_DEFAULTS, ...gb };
    check(where, num(g.prob, 0) && g.prob <= 1 && POOLED_CMVN_GROUPS.includes(g.group) && int(g.run, 1),
      `train.groupBatchNorm needs prob in [0, 1], group one of ${POOLED_CMVN_GROUPS.join(', ')}, an integer run >= 1`);
  }
  const sj = c.shrinkJitter;
  check(where, sj === null || (isObject(sj) && Object.keys(sj).length === 2 && num(sj.prob, 0) && sj.prob <= 1 && num(sj.maxFrames, 1)),
    'train.shrinkJitter must be null or {"prob": p in [0, 1], "maxFrames": N >= 1}');
  check(where, sj === null || c.features.cmvnShrinkFrames > 0, 'train.shrinkJitter needs train.features.cmvnShrinkFrames > 0');
  const bw = c.bandWarp;
  check(where, bw === null || (isObject(bw) && Object.keys(bw).length === 3 && num(bw.prob, 0) && bw.prob <= 1 && int(bw.knots, 1) && num(bw.maxShift, 0)),
    'train.bandWarp must be null or {"prob": p in [0, 1], "knots": an integer >= 1, "maxShift": bands >= 0}');
  const fl = c.finalLengthening;
  check(
    where,
    fl === null ||
      (isObject(fl) && Object.keys(fl).length === 4 && num(fl.prob, 0) && fl.prob <= 1 && num(fl.maxFactor, 1) && fl.maxFactor <= 4 && int(fl.minFrames, 2) && int(fl.maxFrames, 2) && fl.maxFrames >= fl.minFrames),
    'train.finalLengthening must be null or {"prob": p in [0, 1], "maxFactor": in [1, 4], "minFrames": an integer >= 2, "maxFrames": an integer >= minFrames}',
  );
  check(where, typeof c.featureCache === 'boolean', 'train.featureCache must be true or false');
  check(where, c.tokenizer === 'char' || c.tokenizer === 'bpe', 'train.tokenizer must be "char" or "bpe"');
  check(where, int(c.bpeVocabSize, 29), 'train.bpeVocabSize must be an integer >= 29 (blank and the base symbols)');
  check(where, typeof c.newHead === 'boolean', 'train.newHead must be true or false');
  check(where, ['auto', 'on', 'off'].includes(c.gradientCheckpointing), 'train.gradientCheckpointing must be "auto", "on" or "off"');
  c.dynamicChunk = resolveDynamicChunk(c.dynamicChunk, where);
  const f = c.features;
  check(where, num(f.lowFreq, 0) && num(f.highFreq, 0) && (f.highFreq === 0 || f.highFreq > f.lowFreq) && f.highFreq <= 8000,
    'train.features needs 0 <= lowFreq < highFreq <= 8000 (highFreq 0: up to Nyquist)');
  check(where, num(f.edgePad, 0) && f.edgePad <= 5, 'train.features.edgePad must be seconds in [0, 5]');
  check(where, num(f.cmvnShrinkFrames, 0), 'train.features.cmvnShrinkFrames must be a number of frames >= 0 (0: plain per-utterance CMVN)');
  return c;
}

/** Reads a config file `{ model, train }`; the model part is validated later, once vocabSize is known. */
export function readExperimentConfig(file: string): ExperimentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw fileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'config not found' : `invalid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) throw fileError(file, 'expected a JSON object { "model": {...}, "train": {...} }');
  for (const k of Object.keys(raw)) if (k !== 'model' && k !== 'train') throw fileError(file, `unknown key '${k}' (expected "model" and "train")`);
  const model = raw.model ?? {};
  if (!isObject(model)) throw fileError(file, '"model" must be an object');
  return { model, train: resolveTrainConfig(raw.train, file) };
}

/** The model config: file overrides plus the tokenizer's vocabulary size and blank. */
export function experimentModelConfig(overrides: Record<string, unknown>, vocabSize: number, where: string): ModelConfig {
  return resolveModelConfig({ ...overrides, vocabSize, blank: 0 }, where);
}
