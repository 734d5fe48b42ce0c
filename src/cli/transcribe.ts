import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { runCommand, parseNumber } from './run.js';
import { addEntropyAdaptOptions, addVtlnOption, entropyAdaptFrom, formatWarpScores, vtlnFrom, type EntropyAdaptFlags } from './adapt.js';
import { createProgress } from './progress.js';
import { addDecodeOptions, decodeOptionsFrom, MODEL_DEFAULT_FLAGS } from './decode.js';
import { defaultModelDir as shippedModelDir } from '../model/shipped.js';
import { VAD_KINDS, createVad, parseVadKind } from '../stream/vad.js';
import { AsrError, errorMessage } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { initBackend } from '../backend/index.js';
import { readHotwordsFile, type DecodeOptions } from '../decode/index.js';
import {
  parseCmvnMode, speakerViews, type SpeakerViews,
  disposeRecognizer, expandInputs, formatTranscript, loadRecognizer, parseOutputFormat, transcribeFile, type Recognizer,
} from '../transcribe/index.js';

/** The flags of addDecodeOptions, as commander hands them over. */
export type DecodeFlags = Parameters<typeof decodeOptionsFrom>[0];

interface TranscribeCliOptions extends DecodeFlags, EntropyAdaptFlags {
  vtln?: string;
  vtlnCriterion?: string;
  model?: string;
  format: string;
  outputDir?: string;
  backend?: string;
  maxSegment: string;
  vad?: string;
  cmvn: string;
  adaptBn?: boolean;
  speakers: string;
}

/** The package root (dist/cli or src/cli -> ../..). */
/** --model, else the shipped English model, else the digits one (saying so on stderr). */
export function defaultModelDir(given: string | undefined): string {
  return shippedModelDir(given, (line) => process.stderr.write(`asr: ${line}\n`));
}

/**
 * Loads the recognizer for a command with decode flags: the model's blank, frame duration and LM unless the flags
 * say otherwise (`--lm` replaces the model's LM; `--greedy` uses none).
 */
export function recognizerFromFlags(cmd: Command, dir: string, opts: DecodeFlags): Recognizer {
  return loadRecognizer(dir, { lm: opts.lm ?? undefined, decode: decodeFlagsFrom(cmd, opts) });
}

/**
 * The decoder options the flags give. Blank and frame duration only when given on the command line (the model
 * knows its own), and so for the settings a model's decode.json may hold: left out, the model's apply.
 */
export function decodeFlagsFrom(cmd: Command, opts: DecodeFlags): DecodeOptions {
  const flags: DecodeOptions = decodeOptionsFrom(opts, undefined);
  const fromCli = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
  const decode: DecodeOptions = { ...flags };
  if (!fromCli('blank')) delete decode.blank;
  if (!fromCli('frameDuration')) delete decode.frameDuration;
  for (const [flag, key] of MODEL_DEFAULT_FLAGS) if (!fromCli(flag)) delete decode[key];
  delete decode.hotwords;
  if (opts.hotwords && !opts.greedy) decode.hotwords = readHotwordsFile(opts.hotwords, parseNumber(opts.hotwordWeight, '--hotword-weight'));
  return decode;
}

export function registerTranscribe(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('transcribe')
    .description('transcribe audio files (or folders of them) with a model directory; long files are cut at pauses')
    .argument('<inputs...>', 'audio files or folders (searched recursively for .wav, .flac, .mp3, .ogg, .opus)')
    .option('--model <dir>', 'model directory (config.json, model.safetensors, tokens.txt, optional features.json, lm.arpa/lm.bin and decode.json); default: models/english, else models/digits')
    .option('--format <fmt>', 'txt, json (words with start, end, confidence), srt, vtt or tsv', 'txt')
    .option('--output-dir <dir>', 'write one file per input here (NAME.<format>) instead of printing')
    .option('--backend <name>', 'compute backend: auto, tensorflow-gpu, tensorflow, wasm, cpu (default: ASR_BACKEND or auto)')
    .option('--max-segment <s>', 'longest segment recognised at once, seconds (bounds memory)', '20')
    .option('--vad <kind>', `cut inputs longer than --max-segment at the pauses a voice activity detector finds: ${VAD_KINDS.join(', ')} (default: the energy rule)`)
    .option(
      '--cmvn <mode>',
      "utterance: normalise each segment as the model's features.json says; speaker: normalise every segment by its " +
        "speaker's average statistics (see --speakers), measured in a first pass (for models trained with per-utterance CMVN)",
      'utterance',
    )
    .option(
      '--adapt-bn',
      "re-estimate the model's BatchNorm statistics on each speaker's inputs (at least 10 s of audio) in a first pass, " +
        'before recognising them; no transcripts are used (AdaBN)',
    )
    .option('--speakers <how>', 'who is one speaker for --cmvn speaker, --adapt-bn, --adapt-entropy and --vtln: one (all the inputs) or folder (the files of each folder)', 'one');
  addDecodeOptions(addEntropyAdaptOptions(addVtlnOption(cmd), 'their inputs')).action(async (inputs: string[], opts: TranscribeCliOptions) => {
    setExitCode(
      await runCommand(async () => {
        const format = parseOutputFormat(opts.format);
        const maxSegment = parseNumber(opts.maxSegment, '--max-segment');
        if (!(maxSegment >= 1)) throw new AsrError('--max-segment: must be at least 1 second');
        const vadKind = opts.vad === undefined ? undefined : parseVadKind(opts.vad);
        const files = expandInputs(inputs);
        const dir = defaultModelDir(opts.model);
        await initBackend({ backend: opts.backend });
        const vad = vadKind === undefined ? undefined : await createVad({ kind: vadKind });
        const cmvn = parseCmvnMode(opts.cmvn);
        const adaptEntropy = entropyAdaptFrom(opts);
        const vtln = vtlnFrom(opts.vtln, opts.vtlnCriterion);
        const base = recognizerFromFlags(cmd, dir, opts);
        if (opts.speakers !== 'one' && opts.speakers !== 'folder') throw new AsrError(`--speakers must be "one" or "folder", got "${opts.speakers}"`);
        // speaker -> files: all inputs, or each file's folder
        const speakerOf = (path: string): string => (opts.speakers === 'folder' ? dirname(path) : '');
        const groups = new Map<string, string[]>();
        for (const f of files) {
          const paths = groups.get(speakerOf(f.path));
          if (paths) paths.push(f.path);
          else groups.set(speakerOf(f.path), [f.path]);
        }
        let sv: SpeakerViews | null = null;
        if (cmvn === 'speaker' || opts.adaptBn || adaptEntropy || vtln) {
          const measuring = files.length > 1 ? createProgress('speaker statistics') : null;
          try {
            sv = await speakerViews(base, groups, { cmvn, adaptBn: opts.adaptBn === true, adaptEntropy, ...(vtln ? { vtln } : {}), pieceSeconds: maxSegment, onFile: (done, total) => measuring?.update(done, total) });
          } catch (e) {
            disposeRecognizer(base);
            throw e;
          } finally {
            measuring?.done();
          }
          for (const w of sv.warps) process.stderr.write(`asr transcribe: --vtln: ${opts.speakers === 'folder' ? `${w.speaker}: ` : ''}warp ${w.warp} (${formatWarpScores(w.scores, w.criterion)})\n`);
          for (const t of sv.tooShort) {
            const who = opts.speakers === 'folder' ? `${t.speaker}: ` : '';
            process.stderr.write(`asr transcribe: --adapt-bn: ${who}${t.seconds.toFixed(1)} s of audio is under 10 s, so the model's BatchNorm statistics are kept\n`);
          }
          if (adaptEntropy) {
            const done = new Set(sv.entropyAdapted.map((a) => a.speaker));
            for (const [spk] of groups) {
              if (!done.has(spk)) process.stderr.write(`asr transcribe: --adapt-entropy: ${opts.speakers === 'folder' ? `${spk}: ` : ''}under 10 s of audio, so the model is not adapted\n`);
            }
          }
        }
        const recognizerFor = (path: string): Recognizer => sv?.views.get(speakerOf(path)) ?? base;
        if (opts.outputDir) mkdirSync(opts.outputDir, { recursive: true });
        const progress = files.length > 1 || opts.outputDir ? createProgress('transcribe') : null;
        let failed = 0;
        try {
          for (let i = 0; i < files.length; i++) {
            const f = files[i];
            progress?.update(i, files.length, f.path);
            try {
              const t = await transcribeFile(recognizerFor(f.path), f.path, { segmenter: { maxSegment }, vad });
              const text = formatTranscript(t, format);
              if (opts.outputDir) {
                const rel = f.relative.slice(0, f.relative.length - extname(f.relative).length) || f.relative;
                const out = join(opts.outputDir, `${rel}.${format}`);
                mkdirSync(dirname(out), { recursive: true });
                await writeFileAtomic(out, text);
              } else if (files.length > 1 && format !== 'json') process.stdout.write(`==> ${f.path} <==\n${text}`);
              else process.stdout.write(text);
            } catch (e) {
              failed++;
              const msg = errorMessage(e).split('\n')[0];
              process.stderr.write(`${progress && process.stderr.isTTY ? '\n' : ''}asr: error: ${msg.startsWith(f.path) ? msg : `${f.path}: ${msg}`}\n`);
            }
          }
          progress?.update(files.length, files.length);
          progress?.done();
        } finally {
          sv?.dispose();
          disposeRecognizer(base);
          vad?.dispose();
        }
        if (failed > 0) {
          process.stderr.write(`asr transcribe: ${failed} of ${files.length} file${files.length === 1 ? '' : 's'} failed\n`);
          return 1;
        }
        return 0;
      }),
    );
  });
}
