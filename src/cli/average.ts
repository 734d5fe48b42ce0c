import type { Command } from 'commander';
import { initBackend } from '../backend/index.js';
import { averageModelDirs, lastCheckpointDirs } from '../train/average.js';
import { AsrError } from '../util/errors.js';
import { runCommand } from './run.js';

/** `asr average`: weight average of model directories, or of the last N checkpoints of a training run. */
export function registerAverage(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('average')
    .description(
      'average the weights of model directories with the same config, tokens and features (checkpoints of one run, ' +
        'or runs fine-tuned from one model); with --last N, the newest N step checkpoints of one asr train experiment directory',
    )
    .argument('<dirs...>', 'model directories, or one experiment directory with --last')
    .requiredOption('--out <dir>', 'new model directory to write (features.json, LM and decode.json copied from the first input)')
    .option('--last <n>', "average the newest N step checkpoints of the experiment directory given")
    .action(async (dirs: string[], opts: { out: string; last?: string }) => {
      setExitCode(
        await runCommand(async () => {
          let inputs = dirs;
          if (opts.last !== undefined) {
            if (dirs.length !== 1) throw new AsrError('--last takes exactly one experiment directory');
            inputs = lastCheckpointDirs(dirs[0], Number(opts.last));
          }
          // arithmetic on weights only: the plain JS backend needs no start-up
          await initBackend({ backend: 'cpu' });
          await averageModelDirs(inputs, opts.out);
          process.stderr.write(`asr average: ${inputs.length} model${inputs.length === 1 ? '' : 's'} -> ${opts.out}\n`);
        }),
      );
    });
}
