import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_DIR, hasShared, SHARED_MISSING, readJson } from './helpers/reference.js';
import { buildOnce } from './helpers/build.js';
import { confusionReport, formatConfusionReport, parseConfusionsOption, scoreUtterance, type ConfusionReport, type UtteranceScore } from '../src/eval/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');

function asr(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface PralignCase {
  id: string;
  ref: string;
  hyp: string;
  sclite_default: { ref: string; hyp: string; S: number; D: number; I: number };
}
interface WerCases {
  utterances: PralignCase[];
  totals: { sclite_default: { S: number; D: number; I: number } };
}

const su = (id: string, ref: string, hyp: string): UtteranceScore => scoreUtterance(ref, hyp, {}, id);

type Counts = Map<string, number>;
const bump = (m: Counts, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

/**
 * The word tables read straight off sclite's own printed alignments (pralign REF:/HYP: lines, "***" for a gap),
 * independently of our aligner: what `sclite -o dtl` counts.
 */
function tablesFromPralign(cases: readonly PralignCase[]): Record<'pairs' | 'ins' | 'del' | 'sub' | 'falsely', Counts> {
  const t = { pairs: new Map(), ins: new Map(), del: new Map(), sub: new Map(), falsely: new Map() } as Record<'pairs' | 'ins' | 'del' | 'sub' | 'falsely', Counts>;
  for (const c of cases) {
    const ref = c.sclite_default.ref.replace(/^REF:/, '').trim().split(/\s+/).filter(Boolean);
    const hyp = c.sclite_default.hyp.replace(/^HYP:/, '').trim().split(/\s+/).filter(Boolean);
    expect(ref.length, c.id).toBe(hyp.length);
    ref.forEach((r0, i) => {
      const r = r0.toLowerCase();
      const h = hyp[i].toLowerCase();
      const gapR = /^\*+$/.test(r);
      const gapH = /^\*+$/.test(h);
      if (gapR) bump(t.ins, h);
      else if (gapH) bump(t.del, r);
      else if (r !== h) {
        bump(t.pairs, `${r} ==> ${h}`);
        bump(t.sub, r);
        bump(t.falsely, h);
      }
    });
  }
  return t;
}

function asMap(rows: readonly { word: string; count: number }[]): Counts {
  return new Map(rows.map((r) => [r.word, r.count]));
}

function pairsMap(r: ConfusionReport): Counts {
  return new Map(r.pairs.map((p) => [`${p.ref} ==> ${p.hyp}`, p.count]));
}

/** Most frequent first, ties in byte order: sclite's dtl order. */
function expectScliteOrder(rows: readonly { word: string; count: number }[]): void {
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    expect(a.count > b.count || (a.count === b.count && a.word < b.word), `${a.word} (${a.count}) before ${b.word} (${b.count})`).toBe(true);
  }
}

describe('confusionReport', () => {
  it('counts substitution pairs, insertions, deletions and the words on each side', () => {
    const utts = [
      su('u1', 'one two three four', 'one too three'),
      su('u2', 'two five', 'too five'),
      su('u4', 'nine', 'nine nine'),
      su('u3', 'six', 'eight'),
    ];
    const r = confusionReport(utts);
    expect(r.pairs).toEqual([
      { ref: 'two', hyp: 'too', count: 2 },
      { ref: 'six', hyp: 'eight', count: 1 },
    ]);
    expect(r.deletions).toEqual([{ word: 'four', count: 1 }]);
    expect(r.insertions).toEqual([{ word: 'nine', count: 1 }]);
    expect(r.substitutions).toEqual([
      { word: 'two', count: 2 },
      { word: 'six', count: 1 },
    ]);
    expect(r.falselyRecognized).toEqual([
      { word: 'too', count: 2 },
      { word: 'eight', count: 1 },
    ]);
    const sums = utts.reduce((s, u) => ({ sub: s.sub + u.sub, ins: s.ins + u.ins, del: s.del + u.del }), { sub: 0, ins: 0, del: 0 });
    expect(r.pairs.reduce((s, p) => s + p.count, 0)).toBe(sums.sub);
    expect(r.insertions.reduce((s, p) => s + p.count, 0)).toBe(sums.ins);
    expect(r.deletions.reduce((s, p) => s + p.count, 0)).toBe(sums.del);
  });

  it('is empty for a perfect transcript, and formats every table with its total', () => {
    const r = confusionReport([su('u', 'a b c', 'a b c')]);
    expect(r.pairs).toEqual([]);
    const text = formatConfusionReport(r);
    for (const title of ['CONFUSION PAIRS', 'INSERTIONS', 'DELETIONS', 'SUBSTITUTIONS', 'FALSELY RECOGNIZED']) {
      expect(text).toMatch(new RegExp(`^${title} +Total +\\(0\\)$`, 'm'));
    }
  });

  it('cuts each table to n rows but keeps the totals of all of them', () => {
    const r = confusionReport([su('u', 'a b c d', 'w x y z')]);
    const text = formatConfusionReport(r, 2);
    expect(text).toContain('   1:    1  ->  a ==> w');
    expect(text).toContain('   2:    1  ->  b ==> x');
    expect(text).not.toContain('c ==> y');
    expect(text).toContain('(2 more not shown)');
    expect(text).toMatch(/^CONFUSION PAIRS +Total +\(4\)$/m);
    expect(text).toMatch(/^ {9}4$/m);
  });

  it('parses --confusions: bare for every row, else a whole number >= 1', () => {
    expect(parseConfusionsOption(true)).toBe(Number.POSITIVE_INFINITY);
    expect(parseConfusionsOption('7')).toBe(7);
    expect(() => parseConfusionsOption('0')).toThrow(/whole number/);
    expect(() => parseConfusionsOption('x')).toThrow(/whole number/);
  });
});

describe.skipIf(!hasShared)(`confusion tables against sclite's alignments ${hasShared ? '' : SHARED_MISSING}`, () => {
  const werDir = join(REFERENCE_DIR, 'wer');
  const cases = hasShared ? readJson<WerCases>(join(werDir, 'wer_cases.json')) : ({ utterances: [], totals: {} } as unknown as WerCases);

  it("equals the tables counted from sclite's pralign lines, in sclite's order", () => {
    const want = tablesFromPralign(cases.utterances);
    const r = confusionReport(cases.utterances.map((c) => su(c.id, c.ref, c.hyp)));
    expect(pairsMap(r)).toEqual(want.pairs);
    expect(asMap(r.insertions)).toEqual(want.ins);
    expect(asMap(r.deletions)).toEqual(want.del);
    expect(asMap(r.substitutions)).toEqual(want.sub);
    expect(asMap(r.falselyRecognized)).toEqual(want.falsely);
    const tot = cases.totals.sclite_default;
    expect(r.pairs.reduce((s, p) => s + p.count, 0)).toBe(tot.S);
    expect(r.insertions.reduce((s, p) => s + p.count, 0)).toBe(tot.I);
    expect(r.deletions.reduce((s, p) => s + p.count, 0)).toBe(tot.D);
    expectScliteOrder(r.pairs.map((p) => ({ word: `${p.ref} ==> ${p.hyp}`, count: p.count })));
    for (const rows of [r.insertions, r.deletions, r.substitutions, r.falselyRecognized]) expectScliteOrder(rows);
  });

  describe('asr wer --confusions / asr eval --confusions', () => {
    beforeAll(() => {
      try {
        buildOnce();
      } catch {
        // tsc exits non-zero on type errors anywhere in src/ but still emits; the type check is run separately
      }
    }, 120_000);

    it('prints the tables after the summary, and in --json', () => {
      const want = tablesFromPralign(cases.utterances);
      const top = [...want.pairs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
      const r = asr(['wer', join(werDir, 'ref.trn'), join(werDir, 'hyp.trn'), '--confusions', '3']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^%WER /m);
      expect(r.stdout).toMatch(new RegExp(`^CONFUSION PAIRS +Total +\\(${want.pairs.size}\\)$`, 'm'));
      expect(r.stdout).toContain(`   1:${String(top[1]).padStart(5)}  ->  ${top[0]}`);
      expect(r.stdout.indexOf('%WER')).toBeLessThan(r.stdout.indexOf('CONFUSION PAIRS'));
      const j = asr(['wer', join(werDir, 'ref.trn'), join(werDir, 'hyp.trn'), '--confusions', '--json']);
      expect(j.code).toBe(0);
      const o = JSON.parse(j.stdout) as { confusions: { pairs: { ref: string; hyp: string; count: number }[]; deletions: { word: string; count: number }[] } };
      expect(o.confusions.pairs.length).toBe(want.pairs.size);
      expect(o.confusions.deletions.reduce((s, d) => s + d.count, 0)).toBe(cases.totals.sclite_default.D);
    });

    it('rejects a bad row count with one error line', () => {
      const r = asr(['wer', join(werDir, 'ref.trn'), join(werDir, 'hyp.trn'), '--confusions', '0']);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('--confusions');
    });
  });
});
