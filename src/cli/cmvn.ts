import type { Command } from 'commander';
import { runCommand } from './run.js';
import { KALDI_OPTIONS, featureOptionsFrom } from './features.js';
import { cmvnStatsFromManifest, cmvnStatsToJson, readFeatureConfig, streamingPriorFromManifest, writeFeatureConfig } from '../features/index.js';
import { readModelConfig } from '../model/model-dir.js';
import { AsrError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { createProgress } from './progress.js';

/** `asr cmvn`: global CMVN statistics over a manifest (Kaldi compute-cmvn-stats), saved as JSON. */
export function registerCmvn(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('cmvn')
    .description(
      'accumulate global CMVN statistics (count, sum, sum of squares) over a JSONL manifest; or, with --streaming-prior DIR, ' +
        "the average per-utterance statistics a streaming front end starts from, written into DIR's features.json; " +
        'or, with --shrink-prior DIR, those each segment\'s own statistics are shrunk toward',
    )
    .requiredOption('--manifest <file>', 'NeMo-style JSONL manifest (audio_filepath relative to it)')
    .option('--output <file>', 'statistics JSON, used by `asr features --cmvn FILE` and training')
    .option('--streaming-prior <dir>', "a model directory (utterance CMVN): add the prior to its features.json, computed with the model's own feature options")
    .option('--shrink-prior <dir>', "a model directory (utterance CMVN): add a cmvnShrink prior to its features.json (each segment's statistics shrunk toward the manifest's average ones), computed as transcription computes features, edge padding included")
    .option('--shrink-frames <n>', "with --shrink-prior: the prior's weight in frames", '50')
    .option('--limit <n>', 'with --streaming-prior or --shrink-prior: utterances used', '500')
    .option('--stride <n>', 'with --streaming-prior or --shrink-prior: use every n-th manifest entry', '1')
    .option('--type <type>', 'fbank or mfcc', 'fbank');
  for (const [flag, , kind, help] of KALDI_OPTIONS) cmd.option(kind === 'bool' ? `${flag} [bool]` : `${flag} <value>`, help);
  cmd.action(async (opts: { manifest: string; output?: string; streamingPrior?: string; shrinkPrior?: string; shrinkFrames: string; limit: string; stride: string; type: string; [k: string]: unknown }) => {
    setExitCode(
      await runCommand(async () => {
        if (opts.shrinkPrior !== undefined && opts.streamingPrior !== undefined) throw new AsrError('asr cmvn: give --streaming-prior or --shrink-prior, not both');
        const dir = opts.shrinkPrior ?? opts.streamingPrior;
        if (dir !== undefined) {
          // both are the average per-utterance statistics of the manifest, written into the model's features.json
          const shrink = opts.shrinkPrior !== undefined;
          const what = shrink ? 'a shrink prior' : 'a streaming prior';
          const config = readFeatureConfig(dir, readModelConfig(dir).inputDim);
          if (config.normalize !== 'utterance') throw new AsrError(`${dir}: features.json normalizes by "${JSON.stringify(config.normalize)}": ${what} is only for "utterance" CMVN`);
          const limit = Number(opts.limit);
          const stride = Number(opts.stride);
          if (!(limit >= 1) || !(stride >= 1)) throw new AsrError('--limit and --stride must be at least 1');
          const frames = shrink ? Number(opts.shrinkFrames) : undefined;
          if (frames !== undefined && !(frames >= 0 && Number.isFinite(frames))) throw new AsrError(`--shrink-frames must be a number >= 0, got "${opts.shrinkFrames}"`);
          const progress = createProgress('cmvn');
          // the shrink prior is applied to segments with their edge padding, as asr transcribe computes them
          const prior = await streamingPriorFromManifest(opts.manifest, config, { limit, stride, frames, padEdges: shrink, onProgress: (n) => progress.update(n) });
          progress.done();
          await writeFeatureConfig(dir, shrink ? { ...config, cmvnShrink: prior } : { ...config, streamingPrior: prior });
          process.stderr.write(`asr cmvn: ${shrink ? `CMVN shrink prior (weight ${prior.frames} frames)` : 'streaming prior'} from up to ${limit} utterances (every ${stride}) of ${opts.manifest} -> ${dir}/features.json\n`);
          return;
        }
        if (opts.output === undefined) throw new AsrError('asr cmvn: give --output FILE (or --streaming-prior DIR, or --shrink-prior DIR)');
        const output = opts.output;
        if (opts.type !== 'fbank' && opts.type !== 'mfcc') throw new AsrError(`--type: expected fbank or mfcc, got '${opts.type}'`);
        const progress = createProgress('cmvn');
        const stats = await cmvnStatsFromManifest(opts.manifest, opts.type, featureOptionsFrom(opts), (n) => progress.update(n));
        progress.done();
        await writeFileAtomic(output, cmvnStatsToJson(stats));
        process.stderr.write(`asr cmvn: ${stats.count} frames of dim ${stats.dim} -> ${output}\n`);
      }),
    );
  });
}
