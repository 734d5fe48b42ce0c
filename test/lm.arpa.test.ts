import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  arpaToString, beginState, buildKneserNey, corpusFromText, findNgram, formatFloat32, lmFromBinary, lmToBinary, loadLm,
  nullState, parseArpa, perplexityOfText, readArpaFile, scoreSentence, scoreWord, wordId, writeArpaFile, writeBinaryLm,
  type NgramLm,
} from '../src/lm/index.js';
import { createRng } from '../src/util/random.js';

/** A small trigram ARPA in SRILM style: -99 for <s>, no back-off after </s>, no <unk>. */
const SRILM_STYLE = `
\\data\\
ngram 1=5
ngram 2=5
ngram 3=2

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.5
-0.6\ta\t-0.3
-0.7\tb\t-0.2
-1.2\tc

\\2-grams:
-0.3\t<s> a\t-0.1
-0.4\ta b\t-0.25
-0.5\tb </s>
-0.2\tb c
-0.8\tc a

\\3-grams:
-0.05\t<s> a b
-0.15\ta b c

\\end\\
`;

function lp(lm: NgramLm, words: string[], next: string): number {
  let s = nullState(lm);
  for (const w of words) {
    const t = nullState(lm);
    scoreWord(lm, s, wordId(lm, w), t);
    s = t;
  }
  return scoreWord(lm, s, wordId(lm, next), nullState(lm));
}

describe('ARPA reading and back-off queries', () => {
  const lm = parseArpa(SRILM_STYLE, 'srilm.arpa');

  it('reads orders, counts, special words', () => {
    expect(lm.order).toBe(3);
    expect(lm.counts).toEqual([5, 5, 2]);
    expect(lm.unk).toBe(-1);
    expect(lm.vocab[lm.bos]).toBe('<s>');
    expect(lm.vocab[lm.eos]).toBe('</s>');
  });

  it('scores by the back-off rule, worked by hand', () => {
    // Found trigram.
    expect(lp(lm, ['<s>', 'a'], 'b')).toBeCloseTo(-0.05, 6);
    // Trigram "a b a" absent: bo(a b) + p(a | b); "b a" absent: bo(b) + p(a) = -0.25 - 0.2 - 0.6.
    expect(lp(lm, ['a', 'b'], 'a')).toBeCloseTo(-0.25 - 0.2 - 0.6, 6);
    // Context "c b" is not an n-gram (no back-off), "b </s>" is: -0.5.
    expect(lp(lm, ['c', 'b'], '</s>')).toBeCloseTo(-0.5, 6);
    // Back-off weight missing in the file means 0: p(a | </s>) = p(a).
    expect(lp(lm, ['</s>'], 'a')).toBeCloseTo(-0.6, 6);
    // Unknown word without <unk> in the model: KenLM's -100.
    expect(lp(lm, ['a'], 'zebra')).toBe(-100);
  });

  it('sentence log probability and perplexity (SRILM and KenLM conventions) by hand', () => {
    // <s> a b </s>: p(a|<s>) = -0.3, p(b|<s> a) = -0.05, p(</s>|a b) = bo(a b) + p(</s>|b) = -0.25 - 0.5.
    const s = scoreSentence(lm, ['a', 'b']);
    expect(s.logprob).toBeCloseTo(-0.3 - 0.05 - 0.75, 6);
    // With an OOV: <s> a x </s>: -0.3 + (-100) + p(</s> | after OOV) = -1.0.
    const r = perplexityOfText(lm, 'a b\n\na x\n');
    expect(r.sentences).toBe(2);
    expect(r.words).toBe(4);
    expect(r.oovs).toBe(1);
    const logprob = -1.1 + (-0.3 - 1.0);
    expect(r.logprob).toBeCloseTo(logprob, 6);
    expect(r.ppl).toBeCloseTo(10 ** (-logprob / (3 + 2)), 6);
    expect(r.ppl1).toBeCloseTo(10 ** (-logprob / 3), 6);
    expect(r.total).toBeCloseTo(logprob - 100, 6);
    expect(r.pplIncludingOovs / 10 ** (-(logprob - 100) / 6)).toBeCloseTo(1, 5);
    expect(r.pplExcludingOovs).toBeCloseTo(r.ppl, 9);
  });

  it('accepts the usual variations: preamble, CRLF, spaces, blank lines, CMU 4-decimal style, <unk>, -inf', () => {
    const cmu = [
      'This is a 2-gram language model made by hand,',
      'in the style the CMU toolkit writes.',
      '',
      '\\data\\',
      'ngram 1 = 4',
      'ngram 2=3',
      '',
      '',
      '\\1-grams:',
      '-0.9031 <UNK> 0.0000',
      '-98.9999 <s>    -0.3010',
      '-0.6021 </s> 0.0000',
      '  -0.3010 hello -0.2218  ',
      '',
      '\\2-grams:',
      '-0.1249 <s> hello',
      '-0.3010 hello </s>',
      '-inf hello hello',
      '',
      '\\end\\',
      'trailing text after the end is ignored',
    ].join('\r\n');
    const m = parseArpa(cmu, 'cmu.lm');
    expect(m.counts).toEqual([4, 3]);
    expect(m.unk).toBe(-1); // <UNK> is a different word from <unk>
    expect(lp(m, ['<s>'], 'hello')).toBeCloseTo(-0.1249, 6);
    expect(lp(m, ['hello'], 'hello')).toBe(-99);
    expect(lp(m, ['</s>'], 'hello')).toBeCloseTo(-0.301, 6);
    const k = parseArpa('\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<unk>\t0\n0\t<s>\t-0.5\n-0.2\t</s>\t0\n\n\\2-grams:\n-0.1\t<s> </s>\n\n\\end\\\n');
    expect(k.unk).toBe(0);
    expect(k.probs[0][1]).toBe(0);
    expect(lp(k, ['<s>'], 'anything')).toBeCloseTo(-0.5 - 1, 6);
  });

  it('adds blank prefixes for n-grams whose prefix is missing, scoring as backing off would', () => {
    const text = SRILM_STYLE.replace('ngram 3=2', 'ngram 3=3').replace('-0.15\ta b c', '-0.15\ta b c\n-0.02\tc b a');
    const m = parseArpa(text);
    // "c b" was missing: it is added with p(b | c) = bo(c) + p(b) = 0 + (-0.7) and no back-off weight.
    expect(m.counts[1]).toBe(6);
    const cb = findNgram(m, [wordId(m, 'c'), wordId(m, 'b')]);
    expect(cb).toBeGreaterThanOrEqual(0);
    expect(m.probs[1][cb]).toBeCloseTo(-0.7, 6);
    expect(m.backoffs[1][cb]).toBe(0);
    expect(lp(m, ['c', 'b'], 'a')).toBeCloseTo(-0.02, 6);
    expect(lp(m, ['c'], 'b')).toBeCloseTo(-0.7, 6);
    // Writing it out gives a consistent file that reads back the same.
    expect(arpaToString(parseArpa(arpaToString(m)))).toBe(arpaToString(m));
  });

  const bad: [string, string, RegExp][] = [
    ['no \\data\\', 'hello\nworld\n', /^bad.arpa: no \\data\\ header/],
    ['counts disagree with a section', SRILM_STYLE.replace('ngram 2=5', 'ngram 2=6'), /^bad.arpa: line 21: the \\2-grams: section has 5 entries but \\data\\ says ngram 2=6$/],
    ['more entries than declared', SRILM_STYLE.replace('ngram 3=2', 'ngram 3=1'), /^bad.arpa: line 23: more 3-grams than \\data\\ says \(ngram 3=1\)$/],
    ['truncated', SRILM_STYLE.slice(0, SRILM_STYLE.indexOf('-0.2\tb c')), /^bad.arpa: line 17: the file ends inside the \\2-grams: section without \\end\\ \(truncated\?\)$/],
    ['bad number', SRILM_STYLE.replace('-0.4\ta b', 'x0.4\ta b'), /^bad.arpa: line 16: bad log10 probability 'x0.4'$/],
    ['wrong number of fields', SRILM_STYLE.replace('-0.4\ta b\t-0.25', '-0.4\ta b c d'), /^bad.arpa: line 16: a 2-gram entry needs/],
    ['unknown word', SRILM_STYLE.replace('-0.8\tc a', '-0.8\tc zz'), /^bad.arpa: line 19: 'zz' in this 2-gram is not among the 1-grams$/],
    ['duplicate n-gram', SRILM_STYLE.replace('-0.8\tc a', '-0.8\ta b'), /^bad.arpa: line 19: duplicate 2-gram 'a b' \(also on line 16\)$/],
    ['missing section', SRILM_STYLE.replace(/\\3-grams:[^\\]*/, ''), /^bad.arpa: line 21: \\end\\ before the \\3-grams: section$/],
    ['positive log probability', SRILM_STYLE.replace('-0.6\ta', '0.6\ta'), /^bad.arpa: line 10: log10 probability 0.6 is positive$/],
  ];
  for (const [what, text, re] of bad) {
    it(`fails with the line number: ${what}`, () => {
      let msg = '';
      try {
        parseArpa(text, 'bad.arpa');
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(re);
    });
  }
});

function randomCorpus(seed: number, n: number): string {
  const rng = createRng(seed);
  const words = Array.from({ length: 80 }, (_, i) => `t${i}`);
  const lines: string[] = [];
  for (let s = 0; s < n; s++) {
    const l: string[] = [];
    const len = rng.int(1, 14);
    for (let i = 0; i < len; i++) l.push(words[Math.floor(words.length * rng.uniform() ** 2)]);
    lines.push(l.join(' '));
  }
  return lines.join('\n');
}

function expectSameModel(a: NgramLm, b: NgramLm): void {
  expect(b.order).toBe(a.order);
  expect(b.vocab).toEqual(a.vocab);
  expect(b.counts).toEqual(a.counts);
  for (let k = 0; k < a.order; k++) {
    // Identical float32 bits, not just close.
    expect(Buffer.from(b.probs[k].buffer, b.probs[k].byteOffset, b.probs[k].byteLength).equals(Buffer.from(a.probs[k].buffer, a.probs[k].byteOffset, a.probs[k].byteLength))).toBe(true);
    expect(Array.from(b.words[k])).toEqual(Array.from(a.words[k]));
    if (k < a.order - 1) {
      expect(Array.from(b.backoffs[k])).toEqual(Array.from(a.backoffs[k]));
      expect(Array.from(b.childStart[k])).toEqual(Array.from(a.childStart[k]));
    }
  }
}

describe('round trips', () => {
  const { lm } = buildKneserNey(corpusFromText(randomCorpus(3, 500)), { order: 4, discountFallback: [] });
  const dir = mkdtempSync(join(tmpdir(), 'asr-lm-'));

  it('formatFloat32 gives the shortest text that reads back to the same float32', () => {
    const rng = createRng(11);
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround(-rng.uniform() * 10 ** rng.int(-8, 2));
      const s = formatFloat32(v);
      expect(Math.fround(Number(s))).toBe(v);
      expect(s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
    expect(formatFloat32(Math.fround(-0.30103))).toBe('-0.30103');
    expect(formatFloat32(0)).toBe('0');
  });

  it('ARPA write then read gives identical numbers', () => {
    const path = join(dir, 'lm.arpa');
    writeArpaFile(lm, path);
    expectSameModel(lm, readArpaFile(path));
    expect(readdirSync(dir)).toEqual(['lm.arpa']);
  });

  it('binary write then load gives identical arrays, and loadLm tells the formats apart', () => {
    const path = join(dir, 'lm.bin');
    writeBinaryLm(lm, path);
    expectSameModel(lm, loadLm(path));
    expectSameModel(lm, loadLm(join(dir, 'lm.arpa')));
    const bytes = lmToBinary(lm);
    // Misaligned input is copied, not rejected.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expectSameModel(lm, lmFromBinary(shifted));
  });

  it('a truncated or foreign binary fails in one line', () => {
    const bytes = lmToBinary(lm);
    expect(() => lmFromBinary(bytes.subarray(0, bytes.length - 100), 't.bin')).toThrow(/^t.bin: truncated binary language model/);
    const wrongVersion = bytes.slice();
    wrongVersion[8] = 9;
    expect(() => lmFromBinary(wrongVersion, 'v.bin')).toThrow(/^v.bin: binary language model format version 9/);
  });

  it('scores the same sentences after every round trip', () => {
    const back = parseArpa(arpaToString(lm));
    const bin = lmFromBinary(lmToBinary(lm));
    const text = randomCorpus(77, 30);
    for (const line of text.split('\n')) {
      const ws = line.split(' ');
      const want = scoreSentence(lm, ws).logprob;
      expect(scoreSentence(back, ws).logprob).toBe(want);
      expect(scoreSentence(bin, ws).logprob).toBe(want);
    }
    expect(beginState(lm).nodes[0]).toBe(lm.bos);
  });

  const sphinx = ['/usr/bin/sphinx_lm_convert', '/usr/local/bin/sphinx_lm_convert'].find((p) => existsSync(p));
  it.skipIf(!sphinx)(`PocketSphinx's sphinx_lm_convert loads the ARPA we write without complaint${sphinx ? '' : ' (skipped: sphinx_lm_convert not installed; apt-get install sphinxbase-utils)'}`, () => {
    const { lm: lm3 } = buildKneserNey(corpusFromText(randomCorpus(8, 300)), { order: 3, discountFallback: [] });
    const arpa = join(dir, 'ps.arpa');
    writeArpaFile(lm3, arpa);
    const r = spawnSync(sphinx as string, ['-i', arpa, '-o', join(dir, 'ps.lm.bin')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const log = `${r.stdout}\n${r.stderr}`;
    expect(log).not.toMatch(/ERROR|WARN|FATAL/);
    for (let k = 1; k <= 3; k++) expect(log).toContain(`#${k}-grams: ${lm3.counts[k - 1]}`);
    expect(existsSync(join(dir, 'ps.lm.bin'))).toBe(true);
    // And it reads its own binary back and writes ARPA with the same counts.
    const back = join(dir, 'ps.back.arpa');
    const r2 = spawnSync(sphinx as string, ['-i', join(dir, 'ps.lm.bin'), '-o', back, '-ofmt', 'arpa'], { encoding: 'utf8' });
    expect(r2.status).toBe(0);
    expect(parseArpa(readFileSync(back, 'utf8')).counts).toEqual(lm3.counts);
  });

  it('reads an ARPA file written with CRLF from disk', () => {
    const path = join(dir, 'crlf.arpa');
    writeFileSync(path, arpaToString(lm).replace(/\n/g, '\r\n'));
    expectSameModel(lm, readArpaFile(path));
  });
});
