import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readMetrics } from '../train/metrics.js';
import { plotMetricsSvg } from '../train/plot.js';
import { fileError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { runCommand } from './run.js';

/** `asr plot`: loss and validation WER curves of a training run (metrics.jsonl) as an SVG. */
export function registerPlot(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('plot')
    .description('draw train/valid loss and valid WER/CER curves of an experiment into an SVG')
    .argument('<exp-dir>', 'experiment directory holding metrics.jsonl')
    .option('--output <file>', 'SVG to write (default: <exp-dir>/curves.svg)')
    .option('--title <text>', 'title (default: the directory name)')
    .action(async (expDir: string, opts: { output?: string; title?: string }) => {
      setExitCode(
        await runCommand(async () => {
          const file = join(expDir, 'metrics.jsonl');
          if (!existsSync(file)) throw fileError(file, 'not found (is this an experiment directory of asr train?)');
          const metrics = readMetrics(file);
          if (metrics.length === 0) throw fileError(file, 'holds no metrics yet');
          const out = opts.output ?? join(expDir, 'curves.svg');
          await writeFileAtomic(out, plotMetricsSvg(metrics, { title: opts.title ?? basename(resolve(expDir)) }));
          const v = metrics.filter((m) => m.type === 'valid').length;
          process.stderr.write(`asr plot: ${metrics.length - v} train and ${v} validation points -> ${out}\n`);
        }),
      );
    });
}
