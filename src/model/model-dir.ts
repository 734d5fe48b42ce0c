import { existsSync, promises as fsp, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AsrError, fileError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { resolveModelConfig, type ModelConfig } from './config.js';
import { modelFromValues, parameterValues, type AcousticModel } from './model.js';
import { parameterSpecs } from './params.js';
import { encodeSafetensors, readSafetensorsData, readSafetensorsHeader, type NamedArray } from './safetensors.js';

/**
 * A model directory (the Hugging Face layout):
 *   config.json        the ModelConfig (config.ts)
 *   model.safetensors  every parameter, float32, names and layouts as in params.ts
 *   tokens.txt         the vocabulary, one token per line; line n (0-based) is token id n; id `blank` is the blank
 */

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const TOKENS_FILE = 'tokens.txt';

function checkTokens(tokens: string[], vocabSize: number, where: string): void {
  if (tokens.length !== vocabSize) throw new AsrError(`${where}: ${tokens.length} tokens, the model has vocabSize ${vocabSize}`);
  tokens.forEach((t, i) => {
    if (t.length === 0 || /[\r\n]/.test(t)) throw new AsrError(`${where}: token ${i} ${JSON.stringify(t)} is empty or holds a line break`);
  });
}

/** The three files' contents for a model and its tokens. */
function modelFiles(model: AcousticModel, tokens: string[]): [string, string | Uint8Array][] {
  checkTokens(tokens, model.config.vocabSize, 'tokens');
  const arrays = new Map<string, NamedArray>();
  const values = parameterValues(model);
  for (const s of model.specs) arrays.set(s.name, { shape: s.shape, data: values.get(s.name) as Float32Array });
  return [
    [WEIGHTS_FILE, encodeSafetensors(arrays, { format: 'asr-ts-ctc', version: '1' })],
    [TOKENS_FILE, tokens.join('\n') + '\n'],
    [CONFIG_FILE, JSON.stringify(model.config, null, 2) + '\n'],
  ];
}

/**
 * Writes a model directory. A new directory is written under a temporary name and renamed into place, so it
 * appears complete or not at all; in an existing directory each file is replaced atomically (weights first,
 * config last).
 */
export async function saveModel(dir: string, model: AcousticModel, tokens: string[]): Promise<void> {
  const files = modelFiles(model, tokens);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw fileError(dir, 'exists and is not a directory');
    for (const [name, data] of files) await writeFileAtomic(join(dir, name), data);
    return;
  }
  await fsp.mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    await fsp.mkdir(tmp);
    for (const [name, data] of files) await fsp.writeFile(join(tmp, name), data);
    await fsp.rename(tmp, dir);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Reads and validates `config.json` of a model directory. */
export function readModelConfig(dir: string): ModelConfig {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw fileError(path, existsSync(dir) ? 'missing' : 'model directory not found');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw fileError(path, `invalid JSON (${(e as Error).message})`);
  }
  return resolveModelConfig(raw, path);
}

/** Reads `tokens.txt` (one token per line). */
export function readTokens(dir: string, vocabSize?: number): string[] {
  const path = join(dir, TOKENS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw fileError(path, 'missing');
  }
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (vocabSize !== undefined) checkTokens(lines, vocabSize, path);
  return lines;
}

/**
 * Loads a model directory. Everything is checked before any tensor is allocated: the config, the token count,
 * and the safetensors header against the parameters the config implies (same names, same shapes, nothing
 * missing or extra).
 */
export function loadModel(dir: string): { model: AcousticModel; tokens: string[] } {
  const config = readModelConfig(dir);
  const tokens = readTokens(dir, config.vocabSize);
  const file = join(dir, WEIGHTS_FILE);
  const header = readSafetensorsHeader(file);
  const specs = parameterSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  for (const s of specs) {
    const e = header.tensors.get(s.name);
    if (e === undefined) throw fileError(file, `missing tensor ${s.name} (config.json says ${config.block}, ${config.numLayers} layers)`);
    if (e.shape.length !== s.shape.length || e.shape.some((d, i) => d !== s.shape[i])) {
      throw fileError(file, `tensor ${s.name} has shape [${e.shape.join(', ')}], config.json implies [${s.shape.join(', ')}]`);
    }
  }
  for (const name of header.tensors.keys()) {
    if (!expected.has(name)) throw fileError(file, `unexpected tensor ${name} (does config.json match these weights?)`);
  }
  const arrays = readSafetensorsData(file, header, specs.map((s) => s.name));
  for (const [name, a] of arrays) {
    const bad = a.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw fileError(file, `tensor ${name} holds a non-finite value at index ${bad}`);
  }
  const values = new Map([...arrays].map(([k, v]) => [k, v.data]));
  return { model: modelFromValues(config, values), tokens };
}
