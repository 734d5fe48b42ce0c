import * as tf from '@tensorflow/tfjs';
import { sampleDynamicChunks } from '../model/dynamic-chunk.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minInputFrames, type ModelConfig } from '../model/config.js';
import { CONFIG_FILE, loadModel, readModelConfig, readTokens, saveModel } from '../model/model-dir.js';
import { applyBatchNormUpdates, createModel, disposeModel, forward, parameterCount, type AcousticModel } from '../model/model.js';
import type { BatchNormUpdate } from '../model/layers.js';
import { AsrError, fileError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { createRng, type Rng } from '../util/random.js';
import { bucketBatches, padBatch } from './batching.js';
import { averageCheckpoints, lastCheckpoint, listCheckpoints, readCheckpoint, writeCheckpoint, type TrainState } from './checkpoint.js';
import { experimentModelConfig, readExperimentConfig, resolveTrainConfig, type TrainConfig } from './config.js';
import { ctcLoss, minFramesFor } from './ctc.js';
import { createBpeTokenizer, tokenizerFromTokens, trainBpe } from './bpe.js';
import { FeatureSource, loadUtterances, manifestTexts, type AugmentConfig, type Utterance } from './dataset.js';
import { appendMetric, readMetrics, truncateMetrics } from './metrics.js';
import { clipByGlobalNorm, createAdamW, type AdamW } from './optimizer.js';
import { featuresJson, type FeatureBand } from './frontend.js';
import { POOLED_CMVN_DEFAULTS } from './pooled-cmvn.js';
import { trainingShrinkPrior } from './shrink-prior.js';
import { batchGroupIndices, GROUP_BATCHNORM_DEFAULTS, groupedBatches, type GroupBatchNormOptions } from './group-batchnorm.js';
import { FEATURES_FILE, parseFeatureConfig, readFeatureConfig, type FeatureConfig } from '../features/config-file.js';
import { learningRate, type ScheduleConfig } from './schedule.js';
import { createCharTokenizer, type Tokenizer } from './tokenizer.js';
import { validate, type ValidationResult } from './validate.js';
import { bandWarpProblems } from '../features/band-warp.js';
import { LEVEL_AUGMENT_DEFAULTS } from '../features/level-augment.js';

/**
 * The training loop. Everything random is drawn from generators seeded by (seed, epoch, micro-batch index): the
 * batch order of an epoch, the speed factors, SpecAugment masks and dropout of each micro-batch. So the data
 * position (epoch, micro-batch) plus the weights, BatchNorm statistics and AdamW moments saved in a checkpoint
 * are the whole state, and a resumed run repeats exactly what the uninterrupted run would have done.
 *
 * Experiment directory:
 *   train-config.json   the resolved config the run started with (what --resume uses)
 *   metrics.jsonl       see metrics.ts
 *   checkpoints/, last.json   see checkpoint.ts
 *   best/               model directory with the best validation WER
 *   final/              model directory at the end: the average of the last `averageLast` checkpoints
 */
export interface TrainRunOptions {
  /** Config file ({ model, train }); optional with resume (train-config.json in outDir is used). */
  configFile?: string;
  trainManifest: string;
  validManifest: string;
  outDir: string;
  resume: boolean;
  /** Epochs in all, over the config's; with resume it extends the run and is written to train-config.json. */
  epochs?: number;
  /**
   * Model directory whose weights and tokens start a new run (fine-tuning, as NeMo's init_from_nemo_model or
   * icefall's --finetune): its config.json must equal the run's model config and its features.json the run's
   * features. The optimizer and LR schedule start fresh. Ignored when resuming a run that has checkpoints.
   */
  initFrom?: string;
  skipBad: boolean;
  /** Backend name, for the gradient-checkpointing default. */
  backend: string;
  /** Progress and messages (one line each, no newline). */
  log: (line: string) => void;
  /** Called after each optimizer step with a status, for a progress bar. */
  onStep?: (s: StepStatus) => void;
  /** Set `requested` (e.g. from a SIGINT handler) to checkpoint and stop after the current step. */
  stop?: { requested: boolean };
}

export interface StepStatus {
  step: number;
  totalSteps: number;
  /** Step at which this process started (0, or the resumed step). */
  startStep: number;
  epoch: number;
  loss: number;
  lr: number;
  audioSecPerSec: number;
}

export interface TrainResult {
  state: TrainState;
  interrupted: boolean;
  /** The model directory to use (exp/final), null when interrupted. */
  finalDir: string | null;
  lastValidation: ValidationResult | null;
}

const CONFIG_COPY = 'train-config.json';

/** A 32-bit seed from several integers (FNV-1a over their bytes, then a murmur finaliser). */
export function mixSeed(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    for (let k = 0; k < 4; k++) {
      h ^= (x >>> (8 * k)) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Micro-batches of an epoch, in order (deterministic for seed and epoch). */
export function epochBatches(utts: Utterance[], cfg: TrainConfig, epoch: number): number[][] {
  const gb = groupBatchNormOptions(cfg);
  if (gb !== null) return groupedBatches(utts, gb.group, gb.run, cfg.maxFramesPerBatch, createRng(mixSeed(cfg.seed, 1, epoch)), { maxItems: cfg.maxItemsPerBatch });
  return bucketBatches(utts.map((u) => u.frames), cfg.maxFramesPerBatch, createRng(mixSeed(cfg.seed, 1, epoch)), { maxItems: cfg.maxItemsPerBatch });
}

function groupBatchNormOptions(cfg: TrainConfig): GroupBatchNormOptions | null {
  return cfg.groupBatchNorm === null ? null : { ...GROUP_BATCHNORM_DEFAULTS, ...cfg.groupBatchNorm };
}

/**
 * The BatchNorm group of each utterance of micro-batch `batch` of `epoch` when it is one of the share drawn for group
 * statistics (by a generator of its own, so the other draws are unchanged), else undefined: the batch's statistics.
 */
function batchNormGroupsOf(cfg: TrainConfig, utts: Utterance[], epoch: number, batch: number): Int32Array | undefined {
  const gb = groupBatchNormOptions(cfg);
  if (gb === null || createRng(mixSeed(cfg.seed, 3, epoch, batch)).uniform() >= gb.prob) return undefined;
  return batchGroupIndices(utts, gb.group);
}

interface Setup {
  cfg: TrainConfig;
  modelOverrides: Record<string, unknown>;
}

function loadSetup(o: TrainRunOptions): Setup {
  const copy = join(o.outDir, CONFIG_COPY);
  if (o.resume && o.configFile !== undefined && !existsSync(copy) && lastCheckpoint(o.outDir) === null) {
    // recipes always pass --resume so a rerun continues; the first run of a fresh experiment simply starts
    o.log(`--resume: ${o.outDir} holds no run yet; starting one from ${o.configFile}`);
    o.resume = false;
  }
  if (o.resume) {
    if (!existsSync(copy)) throw fileError(copy, 'missing: nothing to resume (train without --resume first)');
    if (o.configFile !== undefined) o.log(`--resume: using ${copy} (the config the run started with), not ${o.configFile}`);
    const raw = JSON.parse(readFileSync(copy, 'utf8')) as { model: Record<string, unknown>; train: unknown };
    const cfg = resolveTrainConfig(raw.train, copy);
    if (o.epochs !== undefined && o.epochs !== cfg.epochs) {
      o.log(`--epochs: ${cfg.epochs} -> ${o.epochs} epochs in all (kept in ${copy})`);
      cfg.epochs = o.epochs;
      writeFileSync(`${copy}.tmp`, JSON.stringify({ model: raw.model, train: cfg }, null, 2) + '\n');
      renameSync(`${copy}.tmp`, copy);
    }
    return { cfg, modelOverrides: raw.model };
  }
  if (o.configFile === undefined) throw new AsrError('--config is required (except with --resume)');
  if (lastCheckpoint(o.outDir) !== null) throw new AsrError(`${o.outDir}: holds checkpoints of a run; use --resume or another --out`);
  const e = readExperimentConfig(o.configFile);
  if (o.epochs !== undefined) e.train.epochs = o.epochs;
  return { cfg: e.train, modelOverrides: e.model };
}

/** Linear CTC head on encoder states [B, T', d] -> [B, T', V] (shared with the final layer, as InterCTC does). */
function headLogits(model: AcousticModel, h: tf.Tensor3D): tf.Tensor3D {
  const W = model.params.get('ctc_head.weight') as tf.Variable;
  const b = model.params.get('ctc_head.bias') as tf.Variable;
  const [B, T, D] = h.shape;
  return h.reshape([B * T, D]).matMul(W).add(b).reshape([B, T, W.shape[1] as number]);
}

/** A model directory plus features.json, so transcription computes the features training used. */
async function saveModelDir(dir: string, model: AcousticModel, tokens: string[], band: FeatureBand): Promise<void> {
  await saveModel(dir, model, tokens);
  await writeFileAtomic(join(dir, 'features.json'), featuresJson(model.config.inputDim, band));
}

/**
 * Training CTC loss: the mean over items of loss / transcript length (PyTorch's 'mean'). Items with too few
 * frames for their transcript (possible after speed perturbation) count as 0, as zero_infinity does; any other
 * non-finite loss (diverged weights) stays non-finite so the loop can skip the batch. (ctcLoss's zeroInfinity
 * would hide those too.)
 */
function trainCtcLoss(logits: tf.Tensor3D, targets: Int32Array[], lengths: Int32Array): tf.Scalar {
  const B = targets.length;
  const feasible = targets.map((t, b) => lengths[b] >= minFramesFor(t));
  const per = ctcLoss(logits, targets, lengths, { reduction: 'none' });
  const keep = tf.tensor1d(feasible.map((f) => (f ? 1 : 0)), 'bool');
  const w = tf.tensor1d(targets.map((t, b) => (feasible[b] ? 1 / (B * Math.max(1, t.length)) : 0)));
  return tf.where(keep, per, tf.zerosLike(per)).mul(w).sum() as tf.Scalar;
}

/**
 * The model a fine-tuning run starts from. The checks name the file that disagrees, so a fine-tune never trains
 * weights under a different architecture or feature front end than the ones they were learned with.
 */
function initialModel(dir: string, config: ModelConfig, features: string, newHead: { seed: number } | null): AcousticModel {
  const theirs = readModelConfig(dir);
  for (const k of new Set([...Object.keys(theirs), ...Object.keys(config)]) as Set<keyof ModelConfig>) {
    if (newHead !== null && k === 'vocabSize') continue;
    if (JSON.stringify(theirs[k]) !== JSON.stringify(config[k])) {
      throw fileError(join(dir, CONFIG_FILE), `${k} is ${JSON.stringify(theirs[k])}, the run's model config has ${JSON.stringify(config[k])}`);
    }
  }
  // compared as parsed configs with sorted keys: the file may have been rewritten (asr cmvn adds a streaming prior)
  const canonical = (c: FeatureConfig): string => JSON.stringify({ type: c.type, options: c.options, normalize: c.normalize }, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v);
  const ours = parseFeatureConfig(JSON.parse(features), 'the run\'s features');
  if (canonical(readFeatureConfig(dir, config.inputDim)) !== canonical(ours)) {
    throw fileError(join(dir, FEATURES_FILE), `does not match the run's features (${canonical(ours)})`);
  }
  const loaded = loadModel(dir).model;
  if (newHead === null) return loaded;
  // a fresh model for the new vocabulary, then every weight but the CTC head [dModel, vocab] copied over
  const model = createModel(config, newHead.seed);
  for (const [name, v] of model.params) {
    if (name.startsWith('ctc_head.')) continue;
    v.assign(loaded.params.get(name) as tf.Variable);
  }
  disposeModel(loaded);
  return model;
}

export async function runTraining(o: TrainRunOptions): Promise<TrainResult> {
  const { cfg, modelOverrides } = loadSetup(o);
  mkdirSync(o.outDir, { recursive: true });
  // on resume the tokens come from the checkpoint; a BPE vocabulary is learned from the training transcripts
  const resumeDir = o.resume ? lastCheckpoint(o.outDir) : null;
  const initDir = resumeDir === null && o.initFrom !== undefined ? o.initFrom : null;
  if (resumeDir !== null && o.initFrom !== undefined) o.log(`--init-from ${o.initFrom}: not used, the run resumes from its own checkpoint`);
  const tokenizer: Tokenizer =
    resumeDir !== null ? tokenizerFromTokens(readTokens(resumeDir)) :
    initDir !== null && !cfg.newHead ? tokenizerFromTokens(readTokens(initDir)) :
    cfg.tokenizer === 'bpe' ? createBpeTokenizer(trainBpe(manifestTexts(o.trainManifest), cfg.bpeVocabSize)) : createCharTokenizer();
  const config: ModelConfig = experimentModelConfig(modelOverrides, tokenizer.tokens.length, o.configFile ?? join(o.outDir, CONFIG_COPY));
  const trainSet = loadUtterances(o.trainManifest, tokenizer, config, o.skipBad);
  const validSet = loadUtterances(o.validManifest, tokenizer, config, o.skipBad);
  for (const [name, s] of [['train', trainSet], ['valid', validSet]] as const) {
    if (s.skipped.length > 0) {
      o.log(`${name}: skipped ${s.skipped.length} bad line${s.skipped.length === 1 ? '' : 's'} (--skip-bad), e.g. ${s.skipped[0].where}: ${s.skipped[0].problem}`);
    }
  }
  const trainUtts = trainSet.utterances;
  const hours = trainUtts.reduce((a, u) => a + u.duration, 0) / 3600;
  if (cfg.tokenizer === 'bpe') o.log(`tokenizer: BPE, ${tokenizer.tokens.length} tokens`);
  o.log(`data: ${trainUtts.length} training utterances (${hours.toFixed(2)} h), ${validSet.utterances.length} validation`);
  if (!o.resume) await writeFileAtomic(join(o.outDir, CONFIG_COPY), JSON.stringify({ model: modelOverrides, train: cfg }, null, 2) + '\n');

  // model, optimizer, state
  let model: AcousticModel;
  let state: TrainState;
  const ckptDir = resumeDir;
  let loadedOptimizer: Map<string, { shape: number[]; data: Float32Array }> | null = null;
  if (o.resume && ckptDir === null) throw fileError(join(o.outDir, 'last.json'), 'missing: no checkpoint to resume from');
  if (ckptDir !== null) {
    const c = readCheckpoint(ckptDir);
    if (JSON.stringify(c.model.config) !== JSON.stringify(config)) throw fileError(join(ckptDir, 'config.json'), 'does not match the run\'s config');
    model = c.model;
    state = c.state;
    loadedOptimizer = c.optimizerState;
    truncateMetrics(join(o.outDir, 'metrics.jsonl'), state.step);
    o.log(`resuming from ${ckptDir}: step ${state.step}, epoch ${state.epoch + 1}, batch ${state.batchInEpoch}`);
  } else if (initDir !== null) {
    model = initialModel(initDir, config, featuresJson(config.inputDim, cfg.features), cfg.newHead ? { seed: cfg.seed } : null);
    state = { step: 0, epoch: 0, batchInEpoch: 0, bestWer: null, bestStep: 0, badBatches: 0, elapsedSeconds: 0, audioSeconds: 0 };
    o.log(cfg.newHead
      ? `--init-from ${initDir}: weights from that model except the CTC head, new for ${tokenizer.tokens.length} tokens (train.newHead); optimizer and LR schedule start fresh`
      : `--init-from ${initDir}: weights and tokens from that model; optimizer and LR schedule start fresh`);
  } else {
    model = createModel(config, cfg.seed);
    state = { step: 0, epoch: 0, batchInEpoch: 0, bestWer: null, bestStep: 0, badBatches: 0, elapsedSeconds: 0, audioSeconds: 0 };
  }
  const trainable = model.specs.filter((s) => s.trainable).map((s) => ({ name: s.name, variable: model.params.get(s.name) as tf.Variable }));
  const optimizer: AdamW = createAdamW(trainable, cfg.optimizer);
  if (loadedOptimizer !== null) optimizer.load(loadedOptimizer);
  o.log(`model: ${config.block} ${config.numLayers}x${config.dModel}, ${config.numHeads} heads, ffn ${config.ffnDim}, kernel ${config.convKernel}, ` +
    `${config.subsampling.factor}x subsampling, vocab ${config.vocabSize}; ${parameterCount(model)} parameters`);

  const stepsPerEpoch = Math.ceil(epochBatches(trainUtts, cfg, 0).length / cfg.accumulate);
  const planned = stepsPerEpoch * cfg.epochs;
  const totalSteps = cfg.maxSteps > 0 ? Math.min(cfg.maxSteps, planned) : planned;
  const schedule: ScheduleConfig = { ...cfg.lr, totalSteps };
  const checkpointing = cfg.gradientCheckpointing === 'on' ||
    (cfg.gradientCheckpointing === 'auto' && o.backend === 'wasm' && cfg.maxFramesPerBatch * config.numLayers * config.dModel >= 4e6);
  const augment: AugmentConfig = {
    specAugment: cfg.specAugment, speedFactors: cfg.speedPerturb, vtlnWarps: cfg.vtlnPerturb, levelAugment: cfg.levelAugment,
    pooledCmvn: cfg.pooledCmvn === null ? null : { ...POOLED_CMVN_DEFAULTS, ...cfg.pooledCmvn },
    shrinkJitter: cfg.shrinkJitter,
    bandWarp: cfg.bandWarp,
    finalLengthening: cfg.finalLengthening,
  };
  if (cfg.bandWarp) {
    const problems = bandWarpProblems(cfg.bandWarp, config.inputDim);
    if (problems.length > 0) throw new AsrError(`train.bandWarp: ${problems.join('; ')}`);
    o.log(`band warping: ${cfg.bandWarp.prob * 100} % of utterances, ${cfg.bandWarp.knots} knots moved by up to ${cfg.bandWarp.maxShift} bands`);
  }
  if (cfg.levelAugment) {
    const la = { ...LEVEL_AUGMENT_DEFAULTS, ...cfg.levelAugment };
    o.log(`level augmentation: ${la.prob * 100} % of utterances expanded by up to ${la.maxExpand}x and padded with up to ${la.edgePadMaxFrames} quiet frames` +
      (la.edgeTrimProb > 0 ? `; quiet edges (${la.edgeTrimDb} dB) trimmed with p ${la.edgeTrimProb}` : '') +
      (la.onsetCutProb > 0 ? `; onsets cut by up to ${la.onsetCutMaxFrames} frames with p ${la.onsetCutProb}` : '') +
      (la.voicedCutProb > 0 ? `; edges cut to the voiced core (${la.voicedCutMinDb}-${la.voicedCutMaxDb} dB) with p ${la.voicedCutProb} each` : ''));
  }
  if (cfg.finalLengthening) {
    const fl = cfg.finalLengthening;
    o.log(`final lengthening: ${fl.prob * 100} % of utterances, the last ${fl.minFrames}-${fl.maxFrames} frames of speech slowed down by up to ${fl.maxFactor}x`);
  }
  // the front end every feature, checkpoint and model directory of this run uses
  let frontEnd: FeatureBand = cfg.features;
  if (cfg.features.cmvnShrinkFrames > 0) {
    const t = performance.now();
    frontEnd = { ...cfg.features, cmvnShrink: await trainingShrinkPrior(trainUtts, config.inputDim, cfg.features, cfg.features.cmvnShrinkFrames) };
    o.log(`CMVN shrunk toward the training set's average statistics, weight ${cfg.features.cmvnShrinkFrames} frames (prior measured in ${((performance.now() - t) / 1000).toFixed(1)} s)` +
      (cfg.shrinkJitter ? `; in ${cfg.shrinkJitter.prob * 100} % of utterances a weight drawn up to ${cfg.shrinkJitter.maxFrames} frames` : ''));
  }
  const source = new FeatureSource(config.inputDim, cfg.featureCache, frontEnd);
  const validSource = new FeatureSource(config.inputDim, true, frontEnd);
  const metricsFile = join(o.outDir, 'metrics.jsonl');
  const minFrames = minInputFrames(config);
  const interLayer = cfg.intermediateCtc.layer > 0 && cfg.intermediateCtc.layer < config.numLayers ? cfg.intermediateCtc.layer : 0;
  o.log(`training: ${stepsPerEpoch} steps/epoch x ${cfg.epochs} epochs = ${totalSteps} steps, ${cfg.maxFramesPerBatch} frames/batch x ${cfg.accumulate}, ` +
    `lr ${cfg.lr.kind} peak ${cfg.lr.peakLr}${checkpointing ? ', gradient checkpointing' : ''}${interLayer > 0 ? `, intermediate CTC at block ${interLayer}` : ''}`);

  const startStep = state.step;
  const t0 = performance.now();
  const elapsed0 = state.elapsedSeconds;
  let sessionAudio = 0;
  let windowLoss = 0;
  let windowCount = 0;
  let lastNorm = 0;
  let lastValidation: ValidationResult | null = null;
  // a resumed run that already validated at its step (a finished run being resumed) does not log that line twice
  let validatedAt = readMetrics(metricsFile).some((m) => m.type === 'valid' && m.step === state.step) ? state.step : -1;
  const elapsedNow = (): number => elapsed0 + (performance.now() - t0) / 1000;

  const doValidate = async (): Promise<void> => {
    const v = await validate(model, validSet.utterances, validSource, tokenizer, cfg.maxFramesPerBatch);
    lastValidation = v;
    validatedAt = state.step;
    appendMetric(metricsFile, { type: 'valid', step: state.step, epoch: state.epoch, loss: v.loss, cer: v.cer, wer: v.wer, elapsed: elapsedNow() });
    const improved = state.bestWer === null || v.wer < state.bestWer;
    if (improved) {
      state.bestWer = v.wer;
      state.bestStep = state.step;
      await saveModelDir(join(o.outDir, 'best'), model, tokenizer.tokens, frontEnd);
    }
    const ex = v.examples[0];
    o.log(`valid step ${state.step} (epoch ${state.epoch + 1}): loss ${v.loss.toFixed(3)}, CER ${(100 * v.cer).toFixed(2)}%, WER ${(100 * v.wer).toFixed(2)}%` +
      `${improved ? ' (best)' : ''}${ex ? `; "${ex.ref}" -> "${ex.hyp}"` : ''}`);
  };
  const checkpoint = async (): Promise<void> => {
    state.elapsedSeconds = elapsedNow();
    await writeCheckpoint(o.outDir, model, tokenizer.tokens, optimizer, state, cfg.keepCheckpoints, featuresJson(config.inputDim, frontEnd));
  };

  /** Loss and gradients of one micro-batch; null loss value when non-finite (gradients then disposed). */
  const microBatch = async (utts: Utterance[], rng: Rng, bnGroups: Int32Array | undefined): Promise<{ loss: number; grads: Map<string, tf.Tensor>; updates: BatchNormUpdate[] } | null> => {
    const mats = [];
    for (const u of utts) mats.push(await source.features(u, augment, rng));
    const batch = padBatch(mats, minFrames);
    const audio = mats.reduce((a, m) => a + m.numFrames, 0) / 100;
    sessionAudio += audio;
    state.audioSeconds += audio;
    const updates: BatchNormUpdate[] = [];
    const x = tf.tensor3d(batch.data, batch.shape);
    const targets = utts.map((u) => u.targets);
    const vars = trainable.map((t) => t.variable);
    const { value, grads } = tf.variableGrads(() => {
      // dynamic chunk training (issue 8): this batch's attention chunk, or full context
      const chunks = cfg.dynamicChunk === null ? undefined : sampleDynamicChunks(rng, cfg.dynamicChunk);
      const out = forward(model, x, batch.lengths, { training: true, rng, checkpoint: checkpointing, chunks, intermediateLayers: interLayer > 0 ? [interLayer] : [], batchNormGroups: bnGroups });
      updates.push(...out.batchNormUpdates);
      let loss = trainCtcLoss(out.logits, targets, out.outputLengths);
      if (interLayer > 0) {
        const inter = trainCtcLoss(headLogits(model, out.intermediates[0]), targets, out.outputLengths);
        const w = cfg.intermediateCtc.weight;
        loss = loss.mul(1 - w).add(inter.mul(w));
      }
      return loss as tf.Scalar;
    }, vars);
    x.dispose();
    const loss = value.dataSync()[0];
    value.dispose();
    const byName = new Map<string, tf.Tensor>();
    for (const t of trainable) byName.set(t.name, grads[t.variable.name]);
    if (!Number.isFinite(loss)) {
      tf.dispose([...byName.values()]);
      for (const u of updates) tf.dispose([u.mean, u.variance]);
      return null;
    }
    return { loss, grads: byName, updates };
  };

  let interrupted = false;
  outer: while (state.epoch < cfg.epochs && (cfg.maxSteps === 0 || state.step < cfg.maxSteps)) {
    const batches = epochBatches(trainUtts, cfg, state.epoch);
    while (state.batchInEpoch < batches.length) {
      const group = batches.slice(state.batchInEpoch, state.batchInEpoch + cfg.accumulate);
      let acc: Map<string, tf.Tensor> | null = null;
      const allUpdates: BatchNormUpdate[] = [];
      let lossSum = 0;
      let bad = false;
      for (let k = 0; k < group.length; k++) {
        const rng = createRng(mixSeed(cfg.seed, 2, state.epoch, state.batchInEpoch + k));
        const utts = group[k].map((i) => trainUtts[i]);
        const r = await microBatch(utts, rng, batchNormGroupsOf(cfg, utts, state.epoch, state.batchInEpoch + k));
        if (r === null) {
          bad = true;
          break;
        }
        lossSum += r.loss;
        allUpdates.push(...r.updates);
        if (acc === null) acc = r.grads;
        else {
          for (const [name, g] of r.grads) {
            const prev = acc.get(name) as tf.Tensor;
            acc.set(name, tf.add(prev, g));
            tf.dispose([prev, g]);
          }
        }
      }
      state.batchInEpoch += group.length;
      if (bad) {
        if (acc !== null) tf.dispose([...acc.values()]);
        for (const u of allUpdates) tf.dispose([u.mean, u.variance]);
        state.badBatches++;
        o.log(`warning: non-finite loss at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch}); batch skipped (${state.badBatches} in a row)`);
        if (state.badBatches >= cfg.maxBadBatches) {
          throw new AsrError(`training diverged: ${state.badBatches} batches in a row had a non-finite loss (lower train.lr.peakLr or check the data)`);
        }
        continue;
      }
      state.badBatches = 0;
      const grads = acc as Map<string, tf.Tensor>;
      if (group.length > 1) {
        for (const [name, g] of grads) {
          grads.set(name, tf.div(g, group.length));
          g.dispose();
        }
      }
      lastNorm = clipByGlobalNorm(grads, cfg.clipNorm);
      const lr = learningRate(schedule, state.step);
      optimizer.apply(grads, lr, state.step + 1);
      tf.dispose([...grads.values()]);
      applyBatchNormUpdates(model, allUpdates);
      state.step++;
      const loss = lossSum / group.length;
      windowLoss += loss;
      windowCount++;
      const wall = (performance.now() - t0) / 1000;
      const audioSecPerSec = sessionAudio / Math.max(wall, 1e-9);
      o.onStep?.({ step: state.step, totalSteps, startStep, epoch: state.epoch, loss, lr, audioSecPerSec });
      if (state.step % cfg.logEverySteps === 0) {
        appendMetric(metricsFile, { type: 'train', step: state.step, epoch: state.epoch, loss: windowLoss / windowCount, lr, gradNorm: lastNorm, audioSecPerSec, elapsed: elapsedNow() });
        windowLoss = 0;
        windowCount = 0;
      }
      // yield to the event loop so a SIGINT handler can run between steps
      await new Promise((r) => setImmediate(r));
      const epochEnds = state.batchInEpoch >= batches.length;
      const done = cfg.maxSteps > 0 && state.step >= cfg.maxSteps;
      if (cfg.validEverySteps > 0 && state.step % cfg.validEverySteps === 0 && !epochEnds) await doValidate();
      if (o.stop?.requested) {
        interrupted = true;
        await checkpoint();
        o.log(`interrupted: checkpoint at step ${state.step} written; continue with --resume`);
        break outer;
      }
      if (done) break outer;
      if (!epochEnds && state.step % cfg.checkpointEverySteps === 0) await checkpoint();
    }
    // end of epoch: validate, then checkpoint at the start of the next one
    await doValidate();
    state.epoch++;
    state.batchInEpoch = 0;
    await checkpoint();
  }

  let finalDir: string | null = null;
  if (!interrupted) {
    if (validatedAt !== state.step) await doValidate();
    await checkpoint();
    const ckpts = listCheckpoints(o.outDir).slice(-cfg.averageLast);
    finalDir = join(o.outDir, 'final');
    if (cfg.averageLast > 1 && ckpts.length > 1) {
      const avg = averageCheckpoints(ckpts);
      await saveModelDir(finalDir, avg.model, avg.tokens, frontEnd);
      disposeModel(avg.model);
      o.log(`final: average of ${ckpts.length} checkpoints -> ${finalDir}`);
    } else {
      await saveModelDir(finalDir, model, tokenizer.tokens, frontEnd);
      o.log(`final: ${finalDir}`);
    }
    o.log(`done: ${state.step} steps in ${elapsedNow().toFixed(0)} s; best WER ${state.bestWer === null ? '-' : (100 * state.bestWer).toFixed(2) + '%'} at step ${state.bestStep} (${join(o.outDir, 'best')}); ` +
      `features ${source.featureSeconds.toFixed(1)} s`);
  }
  optimizer.dispose();
  disposeModel(model);
  return { state, interrupted, finalDir, lastValidation };
}
