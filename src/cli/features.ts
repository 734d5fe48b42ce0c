import type { Command } from 'commander';
import { createWriteStream, promises as fsp } from 'node:fs';
import { once } from 'node:events';
import { runCommand, parseBool, parseNumber, parseIntOption } from './run.js';
import {
  applyUtteranceCmvn, applyCmvn, cmvnStatsFromJson, addDeltas, matrixToNpy, extractFileFeatures, WINDOW_TYPES,
  type FeatureMatrix, type MfccOptions, type WindowType,
} from '../features/index.js';
import type { RawPcmFormat } from '../audio/index.js';
import { AsrError, fileError } from '../util/errors.js';
import { tempPathFor, writeFileAtomic } from '../util/fs.js';

interface FeaturesCliOptions {
  type: string;
  output?: string;
  format?: string;
  cmvn?: string;
  normVars?: boolean;
  deltas?: boolean;
  channel?: number;
  raw?: string;
  rawRate?: number;
  rawChannels?: number;
  [k: string]: unknown;
}

/** Kaldi option name -> our option key and parser. Defaults shown are Kaldi's (dither 0 instead of 1). */
export const KALDI_OPTIONS: [flag: string, key: keyof MfccOptions, kind: 'num' | 'int' | 'bool' | 'window', help: string][] = [
  ['--sample-frequency', 'sampleFrequency', 'num', 'sample rate the features are computed at; audio is resampled to it (16000)'],
  ['--frame-length', 'frameLength', 'num', 'frame length in ms (25)'],
  ['--frame-shift', 'frameShift', 'num', 'frame shift in ms (10)'],
  ['--dither', 'dither', 'num', 'dithering constant, 0 = off (0; Kaldi binaries default to 1)'],
  ['--preemphasis-coefficient', 'preemphasisCoefficient', 'num', 'pre-emphasis coefficient (0.97)'],
  ['--remove-dc-offset', 'removeDcOffset', 'bool', 'subtract the mean of each frame (true)'],
  ['--window-type', 'windowType', 'window', `window: ${WINDOW_TYPES.join('|')} (povey)`],
  ['--blackman-coeff', 'blackmanCoeff', 'num', 'constant of the generalised Blackman window (0.42)'],
  ['--round-to-power-of-two', 'roundToPowerOfTwo', 'bool', 'zero-pad the window to a power of two for the FFT (true)'],
  ['--snip-edges', 'snipEdges', 'bool', 'only frames that fit in the audio; false reflects the edges (true)'],
  ['--num-mel-bins', 'numMelBins', 'int', 'number of triangular mel bins (23)'],
  ['--low-freq', 'lowFreq', 'num', 'low cutoff of the mel bins in Hz (20)'],
  ['--high-freq', 'highFreq', 'num', 'high cutoff in Hz; <= 0 is an offset from Nyquist (0)'],
  ['--vtln-warp', 'vtlnWarp', 'num', 'VTLN warp factor (1.0)'],
  ['--vtln-low', 'vtlnLow', 'num', 'low inflection point of the VTLN warp in Hz (100)'],
  ['--vtln-high', 'vtlnHigh', 'num', 'high inflection point; < 0 is an offset from Nyquist (-500)'],
  ['--use-energy', 'useEnergy', 'bool', 'add log energy (fbank: extra first column; mfcc: replaces C0) (fbank false, mfcc true)'],
  ['--raw-energy', 'rawEnergy', 'bool', 'energy before pre-emphasis and windowing (true)'],
  ['--energy-floor', 'energyFloor', 'num', 'floor on the energy, 0 = none (0)'],
  ['--htk-compat', 'htkCompat', 'bool', 'energy / C0 last, as HTK orders them (false)'],
  ['--use-log-fbank', 'useLogFbank', 'bool', 'log of the mel energies (true; fbank only)'],
  ['--use-power', 'usePower', 'bool', 'power spectrum, not magnitude (true; fbank only)'],
  ['--subtract-mean', 'subtractMean', 'bool', 'subtract the mean of each feature over the file (false)'],
  ['--min-duration', 'minDuration', 'num', 'shortest audio in seconds that gives frames (0)'],
  ['--num-ceps', 'numCeps', 'int', 'number of cepstra in MFCC (13)'],
  ['--cepstral-lifter', 'cepstralLifter', 'num', 'cepstral liftering coefficient, 0 = off (22)'],
];

function camel(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Collects the Kaldi options the user gave (undefined ones fall back to the type's defaults). */
export function featureOptionsFrom(opts: FeaturesCliOptions): Partial<MfccOptions> {
  const out: Partial<Record<keyof MfccOptions, unknown>> = {};
  for (const [flag, key, kind] of KALDI_OPTIONS) {
    const v = opts[camel(flag)];
    if (v === undefined) continue;
    const name = flag;
    if (kind === 'bool') out[key] = parseBool(v as string | boolean, name);
    else if (kind === 'window') {
      if (!WINDOW_TYPES.includes(v as WindowType)) throw new AsrError(`${name}: expected one of ${WINDOW_TYPES.join(', ')}, got '${String(v)}'`);
      out[key] = v;
    } else if (kind === 'int') out[key] = parseIntOption(String(v), name);
    else out[key] = parseNumber(String(v), name);
  }
  return out as Partial<MfccOptions>;
}

/** Shortest decimal that reads back as the same float32 (9 significant digits always suffice). */
function f32(v: number): string {
  return String(Number(v.toPrecision(9)));
}

async function writeJsonMatrix(m: FeatureMatrix, output: string | undefined): Promise<void> {
  const target = output ? tempPathFor(output) : undefined;
  const stream = target ? createWriteStream(target) : process.stdout;
  const write = async (s: string): Promise<void> => {
    if (!stream.write(s)) await once(stream, 'drain');
  };
  try {
    await write(`{"shape":[${m.numFrames},${m.dim}],"data":[`);
    for (let t = 0; t < m.numFrames; t++) {
      const row: string[] = [];
      for (let d = 0; d < m.dim; d++) row.push(f32(m.data[t * m.dim + d]));
      await write(`${t ? ',' : ''}[${row.join(',')}]`);
    }
    await write(']}\n');
    if (target && output) {
      const done = once(stream, 'finish');
      stream.end();
      await done;
      await fsp.rename(target, output);
    }
  } catch (e) {
    if (target) {
      stream.destroy();
      await fsp.rm(target, { force: true });
    }
    throw e;
  }
}

export function registerFeatures(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('features')
    .description('compute Kaldi-compatible fbank or MFCC features of an audio file (compute-fbank-feats / compute-mfcc-feats)')
    .argument('<audio>', 'audio file: WAV, FLAC, MP3, Ogg Opus/Vorbis, or headerless PCM with --raw')
    .option('--type <type>', 'fbank or mfcc', 'fbank')
    .option('--output <file>', 'write here instead of stdout; .npy writes NumPy float32, anything else JSON')
    .option('--format <fmt>', 'json or npy (default: from the --output extension, json on stdout)')
    .option('--cmvn <mode>', "normalise: 'utt' (per-utterance mean) or a CMVN statistics JSON file from `asr cmvn`")
    .option('--norm-vars [bool]', 'with --cmvn, also normalise variance (false)')
    .option('--deltas [bool]', 'append delta and delta-delta features (Kaldi add-deltas, window 2) (false)')
    .option('--channel <n>', 'use this channel (0-based) instead of the mean of all channels')
    .option('--raw <encoding>', 'headerless PCM input: s16le, s24le, s32le, f32le, f64le or u8')
    .option('--raw-rate <hz>', 'sample rate of --raw input')
    .option('--raw-channels <n>', 'channels of --raw input (1)');
  for (const [flag, , kind, help] of KALDI_OPTIONS) {
    cmd.option(kind === 'bool' ? `${flag} [bool]` : `${flag} <value>`, help);
  }
  cmd.action(async (audio: string, opts: FeaturesCliOptions) => {
    setExitCode(
      await runCommand(async () => {
        if (opts.type !== 'fbank' && opts.type !== 'mfcc') throw new AsrError(`--type: expected fbank or mfcc, got '${opts.type}'`);
        const format = opts.format ?? (opts.output?.toLowerCase().endsWith('.npy') ? 'npy' : 'json');
        if (format !== 'json' && format !== 'npy') throw new AsrError(`--format: expected json or npy, got '${format}'`);
        if (format === 'npy' && !opts.output) throw new AsrError('--format npy needs --output FILE');
        const raw = opts.raw
          ? ({
              encoding: opts.raw,
              sampleRate: opts.rawRate === undefined ? 16000 : parseNumber(String(opts.rawRate), '--raw-rate'),
              channels: opts.rawChannels === undefined ? 1 : parseIntOption(String(opts.rawChannels), '--raw-channels'),
            } as RawPcmFormat)
          : undefined;
        const channel = opts.channel === undefined ? undefined : parseIntOption(String(opts.channel), '--channel');
        let m = await extractFileFeatures(audio, opts.type, featureOptionsFrom(opts), { channel, raw });
        if (opts.cmvn) {
          const normVars = opts.normVars === undefined ? false : parseBool(opts.normVars as string | boolean, '--norm-vars');
          if (opts.cmvn === 'utt') m = applyUtteranceCmvn(m, normVars);
          else {
            const text = await fsp.readFile(opts.cmvn, 'utf8').catch(() => {
              throw fileError(opts.cmvn ?? '', 'cannot read CMVN statistics file');
            });
            m = applyCmvn(m, cmvnStatsFromJson(text, opts.cmvn), normVars);
          }
        }
        if (opts.deltas !== undefined && parseBool(opts.deltas as string | boolean, '--deltas')) m = addDeltas(m);
        if (format === 'npy' && opts.output) await writeFileAtomic(opts.output, matrixToNpy(m));
        else await writeJsonMatrix(m, opts.output);
      }),
    );
  });
}
