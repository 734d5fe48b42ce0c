import { defaultModelDir } from '../model/shipped.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, type AcousticModel } from '../model/index.js';
import { checkStreamable } from '../model/streaming.js';
import { readModelConfig } from '../model/model-dir.js';
import { loadLm, type NgramLm } from '../lm/index.js';
import { readFeatureConfig, type FeatureConfig } from '../features/config-file.js';

/** LM files looked for in a model directory, in order (as `asr transcribe` does). */
export const MODEL_LM_FILES = ['lm.bin', 'lm.arpa'];

/** What many recognizers share: the model, its tokens and features, and the LM. Load once, e.g. in a server. */
export interface StreamingAssets {
  model: AcousticModel;
  tokens: string[];
  features: FeatureConfig;
  lm?: NgramLm;
}

/**
 * Loads a model directory for streaming. `lm`: a path, null for none, undefined for the directory's lm.bin or
 * lm.arpa when present.
 */
export function loadStreamingAssets(dir: string, lm?: string | null): StreamingAssets {
  // checked before the weights load, so a non-streaming model fails at once, naming its config
  checkStreamable(readModelConfig(dir), join(dir, 'config.json'));
  const { model, tokens } = loadModel(dir);
  const features = readFeatureConfig(dir, model.config.inputDim);
  let lmPath: string | undefined = lm ?? undefined;
  if (lm === undefined) lmPath = MODEL_LM_FILES.map((f) => join(dir, f)).find((p) => existsSync(p));
  return { model, tokens, features, lm: lmPath === undefined ? undefined : loadLm(lmPath) };
}

/** The default model directory: models/english when present, else models/digits. */
export function defaultStreamingModelDir(given?: string): string {
  return defaultModelDir(given, (line) => process.stderr.write(`asr: ${line}\n`));
}
