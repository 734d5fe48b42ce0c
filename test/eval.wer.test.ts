import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { REFERENCE_DIR, hasShared, SHARED_MISSING, readJson } from './helpers/reference.js';
import {
  alignWords,
  cer,
  editDistance,
  formatAlignment,
  formatKaldiSummary,
  formatPercent,
  normalizeText,
  normalizeOptionsFromSteps,
  integerToWords,
  pairTranscripts,
  parseTranscripts,
  readTranscripts,
  scorePairs,
  scoreUtterance,
  tokenize,
  wer,
  type ScoreOptions,
} from '../src/eval/index.js';
import { createRng } from '../src/util/random.js';

interface ScliteResult {
  C: number;
  S: number;
  D: number;
  I: number;
  ref: string;
  hyp: string;
  eval: string;
  errors: number;
  ref_tokens: number;
  wer: number | null;
}
interface WerCase {
  id: string;
  name: string;
  ref: string;
  hyp: string;
  sclite_default: ScliteResult;
  sclite_case_sensitive: ScliteResult;
  sclite_char_level: ScliteResult;
  own_levenshtein: {
    word_edit_distance_case_sensitive: number;
    char_edit_distance: number;
    char_ref_len: number;
    cer: number | null;
    char_edit_distance_no_spaces: number;
    char_ref_len_no_spaces: number;
  };
}
interface ScliteTotals {
  C: number;
  S: number;
  D: number;
  I: number;
  errors: number;
  ref_words: number;
  hyp_words: number;
  sentences: number;
  sentences_with_errors: number;
  wer: number;
}
interface WerCases {
  utterances: WerCase[];
  totals: {
    sclite_default: ScliteTotals;
    sclite_case_sensitive: ScliteTotals;
    sclite_char_level: ScliteTotals;
    own_levenshtein: { word_edit_distance_case_sensitive: number; char_edit_distance: number; char_ref_len: number; cer: number };
  };
}

const MODES: [key: 'sclite_default' | 'sclite_case_sensitive' | 'sclite_char_level', opts: ScoreOptions][] = [
  ['sclite_default', {}],
  ['sclite_case_sensitive', { caseSensitive: true }],
  ['sclite_char_level', { unit: 'char' }],
];
/** The plain Levenshtein CER of the reference (own_levenshtein): characters with spaces, case kept, unit costs. */
const PLAIN_CER: ScoreOptions = { unit: 'char', keepSpaces: true, caseSensitive: true, costs: 'unit' };

describe.skipIf(!hasShared)(`sclite parity ${hasShared ? '' : SHARED_MISSING}`, () => {
  const werDir = join(REFERENCE_DIR, 'wer');
  const cases = hasShared ? readJson<WerCases>(join(werDir, 'wer_cases.json')) : ({ utterances: [], totals: {} } as unknown as WerCases);

  it('holds the 36 cases, among them the tie-break ones', () => {
    expect(cases.utterances).toHaveLength(36);
    expect(cases.utterances.map((u) => u.name)).toEqual(expect.arrayContaining(['tie_sub_vs_insdel', 'tie_weighted_shift', 'empty_ref']));
  });

  for (const [key, opts] of MODES) {
    describe(key, () => {
      it('per-utterance C/S/D/I equal sclite on every pair', () => {
        const mismatches: string[] = [];
        for (const u of cases.utterances) {
          const s = scoreUtterance(u.ref, u.hyp, opts, u.id);
          const e = u[key];
          const got = [s.correct, s.sub, s.del, s.ins].join(' ');
          const want = [e.C, e.S, e.D, e.I].join(' ');
          if (got !== want) mismatches.push(`${u.name}: got ${got}, sclite ${want}`);
          expect(s.refWords).toBe(e.ref_tokens);
          expect(s.errors).toBe(e.errors);
          expect(s.wer).toBe(e.wer);
        }
        expect(mismatches).toEqual([]);
      });

      it("alignment lines equal sclite's pralign lines verbatim", () => {
        let compared = 0;
        for (const u of cases.utterances) {
          const e = u[key];
          const s = scoreUtterance(u.ref, u.hyp, opts);
          if (e.ref === '') {
            // sclite prints no lines for an empty pair
            expect(s.alignment).toEqual([]);
            continue;
          }
          const a = formatAlignment(s.alignment, !opts.caseSensitive);
          expect({ name: u.name, ...a }).toEqual({ name: u.name, ref: e.ref, hyp: e.hyp, eval: e.eval });
          compared++;
        }
        expect(compared).toBe(35);
      });

      it('totals over the trn files equal the .dtl totals', async () => {
        const ref = await readTranscripts(join(werDir, 'ref.trn'));
        const hyp = await readTranscripts(join(werDir, 'hyp.trn'));
        expect(ref.format).toBe('trn');
        const { pairs, missingInHyp } = pairTranscripts(ref.entries, hyp.entries, 'ref.trn', 'hyp.trn');
        expect(missingInHyp).toEqual([]);
        const t = scorePairs(pairs, opts).totals;
        const e = cases.totals[key];
        expect([t.correct, t.sub, t.del, t.ins, t.errors, t.refWords, t.hypWords]).toEqual([e.C, e.S, e.D, e.I, e.errors, e.ref_words, e.hyp_words]);
        expect([t.utterances, t.utterancesWithErrors]).toEqual([e.sentences, e.sentences_with_errors]);
        expect(t.wer).toBeCloseTo(e.wer, 15);
        expect(wer(cases.utterances.map((u) => u.ref), cases.utterances.map((u) => u.hyp), opts)).toBeCloseTo(e.wer, 15);
      });
    });
  }

  it('default totals are C=133 S=28 D=24 I=27 on 185 words (42.70 %), as the README states', () => {
    const t = scorePairs(cases.utterances.map((u) => ({ id: u.id, ref: u.ref, hyp: u.hyp }))).totals;
    expect([t.correct, t.sub, t.del, t.ins, t.refWords]).toEqual([133, 28, 24, 27, 185]);
    expect(formatKaldiSummary(t, 0).split('\n')[0]).toBe('%WER 42.70 [ 79 / 185, 27 ins, 24 del, 28 sub ]');
  });

  it('the plain unit-cost CER equals own_levenshtein exactly, per utterance and in total', () => {
    for (const u of cases.utterances) {
      const o = u.own_levenshtein;
      const s = scoreUtterance(u.ref, u.hyp, PLAIN_CER);
      expect([u.name, s.errors, s.refWords]).toEqual([u.name, o.char_edit_distance, o.char_ref_len]);
      expect(cer(u.ref, u.hyp)).toBe(o.cer);
      const rw = u.ref.split(/\s+/).filter(Boolean);
      const hw = u.hyp.split(/\s+/).filter(Boolean);
      expect(editDistance(rw, hw)).toBe(o.word_edit_distance_case_sensitive);
      expect(editDistance(rw.join(''), hw.join(''))).toBe(o.char_edit_distance_no_spaces);
    }
    const tot = cases.totals.own_levenshtein;
    expect(cer(cases.utterances.map((u) => u.ref), cases.utterances.map((u) => u.hyp))).toBe(tot.cer);
    const t = scorePairs(cases.utterances.map((u) => ({ id: u.id, ref: u.ref, hyp: u.hyp })), PLAIN_CER).totals;
    expect([t.errors, t.refWords]).toEqual([tot.char_edit_distance, tot.char_ref_len]);
  });

  it('an empty reference: WER null, its insertions count in the total errors and nothing in the reference count', () => {
    const u = cases.utterances.find((x) => x.name === 'empty_ref');
    expect(u).toBeDefined();
    const s = scoreUtterance(u!.ref, u!.hyp);
    expect(s.wer).toBeNull();
    expect(s.refWords).toBe(0);
    expect(s.ins).toBe(u!.sclite_default.I);
    const t = scorePairs([{ id: 'a', ref: 'one two', hyp: 'one two' }, { id: 'b', ref: u!.ref, hyp: u!.hyp }]).totals;
    expect([t.errors, t.refWords, t.wer]).toEqual([u!.sclite_default.I, 2, u!.sclite_default.I / 2]);
    expect(scorePairs([{ id: 'b', ref: '', hyp: 'x' }]).totals.wer).toBeNull();
  });
});

describe('alignment', () => {
  it('weights decide the split: "x y" -> "y z" is D C I, not two substitutions', () => {
    const a = alignWords(['x', 'y'], ['y', 'z']);
    expect(a.ops.map((p) => p.op).join('')).toBe('DCI');
    expect([a.correct, a.sub, a.del, a.ins]).toEqual([1, 0, 1, 1]);
    // unit costs tie (2 either way); the diagonal is preferred
    expect(alignWords(['x', 'y'], ['y', 'z'], 'unit').ops.map((p) => p.op).join('')).toBe('SS');
  });

  it('a weighted tie keeps the substitutions: "m a b" -> "c d m" is S S S (12 = 3+3+3+3)', () => {
    expect(alignWords(['m', 'a', 'b'], ['c', 'd', 'm']).ops.map((p) => p.op).join('')).toBe('SSS');
  });

  it('a deletion/insertion tie in a cell goes to the insertion (as real sclite 2.10 scores this pair)', () => {
    // The stored cases do not pin this rule; `sctk sclite -o pralign` gives for this pair:
    //   Scores: (#C #S #D #I) 1 3 0 1   REF:  A B B a *   HYP:  C C C a B   Eval: S S S   I
    // (preferring the deletion on ties gives the same cost with C2 S0 D2 I3)
    const s = scoreUtterance('a b b a', 'c c c a b');
    expect([s.correct, s.sub, s.del, s.ins]).toEqual([1, 3, 0, 1]);
    expect(formatAlignment(s.alignment)).toEqual({ ref: 'REF:  A B B a *', hyp: 'HYP:  C C C a B', eval: 'Eval: S S S   I' });
  });

  it('sclite may count more errors than Levenshtein: it rewards correct words', () => {
    // S5 costs 20; D3 C2 I3 costs 18, so sclite reports 6 errors where the edit distance is 5
    const ref = ['p', 'q', 'r', 'a', 'b'];
    const hyp = ['a', 'b', 's', 't', 'u'];
    const s = alignWords(ref, hyp);
    expect([s.correct, s.sub, s.del, s.ins]).toEqual([2, 0, 3, 3]);
    expect(editDistance(ref, hyp)).toBe(5);
    const u = alignWords(ref, hyp, 'unit');
    expect(u.sub + u.del + u.ins).toBe(5);
  });

  it('empty sides', () => {
    expect(alignWords([], [])).toEqual({ correct: 0, sub: 0, del: 0, ins: 0, ops: [] });
    expect(alignWords(['a', 'b'], []).ops).toEqual([
      { op: 'D', ref: 'a', hyp: null },
      { op: 'D', ref: 'b', hyp: null },
    ]);
    expect(alignWords([], ['a']).ops).toEqual([{ op: 'I', ref: null, hyp: 'a' }]);
  });

  it('random pairs: alignment is consistent and optimal under both cost models (independent DP)', () => {
    const rng = createRng(5);
    const vocab = ['a', 'b', 'c', 'd'];
    const seq = (): string[] => Array.from({ length: rng.int(0, 9) }, () => vocab[rng.int(0, 3)]);
    const optimum = (r: string[], h: string[], sub: number, indel: number): number => {
      // plain number arrays, full matrix: a second, simple implementation
      const D: number[][] = [];
      for (let i = 0; i <= r.length; i++) {
        D.push([]);
        for (let j = 0; j <= h.length; j++) {
          if (i === 0 || j === 0) D[i].push((i + j) * indel);
          else D[i].push(Math.min(D[i - 1][j - 1] + (r[i - 1] === h[j - 1] ? 0 : sub), D[i - 1][j] + indel, D[i][j - 1] + indel));
        }
      }
      return D[r.length][h.length];
    };
    for (let k = 0; k < 400; k++) {
      const r = seq();
      const h = seq();
      for (const [model, sub, indel] of [['sclite', 4, 3], ['unit', 1, 1]] as const) {
        const a = alignWords(r, h, model);
        expect(a.ops.filter((p) => p.ref !== null).map((p) => p.ref)).toEqual(r);
        expect(a.ops.filter((p) => p.hyp !== null).map((p) => p.hyp)).toEqual(h);
        for (const p of a.ops) {
          if (p.op === 'C') expect(p.ref).toBe(p.hyp);
          if (p.op === 'S') expect(p.ref).not.toBe(p.hyp);
        }
        expect(a.sub * sub + (a.del + a.ins) * indel).toBe(optimum(r, h, sub, indel));
      }
      expect(editDistance(r, h)).toBe(optimum(r, h, 1, 1));
    }
  });

  it('scores 10k utterances well under a second', () => {
    const rng = createRng(9);
    const vocab = 'the a of to and in is it that was he for on are with as i his they be at one have this'.split(' ');
    const pairs = Array.from({ length: 10_000 }, (_, k) => {
      const ref = Array.from({ length: rng.int(5, 30) }, () => vocab[rng.int(0, vocab.length - 1)]);
      const hyp = ref.filter(() => rng.uniform() > 0.05).map((w) => (rng.uniform() < 0.15 ? vocab[rng.int(0, vocab.length - 1)] : w));
      return { id: String(k), ref: ref.join(' '), hyp: hyp.join(' ') };
    });
    scorePairs(pairs.slice(0, 500)); // warm up the JIT
    const t0 = performance.now();
    const r = scorePairs(pairs);
    const ms = performance.now() - t0;
    expect(r.utterances).toHaveLength(10_000);
    expect(r.totals.errors).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
  });
});

describe('tokenize and scoring options', () => {
  it('folds case by default and splits on any whitespace; -s keeps case', () => {
    expect(tokenize('  Hello \t World ')).toEqual(['hello', 'world']);
    expect(tokenize('Hello World', { caseSensitive: true })).toEqual(['Hello', 'World']);
    expect(scoreUtterance('Hello World', 'hello world').errors).toBe(0);
    expect(scoreUtterance('Hello World', 'hello world', { caseSensitive: true }).sub).toBe(2);
  });

  it('char level drops spaces unless keepSpaces, and splits by code point', () => {
    expect(tokenize('ab c', { unit: 'char' })).toEqual(['a', 'b', 'c']);
    expect(tokenize(' ab   c ', { unit: 'char', keepSpaces: true })).toEqual(['a', 'b', ' ', 'c']);
    expect(tokenize('a😀b', { unit: 'char' })).toEqual(['a', '😀', 'b']);
  });

  it('the default scorer does not strip punctuation (sclite does not); normalization is opt-in', () => {
    expect(scoreUtterance('Hello, world.', 'hello world').sub).toBe(2);
    const opts: ScoreOptions = { normalize: { removePunctuation: true } };
    expect(scoreUtterance('Hello, world.', 'hello world', opts).errors).toBe(0);
    expect(scoreUtterance('I have 2 cats.', 'i have two cats', { normalize: normalizeOptionsFromSteps(['all']) }).errors).toBe(0);
    expect(scoreUtterance('I have 2 cats.', 'i have two cats').errors).toBe(2);
  });

  it('wer() and cer() conveniences', () => {
    expect(wer('a b c d', 'a x c')).toBe(2 / 4);
    expect(wer('', 'x')).toBeNull();
    expect(() => wer(['a'], ['a', 'b'])).toThrow(/1 references but 2 hypotheses/);
    // plain CER: "ab cd" -> "ab cx": one substitution over 5 characters (space counted); case kept
    expect(cer('ab cd', 'ab cx')).toBe(1 / 5);
    expect(cer('Ab', 'ab')).toBe(1 / 2);
    expect(cer('Ab', 'ab', { caseSensitive: false })).toBe(0);
  });
});

describe('normalizeText', () => {
  it('does nothing but whitespace without options', () => {
    expect(normalizeText("  Don't  STOP, 42! ")).toBe("Don't STOP, 42!");
  });

  it('case folding', () => {
    expect(normalizeText('ÉCOLE Straße', { lowercase: true })).toBe('école straße');
  });

  it('punctuation and symbols become spaces; word-internal apostrophes are kept', () => {
    expect(normalizeText('Hello,world! "Quoted" twenty-one; $5 & co.', { removePunctuation: true })).toBe('Hello world Quoted twenty one 5 co');
    expect(normalizeText("'Don't' say it’s John's", { removePunctuation: true })).toBe("Don't say it's John's");
  });

  it('apostrophes removed join the word', () => {
    expect(normalizeText("don't it’s", { apostrophes: 'remove' })).toBe('dont its');
    expect(normalizeText("'don't'", { apostrophes: 'remove', removePunctuation: true })).toBe('dont');
  });

  it('numbers to words', () => {
    const n = (t: string): string => normalizeText(t, { numbersToWords: true });
    expect(n('42')).toBe('forty two');
    expect(n('0')).toBe('zero');
    expect(n('100')).toBe('one hundred');
    expect(n('115')).toBe('one hundred fifteen');
    expect(n('1000001')).toBe('one million one');
    expect(n('1,250,000')).toBe('one million two hundred fifty thousand');
    expect(n('3.14')).toBe('three point one four');
    expect(n('21st 2nd 3rd 12th 40th 100th')).toBe('twenty first second third twelfth fortieth one hundredth');
    expect(n('50%')).toBe('fifty percent');
    expect(n('-5 degrees, 1-2')).toBe('minus five degrees, one - two');
    expect(n('007')).toBe('zero zero seven');
    expect(n('mp3')).toBe('mp three');
    expect(integerToWords('1999')).toBe('one thousand nine hundred ninety nine');
    expect(integerToWords('1000000000000')).toBe('one trillion');
  });

  it('all steps together, numbers before punctuation so "1,000." is one number', () => {
    expect(normalizeText('It costs $1,000.', normalizeOptionsFromSteps(['all']))).toBe('it costs one thousand');
    expect(normalizeText("Don't", normalizeOptionsFromSteps(['punct', 'apostrophes']))).toBe('Dont');
    expect(() => normalizeOptionsFromSteps(['bogus'])).toThrow(/unknown normalization step 'bogus'/);
  });
});

describe('formatting', () => {
  it('percentages print as compute-wer (float, C rounding: exact ties to even)', () => {
    // values checked against C printf("%.2f", (float)(100.0 * e / w))
    expect(formatPercent((100 * 1) / 32)).toBe('3.12');
    expect(formatPercent((100 * 5) / 32)).toBe('15.62');
    expect(formatPercent((100 * 3) / 4000)).toBe('0.08');
    expect(formatPercent((100 * 9) / 4000)).toBe('0.22');
    expect(formatPercent((100 * 2) / 3)).toBe('66.67');
    expect(formatPercent(100)).toBe('100.00');
    expect(formatPercent(Infinity)).toBe('inf');
    expect(formatPercent(Number.NaN)).toBe('nan');
  });

  it('the summary has the three compute-wer lines and [PARTIAL] when hypotheses are missing', () => {
    const t = scorePairs([
      { id: 'a', ref: 'a b c d', hyp: 'a x c' },
      { id: 'b', ref: 'e f', hyp: 'e f g' },
    ]).totals;
    expect(formatKaldiSummary(t, 0)).toBe('%WER 50.00 [ 3 / 6, 1 ins, 1 del, 1 sub ]\n%SER 100.00 [ 2 / 2 ]\nScored 2 sentences, 0 not present in hyp.');
    expect(formatKaldiSummary(t, 1, 'CER').split('\n')[0]).toBe('%CER 50.00 [ 3 / 6, 1 ins, 1 del, 1 sub ] [PARTIAL]');
  });

  it('alignment lines: errors upper-cased when case is folded, gaps as asterisks', () => {
    const a = formatAlignment(scoreUtterance('the cat sat', 'the bat sat down').alignment);
    expect(a).toEqual({ ref: 'REF:  the CAT sat ****', hyp: 'HYP:  the BAT sat DOWN', eval: 'Eval:     S       I' });
    const b = formatAlignment(scoreUtterance('The cat', 'the cat', { caseSensitive: true }).alignment, false);
    expect(b).toEqual({ ref: 'REF:  The cat', hyp: 'HYP:  the cat', eval: 'Eval: S' });
  });
});

describe('transcript readers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asr-eval-'));
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('Kaldi text: id then words; an id alone is an empty transcript; CRLF and tabs are fine', () => {
    const t = parseTranscripts('u1 hello world\r\nu2\r\n\r\nu3\tgood  bye\n', 'k.txt');
    expect(t.format).toBe('kaldi');
    expect(t.entries).toEqual([
      { id: 'u1', text: 'hello world', line: 1 },
      { id: 'u2', text: '', line: 2 },
      { id: 'u3', text: 'good  bye', line: 4 },
    ]);
  });

  it('JSONL: id, utt_id, audio_filepath basename, else the line number', () => {
    const t = parseTranscripts(
      ['{"id": "a", "text": "one"}', '{"utt_id": 7, "text": "two"}', '{"audio_filepath": "x/y/spk-1.wav", "text": "three"}', '{"text": "four"}'].join('\n'),
      'm.jsonl',
    );
    expect(t.format).toBe('jsonl');
    expect(t.entries.map((e) => [e.id, e.text])).toEqual([
      ['a', 'one'],
      ['7', 'two'],
      ['spk-1', 'three'],
      ['4', 'four'],
    ]);
  });

  it('trn: words then (id); empty transcripts and parentheses inside the words', () => {
    const t = parseTranscripts('hello world (spk1-u01)\n(spk1-u02)\n(uh) yes (spk1-u03)\n', 'x.trn');
    expect(t.format).toBe('trn');
    expect(t.entries.map((e) => [e.id, e.text])).toEqual([
      ['spk1-u01', 'hello world'],
      ['spk1-u02', ''],
      ['spk1-u03', '(uh) yes'],
    ]);
  });

  it('Kaldi text with one line ending in parentheses is not mistaken for trn', () => {
    expect(parseTranscripts('u1 a (laughter)\nu2 b\n', 'k.txt').format).toBe('kaldi');
  });

  it('malformed lines throw a one-line error naming the file and line', () => {
    expect(() => parseTranscripts('{"id":"a","text":"x"}\n{"id": "b", text}\n', 'bad.jsonl')).toThrow(/^bad\.jsonl: line 2: not valid JSON$/);
    expect(() => parseTranscripts('{"id":"a","text":"x"}\n\n{"id":"b"}\n', 'bad.jsonl')).toThrow(/^bad\.jsonl: line 3: missing "text"$/);
    expect(() => parseTranscripts('{"id":"a","text":3}\n', 'bad.jsonl')).toThrow(/^bad\.jsonl: line 1: "text" must be a string$/);
    expect(() => parseTranscripts('{"id":"a","text":"x"}\n[1]\n', 'bad.jsonl')).toThrow(/^bad\.jsonl: line 2: expected a JSON object$/);
    expect(() => parseTranscripts('u1 a\nu2 b\nu1 c\n', 'dup.txt')).toThrow(/^dup\.txt: line 3: duplicate utterance id 'u1' \(first on line 1\)$/);
    expect(() => parseTranscripts('a (x)\nb (x)\n', 'dup.trn')).toThrow(/^dup\.trn: line 2: duplicate utterance id 'x'/);
    expect(() => parseTranscripts('a (x)\nb\n', 'f.trn', 'trn')).toThrow(/^f\.trn: line 2: expected '<words> \(<utterance-id>\)'$/);
  });

  it('reading a missing file names it', async () => {
    await expect(readTranscripts(join(dir, 'nope.txt'))).rejects.toThrow(/nope\.txt: file not found$/);
  });

  it('reads files; pairing by id: missing hypotheses are empty and counted, extra ones are an error', async () => {
    const ref = await readTranscripts(write('ref.txt', 'u1 a b c\nu2 d e\nu3 f\n'));
    const hyp = await readTranscripts(write('hyp.jsonl', '{"id":"u2","text":"d e"}\n{"id":"u1","text":"a b"}\n'));
    const p = pairTranscripts(ref.entries, hyp.entries, 'ref.txt', 'hyp.jsonl');
    expect(p.pairs).toEqual([
      { id: 'u1', ref: 'a b c', hyp: 'a b' },
      { id: 'u2', ref: 'd e', hyp: 'd e' },
      { id: 'u3', ref: 'f', hyp: '' },
    ]);
    expect(p.missingInHyp).toEqual(['u3']);
    const t = scorePairs(p.pairs).totals;
    expect([t.del, t.refWords]).toEqual([2, 6]);
    const extra = parseTranscripts('u1 a\nzz b\nyy c\n', 'h.txt').entries;
    expect(() => pairTranscripts(ref.entries, extra, 'ref.txt', 'h.txt')).toThrow(/^h\.txt: line 2: utterance 'zz' is not in the reference ref\.txt \(and 1 more\)$/);
  });
});
