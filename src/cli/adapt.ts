import type { Command } from 'commander';
import { VTLN_CRITERIA, type EntropyAdaptOptions, type VtlnCriterion, type VtlnSelectOptions, type WarpScore } from '../transcribe/index.js';
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

/** `--vtln <auto|W,...>` and `--vtln-criterion` of `asr eval` and `asr transcribe`. */
export function addVtlnOption(cmd: Command): Command {
  return cmd
    .option(
      '--vtln <warps>',
      "choose each speaker's VTLN warp factor (Kaldi --vtln-warp) without transcripts, as the one the model is surest " +
        'under: auto (0.85 to 1.15 in steps of 0.05) or a comma-separated list of warps to try',
    )
    .option(
      '--vtln-criterion <c>',
      "what --vtln scores a warp by: frames (the mean log posterior of the model's non-blank frames; the same under any LM) " +
        "or words (the decoded words' mean log confidence, under the LM in use)",
      'frames',
    );
}

/** The warp selection `--vtln` asks for, or undefined without it; `criterion` is `--vtln-criterion`'s value. */
export function vtlnFrom(value: string | undefined, criterion?: string): VtlnSelectOptions | undefined {
  if (criterion !== undefined && !(VTLN_CRITERIA as readonly string[]).includes(criterion)) {
    throw new AsrError(`--vtln-criterion: expected ${VTLN_CRITERIA.join(' or ')}, got "${criterion}"`);
  }
  if (value === undefined) return undefined;
  const how = criterion === undefined ? {} : { criterion: criterion as VtlnCriterion };
  if (value === 'auto') return how;
  const warps = value.split(',').map((w) => Number(w.trim()));
  if (value.trim() === '' || warps.some((w) => !Number.isFinite(w))) throw new AsrError(`--vtln: expected auto or comma-separated warp factors, got "${value}"`);
  return { warps, ...how };
}

/** The scores behind a chosen warp, for the log line: "mean log spike posterior 0.9: -0.0564, 1: -0.0699, ...". */
export function formatWarpScores(scores: WarpScore[], criterion: VtlnCriterion): string {
  const what = criterion === 'frames' ? 'mean log spike posterior' : 'mean log word confidence';
  return `${what} ` + scores.map((s) => `${s.warp}: ${Number.isFinite(s.score) ? s.score.toFixed(4) : '-'}`).join(', ');
}
