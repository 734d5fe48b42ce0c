import type { Command } from 'commander';
import type { EntropyAdaptOptions, VtlnSelectOptions, WarpScore } from '../transcribe/index.js';
import { AsrError } from '../util/errors.js';
import { parsePositiveInt, parsePositiveNumber } from './run.js';

/** The flags of addEntropyAdaptOptions, as commander hands them over. */
export interface EntropyAdaptFlags {
  adaptEntropy?: string;
  adaptLr?: string;
}

/** `--adapt-entropy <steps>` and `--adapt-lr` of `asr eval` and `asr transcribe`; `whose` names what a speaker's audio is. */
export function addEntropyAdaptOptions(cmd: Command, whose: string): Command {
  return cmd
    .option(
      '--adapt-entropy <steps>',
      `then train each speaker's normalisation-layer scales and offsets for this many Adam steps (50 is a good start) on ${whose} ` +
        'to make the model sure which word each of its spikes is (entropy minimisation, as TENT); no transcripts are used',
    )
    .option('--adapt-lr <lr>', 'learning rate of --adapt-entropy (Adam)', '0.002');
}

/** The entropy adaptation the flags ask for, or undefined without --adapt-entropy. */
export function entropyAdaptFrom(opts: EntropyAdaptFlags): EntropyAdaptOptions | undefined {
  if (opts.adaptEntropy === undefined) return undefined;
  return { steps: parsePositiveInt(opts.adaptEntropy, '--adapt-entropy'), lr: parsePositiveNumber(opts.adaptLr ?? '0.002', '--adapt-lr') };
}

/** `--vtln <auto|W,...>` of `asr eval` and `asr transcribe`. */
export function addVtlnOption(cmd: Command): Command {
  return cmd.option(
    '--vtln <warps>',
    "choose each speaker's VTLN warp factor (Kaldi --vtln-warp) without transcripts, as the one whose words the decoder is " +
      'surest of: auto (0.85 to 1.15 in steps of 0.05) or a comma-separated list of warps to try',
  );
}

/** The warp selection `--vtln` asks for, or undefined without it. */
export function vtlnFrom(value: string | undefined): VtlnSelectOptions | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return {};
  const warps = value.split(',').map((w) => Number(w.trim()));
  if (value.trim() === '' || warps.some((w) => !Number.isFinite(w))) throw new AsrError(`--vtln: expected auto or comma-separated warp factors, got "${value}"`);
  return { warps };
}

/** The scores behind a chosen warp, for the log line: "mean log word confidence 0.9: -0.0564, 1: -0.0699, ...". */
export function formatWarpScores(scores: WarpScore[]): string {
  return 'mean log word confidence ' + scores.map((s) => `${s.warp}: ${Number.isFinite(s.score) ? s.score.toFixed(4) : '-'}`).join(', ');
}
