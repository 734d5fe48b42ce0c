import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_DIR, hasShared, SHARED_MISSING, readJson } from './helpers/reference.js';
import { buildOnce } from './helpers/build.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');

function asr(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  try {
    buildOnce();
  } catch {
    // tsc exits non-zero on type errors anywhere in src/ but still emits; the type check is run separately
  }
  expect(existsSync(join(ROOT, 'dist', 'cli', 'wer.js'))).toBe(true);
}, 120_000);

const dir = mkdtempSync(join(tmpdir(), 'asr-wer-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Parses compute-wer's first line. */
function parseWerLine(line: string): { label: string; pct: string; errors: number; words: number; ins: number; del: number; sub: number } {
  const m = /^%(WER|CER) (\S+) \[ (\d+) \/ (\d+), (\d+) ins, (\d+) del, (\d+) sub \]/.exec(line);
  if (!m) throw new Error(`not a compute-wer line: ${line}`);
  return { label: m[1], pct: m[2], errors: +m[3], words: +m[4], ins: +m[5], del: +m[6], sub: +m[7] };
}

describe('asr wer', () => {
  // by hand: u1 "a b c d" -> "a x c": S(b/x) D(d); u2 "e f" -> "E f g": I(g), case folded; 3 errors / 6 words
  const ref = file('ref.txt', 'u1 a b c d\nu2 e f\n');
  const hyp = file('hyp.txt', 'u2 E f g\nu1 a x c\n');

  it("prints compute-wer's lines", () => {
    const r = asr(['wer', ref, hyp]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('%WER 50.00 [ 3 / 6, 1 ins, 1 del, 1 sub ]\n%SER 100.00 [ 2 / 2 ]\nScored 2 sentences, 0 not present in hyp.\n');
  });

  it('--case-sensitive counts the case difference', () => {
    const r = asr(['wer', ref, hyp, '--case-sensitive']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('%WER 66.67 [ 4 / 6, 1 ins, 1 del, 2 sub ]');
  });

  it('--json: totals with wer in percent', () => {
    const r = asr(['wer', ref, hyp, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ wer: 50, cor: 4, sub: 1, del: 1, ins: 1, errors: 3, words: 6, utterances: 2, missing_in_hyp: 0, unit: 'word' });
    expect(j.details).toBeUndefined();
  });

  it('--details prints each alignment before the summary; with --json as structured data', () => {
    const r = asr(['wer', ref, hyp, '--details']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.indexOf('id: (u1)');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines.slice(at + 1, at + 5)).toEqual(['Scores: (#C #S #D #I) 2 1 1 0', 'REF:  a B c D', 'HYP:  a X c *', 'Eval:   S   D']);
    expect(lines.findIndex((l) => l.startsWith('%WER'))).toBeGreaterThan(at);
    const j = JSON.parse(asr(['wer', ref, hyp, '--json', '--details']).stdout) as { details: { id: string; wer: number | null; alignment: { op: string }[] }[] };
    expect(j.details.map((d) => d.id)).toEqual(['u1', 'u2']);
    expect(j.details[0].alignment.map((p) => p.op).join('')).toBe('CSCD');
    expect(j.details[1].wer).toBe(50);
  });

  it('--cer scores characters; --normalize applies before scoring', () => {
    const r1 = file('c_ref.txt', 'u1 ab cd\n');
    const h1 = file('c_hyp.txt', 'u1 abc d\n');
    // sclite -c: "abcd" vs "abcd" -> 0; with spaces and unit cost: "ab cd" vs "abc d" -> 2 edits / 5
    expect(asr(['wer', r1, h1, '--cer']).stdout.split('\n')[0]).toBe('%CER 0.00 [ 0 / 4, 0 ins, 0 del, 0 sub ]');
    const w = parseWerLine(asr(['wer', r1, h1, '--cer', '--keep-spaces', '--unit-cost']).stdout.split('\n')[0]);
    expect([w.label, w.errors, w.words]).toEqual(['CER', 2, 5]);
    const r2 = file('n_ref.txt', 'u1 I paid $42, OK?\n');
    const h2 = file('n_hyp.txt', 'u1 i paid forty two ok\n');
    expect(parseWerLine(asr(['wer', r2, h2]).stdout.split('\n')[0]).errors).toBeGreaterThan(0);
    expect(asr(['wer', r2, h2, '--normalize', 'punct,numbers']).stdout.split('\n')[0]).toBe('%WER 0.00 [ 0 / 5, 0 ins, 0 del, 0 sub ]');
  });

  it('pairs a Kaldi reference with a JSONL hypothesis; a missing hypothesis is scored empty with a warning', () => {
    const h = file('hyp.jsonl', '{"audio_filepath": "wavs/u1.wav", "text": "a b c d"}\n');
    const r = asr(['wer', ref, h]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('%WER 33.33 [ 2 / 6, 0 ins, 2 del, 0 sub ] [PARTIAL]\n%SER 50.00 [ 1 / 2 ]\nScored 2 sentences, 1 not present in hyp.\n');
    expect(r.stderr).toMatch(/^asr wer: warning: 1 of 2 reference utterances have no hypothesis .*'u2'/);
  });

  const oneErrorLine = (r: { code: number; stdout: string; stderr: string }): string => {
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  it('a malformed JSONL line: one error line naming file and line, exit 1', () => {
    const bad = file('bad.jsonl', '{"id": "u1", "text": "a b"}\n{"id": "u2", "text": \n');
    expect(oneErrorLine(asr(['wer', ref, bad]))).toBe(`asr: error: ${bad}: line 2: not valid JSON`);
    const noText = file('notext.jsonl', '{"id": "u1", "words": "a b"}\n');
    expect(oneErrorLine(asr(['wer', noText, hyp]))).toBe(`asr: error: ${noText}: line 1: missing "text"`);
  });

  it('a duplicate id, an unknown hypothesis id, a missing file and a bad option are one-line errors', () => {
    const dup = file('dup.txt', 'u1 a\nu2 b\nu1 c\n');
    expect(oneErrorLine(asr(['wer', dup, hyp]))).toBe(`asr: error: ${dup}: line 3: duplicate utterance id 'u1' (first on line 1)`);
    const extra = file('extra.txt', 'u1 a b\nzz c\n');
    expect(oneErrorLine(asr(['wer', ref, extra]))).toBe(`asr: error: ${extra}: line 2: utterance 'zz' is not in the reference ${ref}`);
    const missing = join(dir, 'nope.txt');
    expect(oneErrorLine(asr(['wer', missing, hyp]))).toBe(`asr: error: ${missing}: file not found`);
    expect(oneErrorLine(asr(['wer', ref, hyp, '--normalize', 'bogus']))).toMatch(/^asr: error: --normalize: unknown normalization step 'bogus'/);
    expect(oneErrorLine(asr(['wer', ref, hyp, '--keep-spaces']))).toBe('asr: error: --keep-spaces only applies with --cer');
  });

  it('--help documents that rates in --json are percentages', () => {
    const r = asr(['wer', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PERCENTAGES/);
    expect(r.stdout).toMatch(/--normalize <steps>/);
  });
});

describe.skipIf(!hasShared)(`asr wer on the sclite reference files ${hasShared ? '' : SHARED_MISSING}`, () => {
  interface Totals {
    C: number;
    S: number;
    D: number;
    I: number;
    errors: number;
    ref_words: number;
  }
  const werDir = join(REFERENCE_DIR, 'wer');
  const totals = hasShared
    ? readJson<{ totals: Record<string, Totals> & { own_levenshtein: { char_edit_distance: number; char_ref_len: number; cer: number } } }>(join(werDir, 'wer_cases.json')).totals
    : null;
  const refTrn = join(werDir, 'ref.trn');
  const hypTrn = join(werDir, 'hyp.trn');

  for (const [key, flags, label] of [
    ['sclite_default', [], 'WER'],
    ['sclite_case_sensitive', ['-s'], 'WER'],
    ['sclite_char_level', ['--cer'], 'CER'],
  ] as const) {
    it(`${[...flags].join(' ') || 'default'}: the summary equals sclite's totals`, () => {
      const r = asr(['wer', refTrn, hypTrn, ...flags]);
      expect(r.code).toBe(0);
      const w = parseWerLine(r.stdout.split('\n')[0]);
      const e = totals![key];
      expect(w).toEqual({ label, pct: ((100 * e.errors) / e.ref_words).toFixed(2), errors: e.errors, words: e.ref_words, ins: e.I, del: e.D, sub: e.S });
    });
  }

  it('the plain Levenshtein CER flags reproduce own_levenshtein', () => {
    const r = asr(['wer', refTrn, hypTrn, '--cer', '--keep-spaces', '--unit-cost', '--case-sensitive', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { errors: number; words: number; wer: number };
    const o = totals!.own_levenshtein;
    expect([j.errors, j.words]).toEqual([o.char_edit_distance, o.char_ref_len]);
    expect(j.wer).toBeCloseTo(100 * o.cer, 10);
  });
});
