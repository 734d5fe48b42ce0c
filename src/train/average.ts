import { existsSync, readFileSync, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { disposeModel, saveModel } from '../model/index.js';
import { FEATURES_FILE } from '../features/config-file.js';
import { MODEL_LM_FILES } from '../transcribe/recognizer.js';
import { MODEL_DECODE_FILE } from '../decode/model-defaults.js';
import { AsrError, fileError } from '../util/errors.js';
import { averageCheckpoints, listCheckpoints } from './checkpoint.js';

/**
 * Weight averaging of model directories (WeNet's average_model.py, icefall's --avg): the last checkpoints of one
 * run, or runs fine-tuned from one initialisation (a "model soup"). The models must share config.json,
 * tokens.txt and features.json (its streaming prior aside); the output gets the first directory's features.json, LM
 * and decode.json (the LM weights tuned for that LM travel with it).
 */

/** The newest `n` step checkpoints of an `asr train` experiment directory, oldest first. */
export function lastCheckpointDirs(expDir: string, n: number): string[] {
  if (!Number.isInteger(n) || n < 1) throw new AsrError(`--last: expected a whole number >= 1, got ${n}`);
  const all = listCheckpoints(expDir);
  if (all.length === 0) throw fileError(expDir, 'holds no step checkpoints (expected checkpoints/step-NNNNNNNN from asr train)');
  if (all.length < n) throw fileError(expDir, `holds ${all.length} step checkpoint${all.length === 1 ? '' : 's'}, fewer than the ${n} asked for`);
  return all.slice(-n);
}

function fileOrNull(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/**
 * The text compared between models: features.json without `streamingPrior`, which is measured data added at export
 * (the exported model has it, its later fine-tunes not), not part of what the weights expect.
 */
function comparable(path: string): string | null {
  const text = fileOrNull(path);
  if (text === null || basename(path) !== FEATURES_FILE) return text;
  try {
    const { streamingPrior: _prior, ...rest } = JSON.parse(text) as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return text;
  }
}

/** Averages the weights of `dirs` into a new model directory `outDir`, written under a temporary name and renamed. */
export async function averageModelDirs(dirs: string[], outDir: string): Promise<void> {
  if (dirs.length === 0) throw new AsrError('average: no model directories given');
  if (existsSync(outDir)) throw fileError(outDir, 'already exists: the average goes to a new directory');
  const first = dirs[0];
  for (const name of ['tokens.txt', FEATURES_FILE]) {
    const want = comparable(join(first, name));
    for (const d of dirs.slice(1)) {
      if (comparable(join(d, name)) !== want) throw fileError(join(d, name), `differs from ${join(first, name)}: these models cannot be averaged`);
    }
  }
  const avg = averageCheckpoints(dirs);
  const tmp = join(dirname(outDir), `.${basename(outDir)}.avg-${process.pid}-${Date.now().toString(36)}`);
  try {
    await saveModel(tmp, avg.model, avg.tokens);
    for (const name of [FEATURES_FILE, ...MODEL_LM_FILES, MODEL_DECODE_FILE]) {
      const p = join(first, name);
      if (existsSync(p)) await fsp.copyFile(p, join(tmp, name));
    }
    await fsp.rename(tmp, outDir);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    disposeModel(avg.model);
  }
}
