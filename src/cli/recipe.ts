import type { Command } from 'commander';
import { runCommand, parseIntOption } from './run.js';
import { AsrError } from '../util/errors.js';
import { recipeStatus, runRecipe } from '../recipe/index.js';

function collectSet(value: string, prev: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new AsrError(`--set: expected name=value, got '${value}'`);
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `asr recipe run <dir>`: the Kaldi/icefall staged-recipe habit (numbered, resumable stages with markers and logs). */
export function registerRecipe(program: Command, setExitCode: (code: number) => void): void {
  const recipe = program.command('recipe').description('run staged recipes (recipes/<name>/recipe.json)');
  recipe
    .command('run')
    .description('run a recipe\'s stages in order, skipping finished ones (exp/.done markers), logging to exp/log/')
    .argument('<dir>', 'recipe folder, e.g. recipes/digits')
    .option('--stage <n>', 'first stage to run', (v) => parseIntOption(v, '--stage'))
    .option('--stop-stage <n>', 'last stage to run (inclusive)', (v) => parseIntOption(v, '--stop-stage'))
    .option('--set <name=value>', 'override a recipe variable (repeatable)', collectSet, {})
    .option('--force', 'run the selected stages even if they are done', false)
    .option('--list', 'show the stages and whether each is done, run nothing', false)
    .action(async (dir: string, o: { stage?: number; stopStage?: number; set: Record<string, string>; force: boolean; list: boolean }) => {
      setExitCode(
        await runCommand(async () => {
          if (o.list) {
            const { config, stages } = recipeStatus(dir, o.set);
            const lines = config.stages.map((s, i) => {
              const st = stages[i];
              const state = st.done ? 'done' : st.stale ? `to run (${st.stale})` : 'to run';
              return `${String(s.stage).padStart(3)}  ${s.name.padEnd(16)} ${state.padEnd(40)} ${s.description ?? ''}`.trimEnd();
            });
            process.stdout.write(`${config.name}${config.description ? `: ${config.description}` : ''}\n${lines.join('\n')}\n`);
            return;
          }
          const results = await runRecipe(dir, { stage: o.stage, stopStage: o.stopStage, set: o.set, force: o.force });
          const ran = results.filter((r) => r.outcome === 'ran').length;
          process.stderr.write(`asr recipe run: ${ran} stage(s) run, ${results.length - ran} already done\n`);
        }),
      );
    });
}
