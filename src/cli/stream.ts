import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { runCommand, parseIntOption, parseNumber } from './run.js';
import { addDecodeOptions, decodeOptionsFrom, withModelDefaults, type DecodeCliOptions } from './decode.js';
import { AsrError } from '../util/errors.js';
import { initBackend } from '../backend/index.js';
import { audioChunks } from '../audio/stream.js';
import { readHotwordsFile } from '../decode/hotwords.js';
import { readDecodeDefaults } from '../decode/model-defaults.js';
import { createStreamingRecognizer, type RecognitionEvent, type StreamingRecognizer } from '../stream/recognizer.js';
import { defaultStreamingModelDir, loadStreamingAssets } from '../stream/assets.js';
import { openMic, pcmOrWavBlocks, type SampleBlock } from '../stream/sources.js';
import { DEFAULT_VAD_TRAILING_SILENCE, type EndpointConfigInput } from '../stream/endpoint.js';
import { VAD_KINDS, createVad, parseVadKind, type Vad } from '../stream/vad.js';

/** `asr stream` flags: the decode flags of `asr decode` plus the input and streaming ones. */
export interface StreamCliOptions extends DecodeCliOptions {
  model?: string;
  mic: boolean;
  micCommand?: string;
  input?: string;
  realtime: boolean;
  chunkMs: string;
  leftChunks: string;
  endpoint: boolean;
  gate: boolean;
  preRollMs: string;
  rule1Silence: string;
  rule2Silence: string;
  rule3Length: string;
  json: boolean;
  backend?: string;
  vad?: string;
  adaptBn?: boolean;
}

/** Adds the streaming flags shared by `asr stream` and `asr serve`. */
export function addStreamingOptions(cmd: Command): Command {
  return cmd
    .option('--model <dir>', 'model directory (a causalConv model; optional features.json and lm.bin/lm.arpa); default: models/english, else models/digits')
    .option('--chunk-ms <n>', 'audio per encoder chunk, milliseconds (latency vs. cost)', '320')
    .option('--left-chunks <n>', 'chunks of left context the encoder keeps (-1: all)', '4')
    .option('--no-endpoint', 'never end an utterance before the input ends')
    .option('--no-gate', 'feed the pauses to the encoder too, one context for the whole stream (default: the encoder runs on utterances only, each opened by the VAD, else the built-in energy rule)')
    .option('--pre-roll-ms <n>', 'audio kept before the detected start of an utterance, milliseconds', '100')
    .option('--rule1-silence <s>', 'endpoint rule 1: trailing silence with nothing decoded, seconds', '2.4')
    .option('--rule2-silence <s>', 'endpoint rule 2: trailing silence after speech, seconds', '1.2')
    .option('--rule3-length <s>', 'endpoint rule 3: longest utterance, seconds', '20')
    .option('--backend <name>', 'compute backend: auto, tensorflow-gpu, tensorflow, wasm, cpu (default: ASR_BACKEND or auto)')
    .option('--adapt-bn', "one speaker per stream: after 10 s of speech, re-estimate the model's BatchNorm statistics on the speech so far (AdaBN, online)");
}

/**
 * Builds a recognizer factory from the streaming and decode flags (the model and LM loaded once). With `vad`, the
 * recognizer measures endpoint silence with it, and rule 2 waits its own default unless `rule2Given`. `given(flag)`:
 * whether a flag was on the command line; the decoder settings of those that were not come from the model's
 * decode.json, when it has one.
 */
export function recognizerFactory(opts: StreamCliOptions, vad?: Vad, rule2Given = true, given: (flag: string) => boolean = () => true): () => StreamingRecognizer {
  const dir = defaultStreamingModelDir(opts.model);
  if (!existsSync(dir)) throw new AsrError(`${dir}: model directory not found (pass --model DIR)`);
  const chunkMs = parseNumber(opts.chunkMs, '--chunk-ms');
  if (!(chunkMs > 0)) throw new AsrError('--chunk-ms: must be positive');
  const leftChunks = parseNumber(opts.leftChunks, '--left-chunks');
  if (!Number.isInteger(leftChunks)) throw new AsrError('--left-chunks: expected an integer');
  const preRollMs = parseNumber(opts.preRollMs ?? '100', '--pre-roll-ms');
  if (!(preRollMs >= 0)) throw new AsrError('--pre-roll-ms: must be 0 or more');
  const endpoint: EndpointConfigInput | false = opts.endpoint
    ? {
        rule1: { minTrailingSilence: parseNumber(opts.rule1Silence, '--rule1-silence') },
        rule2: vad !== undefined && !rule2Given ? {} : { minTrailingSilence: parseNumber(opts.rule2Silence, '--rule2-silence') },
        rule3: { minUtteranceLength: parseNumber(opts.rule3Length, '--rule3-length') },
      }
    : false;
  const assets = loadStreamingAssets(dir, opts.greedy ? null : opts.lm);
  const base = withModelDefaults(decodeOptionsFrom(opts, undefined), readDecodeDefaults(dir), given);
  const decode = {
    ...base,
    hotwords: opts.hotwords && !opts.greedy ? readHotwordsFile(opts.hotwords, parseNumber(opts.hotwordWeight, '--hotword-weight')) : undefined,
  };
  delete (decode as { frameDuration?: number }).frameDuration;
  delete (decode as { lm?: unknown }).lm;
  return () => createStreamingRecognizer({ ...assets, chunkMs, leftChunks, decode, endpoint, vad, utteranceGate: opts.gate !== false, preRollMs, adaptBn: opts.adaptBn === true });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** One JSON line per event: {"type","text","start","end"} (finals also carry words). */
export function eventJson(e: RecognitionEvent): string {
  const o: Record<string, unknown> = { type: e.type, text: e.text, start: round3(e.start), end: round3(e.end) };
  if (e.words) o.words = e.words.map((w) => ({ word: w.word, start: round3(w.start), end: round3(w.end), confidence: round3(w.confidence) }));
  return JSON.stringify(o);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A file's samples in 100 ms blocks, at real-time pace with `realtime`. */
async function* fileBlocks(path: string, realtime: boolean): AsyncGenerator<SampleBlock, void, void> {
  const t0 = Date.now();
  let sent = 0;
  for await (const block of audioChunks(path, { chunkSeconds: 0.1 })) {
    if (realtime) {
      const due = t0 + sent * 1000;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
    sent += block.length / 16000;
    yield { samples: block, sampleRate: 16000 };
  }
}

export function registerStream(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('stream')
    .description('recognise live audio: words appear while you speak (a TTY refreshes the partial line; otherwise JSON lines)')
    .argument('[source]', "'-' reads raw s16le 16 kHz mono PCM (or a WAV) from stdin")
    .option('--mic', 'capture from the default microphone (arecord, sox or ffmpeg)', false)
    .option('--mic-command <cmd>', 'recorder command writing s16le 16 kHz mono to stdout (implies --mic)')
    .option('--input <file>', 'stream an audio file')
    .option('--realtime', 'with --input: replay at real-time pace', false)
    .option('--json', 'JSON lines even on a terminal', false)
    .option(
      '--vad <kind>',
      `measure the endpoint rules' silence with a voice activity detector: ${VAD_KINDS.join(', ')}; rule 2 then waits ${VAD_KINDS.map((k) => `${DEFAULT_VAD_TRAILING_SILENCE[k]} s (${k})`).join(', ')} unless --rule2-silence is given`,
    );
  addStreamingOptions(cmd);
  addDecodeOptions(cmd).action(async (source: string | undefined, opts: StreamCliOptions) => {
    setExitCode(
      await runCommand(async () => {
        const mic = opts.mic || opts.micCommand !== undefined;
        const chosen = [mic, source === '-', opts.input !== undefined].filter(Boolean).length;
        if (source !== undefined && source !== '-') throw new AsrError(`stream: unexpected argument '${source}' (use --input FILE, '-' for stdin or --mic)`);
        if (chosen !== 1) throw new AsrError('stream: give exactly one source: --mic, - (stdin) or --input FILE');
        if (opts.realtime && opts.input === undefined) throw new AsrError('--realtime: only with --input FILE');
        parseIntOption(opts.nbest, '--nbest');
        const vadKind = opts.vad === undefined ? undefined : parseVadKind(opts.vad);
        await initBackend({ backend: opts.backend });
        const vad = vadKind === undefined ? undefined : await createVad({ kind: vadKind });
        const fromCli = (flag: string): boolean => cmd.getOptionValueSource(flag) === 'cli';
        const rec = recognizerFactory(opts, vad, fromCli('rule2Silence'), fromCli)();
        const tty = process.stdout.isTTY === true && !opts.json;
        let partialShown = false;
        rec.on('partial', (e) => {
          if (tty) {
            process.stdout.write(`\r\x1b[2K${e.text}`);
            partialShown = true;
          } else process.stdout.write(`${eventJson(e)}\n`);
        });
        rec.on('final', (e) => {
          if (tty) {
            process.stdout.write(`\r\x1b[2K${e.text}\n`);
            partialShown = false;
          } else process.stdout.write(`${eventJson(e)}\n`);
        });
        let blocks: AsyncGenerator<SampleBlock, void, void>;
        let stop: () => void = () => undefined;
        if (mic) {
          const m = await openMic(opts.micCommand);
          blocks = m.blocks;
          stop = m.stop;
        } else if (source === '-') {
          blocks = await pcmOrWavBlocks(process.stdin, '<stdin>');
          stop = () => process.stdin.destroy();
        } else {
          blocks = fileBlocks(opts.input as string, opts.realtime);
        }
        // Ctrl-C ends the input; the last final is still printed.
        let interrupted = false;
        const onSigint = (): void => {
          if (interrupted) process.exit(130);
          interrupted = true;
          stop();
        };
        process.on('SIGINT', onSigint);
        process.on('SIGTERM', onSigint);
        try {
          try {
            for await (const b of blocks) {
              await rec.acceptAsync(b.samples, b.sampleRate);
              if (interrupted) break;
            }
          } catch (e) {
            // a dropped input after some audio still ends with the final result
            if (!interrupted && rec.audioSeconds === 0) throw e;
            process.stderr.write(`asr: warning: input ended: ${(e as Error).message.split('\n')[0]}\n`);
          }
          rec.finish();
          if (tty && partialShown) process.stdout.write('\n');
        } finally {
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigint);
          stop();
          rec.dispose();
          vad?.dispose();
        }
      }),
    );
  });
}
