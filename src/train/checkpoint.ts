import { existsSync, promises as fsp, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, saveModel } from '../model/model-dir.js';
import { FEATURES_FILE } from '../features/config-file.js';
import { modelFromValues, type AcousticModel } from '../model/model.js';
import { encodeSafetensors, readSafetensors, type NamedArray } from '../model/safetensors.js';
import { AsrError, fileError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import type { AdamW } from './optimizer.js';

/**
 * Checkpoints of an experiment directory:
 *   exp/checkpoints/step-00000100/   a model directory (config.json, model.safetensors, tokens.txt) plus
 *                                    optimizer.safetensors (AdamW moments) and state.json (TrainState)
 *   exp/last.json                    {"checkpoint": "checkpoints/step-00000100"}: the newest complete one
 * A checkpoint is written under a temporary name and renamed into place, and last.json is replaced atomically
 * after that, so a crash (kill -9) at any moment leaves last.json naming a complete checkpoint.
 */
export interface TrainState {
  /** Optimizer steps done. */
  step: number;
  /** Current epoch (0-based) and the next micro-batch of its order: the data position. */
  epoch: number;
  batchInEpoch: number;
  /** Best validation WER so far (fraction) and the step it was reached at. */
  bestWer: number | null;
  bestStep: number;
  /** Consecutive batches with a non-finite loss. */
  badBatches: number;
  /** Seconds of training and of audio trained on, across resumes. */
  elapsedSeconds: number;
  audioSeconds: number;
}

export const LAST_FILE = 'last.json';
export const CHECKPOINT_DIR = 'checkpoints';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'state.json';

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Step checkpoints present in exp/checkpoints, oldest first (complete ones only: temp names are skipped). */
export function listCheckpoints(expDir: string): string[] {
  const dir = join(expDir, CHECKPOINT_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^step-\d{8}$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Writes a checkpoint of the model, optimizer and state, points last.json at it, and deletes step checkpoints
 * beyond the newest `keep`. Returns its directory.
 */
export async function writeCheckpoint(
  expDir: string, model: AcousticModel, tokens: string[], optimizer: AdamW, state: TrainState, keep: number, featuresJson?: string,
): Promise<string> {
  const root = join(expDir, CHECKPOINT_DIR);
  await fsp.mkdir(root, { recursive: true });
  const name = checkpointName(state.step);
  const final = join(root, name);
  // the same step twice (e.g. Ctrl-C right after a periodic checkpoint) holds the same weights and optimizer
  // state: only the state file (data position, best WER) may differ
  if (existsSync(final)) {
    await writeFileAtomic(join(final, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  } else {
    const tmp = join(root, `.${name}.tmp-${process.pid}-${Date.now().toString(36)}`);
    try {
      await fsp.mkdir(tmp);
      await saveModel(tmp, model, tokens);
      // with features.json a checkpoint is a complete model directory: `asr eval --model` on it computes the
      // features training used (without it, the default full-band fbank)
      if (featuresJson !== undefined) await fsp.writeFile(join(tmp, FEATURES_FILE), featuresJson);
      const arrays = new Map<string, NamedArray>([...optimizer.state()].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
      await fsp.writeFile(join(tmp, OPTIMIZER_FILE), encodeSafetensors(arrays, { format: 'asr-ts-adamw' }));
      await fsp.writeFile(join(tmp, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
      await fsp.rename(tmp, final);
    } catch (e) {
      await fsp.rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  await writeFileAtomic(join(expDir, LAST_FILE), JSON.stringify({ checkpoint: `${CHECKPOINT_DIR}/${name}` }) + '\n');
  const all = listCheckpoints(expDir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) {
    if (old !== final) await fsp.rm(old, { recursive: true, force: true });
  }
  return final;
}

/** The checkpoint last.json names, or null when there is none. */
export function lastCheckpoint(expDir: string): string | null {
  const file = join(expDir, LAST_FILE);
  if (!existsSync(file)) return null;
  let rel: unknown;
  try {
    rel = (JSON.parse(readFileSync(file, 'utf8')) as { checkpoint?: unknown }).checkpoint;
  } catch {
    throw fileError(file, 'not valid JSON');
  }
  if (typeof rel !== 'string') throw fileError(file, 'no "checkpoint" entry');
  const dir = join(expDir, rel);
  if (!existsSync(dir)) throw fileError(file, `names ${rel}, which does not exist`);
  return dir;
}

export interface LoadedCheckpoint {
  model: AcousticModel;
  tokens: string[];
  optimizerState: Map<string, { shape: number[]; data: Float32Array }>;
  state: TrainState;
}

/** Reads a checkpoint written by {@link writeCheckpoint}. */
export function readCheckpoint(dir: string): LoadedCheckpoint {
  const { model, tokens } = loadModel(dir);
  const opt = readSafetensors(join(dir, OPTIMIZER_FILE));
  const optimizerState = new Map([...opt.tensors].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
  const statePath = join(dir, STATE_FILE);
  let state: TrainState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as TrainState;
  } catch {
    throw fileError(statePath, 'missing or not valid JSON');
  }
  if (!Number.isInteger(state.step) || !Number.isInteger(state.epoch) || !Number.isInteger(state.batchInEpoch)) {
    throw fileError(statePath, 'step, epoch and batchInEpoch must be integers');
  }
  return { model, tokens, optimizerState, state };
}

/**
 * Averages the parameters (and BatchNorm running statistics) of model directories with the same config, as
 * checkpoint averaging does in ESPnet/NeMo: the mean of the last few checkpoints usually beats the last one.
 */
export function averageCheckpoints(dirs: string[]): { model: AcousticModel; tokens: string[] } {
  if (dirs.length === 0) throw new AsrError('average: no checkpoints');
  const first = loadModel(dirs[0]);
  const sums = new Map<string, Float64Array>();
  const add = (values: Map<string, NamedArray>): void => {
    for (const [k, a] of values) {
      let s = sums.get(k);
      if (s === undefined) sums.set(k, (s = new Float64Array(a.data.length)));
      for (let i = 0; i < a.data.length; i++) s[i] += a.data[i];
    }
  };
  const configText = JSON.stringify(first.model.config);
  for (const d of dirs) {
    const { model } = d === dirs[0] ? first : loadModel(d);
    if (JSON.stringify(model.config) !== configText) throw fileError(join(d, 'config.json'), `differs from ${dirs[0]}: cannot average`);
    add(readSafetensors(join(d, 'model.safetensors')).tensors);
    if (d !== dirs[0]) for (const v of model.params.values()) v.dispose();
  }
  for (const v of first.model.params.values()) v.dispose();
  const values = new Map([...sums].map(([k, s]) => [k, Float32Array.from(s, (x) => x / dirs.length)]));
  return { model: modelFromValues(first.model.config, values), tokens: first.tokens };
}
