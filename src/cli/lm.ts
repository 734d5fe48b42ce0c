import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { runCommand, parseIntOption, parseNumber } from './run.js';
import { createProgress } from './progress.js';
import { AsrError, fileError } from '../util/errors.js';
import {
  buildKneserNey, closeLm, corpusFromFile, loadLm, perplexityOfFile, readArpaFile, wordsOfText, writeArpaFile, writeBinaryLm, totalNgrams,
  type NgramLm,
} from '../lm/index.js';

interface BuildOptions {
  order: string;
  text?: string;
  output?: string;
  prune?: string[];
  limitVocab?: string;
  discountFallback?: string[] | boolean;
  skipSymbols?: boolean;
  closed?: boolean;
}

/** Progress in megabytes for reading large files; silent for files read within a second. */
export function bytesProgress(label: string) {
  const p = createProgress(`${label} (MB)`);
  const start = Date.now();
  return {
    update: (done: number, total: number) => {
      if (Date.now() - start > 1000) p.update(Math.round(done / 1e6), Math.round(total / 1e6));
    },
    done: () => p.done(),
  };
}

function writeModel(lm: NgramLm, path: string): void {
  if (path.toLowerCase().endsWith('.bin')) writeBinaryLm(lm, path);
  else writeArpaFile(lm, path);
}

function loadWithProgress(path: string): NgramLm {
  const p = bytesProgress(`reading ${path}`);
  try {
    return loadLm(path, { onProgress: p.update });
  } finally {
    p.done();
  }
}

export function registerLm(program: Command, setExitCode: (code: number) => void): void {
  const lm = program.command('lm').description('word n-gram language models: build (modified Kneser-Ney, as KenLM lmplz), evaluate, binarize');

  lm.command('build')
    .description('estimate an interpolated modified Kneser-Ney n-gram model from text (one sentence per line), as KenLM lmplz does')
    .option('--order <n>', 'model order, 1 to 6', '3')
    .option('--text <file>', 'training text, one sentence per line, words separated by spaces (- for standard input)')
    .option('--output <file>', 'model to write: ARPA, or the binary form when the name ends in .bin')
    .option('--prune <counts...>', 'drop n-grams with a count at or below these thresholds per order, e.g. 0 0 1 (lmplz --prune)')
    .option('--limit-vocab <file>', 'keep only n-grams whose words are all in this word list (lmplz --limit_vocab_file)')
    .option('--discount-fallback [d...]', 'when closed-form discounts fail (tiny or artificial text), use these D1 D2 D3+ (default 0.5 1 1.5)')
    .option('--skip-symbols', 'treat <s>, </s> and <unk> in the text as spaces instead of failing', false)
    .option('--closed', 'a grammar instead of a smoothed model: maximum-likelihood n-grams and no back-off (-99), so only word sequences whose n-grams occur in the text are allowed (built from single words: exactly one word, like a one-word JSGF grammar)', false)
    .action(async (opts: BuildOptions) => {
      setExitCode(
        await runCommand(() => {
          if (!opts.text) throw new AsrError('lm build: --text FILE is required');
          if (!opts.output) throw new AsrError('lm build: --output FILE is required');
          const order = parseIntOption(opts.order, '--order');
          const prune = opts.prune?.map((v) => parseIntOption(v, '--prune'));
          const fallback =
            opts.discountFallback === undefined ? undefined : opts.discountFallback === true ? [] : (opts.discountFallback as string[]).map((v) => parseNumber(v, '--discount-fallback'));
          let limitVocab: string[] | undefined;
          if (opts.limitVocab) {
            const path = opts.limitVocab;
            let text: string;
            try {
              text = readFileSync(path, 'utf8');
            } catch {
              throw fileError(path, 'cannot read the word list');
            }
            limitVocab = wordsOfText(text);
            if (limitVocab.length === 0) throw fileError(path, 'the word list is empty');
          }
          const t0 = Date.now();
          const p = bytesProgress(`reading ${opts.text}`);
          // '-' reads standard input, as lmplz does by default.
          const corpus = corpusFromFile(opts.text === '-' ? '/dev/stdin' : opts.text, { skipSymbols: opts.skipSymbols, onProgress: p.update });
          p.done();
          const { lm: model, stats } = buildKneserNey(corpus, {
            order,
            prune,
            limitVocab,
            // a closed model replaces the smoothed probabilities, so tiny grammar texts need no discounts of their own
            discountFallback: fallback ?? (opts.closed ? [] : undefined),
            // Stage notes only where they help: texts that take a while.
            onStage: (note) => {
              if (corpus.tokens.length > 1e6) process.stderr.write(`${note} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
            },
          });
          // a closed model discards the smoothing, so warnings about its discounts do not apply
          if (!opts.closed) for (const w of stats.warnings) process.stderr.write(`asr: warning: ${w}\n`);
          process.stderr.write(`${corpus.words} words, ${corpus.sentences} sentences, ${corpus.vocab.length - 3} word types\n`);
          stats.countsPruned.forEach((c, i) => {
            const d = stats.discounts[i];
            const all = stats.counts[i] !== c ? `/${stats.counts[i]}` : '';
            process.stderr.write(`${i + 1}-grams ${c}${all} D1=${d[0].toFixed(6)} D2=${d[1].toFixed(6)} D3+=${d[2].toFixed(6)}\n`);
          });
          writeModel(opts.closed ? closeLm(model, corpus) : model, opts.output);
          if (opts.closed) process.stderr.write('closed: maximum-likelihood n-grams, back-off weights -99\n');
          process.stderr.write(`wrote ${opts.output} (${totalNgrams(model)} n-grams) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        }),
      );
    });

  lm.command('eval')
    .description('log10 probability, OOVs and perplexity of a text, as SRILM ngram -ppl and KenLM query report them')
    .option('--lm <file>', 'model: ARPA or binary')
    .option('--text <file>', 'text to score, one sentence per line')
    .option('--json', 'print JSON', false)
    .action(async (opts: { lm?: string; text?: string; json: boolean }) => {
      setExitCode(
        await runCommand(() => {
          if (!opts.lm) throw new AsrError('lm eval: --lm FILE is required');
          if (!opts.text) throw new AsrError('lm eval: --text FILE is required');
          const model = loadWithProgress(opts.lm);
          const r = perplexityOfFile(model, opts.text);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ file: opts.text, ...r })}\n`);
            return;
          }
          const f = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(7))) : String(x));
          process.stdout.write(
            `file ${opts.text}: ${r.sentences} sentences, ${r.words} words, ${r.oovs} OOVs\n` +
              `logprob= ${f(r.logprob)} ppl= ${f(r.ppl)} ppl1= ${f(r.ppl1)}\n` +
              `Total: ${f(r.total)} OOV: ${r.oovs}\n` +
              `Perplexity including OOVs:\t${f(r.pplIncludingOovs)}\n` +
              `Perplexity excluding OOVs:\t${f(r.pplExcludingOovs)}\n` +
              `OOVs:\t${r.oovs}\n` +
              `Tokens:\t${r.words + r.sentences}\n`,
          );
        }),
      );
    });

  lm.command('binarize')
    .description('convert an ARPA model to the binary form, which loads without parsing')
    .argument('[input]', 'ARPA model (or use --lm)')
    .argument('[output]', 'binary model to write (or use --output)')
    .option('--lm <file>', 'ARPA model')
    .option('--output <file>', 'binary model to write')
    .action(async (input: string | undefined, output: string | undefined, opts: { lm?: string; output?: string }) => {
      setExitCode(
        await runCommand(() => {
          const src = opts.lm ?? input;
          const dst = opts.output ?? output;
          if (!src || !dst) throw new AsrError('lm binarize: give the ARPA model and the output file (--lm FILE --output FILE)');
          const t0 = Date.now();
          const p = bytesProgress(`reading ${src}`);
          const model = readArpaFile(src, { onProgress: p.update });
          p.done();
          writeBinaryLm(model, dst);
          process.stderr.write(`wrote ${dst} (${totalNgrams(model)} n-grams, order ${model.order}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        }),
      );
    });
}
