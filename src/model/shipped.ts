import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsrError } from '../util/errors.js';

/** The package's root folder (dist/model/ or src/model/ -> two levels up), where `models/` ships. */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The models shipped with the package, in the order a command without --model tries them. */
export const SHIPPED_MODELS = ['english', 'digits'] as const;

/**
 * The model directory a command uses: `given`, else the first shipped model present (English, then digits).
 * `note` hears why a fallback was taken, so a user who expected English learns they got the digits model.
 */
export function defaultModelDir(given: string | undefined, note: (line: string) => void = () => {}, root = packageRoot()): string {
  if (given !== undefined && given !== '') return given;
  const models = join(root, 'models');
  const present = SHIPPED_MODELS.filter((m) => existsSync(join(models, m, 'config.json')));
  if (present.length === 0) {
    const others = existsSync(models) ? readdirSync(models).filter((d) => existsSync(join(models, d, 'config.json'))) : [];
    const hint = others.length > 0
      ? `pass e.g. --model ${join(models, others[0])}`
      : 'train one with a recipe (asr recipe run recipes/digits) and pass --model DIR';
    throw new AsrError(`no --model given and no shipped model in ${models}: ${hint}`);
  }
  if (present[0] !== SHIPPED_MODELS[0]) {
    note(`no --model given and models/${SHIPPED_MODELS[0]} is not installed: using models/${present[0]} (it knows only its own vocabulary)`);
  }
  return join(models, present[0]);
}
