import { AsrError } from '../util/errors.js';
import type { UtteranceScore } from './score.js';

/**
 * Which words go wrong, and how: the word tables of NIST sclite's detailed report (`sclite -o dtl`), counted from the
 * same alignments that give the totals, so their sums equal the S, I and D counts. A total says how many errors
 * there are; these say which: on the digits model's FSDD run a third of the errors were one confusion ("six" read
 * "eight"), which no rate shows.
 */

/** A word (or, for confusion pairs, "ref ==> hyp") and how often it occurred. */
export interface WordCount {
  word: string;
  count: number;
}

/** A substitution: reference word `ref` recognised as `hyp`, `count` times. */
export interface ConfusionPair {
  ref: string;
  hyp: string;
  count: number;
}

export interface ConfusionReport {
  /** Substitutions by (reference word, hypothesis word); counts sum to the substitution total. */
  pairs: ConfusionPair[];
  /** Hypothesis words with no reference word (insertions). */
  insertions: WordCount[];
  /** Reference words with no hypothesis word (deletions). */
  deletions: WordCount[];
  /** Reference words recognised as another word. */
  substitutions: WordCount[];
  /** Hypothesis words put in place of another reference word (sclite's "falsely recognized"). */
  falselyRecognized: WordCount[];
}

/** sclite's order: most frequent first, ties in byte order of the word. */
function byCountThenWord(a: WordCount, b: WordCount): number {
  if (a.count !== b.count) return b.count - a.count;
  return a.word < b.word ? -1 : a.word > b.word ? 1 : 0;
}

function sortedCounts(m: Map<string, number>): WordCount[] {
  return [...m].map(([word, count]) => ({ word, count })).sort(byCountThenWord);
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** A confusion pair as sclite prints it: "ref ==> hyp". */
function pairLabel(ref: string, hyp: string): string {
  return `${ref} ==> ${hyp}`;
}

/** Counts the errors of scored utterances (their `alignment`s) word by word. */
export function confusionReport(utts: readonly UtteranceScore[]): ConfusionReport {
  const pairs = new Map<string, ConfusionPair>();
  const ins = new Map<string, number>();
  const del = new Map<string, number>();
  const sub = new Map<string, number>();
  const falsely = new Map<string, number>();
  for (const u of utts) {
    for (const p of u.alignment) {
      if (p.op === 'S' && p.ref !== null && p.hyp !== null) {
        const key = pairLabel(p.ref, p.hyp);
        const pair = pairs.get(key);
        if (pair) pair.count++;
        else pairs.set(key, { ref: p.ref, hyp: p.hyp, count: 1 });
        bump(sub, p.ref);
        bump(falsely, p.hyp);
      } else if (p.op === 'I' && p.hyp !== null) {
        bump(ins, p.hyp);
      } else if (p.op === 'D' && p.ref !== null) {
        bump(del, p.ref);
      }
    }
  }
  return {
    // sorted as sclite sorts its "ref ==> hyp" lines
    pairs: [...pairs.values()].sort((a, b) => byCountThenWord({ word: pairLabel(a.ref, a.hyp), count: a.count }, { word: pairLabel(b.ref, b.hyp), count: b.count })),
    insertions: sortedCounts(ins),
    deletions: sortedCounts(del),
    substitutions: sortedCounts(sub),
    falselyRecognized: sortedCounts(falsely),
  };
}

function section(title: string, rows: readonly WordCount[], top: number): string[] {
  const shown = rows.slice(0, Math.max(0, top));
  const total = rows.reduce((s, r) => s + r.count, 0);
  const out = [`${title.padEnd(33)}Total                 (${rows.length})`, `${''.padEnd(33)}With >=  1 occurrences (${rows.length})`, ''];
  // sclite's columns: the rank right-aligned in 5 ("   1:"), the count in 5, the total under them in 10
  shown.forEach((r, i) => out.push(`${`${i + 1}:`.padStart(5)}${String(r.count).padStart(5)}  ->  ${r.word}`));
  if (shown.length < rows.length) out.push(`     (${rows.length - shown.length} more not shown)`);
  out.push('     -------', String(total).padStart(10), '');
  return out;
}

/**
 * The report as sclite's dtl lays it out: confusion pairs, insertions, deletions, substitutions and falsely
 * recognised words, each most frequent first; `top` rows of each (the totals still count every row).
 */
export function formatConfusionReport(r: ConfusionReport, top = Number.POSITIVE_INFINITY): string {
  const pairRows = r.pairs.map((p) => ({ word: pairLabel(p.ref, p.hyp), count: p.count }));
  return [
    ...section('CONFUSION PAIRS', pairRows, top),
    ...section('INSERTIONS', r.insertions, top),
    ...section('DELETIONS', r.deletions, top),
    ...section('SUBSTITUTIONS', r.substitutions, top),
    ...section('FALSELY RECOGNIZED', r.falselyRecognized, top),
  ]
    .join('\n')
    .trimEnd();
}

/** The report as JSON-friendly data, `top` rows of each table. */
export function confusionReportJson(r: ConfusionReport, top = Number.POSITIVE_INFINITY): Record<string, unknown> {
  const cut = <T>(rows: readonly T[]): T[] => rows.slice(0, Math.max(0, top));
  return {
    pairs: cut(r.pairs),
    insertions: cut(r.insertions),
    deletions: cut(r.deletions),
    substitutions: cut(r.substitutions),
    falsely_recognized: cut(r.falselyRecognized),
  };
}

/** The value of a `--confusions [n]` option: every row when given bare, else the first n rows of each table. */
export function parseConfusionsOption(v: string | boolean): number {
  if (v === true) return Number.POSITIVE_INFINITY;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new AsrError(`--confusions: expected a whole number >= 1, got '${String(v)}'`);
  return n;
}
