import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRecipe, recipeStatus } from '../src/recipe/index.js';
import { loadRecipe } from '../src/recipe/config.js';
import { buildOnce } from './helpers/build.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');

/** A toy recipe: a shell stage, an `asr` stage (argv form), a stage that fails until data/go exists, and a last one. */
function toyRecipe(extraStages: unknown[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'asr-recipe-'));
  const recipe = {
    name: 'toy',
    description: 'runner test',
    vars: { count: 3, word: 'hello', delay: 0 },
    stages: [
      { stage: 0, name: 'text', run: 'mkdir -p data && echo ${word} > data/a.txt && echo ran >> data/count0', outputs: ['data/a.txt'] },
      { stage: 1, name: 'digits', run: ['asr', 'data', 'digits', '--count', '${count}', '--seed', '1', '--out', 'data/digits.txt'], outputs: ['data/digits.txt'] },
      { stage: 2, name: 'check', run: 'test -f data/go && echo checked > data/checked' },
      { stage: 3, name: 'final', run: 'echo ran >> data/count3' },
      ...extraStages,
    ],
  };
  writeFileSync(join(dir, 'recipe.json'), JSON.stringify(recipe, null, 2));
  return dir;
}

const quiet = { log: (): void => {}, echo: null };
const lines = (p: string): number => readFileSync(p, 'utf8').trim().split('\n').length;

beforeAll(() => buildOnce(), 120_000);

describe('runRecipe', () => {
  it('runs stages in order, stops at a failure, and resumes there', async () => {
    const dir = toyRecipe();
    const log: string[] = [];
    await expect(runRecipe(dir, { log: (l) => log.push(l), echo: null })).rejects.toThrow(
      `${join(dir, 'recipe.json')}: stage 2 (check) failed (exit code 1); see exp/log/stage-2-check.log`,
    );
    expect(readFileSync(join(dir, 'data', 'a.txt'), 'utf8')).toBe('hello\n');
    expect(lines(join(dir, 'data', 'digits.txt'))).toBe(3);
    expect(existsSync(join(dir, 'exp', '.done', '0-text.json'))).toBe(true);
    expect(existsSync(join(dir, 'exp', '.done', '1-digits.json'))).toBe(true);
    expect(existsSync(join(dir, 'exp', '.done', '2-check.json'))).toBe(false);
    expect(existsSync(join(dir, 'data', 'count3'))).toBe(false);
    expect(log.some((l) => /^toy: stage 2 \(check\): failed/.test(l))).toBe(true);
    expect(existsSync(join(dir, 'exp', 'log', 'stage-2-check.log'))).toBe(true);

    writeFileSync(join(dir, 'data', 'go'), '');
    const second = await runRecipe(dir, quiet);
    expect(second.map((r) => r.outcome)).toEqual(['skipped', 'skipped', 'ran', 'ran']);
    expect(lines(join(dir, 'data', 'count0'))).toBe(1);
    expect(existsSync(join(dir, 'data', 'checked'))).toBe(true);

    expect((await runRecipe(dir, quiet)).every((r) => r.outcome === 'skipped')).toBe(true);
    expect(lines(join(dir, 'data', 'count3'))).toBe(1);
    const runLog = readFileSync(join(dir, 'exp', 'log', 'recipe.log'), 'utf8');
    expect(runLog).toMatch(/stage 1 \(digits\): done already, skipping/);
    expect(runLog).toMatch(/stage 3 \(final\): done in/);
  });

  it('--stage/--stop-stage pick stages, --force reruns, changed vars and lost outputs rerun', async () => {
    const dir = toyRecipe();
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'go'), '');
    expect((await runRecipe(dir, { ...quiet, stage: 1, stopStage: 2 })).map((r) => r.stage)).toEqual([1, 2]);
    expect(existsSync(join(dir, 'data', 'a.txt'))).toBe(false);
    expect((await runRecipe(dir, { ...quiet, stage: 3 })).map((r) => [r.stage, r.outcome])).toEqual([[3, 'ran']]);
    expect((await runRecipe(dir, { ...quiet, stage: 3, force: true })).map((r) => r.outcome)).toEqual(['ran']);
    expect(lines(join(dir, 'data', 'count3'))).toBe(2);

    // a changed variable changes stage 1's command: it runs again, the others stay done
    const changed = await runRecipe(dir, { ...quiet, set: { count: '5' } });
    expect(changed.map((r) => r.outcome)).toEqual(['ran', 'ran', 'skipped', 'skipped']);
    expect(lines(join(dir, 'data', 'digits.txt'))).toBe(5);
    expect(recipeStatus(dir).stages[1]).toMatchObject({ done: false, stale: 'its command changed since it ran' });
    expect(recipeStatus(dir, { count: '5' }).stages.every((s) => s.done)).toBe(true);

    rmSync(join(dir, 'data', 'a.txt'));
    expect(recipeStatus(dir, { count: '5' }).stages[0]).toMatchObject({ done: false, stale: 'its output data/a.txt is missing' });
    expect((await runRecipe(dir, { ...quiet, set: { count: '5' } })).map((r) => r.outcome)).toEqual(['ran', 'skipped', 'skipped', 'skipped']);
  });

  it('runtime vars (thread counts) do not make a finished stage run again; other vars still do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-recipe-'));
    const recipe = {
      name: 'rt',
      vars: { jobs: 1, n: 2, tag: 'a\\b' },
      runtimeVars: ['jobs'],
      stages: [
        { stage: 0, name: 'shell', run: 'echo ${n} ${jobs} ${tag} >> ran0; echo jobs=${jobs} >> ran0' },
        { stage: 1, name: 'argv', run: ['sh', '-c', 'echo ran >> ran1', '--jobs', '${jobs}', '${tag}'] },
      ],
    };
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify(recipe));
    expect((await runRecipe(dir, { ...quiet, set: { jobs: '2' } })).map((r) => r.outcome)).toEqual(['ran', 'ran']);
    for (const jobs of ['1', '2', '16']) expect(recipeStatus(dir, { jobs }).stages.every((s) => s.done)).toBe(true);
    expect((await runRecipe(dir, quiet)).map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect(recipeStatus(dir, { n: '3' }).stages[0]).toMatchObject({ done: false, stale: 'its command changed since it ran' });
    expect(recipeStatus(dir, { n: '3' }).stages[1].done).toBe(true);

    // one runtime var takes one value per command: a marker whose two places disagree is not this command
    const marker = join(dir, 'exp', '.done', '0-shell.json');
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { command: string };
    writeFileSync(marker, JSON.stringify({ ...m, command: m.command.replace('jobs=2', 'jobs=3') }));
    expect(recipeStatus(dir).stages[0].done).toBe(false);
    // without the declaration the thread count is part of the command again
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ ...recipe, runtimeVars: undefined }));
    expect(recipeStatus(dir).stages[1]).toMatchObject({ done: false, stale: 'its command changed since it ran' });
    expect(recipeStatus(dir, { jobs: '2' }).stages[1].done).toBe(true);
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ ...recipe, runtimeVars: ['threads'] }));
    expect(() => loadRecipe(dir)).toThrow(/runtimeVars: 'threads' is not one of the recipe's vars/);
  });

  it('refuses bad recipes and options with one clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-recipe-'));
    expect(() => loadRecipe(dir)).toThrow(`${join(dir, 'recipe.json')}: not found`);
    writeFileSync(join(dir, 'recipe.json'), '{"name": "x", "stages": [');
    expect(() => loadRecipe(dir)).toThrow(/recipe\.json: not valid JSON/);
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ name: 'x', stages: [{ stage: 2, name: 'a', run: 'true' }, { stage: 1, name: 'b', run: 'true' }] }));
    expect(() => loadRecipe(dir)).toThrow(/ascending order/);
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify({ name: 'x', stages: [{ stage: 0, name: 'a', run: [] }] }));
    expect(() => loadRecipe(dir)).toThrow(/stages\[0\] \(a\): "run" must be/);
    const toy = toyRecipe();
    await expect(runRecipe(toy, { ...quiet, set: { nope: '1' } })).rejects.toThrow(/--set nope: the recipe has no variable 'nope'/);
    await expect(runRecipe(toy, { ...quiet, stage: 3, stopStage: 1 })).rejects.toThrow(/--stop-stage 1 is before --stage 3/);
    await expect(runRecipe(toy, { ...quiet, stage: 9 })).rejects.toThrow(/no stage between 9 and the end/);
    writeFileSync(join(toy, 'recipe.json'), JSON.stringify({ name: 'x', stages: [{ stage: 0, name: 'a', run: ['echo', '${missing}'] }] }));
    await expect(runRecipe(toy, quiet)).rejects.toThrow(/stage 0 \(a\): unknown variable \$\{missing\}/);
  });

  it('a live run holds a lock; a lock left by a dead run is taken over', async () => {
    const dir = toyRecipe();
    mkdirSync(join(dir, 'exp'), { recursive: true });
    const sleeper = spawn('sleep', ['30']);
    writeFileSync(join(dir, 'exp', '.lock'), `${sleeper.pid}\n`);
    await expect(runRecipe(dir, { ...quiet, stopStage: 0 })).rejects.toThrow(`the recipe is already running (process ${sleeper.pid})`);
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.on('exit', r));
    expect((await runRecipe(dir, { ...quiet, stopStage: 0 })).map((r) => r.outcome)).toEqual(['ran']);
    expect(existsSync(join(dir, 'exp', '.lock'))).toBe(false);
  });
});

describe('asr recipe run (CLI)', () => {
  it('lists stages, runs them, and after a kill resumes at the interrupted stage', async () => {
    const dir = toyRecipe([{ stage: 4, name: 'slow', run: 'sleep ${delay} && echo slow >> data/slow', outputs: ['data/slow'] }]);
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'go'), '');
    const list = spawnSync(process.execPath, [ASR, 'recipe', 'run', dir, '--list'], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^toy: runner test\n\s+0\s+text\s+to run/);

    // stage 4 sleeps; kill the runner while it does
    const child = spawn(process.execPath, [ASR, 'recipe', 'run', dir, '--set', 'delay=20'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const t0 = Date.now();
    while (!/stage 4 \(slow\): running/.test(err) && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(143);
    expect(existsSync(join(dir, 'exp', '.done', '3-final.json'))).toBe(true);
    expect(existsSync(join(dir, 'exp', '.done', '4-slow.json'))).toBe(false);

    const again = spawnSync(process.execPath, [ASR, 'recipe', 'run', dir, '--set', 'delay=0'], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/toy: stage 3 \(final\): done already, skipping/);
    expect(again.stderr).toMatch(/toy: stage 4 \(slow\): running: sleep 0/);
    expect(again.stderr).toMatch(/asr recipe run: 1 stage\(s\) run, 4 already done/);
    expect(readFileSync(join(dir, 'data', 'slow'), 'utf8')).toBe('slow\n');

    const bad = spawnSync(process.execPath, [ASR, 'recipe', 'run', join(dir, 'nowhere')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`asr: error: ${join(dir, 'nowhere', 'recipe.json')}: not found: a recipe is a folder with a recipe.json\n`);
  });
});
