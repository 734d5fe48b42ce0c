import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError } from '../util/errors.js';

/** The file that makes a folder a recipe. */
export const RECIPE_FILE = 'recipe.json';

/**
 * One numbered stage. `run` is a shell command line (`sh -c`) or an argv array (no shell); either may start with
 * `asr`, which runs this toolkit's CLI, and may use `${var}` from the recipe's vars.
 */
export interface RecipeStage {
  stage: number;
  name: string;
  description?: string;
  run: string | string[];
  /** Files or folders (relative to the recipe) the stage makes: a finished stage whose outputs are gone runs again. */
  outputs?: string[];
}

/** recipe.json: the Kaldi/icefall recipe idea (numbered, individually runnable stages) as data. */
export interface RecipeConfig {
  name: string;
  description?: string;
  /** Values for `${name}` in stage commands; `--set name=value` overrides them. */
  vars: Record<string, string>;
  /**
   * Vars that change how fast a stage runs, not what it makes (thread counts, as Kaldi's `nj`): a finished stage
   * stays done when only these differ from the run that finished it.
   */
  runtimeVars: string[];
  /** In ascending stage order. */
  stages: RecipeStage[];
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Reads and validates `dir/recipe.json`; errors name the file and the field. */
export function loadRecipe(dir: string): RecipeConfig {
  const path = join(dir, RECIPE_FILE);
  if (!existsSync(path)) throw fileError(path, `not found: a recipe is a folder with a ${RECIPE_FILE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw fileError(path, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fileError(path, 'expected a JSON object');
  const o = raw as Record<string, unknown>;
  if (typeof o.name !== 'string' || !NAME.test(o.name)) throw fileError(path, '"name" must be a name of letters, digits, . _ -');
  const vars: Record<string, string> = {};
  if (o.vars !== undefined) {
    if (typeof o.vars !== 'object' || o.vars === null || Array.isArray(o.vars)) throw fileError(path, '"vars" must be an object');
    for (const [k, v] of Object.entries(o.vars)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw fileError(path, `vars: bad variable name '${k}'`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw fileError(path, `vars.${k}: must be a string, number or boolean`);
      vars[k] = String(v);
    }
  }
  let runtimeVars: string[] = [];
  if (o.runtimeVars !== undefined) {
    if (!Array.isArray(o.runtimeVars) || !o.runtimeVars.every((x) => typeof x === 'string')) throw fileError(path, '"runtimeVars" must be an array of variable names');
    const unknown = o.runtimeVars.find((x) => !(x in vars));
    if (unknown !== undefined) throw fileError(path, `runtimeVars: '${unknown}' is not one of the recipe's vars`);
    runtimeVars = o.runtimeVars;
  }
  if (!Array.isArray(o.stages) || o.stages.length === 0) throw fileError(path, '"stages" must be a non-empty array');
  const stages: RecipeStage[] = o.stages.map((s: unknown, i: number) => {
    const where = `stages[${i}]`;
    if (typeof s !== 'object' || s === null) throw fileError(path, `${where}: expected an object`);
    const st = s as Record<string, unknown>;
    if (!Number.isInteger(st.stage) || (st.stage as number) < 0) throw fileError(path, `${where}: "stage" must be a non-negative integer`);
    if (typeof st.name !== 'string' || !NAME.test(st.name)) throw fileError(path, `${where}: "name" must be a name of letters, digits, . _ -`);
    const run = st.run;
    const okRun = (typeof run === 'string' && run.trim() !== '') || (Array.isArray(run) && run.length > 0 && run.every((a) => typeof a === 'string'));
    if (!okRun) throw fileError(path, `${where} (${st.name}): "run" must be a command string or a non-empty array of strings`);
    if (st.outputs !== undefined && !(Array.isArray(st.outputs) && st.outputs.every((x) => typeof x === 'string'))) {
      throw fileError(path, `${where} (${st.name}): "outputs" must be an array of paths`);
    }
    return {
      stage: st.stage as number,
      name: st.name,
      description: typeof st.description === 'string' ? st.description : undefined,
      run: run as string | string[],
      outputs: st.outputs as string[] | undefined,
    };
  });
  for (let i = 1; i < stages.length; i++) {
    if (stages[i].stage <= stages[i - 1].stage) throw fileError(path, `stages must be in ascending order without repeats (stage ${stages[i].stage} after ${stages[i - 1].stage})`);
  }
  return { name: o.name, description: typeof o.description === 'string' ? o.description : undefined, vars, runtimeVars, stages };
}
