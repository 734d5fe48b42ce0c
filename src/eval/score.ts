import { alignIds, costsFor, countOps, internTokens, opsToPairs, type AlignedPair, type CostModel, type EditCounts } from './align.js';
import { normalizeText, isNormalizing, type NormalizeOptions } from './normalize.js';

/**
 * How to score. The defaults are sclite's: words, case-insensitive, weights 0/4/3/3, no other normalization.
 * `unit: 'char'` with the defaults is sclite's `-c` (characters of the words, spaces dropped).
 */
export interface ScoreOptions {
  /** Compare tokens case-sensitively (sclite `-s`). Default false: case is folded (to lower case) first. */
  caseSensitive?: boolean;
  /** Score words (default) or characters. */
  unit?: 'word' | 'char';
  /** Character unit only: count the single space between words as a character. Default false (sclite -c). */
  keepSpaces?: boolean;
  /** Alignment costs: 'sclite' (default; correct 0, sub 4, ins 3, del 3) or 'unit' (plain Levenshtein). */
  costs?: CostModel;
  /** Text normalization before tokenizing; default none. */
  normalize?: NormalizeOptions;
}

export interface UtteranceScore extends EditCounts {
  id: string;
  /** Reference tokens (words, or characters with unit 'char'): correct + sub + del. */
  refWords: number;
  /** Hypothesis tokens: correct + sub + ins. */
  hypWords: number;
  /** sub + del + ins. */
  errors: number;
  /** errors / refWords as a fraction; null for an empty reference (its insertions still count in the totals). */
  wer: number | null;
  /** The aligned tokens, as compared (case folded unless caseSensitive). */
  alignment: AlignedPair[];
}

export interface ScoreTotals extends EditCounts {
  refWords: number;
  hypWords: number;
  errors: number;
  /** Total errors / total reference tokens, a fraction; null when there are no reference tokens at all. */
  wer: number | null;
  utterances: number;
  /** Utterances with at least one error (the sentence error count). */
  utterancesWithErrors: number;
}

export interface ScoreResult {
  utterances: UtteranceScore[];
  totals: ScoreTotals;
}

/** One reference/hypothesis pair to score. */
export interface TextPair {
  id: string;
  ref: string;
  hyp: string;
}

/** Splits a transcript into the tokens that are aligned, after normalization and case folding. */
export function tokenize(text: string, opts: ScoreOptions = {}): string[] {
  let t = isNormalizing(opts.normalize) ? normalizeText(text, opts.normalize) : text;
  if (!opts.caseSensitive) t = t.toLowerCase();
  const words = t.split(/\s+/u).filter((w) => w !== '');
  if (opts.unit !== 'char') return words;
  // characters are Unicode code points, so a letter outside the BMP is one token
  return Array.from(opts.keepSpaces ? words.join(' ') : words.join(''));
}

/** Scores one pair of already tokenized sequences. */
export function scoreTokens(id: string, ref: readonly string[], hyp: readonly string[], costs: CostModel = 'sclite'): UtteranceScore {
  const ids = internTokens(ref, hyp);
  const codes = alignIds(ids.ref, ids.hyp, costsFor(costs));
  const c = countOps(codes);
  const refWords = c.correct + c.sub + c.del;
  const errors = c.sub + c.del + c.ins;
  return {
    id,
    ...c,
    refWords,
    hypWords: c.correct + c.sub + c.ins,
    errors,
    wer: refWords > 0 ? errors / refWords : null,
    alignment: opsToPairs(codes, ref, hyp),
  };
}

/** Scores one utterance (reference and hypothesis as text). */
export function scoreUtterance(ref: string, hyp: string, opts: ScoreOptions = {}, id = ''): UtteranceScore {
  return scoreTokens(id, tokenize(ref, opts), tokenize(hyp, opts), opts.costs ?? 'sclite');
}

/** Sums per-utterance scores; an empty reference adds its insertions to the errors and nothing to refWords. */
export function totalScores(utts: readonly UtteranceScore[]): ScoreTotals {
  const t = { correct: 0, sub: 0, del: 0, ins: 0, refWords: 0, hypWords: 0, errors: 0, utterancesWithErrors: 0 };
  for (const u of utts) {
    t.correct += u.correct;
    t.sub += u.sub;
    t.del += u.del;
    t.ins += u.ins;
    t.refWords += u.refWords;
    t.hypWords += u.hypWords;
    t.errors += u.errors;
    if (u.errors > 0) t.utterancesWithErrors++;
  }
  return { ...t, wer: t.refWords > 0 ? t.errors / t.refWords : null, utterances: utts.length };
}

/** Scores many pairs and their totals. */
export function scorePairs(pairs: Iterable<TextPair>, opts: ScoreOptions = {}): ScoreResult {
  const utterances: UtteranceScore[] = [];
  for (const p of pairs) utterances.push(scoreUtterance(p.ref, p.hyp, opts, p.id));
  return { utterances, totals: totalScores(utterances) };
}

function asList(x: string | readonly string[]): readonly string[] {
  return typeof x === 'string' ? [x] : x;
}

function pairsOf(ref: string | readonly string[], hyp: string | readonly string[]): TextPair[] {
  const r = asList(ref);
  const h = asList(hyp);
  if (r.length !== h.length) throw new RangeError(`${r.length} references but ${h.length} hypotheses`);
  return r.map((text, k) => ({ id: String(k), ref: text, hyp: h[k] }));
}

/**
 * Word error rate (a fraction) of one utterance or of parallel lists, by sclite's rules unless `opts` says
 * otherwise; null when the references hold no words.
 */
export function wer(ref: string | readonly string[], hyp: string | readonly string[], opts: ScoreOptions = {}): number | null {
  return scorePairs(pairsOf(ref, hyp), opts).totals.wer;
}

/**
 * Character error rate (a fraction), by default the plain one: unit-cost Levenshtein over the characters of the
 * whitespace-normalized texts, spaces included, case-sensitive. For sclite's `-c` instead pass
 * `{ caseSensitive: false, keepSpaces: false, costs: 'sclite' }`. Null when the references are empty.
 */
export function cer(ref: string | readonly string[], hyp: string | readonly string[], opts: ScoreOptions = {}): number | null {
  const o: ScoreOptions = {
    caseSensitive: opts.caseSensitive ?? true,
    keepSpaces: opts.keepSpaces ?? true,
    costs: opts.costs ?? 'unit',
    normalize: opts.normalize,
    unit: 'char',
  };
  return scorePairs(pairsOf(ref, hyp), o).totals.wer;
}
