import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from './helpers/build.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');

function asr(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => buildOnce(), 180_000);

const TOKENS = ['<blank>', '|', ...'abcdefghijklmnopqrstuvwxyz', "'"];

/** Frames spelling a sentence; `{h: 0.55, c: 0.4}` makes an ambiguous frame. Rows are natural-log posteriors. */
function posteriors(frames: (string | Record<string, number>)[], tokens = TOKENS): number[][] {
  return frames.map((f) => {
    const p: Record<string, number> = typeof f === 'string' ? { [f]: 0.96 } : f;
    const used = Object.values(p).reduce((a, b) => a + b, 0);
    const k = Object.keys(p).length;
    return tokens.map((t) => Math.log(p[t] ?? (1 - used) / (tokens.length - k)));
  });
}

const SENTENCE = [
  '<blank>', 't', 'h', 'e', '<blank>', '|', { h: 0.55, c: 0.4 }, 'a', 't', '<blank>', '|', 's', 'a', 't', '|',
  'o', 'n', '|', 't', 'h', 'e', '|', 'm', 'a', 't', '<blank>',
];

function npy(rows: number[][]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${rows[0].length}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + rows.length * rows[0].length * 4);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  rows.flat().forEach((x, i) => out.writeFloatLE(x, 10 + header.length + 4 * i));
  return out;
}

describe('asr decode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asr-decode-cli-'));
  const tokens = join(dir, 'tokens.txt');
  writeFileSync(tokens, TOKENS.join('\n') + '\n');
  const json = join(dir, 'post.json');
  writeFileSync(json, JSON.stringify({ log_probs: posteriors(SENTENCE) }));
  const np = join(dir, 'post.npy');
  writeFileSync(np, npy(posteriors(SENTENCE)));
  const text = join(dir, 'lm.txt');
  writeFileSync(text, ['the cat sat on the mat', 'a cat sat on a mat', 'the cat sat', 'he wore a hat', 'the hat is red', 'the dog sat on the mat'].join('\n'));
  const lm = join(dir, 'lm.arpa');

  it('decodes JSON and .npy posteriors; the LM flips the ambiguous word', () => {
    expect(asr(['lm', 'build', '--text', text, '--output', lm, '--discount-fallback']).code).toBe(0);
    for (const p of [json, np]) {
      const plain = asr(['decode', '--posteriors', p, '--tokens', tokens]);
      expect(plain.stderr).toBe('');
      expect(plain.code).toBe(0);
      expect(plain.stdout).toBe('the hat sat on the mat\n');
      expect(asr(['decode', '--posteriors', p, '--tokens', tokens, '--greedy']).stdout).toBe('the hat sat on the mat\n');
      expect(asr(['decode', '--posteriors', p, '--tokens', tokens, '--lm', lm]).stdout).toBe('the cat sat on the mat\n');
      expect(asr(['decode', '--posteriors', p, '--tokens', tokens, '--lm', lm, '--lm-weight', '0', '--word-bonus', '0']).stdout).toBe('the hat sat on the mat\n');
    }
  });

  it('--nbest and --json give scores, word times and confidences', () => {
    const r = asr(['decode', '--posteriors', json, '--tokens', tokens, '--lm', lm, '--nbest', '2']);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^-?\d+\.\d{4}\tam=-?\d+\.\d{4}\tlm=-?\d+\.\d{4}\tthe cat sat on the mat$/);
    expect(lines[1]).toMatch(/\tthe hat sat on the mat$/);
    const j = JSON.parse(asr(['decode', '--posteriors', json, '--tokens', tokens, '--lm', lm, '--json', '--nbest', '2', '--frame-duration', '0.02']).stdout) as {
      frames: number;
      hypotheses: { text: string; words: { word: string; start: number; end: number; confidence: number }[]; amScore: number; lmScore: number; total: number }[];
    };
    expect(j.frames).toBe(SENTENCE.length);
    expect(j.hypotheses.map((h) => h.text)).toEqual(['the cat sat on the mat', 'the hat sat on the mat']);
    const w = j.hypotheses[0].words;
    expect(w.map((x) => x.word)).toEqual(['the', 'cat', 'sat', 'on', 'the', 'mat']);
    // "the" is on frames 1-3, "cat" on 6-8: 20 ms frames.
    expect([w[0].start, w[0].end, w[1].start, w[1].end]).toEqual([0.02, 0.08, 0.12, 0.18]);
    expect(w[1].confidence).toBeLessThan(w[0].confidence);
    expect(j.hypotheses[0].total).toBeGreaterThan(j.hypotheses[1].total);
  });

  it('--hotwords boosts a phrase; a different blank id works', () => {
    const hw = join(dir, 'hot.txt');
    writeFileSync(hw, '# boost\ncat\t4\n');
    expect(asr(['decode', '--posteriors', json, '--tokens', tokens, '--hotwords', hw]).stdout).toBe('the cat sat on the mat\n');
    // The same posteriors with the blank moved to the last id.
    const moved = [...TOKENS.slice(1), '<blank>'];
    const t2 = join(dir, 'tokens2.txt');
    writeFileSync(t2, moved.join('\n') + '\n');
    const p2 = join(dir, 'post2.json');
    writeFileSync(p2, JSON.stringify({ log_probs: posteriors(SENTENCE, moved) }));
    expect(asr(['decode', '--posteriors', p2, '--tokens', t2, '--blank', String(moved.length - 1)]).stdout).toBe('the hat sat on the mat\n');
  });

  const bad = (name: string, content: string | Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const failures: [string, () => string[], RegExp][] = [
    ['NaN in the posteriors', () => {
      const rows = posteriors(SENTENCE);
      rows[3][5] = NaN;
      return ['decode', '--posteriors', bad('nan.npy', npy(rows)), '--tokens', tokens];
    }, /nan.npy: NaN at frame 3, token 5$/m],
    ['wrong width', () => ['decode', '--posteriors', bad('narrow.json', JSON.stringify({ log_probs: [[-0.1, -2.4], [-0.2, -1.7]] })), '--tokens', tokens], /narrow.json: posteriors have 2 columns but there are 29 tokens/],
    ['hotword outside the token set', () => ['decode', '--posteriors', json, '--tokens', tokens, '--hotwords', bad('hw.txt', 'naïve\n')], /hw.txt: line 1: 'naïve' has characters outside the token set: 'ï'/],
    ['not posteriors', () => ['decode', '--posteriors', bad('x.json', 'hello'), '--tokens', tokens], /x.json: not valid JSON/],
    ['missing --tokens', () => ['decode', '--posteriors', json], /--tokens FILE is required/],
    ['bad LM', () => ['decode', '--posteriors', json, '--tokens', tokens, '--lm', bad('x.arpa', 'not a model\n')], /x.arpa: no \\data\\ header/],
    ['bad beam', () => ['decode', '--posteriors', json, '--tokens', tokens, '--beam', 'wide'], /--beam: expected a number, got 'wide'/],
  ];
  for (const [what, args, re] of failures) {
    it(`fails in one line: ${what}`, () => {
      const r = asr(args());
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});
