import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AsrError, errorMessage, fileError } from '../util/errors.js';
import { disposeModel, loadModel, type AcousticModel } from '../model/index.js';
import { createCtcDecoder, createTokenSet, definedSettings, readDecodeDefaults, type CtcDecoder, type DecodeOptions, type TokenSet } from '../decode/index.js';
import { loadLm, type NgramLm } from '../lm/index.js';
import { featureSampleRate, readFeatureConfig, type FeatureConfig } from '../features/config-file.js';

/** LM file names looked for in a model directory, in order. */
export const MODEL_LM_FILES = ['lm.bin', 'lm.arpa'];

/** Everything needed to turn audio into text: model, vocabulary, features, decoder (with its LM). */
export interface Recognizer {
  dir: string;
  model: AcousticModel;
  tokens: string[];
  tokenSet: TokenSet;
  features: FeatureConfig;
  /** The LM in use and where it came from, if any. */
  lm?: NgramLm;
  lmPath?: string;
  decoder: CtcDecoder;
  /** The decoder's options: the model's decode.json under the caller's (without the LM and hotwords). */
  decode: DecodeOptions;
  /** Seconds per output frame: feature shift times the subsampling factor. */
  frameDuration: number;
  /** Sample rate the features are computed at. */
  sampleRate: number;
}

export interface RecognizerOptions {
  /** An LM file (ARPA or binary); default: lm.bin or lm.arpa in the model directory. null: no LM. */
  lm?: string | null;
  /**
   * Decoder options (beam, LM weight, ...); `lm` and `frameDuration` are filled in here unless given. Settings left
   * out come from the model's decode.json, if it has one, else the decoder's defaults.
   */
  decode?: DecodeOptions;
}

/** The LM file a model directory ships, if any. */
export function modelLmPath(dir: string): string | undefined {
  for (const name of MODEL_LM_FILES) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Loads a model directory (config.json, model.safetensors, tokens.txt, optional features.json and LM). Every file
 * is checked before use; a missing or mismatched one fails with its name and the problem.
 */
export function loadRecognizer(dir: string, opts: RecognizerOptions = {}): Recognizer {
  if (!existsSync(dir)) throw fileError(dir, 'model directory not found');
  if (!statSync(dir).isDirectory()) throw fileError(dir, 'not a model directory (expected a folder with config.json, model.safetensors, tokens.txt)');
  const missing = ['config.json', 'model.safetensors', 'tokens.txt'].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    const have = readdirSync(dir).slice(0, 8).join(', ') || 'nothing';
    throw fileError(dir, `not a complete model directory: missing ${missing.join(', ')} (found ${have})`);
  }
  const { model, tokens } = loadModel(dir);
  try {
    const features = readFeatureConfig(dir, model.config.inputDim);
    const decode: DecodeOptions = { ...readDecodeDefaults(dir), ...definedSettings(opts.decode ?? {}) };
    const tokenSet = createTokenSet(tokens, { blank: decode.blank ?? model.config.blank, wordDelimiter: decode.wordDelimiter }, join(dir, 'tokens.txt'));
    const lmPath = opts.lm === null ? undefined : (opts.lm ?? (decode.lm ? undefined : modelLmPath(dir)));
    let lm = decode.lm;
    if (lmPath !== undefined && decode.mode !== 'greedy') {
      try {
        lm = loadLm(lmPath);
      } catch (e) {
        throw new AsrError(errorMessage(e).startsWith(lmPath) ? errorMessage(e) : `${lmPath}: ${errorMessage(e)}`);
      }
    }
    const sampleRate = featureSampleRate(features);
    const frameShift = (features.options.frameShift ?? 10) / 1000;
    const frameDuration = decode.frameDuration ?? frameShift * model.config.subsampling.factor;
    const decoder = createCtcDecoder(tokenSet, { ...decode, lm, frameDuration });
    const { lm: _lm, hotwords: _hw, ...settings } = decode;
    return { dir, model, tokens, tokenSet, features, lm, lmPath: lm ? lmPath : undefined, decoder, decode: { ...settings, frameDuration }, frameDuration, sampleRate };
  } catch (e) {
    disposeModel(model);
    throw e;
  }
}

/** Frees the model's tensors. */
export function disposeRecognizer(r: Recognizer): void {
  disposeModel(r.model);
}
