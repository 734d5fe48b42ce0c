import type { AlignedPair } from './align.js';
import type { ScoreTotals, UtteranceScore } from './score.js';

/** sclite-style alignment lines (pralign), each with its label and without trailing spaces. */
export interface AlignmentLines {
  ref: string;
  hyp: string;
  eval: string;
}

/**
 * Formats an alignment the way sclite's pralign report does: one column per aligned pair, as wide as its wider
 * token, columns separated by one space; errors upper-cased when `upperCaseErrors` (sclite does this when it
 * folds case), a gap shown as asterisks as long as the token opposite, and S/D/I under errors.
 */
export function formatAlignment(ops: readonly AlignedPair[], upperCaseErrors = true): AlignmentLines {
  const ref: string[] = [];
  const hyp: string[] = [];
  const ev: string[] = [];
  for (const p of ops) {
    const shown = (t: string): string => (p.op !== 'C' && upperCaseErrors ? t.toUpperCase() : t);
    let r = p.ref === null ? null : shown(p.ref);
    let h = p.hyp === null ? null : shown(p.hyp);
    if (r === null) r = '*'.repeat(displayWidth(h ?? ''));
    if (h === null) h = '*'.repeat(displayWidth(r));
    const w = Math.max(displayWidth(r), displayWidth(h));
    ref.push(pad(r, w));
    hyp.push(pad(h, w));
    ev.push(pad(p.op === 'C' ? '' : p.op, w));
  }
  const line = (label: string, cols: string[]): string => `${label} ${cols.join(' ')}`.trimEnd();
  return { ref: line('REF: ', ref), hyp: line('HYP: ', hyp), eval: line('Eval:', ev) };
}

/** Width in code points (what a terminal shows for most scripts). */
function displayWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - displayWidth(s)));
}

/**
 * The per-utterance block of `asr wer --details`: id, counts and alignment as in sclite's pralign report (those
 * lines parse as sclite's do), then the error count and rate.
 */
export function formatUtteranceDetails(u: UtteranceScore, upperCaseErrors = true): string {
  const a = formatAlignment(u.alignment, upperCaseErrors);
  const rate = u.wer === null ? 'rate undefined, empty reference' : `${formatPercent(u.wer * 100)}%`;
  return [
    `id: (${u.id})`,
    `Scores: (#C #S #D #I) ${u.correct} ${u.sub} ${u.del} ${u.ins}`,
    a.ref,
    a.hyp,
    a.eval,
    `Errors: ${u.errors} / ${u.refWords} (${rate})`,
  ].join('\n');
}

/**
 * A percentage with two decimals the way Kaldi's compute-wer prints it: the value is held as a 32-bit float and
 * printed by C's correctly rounded formatting, where an exact tie goes to the even digit (JavaScript's toFixed
 * rounds ties up). Infinity and NaN print as C does ("inf", "nan").
 */
export function formatPercent(pct: number): string {
  const x = Math.fround(pct);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  // a float with a fraction ending exactly in 5 at the third decimal is a tie; toFixed(30) shows it exactly
  const exact = Math.abs(x).toFixed(30);
  const tie = /\.\d\d50*$/.exec(exact);
  if (!tie) return x.toFixed(2);
  const hundredths = Math.floor(Math.abs(x) * 100);
  const q = hundredths % 2 === 0 ? hundredths : hundredths + 1;
  const s = (q / 100).toFixed(2);
  return x < 0 ? `-${s}` : s;
}

/** Kaldi compute-wer's three summary lines (`%WER` or `%CER`, `%SER`, `Scored ...`). */
export function formatKaldiSummary(t: ScoreTotals, missingInHyp: number, label: 'WER' | 'CER' = 'WER'): string {
  const pct = (100 * t.errors) / t.refWords;
  const partial = missingInHyp > 0 ? ' [PARTIAL]' : '';
  const ser = (100 * t.utterancesWithErrors) / t.utterances;
  return [
    `%${label} ${formatPercent(pct)} [ ${t.errors} / ${t.refWords}, ${t.ins} ins, ${t.del} del, ${t.sub} sub ]${partial}`,
    `%SER ${formatPercent(ser)} [ ${t.utterancesWithErrors} / ${t.utterances} ]`,
    `Scored ${t.utterances} sentences, ${missingInHyp} not present in hyp.`,
  ].join('\n');
}
