import { readFileSync } from 'node:fs';
import { AsrError, fileError } from '../util/errors.js';

/** SentencePiece / BPE word-start marker (U+2581). */
export const WORD_START = '\u2581';

/**
 * How the decoder reads a CTC output vocabulary:
 * - `char`: tokens are characters; one delimiter token (`|`, a space, `<space>`) separates words;
 * - `subword`: SentencePiece/BPE pieces; a piece starting with `▁` starts a new word.
 * Bracketed tokens such as `<unk>`, `<s>`, `<pad>` or `[UNK]` add no text.
 */
export interface TokenSet {
  tokens: string[];
  blank: number;
  mode: 'char' | 'subword';
  /** Char mode: the word delimiter's id, or -1 (then the whole output is one word). */
  delimiter: number;
  /** Per token: the characters it adds to the current word ('' for blank, delimiter and special tokens). */
  text: string[];
  /** Per token: 1 where the token ends the current word (the delimiter; a `▁` piece, before adding its text). */
  boundary: Uint8Array;
  /** Letter case of the token texts: words from elsewhere (LM, hotwords) are mapped to it when it is one case. */
  letterCase: 'upper' | 'lower' | 'mixed';
  /** Every character some token can produce. */
  chars: Set<string>;
}

export interface TokenSetOptions {
  /** Id of the CTC blank (default 0). */
  blank?: number;
  /** The char-mode word delimiter token; default: the first of `|`, ` `, `<space>` present. */
  wordDelimiter?: string;
}

const SPECIAL = /^(<[^<>\s]+>|\[[A-Za-z_]+\])$/;

export function createTokenSet(tokens: string[], opts: TokenSetOptions = {}, name = 'tokens'): TokenSet {
  const n = tokens.length;
  if (n < 2) throw fileError(name, `a CTC vocabulary needs a blank and at least one token, found ${n} token${n === 1 ? '' : 's'}`);
  const blank = opts.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= n) throw new AsrError(`--blank: ${blank} is not a token id (0..${n - 1})`);
  const subword = tokens.some((t, i) => i !== blank && t.length > 1 && t.startsWith(WORD_START));
  let delimiter = -1;
  if (!subword) {
    if (opts.wordDelimiter !== undefined) {
      delimiter = tokens.indexOf(opts.wordDelimiter);
      if (delimiter < 0) throw fileError(name, `the word delimiter '${opts.wordDelimiter}' is not a token`);
    } else {
      for (const d of ['|', ' ', '<space>', WORD_START]) {
        const i = tokens.indexOf(d);
        if (i >= 0 && i !== blank) {
          delimiter = i;
          break;
        }
      }
    }
  }
  const text: string[] = [];
  const boundary = new Uint8Array(n);
  const chars = new Set<string>();
  let upper = 0;
  let lower = 0;
  for (let i = 0; i < n; i++) {
    const t = tokens[i];
    let s = '';
    if (i === blank || i === delimiter || (SPECIAL.test(t) && t !== '<space>')) s = '';
    else if (subword && t.startsWith(WORD_START)) {
      boundary[i] = 1;
      s = t.slice(WORD_START.length);
    } else s = t;
    if (i === delimiter) boundary[i] = 1;
    text.push(s);
    for (const ch of s) {
      chars.add(ch);
      if (ch !== ch.toLowerCase()) upper++;
      else if (ch !== ch.toUpperCase()) lower++;
    }
  }
  const letterCase = upper > 0 && lower === 0 ? 'upper' : lower > 0 && upper === 0 ? 'lower' : 'mixed';
  return { tokens, blank, mode: subword ? 'subword' : 'char', delimiter, text, boundary, letterCase, chars };
}

/** Maps a word or phrase to the token set's letter case when the tokens use only one. */
export function toTokenCase(ts: TokenSet, s: string): string {
  return ts.letterCase === 'upper' ? s.toUpperCase() : ts.letterCase === 'lower' ? s.toLowerCase() : s;
}

/**
 * Reads a tokens file: one token per line, id = line number; or `TOKEN ID` lines (k2 / sherpa-onnx style), when
 * every line ends in an id and the ids are 0..n-1. A line holding one space is the space token; CRLF is fine.
 */
export function parseTokens(text: string, name = 'tokens.txt'): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw fileError(name, 'no tokens');
  const withId = lines.map((l) => /^(.+?)[ \t](\d+)$/.exec(l));
  if (withId.every((m) => m !== null)) {
    const out: string[] = new Array<string>(lines.length);
    for (let i = 0; i < withId.length; i++) {
      const m = withId[i] as RegExpExecArray;
      const id = Number(m[2]);
      if (id >= lines.length || out[id] !== undefined) throw fileError(name, `line ${i + 1}: token id ${id} is out of range or repeated`);
      out[id] = m[1];
    }
    return out;
  }
  lines.forEach((l, i) => {
    if (l.length === 0) throw fileError(name, `line ${i + 1}: empty token`);
  });
  return lines;
}

export function readTokensFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw fileError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseTokens(text, path);
}
