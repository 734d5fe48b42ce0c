import type { Command } from 'commander';
import { initBackend, describeBackend } from '../backend/index.js';
import { runTraining, type StepStatus } from '../train/train.js';
import { createProgress, type Progress } from './progress.js';
import { runCommand } from './run.js';
import { AsrError } from '../util/errors.js';

interface TrainOpts {
  config?: string;
  train: string;
  valid: string;
  out: string;
  resume?: boolean;
  backend?: string;
  threads?: string;
  skipBad?: boolean;
  epochs?: string;
  initFrom?: string;
}

const HELP_AFTER = `
Config file (JSON): { "model": { ...model config overrides }, "train": { ...training options } }, both optional;
see docs/training.md. --resume continues from <out>/last.json with the config the run started with.
Ctrl-C writes a checkpoint and exits (130); a second Ctrl-C exits at once.
Output: <out>/metrics.jsonl, checkpoints/, best/ and final/ (model directories for asr transcribe --model).`;

/** `asr train`: CTC training of an acoustic model from NeMo manifests. */
export function registerTrain(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('train')
    .description('train a CTC acoustic model on JSONL manifests (character tokens)')
    .option('--config <file>', 'training config JSON { model, train }')
    .requiredOption('--train <manifest>', 'training manifest (audio_filepath, duration, text)')
    .requiredOption('--valid <manifest>', 'validation manifest')
    .requiredOption('--out <dir>', 'experiment directory')
    .option('--resume', 'continue from the last checkpoint in --out', false)
    .option('--backend <name>', 'tensorflow-gpu, tensorflow, wasm or cpu (default: ASR_BACKEND, else the fastest available)')
    .option('--threads <n>', 'wasm threads (default: ASR_THREADS, else the core count)')
    .option('--skip-bad', 'skip bad manifest lines (counted in the log) instead of stopping', false)
    .option('--init-from <model-dir>', "start a new run from this model's weights and tokens (fine-tuning): same model config and features; fresh optimizer and LR schedule; ignored when --resume finds checkpoints")
    .option('--epochs <n>', "epochs in all, over the config's; with --resume it extends a run (even a finished one) and is kept for later resumes; empty: the config's")
    .addHelpText('after', HELP_AFTER)
    .action(async (opts: TrainOpts) => {
      const stop = { requested: false };
      const onSigint = (): void => {
        if (stop.requested) process.exit(130);
        stop.requested = true;
        process.stderr.write('\nasr train: stopping after this step (Ctrl-C again to quit without a checkpoint)\n');
      };
      process.on('SIGINT', onSigint);
      let interrupted = false;
      const code = await runCommand(async () => {
        const info = await initBackend({ backend: opts.backend, threads: opts.threads === undefined ? undefined : Number(opts.threads) });
        process.stderr.write(`asr train: ${describeBackend(info)}\n`);
        const tty = Boolean(process.stderr.isTTY);
        let bar: Progress | null = null;
        // one bar for the whole run (its ETA counts from its creation); log lines clear it and it is redrawn on the next step
        const log = (line: string): void => {
          process.stderr.write(`${bar !== null ? '\r\x1b[K' : ''}${line}\n`);
        };
        const onStep = (s: StepStatus): void => {
          const note = `step ${s.step} epoch ${s.epoch + 1} loss ${s.loss.toFixed(3)} lr ${s.lr.toExponential(2)} ${s.audioSecPerSec.toFixed(1)} audio-s/s`;
          if (tty) {
            bar ??= createProgress('train', 10, process.stderr);
            bar.update(s.step - s.startStep, s.totalSteps - s.startStep, note);
          }
        };
        let epochs: number | undefined;
        if (opts.epochs !== undefined && opts.epochs !== '') {
          epochs = Number(opts.epochs);
          if (!Number.isInteger(epochs) || epochs < 1) throw new AsrError(`--epochs: expected a whole number >= 1, got '${opts.epochs}'`);
        }
        const result = await runTraining({
          configFile: opts.config,
          epochs,
          initFrom: opts.initFrom,
          trainManifest: opts.train,
          validManifest: opts.valid,
          outDir: opts.out,
          resume: opts.resume === true,
          skipBad: opts.skipBad === true,
          backend: info.name,
          log: (line) => log(`asr train: ${line}`),
          onStep: (s) => {
            onStep(s);
            // non-TTY: a log line every 10 steps (metrics.jsonl has the rest)
            if (!tty && s.step % 10 === 0) process.stderr.write(`asr train: step ${s.step}/${s.totalSteps} epoch ${s.epoch + 1} loss ${s.loss.toFixed(3)} lr ${s.lr.toExponential(2)} ${s.audioSecPerSec.toFixed(1)} audio-s/s\n`);
          },
          stop,
        });
        interrupted = result.interrupted;
      });
      process.off('SIGINT', onSigint);
      setExitCode(code === 0 && interrupted ? 130 : code);
    });
}
