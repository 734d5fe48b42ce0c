import type { Command } from 'commander';
import { runCommand, parseIntOption, parseNumber } from './run.js';
import { bytesProgress } from './lm.js';
import { AsrError } from '../util/errors.js';
import { loadLm, type NgramLm } from '../lm/index.js';
import {
  buildHotwordTrie, checkPosteriors, createCtcDecoder, createTokenSet, readHotwordsFile, readPosteriorsFile, readTokensFile,
  checkDecodeDefaults, MODEL_DECODE_FILE, type DecodeOptions, type Hypothesis, type ModelDecodeDefaults,
} from '../decode/index.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';

/** The flags of `asr decode`; the commands that transcribe take the same decode flags (addDecodeOptions). */
export interface DecodeCliOptions {
  posteriors?: string;
  tokens?: string;
  lm?: string;
  beam: string;
  lmWeight: string;
  wordBonus: string;
  hotwords?: string;
  hotwordWeight: string;
  nbest: string;
  json: boolean;
  blank: string;
  greedy: boolean;
  frameDuration: string;
  wordDelimiter?: string;
  tokenTopK: string;
  tokenMinLogprob: string;
  beamPrune: string;
  oovPenalty: string;
  partialPruning: boolean;
  lmLookahead: boolean;
  blankPenalty: string;
}

/** The decode options shared by `asr decode` and the commands that transcribe (same flags, same meaning). */
export function addDecodeOptions(cmd: Command): Command {
  return cmd
    .option('--lm <file>', 'word n-gram LM (ARPA or binary) for shallow fusion')
    .option('--beam <n>', 'beam width; 1 with no LM is close to greedy', '16')
    .option('--lm-weight <a>', 'LM weight alpha', '0.5')
    .option('--word-bonus <b>', 'word insertion bonus beta (natural log, with an LM)', '1.0')
    .option('--hotwords <file>', 'phrases to boost, one per line, optionally PHRASE<TAB>WEIGHT or PHRASE :WEIGHT')
    .option('--hotword-weight <w>', 'weight of hotwords given without one', '5')
    .option('--nbest <n>', 'hypotheses to print', '1')
    .option('--blank <id>', 'token id of the CTC blank', '0')
    .option('--greedy', 'best-path decoding (argmax per frame); ignores --lm and --hotwords', false)
    .option('--frame-duration <s>', 'seconds per posterior frame, for word times', '0.04')
    .option('--word-delimiter <token>', 'word delimiter token of a character vocabulary (default: |, a space or <space>)')
    .option('--token-top-k <n>', 'at most this many tokens tried per frame', '32')
    .option('--token-min-logprob <lp>', 'tokens below this log-probability are not tried (except the best)', '-10')
    .option('--beam-prune <lp>', 'drop hypotheses this far below the best (natural log)', '-20')
    .option('--blank-penalty <p>', "subtracted from the blank's log-posterior in every frame before decoding (icefall/sherpa-onnx blank_penalty; > 0 counters deletions)", '0')
    .option('--oov-penalty <p>', 'added once for a word the LM cannot spell (natural log)', '-10')
    .option('--no-partial-pruning', 'penalise unknown spellings only when the word ends, not as soon as they leave the LM vocabulary')
    .option('--no-lm-lookahead', 'score each word with the LM only when it ends, not charge the best possible score when it begins');
}

/** The decode flags (commander's names) whose settings a model's decode.json may give, with their option keys. */
export const MODEL_DEFAULT_FLAGS = [
  ['beam', 'beamWidth'],
  ['lmWeight', 'lmWeight'],
  ['wordBonus', 'wordBonus'],
  ['blankPenalty', 'blankPenalty'],
  ['oovPenalty', 'oovPenalty'],
] as const;

/**
 * `decode` with the model's settings (decode.json) for the flags not given on the command line (`given(flag)`):
 * a flag overrides the model, the model overrides the flag's default.
 */
export function withModelDefaults(decode: DecodeOptions, model: ModelDecodeDefaults, given: (flag: string) => boolean): DecodeOptions {
  const out: DecodeOptions = { ...decode };
  for (const [flag, key] of MODEL_DEFAULT_FLAGS) if (!given(flag) && model[key] !== undefined) out[key] = model[key];
  return out;
}

/** Decode options from the flags of addDecodeOptions (LM and hotwords loaded by the caller). */
export function decodeOptionsFrom(opts: DecodeCliOptions, lm: NgramLm | undefined): DecodeOptions {
  const beamWidth = parseIntOption(opts.beam, '--beam');
  if (beamWidth < 1) throw new AsrError('--beam: must be at least 1');
  const nbest = parseIntOption(opts.nbest, '--nbest');
  if (nbest < 1) throw new AsrError('--nbest: must be at least 1');
  return {
    mode: opts.greedy ? 'greedy' : 'beam',
    beamWidth,
    nbest,
    lm,
    lmWeight: parseNumber(opts.lmWeight, '--lm-weight'),
    wordBonus: parseNumber(opts.wordBonus, '--word-bonus'),
    blank: parseIntOption(opts.blank, '--blank'),
    frameDuration: parseNumber(opts.frameDuration, '--frame-duration'),
    wordDelimiter: opts.wordDelimiter,
    tokenTopK: parseIntOption(opts.tokenTopK, '--token-top-k'),
    tokenMinLogProb: parseNumber(opts.tokenMinLogprob, '--token-min-logprob'),
    beamPruneLogProb: parseNumber(opts.beamPrune, '--beam-prune'),
    oovPenalty: parseNumber(opts.oovPenalty, '--oov-penalty'),
    partialWordPruning: opts.partialPruning,
    lmLookahead: opts.lmLookahead,
    blankPenalty: parseNumber(opts.blankPenalty, '--blank-penalty'),
  };
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

function hypothesisJson(h: Hypothesis) {
  return {
    text: h.text,
    tokens: h.tokens,
    words: h.words.map((w) => ({ word: w.word, start: round(w.start, 3), end: round(w.end, 3), confidence: round(w.confidence) })),
    amScore: round(h.amScore),
    lmScore: round(h.lmScore),
    hotwordScore: round(h.hotwordScore),
    total: round(h.total),
  };
}

/** `asr decode --save-defaults DIR`: the settings given on the command line, as DIR/decode.json. */
async function saveDecodeDefaults(dir: string, decode: DecodeOptions, given: (flag: string) => boolean): Promise<void> {
  if (!existsSync(join(dir, 'config.json'))) throw new AsrError(`${dir}: not a model directory (no config.json)`);
  const chosen: ModelDecodeDefaults = {};
  for (const [flag, key] of MODEL_DEFAULT_FLAGS) if (given(flag) && decode[key] !== undefined) chosen[key] = decode[key];
  if (Object.keys(chosen).length === 0) throw new AsrError('decode --save-defaults: give at least one of --beam, --lm-weight, --word-bonus, --blank-penalty, --oov-penalty');
  const path = join(dir, MODEL_DECODE_FILE);
  await writeFileAtomic(path, `${JSON.stringify(checkDecodeDefaults(chosen, path), null, 2)}\n`);
  process.stdout.write(`${path}: ${JSON.stringify(chosen)}\n`);
}

export function registerDecode(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('decode')
    .description('decode saved CTC log-posteriors (.npy [frames, vocab] float32, or JSON {"log_probs": [[...]]}) to text')
    .option('--posteriors <file>', 'log-posteriors of one utterance')
    .option('--tokens <file>', 'tokens.txt: one token per line (line number = id), or TOKEN ID lines')
    .option('--json', 'print the n-best list as JSON with scores, word times and confidences', false)
    .option(
      '--save-defaults <dir>',
      'instead of decoding, write the --beam, --lm-weight, --word-bonus, --blank-penalty and --oov-penalty given to DIR/decode.json: ' +
        'the settings asr transcribe, eval, stream and serve then use with that model unless a flag overrides them',
    );
  addDecodeOptions(cmd).action(async (opts: DecodeCliOptions & { saveDefaults?: string }) => {
    setExitCode(
      await runCommand(async () => {
        if (opts.saveDefaults !== undefined) {
          await saveDecodeDefaults(opts.saveDefaults, decodeOptionsFrom(opts, undefined), (flag) => cmd.getOptionValueSource(flag) === 'cli');
          return;
        }
        if (!opts.posteriors) throw new AsrError('decode: --posteriors FILE is required');
        if (!opts.tokens) throw new AsrError('decode: --tokens FILE is required');
        const tokens = readTokensFile(opts.tokens);
        const base = decodeOptionsFrom(opts, undefined);
        const ts = createTokenSet(tokens, { blank: base.blank, wordDelimiter: base.wordDelimiter }, opts.tokens);
        const post = checkPosteriors(readPosteriorsFile(opts.posteriors), tokens.length, opts.posteriors);
        let lm: NgramLm | undefined;
        if (opts.lm && !opts.greedy) {
          const p = bytesProgress(`reading ${opts.lm}`);
          lm = loadLm(opts.lm, { onProgress: p.update });
          p.done();
        }
        const hotwords =
          opts.hotwords && !opts.greedy
            ? buildHotwordTrie(readHotwordsFile(opts.hotwords, parseNumber(opts.hotwordWeight, '--hotword-weight')), ts, opts.hotwords)
            : undefined;
        const decoder = createCtcDecoder(ts, { ...base, lm, hotwords });
        const result = decoder.decode(post.data, post.frames);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ file: opts.posteriors, frames: result.frames, hypotheses: result.hypotheses.map(hypothesisJson) })}\n`);
        } else if ((base.nbest ?? 1) === 1) {
          process.stdout.write(`${result.hypotheses[0]?.text ?? ''}\n`);
        } else {
          for (const h of result.hypotheses) {
            process.stdout.write(`${h.total.toFixed(4)}\tam=${h.amScore.toFixed(4)}\tlm=${h.lmScore.toFixed(4)}\t${h.text}\n`);
          }
        }
      }),
    );
  });
}
