import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError } from '../util/errors.js';
import type { DecodeOptions } from './decode.js';

/**
 * A model directory's decoder settings (`decode.json`): the beam, LM weight, word bonus and blank penalty its recipe
 * measured its results with, so `asr transcribe`, `asr eval` and `asr stream` decode as RESULTS.md reports unless a
 * flag says otherwise (NeMo models carry their decoding config the same way). Every field is optional.
 */
export const MODEL_DECODE_FILE = 'decode.json';

export type ModelDecodeDefaults = Pick<DecodeOptions, 'beamWidth' | 'lmWeight' | 'wordBonus' | 'blankPenalty' | 'oovPenalty'>;

const KEYS = ['beamWidth', 'lmWeight', 'wordBonus', 'blankPenalty', 'oovPenalty'] as const;

/** The decoder's own defaults, for the settings a model may set. */
export const DECODE_DEFAULTS: Required<ModelDecodeDefaults> = { beamWidth: 16, lmWeight: 0.5, wordBonus: 1.0, blankPenalty: 0, oovPenalty: -10 };

/** Checks a parsed decode.json; `path` names it in errors. */
export function checkDecodeDefaults(value: unknown, path: string): ModelDecodeDefaults {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fileError(path, 'expected a JSON object of decoder settings');
  const out: ModelDecodeDefaults = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!(KEYS as readonly string[]).includes(k)) throw fileError(path, `unknown setting "${k}" (known: ${KEYS.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw fileError(path, `"${k}" must be a number`);
    if (k === 'beamWidth' && !(Number.isInteger(v) && v >= 1)) throw fileError(path, '"beamWidth" must be a whole number of at least 1');
    out[k as (typeof KEYS)[number]] = v;
  }
  return out;
}

/** The settings in `dir`/decode.json; none when the model has no such file. */
export function readDecodeDefaults(dir: string): ModelDecodeDefaults {
  const path = join(dir, MODEL_DECODE_FILE);
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw fileError(path, `not valid JSON (${(e as Error).message})`);
  }
  return checkDecodeDefaults(parsed, path);
}

/** `o` without its undefined fields, so spreading it over a model's settings does not hide them. */
export function definedSettings(o: DecodeOptions): DecodeOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as DecodeOptions;
}
