import type { Command } from 'commander';
import { runCommand } from './run.js';
import { KALDI_OPTIONS, featureOptionsFrom } from './features.js';
import { cmvnStatsFromManifest, cmvnStatsToJson } from '../features/index.js';
import { AsrError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { createProgress } from './progress.js';

/** `asr cmvn`: global CMVN statistics over a manifest (Kaldi compute-cmvn-stats), saved as JSON. */
export function registerCmvn(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('cmvn')
    .description('accumulate global CMVN statistics (count, sum, sum of squares) over a JSONL manifest')
    .requiredOption('--manifest <file>', 'NeMo-style JSONL manifest (audio_filepath relative to it)')
    .requiredOption('--output <file>', 'statistics JSON, used by `asr features --cmvn FILE` and training')
    .option('--type <type>', 'fbank or mfcc', 'fbank');
  for (const [flag, , kind, help] of KALDI_OPTIONS) cmd.option(kind === 'bool' ? `${flag} [bool]` : `${flag} <value>`, help);
  cmd.action(async (opts: { manifest: string; output: string; type: string; [k: string]: unknown }) => {
    setExitCode(
      await runCommand(async () => {
        if (opts.type !== 'fbank' && opts.type !== 'mfcc') throw new AsrError(`--type: expected fbank or mfcc, got '${opts.type}'`);
        const progress = createProgress('cmvn');
        const stats = await cmvnStatsFromManifest(opts.manifest, opts.type, featureOptionsFrom(opts), (n) => progress.update(n));
        progress.done();
        await writeFileAtomic(opts.output, cmvnStatsToJson(stats));
        process.stderr.write(`asr cmvn: ${stats.count} frames of dim ${stats.dim} -> ${opts.output}\n`);
      }),
    );
  });
}
