import { expandNumbers } from './numbers.js';

/**
 * Optional text normalization applied to reference and hypothesis before scoring. Every step is off unless asked
 * for: sclite itself only folds case (which the scorer does when comparing, see ScoreOptions.caseSensitive).
 */
export interface NormalizeOptions {
  /** Lower-case the text (Unicode-aware, locale-independent). */
  lowercase?: boolean;
  /**
   * Replace punctuation and symbols (Unicode P and S classes) by spaces, so "hello,world" -> "hello world" and
   * "twenty-one" -> "twenty one". Word-internal apostrophes survive unless `apostrophes` is 'remove'.
   */
  removePunctuation?: boolean;
  /**
   * 'keep' (default): apostrophes are left alone; with removePunctuation, only those between two letters or digits
   * are kept ("don't" stays, quotes around 'words' go) and curly ones become "'".
   * 'remove': every apostrophe is deleted, joining the word ("don't" -> "dont").
   */
  apostrophes?: 'keep' | 'remove';
  /** Spell out numbers in English words: "42" -> "forty two" (see expandNumbers). */
  numbersToWords?: boolean;
}

/** The normalization steps by the names the CLI's --normalize takes. */
export const NORMALIZE_STEPS = ['case', 'punct', 'apostrophes', 'numbers'] as const;
export type NormalizeStep = (typeof NORMALIZE_STEPS)[number];

/** Builds options from step names ('all' = case, punct and numbers; apostrophes stay unless named). */
export function normalizeOptionsFromSteps(steps: readonly string[]): NormalizeOptions {
  const o: NormalizeOptions = {};
  for (const s of steps) {
    if (s === 'all') {
      o.lowercase = true;
      o.removePunctuation = true;
      o.numbersToWords = true;
    } else if (s === 'case') o.lowercase = true;
    else if (s === 'punct') o.removePunctuation = true;
    else if (s === 'apostrophes') o.apostrophes = 'remove';
    else if (s === 'numbers') o.numbersToWords = true;
    else throw new RangeError(`unknown normalization step '${s}' (expected ${[...NORMALIZE_STEPS, 'all'].join(', ')})`);
  }
  return o;
}

// ASCII and typographic apostrophes: left and right single quotes, modifier letter apostrophe
const APOSTROPHE = /['\u2018\u2019\u02bc]/gu;
const INNER_APOSTROPHE = /(?<=[\p{L}\p{N}])['\u2018\u2019\u02bc](?=[\p{L}\p{N}])/gu;
const PUNCT_OR_SYMBOL = /[\p{P}\p{S}]/gu;
// a placeholder for kept apostrophes while punctuation is removed (a private-use character, not in P or S)
const KEEP_MARK = '\ue000';

/** True when the options change anything beyond whitespace. */
export function isNormalizing(opts: NormalizeOptions | undefined): boolean {
  return !!opts && !!(opts.lowercase || opts.removePunctuation || opts.apostrophes === 'remove' || opts.numbersToWords);
}

/**
 * Normalizes a transcript: numbers, then case, then apostrophes and punctuation; finally runs of whitespace become
 * one space and the ends are trimmed. With no options only the whitespace changes (which does not change scores,
 * as tokens are whitespace-separated).
 */
export function normalizeText(text: string, opts: NormalizeOptions = {}): string {
  let t = text;
  // numbers first, so "1,000" and "3.5" are read before their comma and point count as punctuation
  if (opts.numbersToWords) t = expandNumbers(t);
  if (opts.lowercase) t = t.toLowerCase();
  if (opts.apostrophes === 'remove') t = t.replace(APOSTROPHE, '');
  if (opts.removePunctuation) {
    t = t.replace(INNER_APOSTROPHE, KEEP_MARK).replace(PUNCT_OR_SYMBOL, ' ').replaceAll(KEEP_MARK, "'");
  }
  return t.trim().split(/\s+/u).join(' ');
}
