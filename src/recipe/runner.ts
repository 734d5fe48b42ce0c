import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsrError, fileError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fs.js';
import { loadRecipe, type RecipeConfig, type RecipeStage } from './config.js';

/** Where a recipe keeps its bookkeeping, relative to the recipe folder (exp/ is git-ignored). */
export const RECIPE_DIRS = { done: 'exp/.done', log: 'exp/log', bin: 'exp/.bin', lock: 'exp/.lock' } as const;

export interface RecipeRunOptions {
  /** First and last stage to run, inclusive (Kaldi's --stage / --stop-stage). */
  stage?: number;
  stopStage?: number;
  /** Overrides of the recipe's vars. */
  set?: Record<string, string>;
  /** Run the selected stages even when they are done. */
  force?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Where stage output goes besides its log file (default: stderr); null: only the log file. */
  echo?: NodeJS.WritableStream | null;
  /** The CLI `asr` stands for in stage commands (default: this package's bin/asr.js). */
  asrBin?: string;
}

export type StageOutcome = 'ran' | 'skipped';

export interface StageStatus {
  stage: number;
  name: string;
  done: boolean;
  /** Why a done stage would still run: its command changed or an output is missing. */
  stale?: string;
}

/** Substitutes `${name}` with vars; in argv commands an unknown name is an error, in shell lines it is left to sh. */
function substitute(text: string, vars: Record<string, string>, strict: boolean, where: () => string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => {
    if (name in vars) return vars[name];
    if (strict) throw new AsrError(`${where()}: unknown variable \${${name}}`);
    return m;
  });
}

/** The stage's command after substitution (a shell line or an argv). */
export function resolveCommand(stage: RecipeStage, vars: Record<string, string>, recipePath: string): string | string[] {
  const where = (): string => `${recipePath}: stage ${stage.stage} (${stage.name})`;
  return typeof stage.run === 'string' ? substitute(stage.run, vars, false, where) : stage.run.map((a) => substitute(a, vars, true, where));
}

/** Stands in for a runtime var's value while a command is turned into a pattern (private-use code points). */
const slot = (name: string): string => `\uE000${name}\uE001`;

/**
 * Whether a marker's recorded command is this stage's command (`command`, resolved with `vars`) with any values of the recipe's runtime vars (the
 * same value wherever one var appears). Compared as JSON text, so argv commands and shell lines work alike.
 */
export function sameCommand(
  recorded: unknown,
  command: string | string[],
  stage: RecipeStage,
  vars: Record<string, string>,
  runtimeVars: readonly string[],
  recipePath: string,
): boolean {
  const got = JSON.stringify(recorded);
  if (got === JSON.stringify(command)) return true;
  if (runtimeVars.length === 0 || got === undefined) return false;
  const slotted = { ...vars };
  for (const name of runtimeVars) slotted[name] = slot(name);
  const key = JSON.stringify(resolveCommand(stage, slotted, recipePath));
  const seen = new Set<string>();
  let pattern = '';
  // split with the name captured: even parts are literal text, odd parts the runtime vars' names
  key.split(/\uE000([A-Za-z_][A-Za-z0-9_]*)\uE001/).forEach((part, i) => {
    if (i % 2 === 0) {
      pattern += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (seen.has(part)) {
      pattern += `\\k<v_${part}>`;
    } else {
      seen.add(part);
      // any JSON string content: plain characters or escapes
      pattern += `(?<v_${part}>(?:[^"\\\\]|\\\\.)*?)`;
    }
  });
  return new RegExp(`^${pattern}$`).test(got);
}

function markerPath(dir: string, s: RecipeStage): string {
  return join(dir, RECIPE_DIRS.done, `${s.stage}-${s.name}.json`);
}

/**
 * Whether a stage counts as done: its marker exists, records the same command (runtime vars aside), and its
 * outputs are there.
 */
function stageStatus(dir: string, s: RecipeStage, command: string | string[], config: RecipeConfig, vars: Record<string, string>, recipePath: string): StageStatus {
  const marker = markerPath(dir, s);
  if (!existsSync(marker)) return { stage: s.stage, name: s.name, done: false };
  let recorded: unknown;
  try {
    recorded = (JSON.parse(readFileSync(marker, 'utf8')) as { command?: unknown }).command;
  } catch {
    return { stage: s.stage, name: s.name, done: false, stale: 'its completion marker is unreadable' };
  }
  if (!sameCommand(recorded, command, s, vars, config.runtimeVars, recipePath)) return { stage: s.stage, name: s.name, done: false, stale: 'its command changed since it ran' };
  const missing = (s.outputs ?? []).find((o) => !existsSync(join(dir, o)));
  if (missing) return { stage: s.stage, name: s.name, done: false, stale: `its output ${missing} is missing` };
  return { stage: s.stage, name: s.name, done: true };
}

function defaultAsrBin(): string {
  // dist/recipe/runner.js (or src/recipe/runner.ts) -> <package>/bin/asr.js
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'asr.js');
}

/** Writes exp/.bin/asr, so `asr ...` in a shell line runs this toolkit with the same node. */
function writeAsrShim(dir: string, asrBin: string): string {
  const binDir = join(dir, RECIPE_DIRS.bin);
  mkdirSync(binDir, { recursive: true });
  const shim = join(binDir, 'asr');
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(shim, `#!/bin/sh\nexec ${q(process.execPath)} ${q(asrBin)} "$@"\n`);
  chmodSync(shim, 0o755);
  return binDir;
}

/** Takes the recipe's lock, refusing when a live process holds it; a lock left by a killed run is taken over. */
function takeLock(dir: string): () => void {
  const lock = join(dir, RECIPE_DIRS.lock);
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) throw fileError(lock, `the recipe is already running (process ${pid})`);
  }
  writeFileSync(lock, `${process.pid}\n`);
  return () => rmSync(lock, { force: true });
}

/** The stage process now running, so a signal to the runner can stop it too. */
let running: ChildProcess | null = null;

function runStageProcess(dir: string, command: string | string[], asrBin: string, binDir: string, logFile: string, echo: NodeJS.WritableStream | null): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, ASR_RECIPE_DIR: dir };
    const [cmd, args] =
      typeof command === 'string'
        ? ['sh', ['-c', command]]
        : command[0] === 'asr'
          ? [process.execPath, [asrBin, ...command.slice(1)]]
          : [command[0], command.slice(1)];
    const log = createWriteStream(logFile, { flags: 'a' });
    // its own process group, so a stop reaches everything the stage started (sh -c forwards no signals)
    const child = spawn(cmd, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running = child;
    const tee = (b: Buffer): void => {
      log.write(b);
      echo?.write(b);
    };
    child.stdout.on('data', tee);
    child.stderr.on('data', tee);
    child.on('error', (e) => {
      log.end();
      reject(new AsrError(`cannot start '${cmd}': ${e.message}`));
    });
    child.on('close', (code, signal) => {
      running = null;
      log.end(() => resolvePromise(code ?? (signal ? 128 : 1)));
    });
  });
}

/** Status of every stage (for `--list`). */
export function recipeStatus(dir: string, set: Record<string, string> = {}): { config: RecipeConfig; stages: StageStatus[] } {
  const config = loadRecipe(dir);
  const vars = { ...config.vars, ...set };
  const path = join(dir, 'recipe.json');
  return { config, stages: config.stages.map((s) => stageStatus(dir, s, resolveCommand(s, vars, path), config, vars, path)) };
}

/**
 * Runs a recipe's stages from `stage` to `stopStage` in order. Each stage runs in the recipe folder with its output
 * appended to exp/log/stage-N-NAME.log; on success a completion marker (exp/.done/N-NAME.json, holding the command)
 * is written, and a later run skips the stage while the marker matches the command and its outputs exist. A stage
 * that fails (or a run that is killed) leaves no marker, so running again resumes at that stage. Stops at the first
 * failure with an error naming the stage and its log.
 */
export async function runRecipe(dirArg: string, opts: RecipeRunOptions = {}): Promise<{ stage: number; name: string; outcome: StageOutcome }[]> {
  const dir = resolve(dirArg);
  const config = loadRecipe(dir);
  const recipePath = join(dir, 'recipe.json');
  const vars = { ...config.vars, ...(opts.set ?? {}) };
  for (const k of Object.keys(opts.set ?? {})) {
    if (!(k in config.vars)) throw new AsrError(`--set ${k}: the recipe has no variable '${k}' (it has: ${Object.keys(config.vars).join(', ') || 'none'})`);
  }
  const from = opts.stage ?? 0;
  const to = opts.stopStage ?? Number.POSITIVE_INFINITY;
  if (to < from) throw new AsrError(`--stop-stage ${to} is before --stage ${from}`);
  const selected = config.stages.filter((s) => s.stage >= from && s.stage <= to);
  if (selected.length === 0) throw new AsrError(`${recipePath}: no stage between ${from} and ${to === Number.POSITIVE_INFINITY ? 'the end' : to}`);
  const commands = selected.map((s) => resolveCommand(s, vars, recipePath));
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const echo = opts.echo === undefined ? process.stderr : opts.echo;
  const asrBin = opts.asrBin ?? defaultAsrBin();
  mkdirSync(join(dir, RECIPE_DIRS.done), { recursive: true });
  mkdirSync(join(dir, RECIPE_DIRS.log), { recursive: true });
  const release = takeLock(dir);
  // a runner stopped by a signal takes its stage (the whole process group) down with it and frees the lock, so
  // nothing keeps writing into the recipe and the next run starts cleanly at the unfinished stage
  const onSignal = (sig: NodeJS.Signals): void => {
    if (running?.pid) {
      try {
        process.kill(-running.pid, sig);
      } catch {
        running.kill(sig);
      }
    }
    release();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const runLog = join(dir, RECIPE_DIRS.log, 'recipe.log');
  const note = (line: string): void => {
    log(`${config.name}: ${line}`);
    appendFileSync(runLog, `${new Date().toISOString()} ${line}\n`);
  };
  const results: { stage: number; name: string; outcome: StageOutcome }[] = [];
  try {
    const binDir = writeAsrShim(dir, asrBin);
    for (let i = 0; i < selected.length; i++) {
      const s = selected[i];
      const command = commands[i];
      const label = `stage ${s.stage} (${s.name})`;
      const status = stageStatus(dir, s, command, config, vars, recipePath);
      if (status.done && !opts.force) {
        note(`${label}: done already, skipping`);
        results.push({ stage: s.stage, name: s.name, outcome: 'skipped' });
        continue;
      }
      const shown = typeof command === 'string' ? command : command.join(' ');
      note(`${label}: ${status.stale ? `running again (${status.stale})` : 'running'}: ${shown}`);
      rmSync(markerPath(dir, s), { force: true });
      const logFile = join(dir, RECIPE_DIRS.log, `stage-${s.stage}-${s.name}.log`);
      appendFileSync(logFile, `# ${new Date().toISOString()} ${shown}\n`);
      const t0 = Date.now();
      const code = await runStageProcess(dir, command, asrBin, binDir, logFile, echo);
      if (code !== 0) {
        note(`${label}: failed (exit code ${code})`);
        throw new AsrError(`${recipePath}: ${label} failed (exit code ${code}); see ${join(RECIPE_DIRS.log, `stage-${s.stage}-${s.name}.log`)}`);
      }
      writeFileAtomicSync(markerPath(dir, s), `${JSON.stringify({ stage: s.stage, name: s.name, command }, null, 2)}\n`);
      note(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      results.push({ stage: s.stage, name: s.name, outcome: 'ran' });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    release();
  }
  return results;
}
