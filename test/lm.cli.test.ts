import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from './helpers/build.js';
import { buildKneserNey, corpusFromText, findNgram, loadLm, parseArpa, perplexityOfText, wordId } from '../src/lm/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');

function asr(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => buildOnce(), 180_000);

const TEXT = [
  'the cat sat on the mat',
  'a cat sat on a mat',
  'the dog sat on the log',
  'the cat ate the rat',
  'a dog ate a bone',
  'the hat is red',
  'my cat sat down',
  'the red hat sat on the cat',
].join('\n');

describe('asr lm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asr-lm-cli-'));
  const text = join(dir, 'train.txt');
  writeFileSync(text, `${TEXT}\n`);

  it('build writes the ARPA the library builds; hand-checked values come out of the CLI', () => {
    const arpa = join(dir, 'lm.arpa');
    const r = asr(['lm', 'build', '--order', '3', '--text', text, '--output', arpa, '--discount-fallback']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1-grams 19 D1=/);
    expect(r.stdout).toBe('');
    const fromCli = parseArpa(readFileSync(arpa, 'utf8'));
    const lib = buildKneserNey(corpusFromText(TEXT), { order: 3, discountFallback: [] }).lm;
    expect(fromCli.counts).toEqual(lib.counts);
    expect(Array.from(fromCli.probs[2])).toEqual(Array.from(lib.probs[2]));
    // The bigram example worked by hand in lm.kneser-ney.test.ts: p(c | c) = 23/72.
    const small = join(dir, 'small.txt');
    writeFileSync(small, 'c\na c\na c c\n');
    const out = join(dir, 'small.arpa');
    expect(asr(['lm', 'build', '--order', '2', '--text', small, '--output', out]).code).toBe(0);
    const m = parseArpa(readFileSync(out, 'utf8'));
    expect(m.probs[1][findNgram(m, [wordId(m, 'c'), wordId(m, 'c')])]).toBeCloseTo(Math.log10(23 / 72), 6);
    expect(readFileSync(out, 'utf8')).toMatch(/^-99\t<s>\t/m);
  });

  it('eval prints SRILM- and KenLM-style figures that match the library', () => {
    const arpa = join(dir, 'lm.arpa');
    const test = join(dir, 'test.txt');
    writeFileSync(test, 'the cat sat on the log\na zebra ate the mat\n');
    const r = asr(['lm', 'eval', '--lm', arpa, '--text', test]);
    expect(r.code).toBe(0);
    const want = perplexityOfText(loadLm(arpa), readFileSync(test, 'utf8'));
    expect(r.stdout).toContain('file ' + test + ': 2 sentences, 11 words, 1 OOVs\n');
    const m = /logprob= (\S+) ppl= (\S+) ppl1= (\S+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeCloseTo(want.logprob, 4);
    expect(Number(m?.[2])).toBeCloseTo(want.ppl, 3);
    expect(Number(m?.[3])).toBeCloseTo(want.ppl1, 3);
    expect(r.stdout).toMatch(/Perplexity including OOVs:\t\S+\nPerplexity excluding OOVs:\t\S+\nOOVs:\t1\nTokens:\t13\n/);
    const j = JSON.parse(asr(['lm', 'eval', '--lm', arpa, '--text', test, '--json']).stdout) as { ppl: number; oovs: number };
    expect(j.oovs).toBe(1);
    expect(j.ppl).toBeCloseTo(want.ppl, 9);
  });

  it('binarize gives a model that scores the same; build --output x.bin writes binary directly', () => {
    const arpa = join(dir, 'lm.arpa');
    const bin = join(dir, 'lm.bin');
    expect(asr(['lm', 'binarize', '--lm', arpa, '--output', bin]).code).toBe(0);
    const test = join(dir, 'train.txt');
    const a = asr(['lm', 'eval', '--lm', arpa, '--text', test]).stdout;
    const b = asr(['lm', 'eval', '--lm', bin, '--text', test]).stdout;
    expect(b).toBe(a);
    const direct = join(dir, 'direct.bin');
    expect(asr(['lm', 'build', '--text', text, '--output', direct, '--discount-fallback']).code).toBe(0);
    expect(readFileSync(direct).subarray(0, 7).toString('latin1')).toBe('ASRNGLM');
    expect(asr(['lm', 'eval', '--lm', direct, '--text', test]).stdout).toBe(a);
  });

  it('--prune and --limit-vocab', () => {
    const vocab = join(dir, 'vocab.txt');
    writeFileSync(vocab, 'the cat sat on mat\n');
    const out = join(dir, 'limited.arpa');
    const r = asr(['lm', 'build', '--text', text, '--output', out, '--limit-vocab', vocab, '--prune', '0', '1']);
    expect(r.code).toBe(0);
    const m = parseArpa(readFileSync(out, 'utf8'));
    expect([...m.vocab].sort()).toEqual(['</s>', '<s>', '<unk>', 'cat', 'mat', 'on', 'sat', 'the']);
    // Kept/all counts per order, as lmplz prints them.
    expect(r.stderr).toMatch(/^1-grams 8\/19 D1=/m);
    expect(r.stderr).toMatch(/^3-grams (\d+)\/39 D1=/m);
    expect(m.counts[2]).toBeLessThan(39);
  });

  it('--discount-fallback with given values, for an order where the closed form fails', () => {
    const tiny = join(dir, 'tiny.txt');
    writeFileSync(tiny, 'a b\nb a\n');
    const r = asr(['lm', 'build', '--text', tiny, '--output', join(dir, 'tiny.arpa'), '--discount-fallback', '0.4', '0.9', '1.4']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^asr: warning: no 3-grams have adjusted count 2.*using fallback discounts 0.4 0.9 1.4$/m);
    expect(r.stderr).toMatch(/^3-grams \d+ D1=0.400000 D2=0.900000 D3\+=1.400000$/m);
  });

  const failures: [string, () => string[], RegExp][] = [
    ['empty text', () => ['lm', 'build', '--text', writeTmp('empty.txt', ''), '--output', join(tmpOut, 'x.arpa')], /^asr: error: \S*empty.txt: the text is empty\n$/],
    ['one word', () => ['lm', 'build', '--text', writeTmp('one.txt', 'yes\nyes yes\n'), '--output', join(tmpOut, 'x.arpa')], /only one distinct word \('yes'\)/],
    ['too little text', () => ['lm', 'build', '--text', writeTmp('tiny.txt', 'a b\nb a\n'), '--output', join(tmpOut, 'x.arpa')], /adjusted count .*--discount-fallback/],
    ['missing file', () => ['lm', 'build', '--text', join(tmpOut, 'nope.txt'), '--output', join(tmpOut, 'x.arpa')], /nope.txt: cannot read: ENOENT/],
    ['bad order', () => ['lm', 'build', '--order', '9', '--text', writeTmp('t.txt', TEXT), '--output', join(tmpOut, 'x.arpa')], /--order: expected an integer from 1 to 6, got 9/],
    ['ARPA counts disagree', () => ['lm', 'eval', '--lm', writeTmp('bad.arpa', '\\data\\\nngram 1=3\n\n\\1-grams:\n-1\t<s>\n-1\t</s>\n\n\\end\\\n'), '--text', writeTmp('t.txt', TEXT)], /bad.arpa: line 8: the \\1-grams: section has 2 entries but \\data\\ says ngram 1=3/],
    ['truncated ARPA', () => ['lm', 'binarize', writeTmp('cut.arpa', '\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<s>\n'), join(tmpOut, 'cut.bin')], /cut.arpa: line 5: the file ends inside the \\1-grams: section without \\end\\ \(truncated\?\)/],
  ];
  const tmpOut = mkdtempSync(join(tmpdir(), 'asr-lm-fail-'));
  function writeTmp(name: string, content: string): string {
    const p = join(tmpOut, name);
    writeFileSync(p, content);
    return p;
  }
  for (const [what, args, re] of failures) {
    it(`fails in one line: ${what}`, () => {
      const r = asr(args());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('asr: error:'))).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('leaves no output file behind when it fails', () => {
    expect(existsSync(join(tmpOut, 'x.arpa'))).toBe(false);
    expect(existsSync(join(tmpOut, 'cut.bin'))).toBe(false);
    expect(readdirSync(tmpOut).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
