import { AsrError } from '../util/errors.js';

/**
 * Character tokenizer for CTC: id 0 is the blank, `|` the word delimiter (wav2vec2 style: a visible token, so
 * tokens.txt has no whitespace-only line), then the apostrophe and the letters a-z. Text is lowercased and runs
 * of whitespace become one delimiter; any other character makes the text untokenizable.
 * The decoder (src/decode/tokens.ts) reads these tokens in char mode with `|` as the delimiter.
 */
export interface Tokenizer {
  /** Token strings by id (what tokens.txt holds). */
  readonly tokens: string[];
  readonly blank: number;
  /** Ids of a transcript, or null when it is empty or holds a character outside the vocabulary. */
  encode(text: string): Int32Array | null;
  /** Why {@link encode} returned null, for error messages (null when the text is fine). */
  problem(text: string): string | null;
  /** Text of an id sequence (blanks dropped; CTC collapsing is the decoder's job). */
  decode(ids: ArrayLike<number>): string;
}

export const BLANK_TOKEN = '<blank>';
export const WORD_DELIMITER = '|';

/** The default character vocabulary: blank, delimiter, apostrophe, a-z (29 tokens). */
export function defaultCharTokens(): string[] {
  const letters = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i));
  return [BLANK_TOKEN, WORD_DELIMITER, "'", ...letters];
}

/** Normalises a transcript for the character tokenizer: lowercase, trimmed, single spaces. */
export function normalizeTranscript(text: string): string {
  return text.toLowerCase().trim().replace(/\s+/g, ' ');
}

/** A character tokenizer over `tokens` (default {@link defaultCharTokens}); every token but the blank is one char. */
export function createCharTokenizer(tokens: string[] = defaultCharTokens()): Tokenizer {
  if (tokens[0] !== BLANK_TOKEN) throw new AsrError(`tokenizer: token 0 must be ${BLANK_TOKEN}, got ${JSON.stringify(tokens[0])}`);
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (i === 0) return;
    if ([...t].length !== 1) throw new AsrError(`tokenizer: token ${i} ${JSON.stringify(t)} is not one character`);
    if (ids.has(t)) throw new AsrError(`tokenizer: token ${JSON.stringify(t)} appears twice`);
    ids.set(t, i);
  });
  const delimiter = ids.get(WORD_DELIMITER);
  const problem = (text: string): string | null => {
    const norm = normalizeTranscript(text);
    if (norm === '') return 'empty transcript';
    for (const ch of norm) {
      if (ch === ' ' ? delimiter === undefined : !ids.has(ch)) return `character ${JSON.stringify(ch)} is not in the vocabulary`;
    }
    return null;
  };
  return {
    tokens: [...tokens],
    blank: 0,
    problem,
    encode(text) {
      if (problem(text) !== null) return null;
      const chars = [...normalizeTranscript(text)];
      return Int32Array.from(chars, (ch) => (ch === ' ' ? (delimiter as number) : (ids.get(ch) as number)));
    },
    decode(seq) {
      let s = '';
      for (let i = 0; i < seq.length; i++) {
        const id = seq[i];
        if (id === 0 || id < 0 || id >= tokens.length) continue;
        s += id === delimiter ? ' ' : tokens[id];
      }
      return s.replace(/ +/g, ' ').trim();
    },
  };
}
