import { forEachLineSync } from '../util/lines.js';
import { fileError } from '../util/errors.js';
import { IntBuffer } from './radix.js';
import { createWordTable } from './word-table.js';

/** Word ids of the special words, fixed as lmplz fixes them. */
export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK = '<unk>';
export const BOS = '<s>';
export const EOS = '</s>';

/**
 * A tokenized training text: every sentence (line) as word ids followed by `</s>`; `<s>` is implied before each
 * sentence. Ids are given in order of first appearance after `<unk>` = 0, `<s>` = 1, `</s>` = 2, as lmplz
 * numbers them (the order matters for one detail of its discounts, see kneser-ney.ts).
 */
export interface Corpus {
  /** Where the text came from, for messages. */
  name: string;
  vocab: string[];
  /** `[tokens]`: word ids, each sentence ended by EOS_ID. */
  tokens: Int32Array;
  sentences: number;
  /** Words in the text, `</s>` not counted. */
  words: number;
}

export interface CorpusOptions {
  /** Treat `<s>`, `</s>` and `<unk>` in the text as spaces (lmplz --skip_symbols) instead of failing. */
  skipSymbols?: boolean;
  /** Called now and then with bytes (or characters) read so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Accumulates lines into a Corpus. Lines are split the way lmplz splits them: on space, tab, CR and NUL. */
function corpusBuilder(name: string, opts: CorpusOptions) {
  const table = createWordTable([UNK, BOS, EOS]);
  const vocab = table.vocab;
  const tokens = new IntBuffer(1 << 16);
  let sentences = 0;
  let words = 0;
  let lineNo = 0;
  return {
    line(text: string): void {
      lineNo++;
      const n = text.length;
      let i = 0;
      while (i < n) {
        let c = text.charCodeAt(i);
        while (i < n && (c === 32 || c === 9 || c === 13 || c === 0)) c = text.charCodeAt(++i);
        if (i >= n) break;
        const start = i;
        while (i < n && c !== 32 && c !== 9 && c !== 13 && c !== 0) c = text.charCodeAt(++i);
        let id = table.add(text, start, i);
        if (id < 0) {
          id = -id - 1;
          if (id <= EOS_ID) {
            if (opts.skipSymbols) continue;
            throw fileError(name, `line ${lineNo}: ${vocab[id]} may not appear in the text (--skip-symbols treats <s>, </s> and <unk> as spaces)`);
          }
        }
        tokens.push(id);
        words++;
      }
      tokens.push(EOS_ID);
      sentences++;
    },
    finish(): Corpus {
      return { name, vocab, tokens: tokens.view(), sentences, words };
    },
  };
}

/** Tokenizes a text held in memory: one sentence per line; a final newline does not start another sentence. */
export function corpusFromText(text: string, opts: CorpusOptions = {}, name = 'text'): Corpus {
  const b = corpusBuilder(name, opts);
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    b.line(text.slice(start, end));
    start = end + 1;
  }
  return b.finish();
}

/** Tokenizes a text file in chunks, so a large corpus is never held as one string. */
export function corpusFromFile(path: string, opts: CorpusOptions = {}): Corpus {
  const b = corpusBuilder(path, opts);
  forEachLineSync(path, (text, start, end) => b.line(text.slice(start, end)), opts.onProgress);
  return b.finish();
}

/** Reads a word list (whitespace separated, as lmplz --limit_vocab_file reads it). */
export function wordsOfText(text: string): string[] {
  return text.split(/[ \t\r\n\0]+/).filter((w) => w.length > 0);
}

/** Checks that a corpus can make a language model at all; one clear error otherwise. */
export function checkCorpus(c: Corpus): void {
  if (c.sentences === 0) throw fileError(c.name, 'the text is empty');
  const types = c.vocab.length - 3;
  if (types === 0) throw fileError(c.name, 'the text has no words');
  if (types === 1) throw fileError(c.name, `the text has only one distinct word ('${c.vocab[3]}'); a language model needs at least two`);
}

