import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/backend/index.js';
import { buildOnce } from './helpers/build.js';
import { speech, writeTinyModel, writeWavFile } from './helpers/transcribe-fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');
const ENV = { ...process.env, ASR_BACKEND: 'cpu' };

function asr(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: ENV });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let dir = '';
let model = '';
let wavA = '';
let wavB = '';

beforeAll(async () => {
  buildOnce();
  await initBackend({ backend: 'cpu' });
  dir = mkdtempSync(join(tmpdir(), 'asr-tr-cli-'));
  model = join(dir, 'model');
  await writeTinyModel(model);
  wavA = join(dir, 'in', 'a.wav');
  wavB = join(dir, 'in', 'sub', 'b.wav');
  const a = await speech('four two seven. nine nine one');
  const b = await speech('three oh five', 'rms');
  // longer than one segment (20 s), with a long pause in the middle: two segments
  const withPause = new Float32Array(a.length + 16000 * 18 + b.length);
  withPause.set(a, 0);
  withPause.set(b, a.length + 16000 * 18);
  cpSync(model, join(dir, 'model-copy'), { recursive: true });
  await import('node:fs').then((fs) => fs.mkdirSync(join(dir, 'in', 'sub'), { recursive: true }));
  writeWavFile(wavA, withPause);
  writeWavFile(wavB, b);
}, 180_000);

interface JsonOut {
  file: string;
  duration: number;
  text: string;
  segments: { start: number; end: number; text: string }[];
  words: { word: string; start: number; end: number; confidence: number }[];
}

describe('asr transcribe', () => {
  it('json: words with monotonic start/end inside the audio, confidences in [0, 1], segments in order', () => {
    const r = asr(['transcribe', wavA, '--model', model, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as JsonOut;
    expect(j.file).toBe(wavA);
    expect(j.duration).toBeGreaterThan(20);
    expect(j.words.length).toBeGreaterThan(0);
    expect(j.text).toBe(j.segments.map((s) => s.text).join(' '));
    expect(j.words.map((w) => w.word).join(' ')).toBe(j.text);
    for (let i = 0; i < j.words.length; i++) {
      const w = j.words[i];
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThanOrEqual(j.duration + 1e-6);
      expect(w.confidence).toBeGreaterThanOrEqual(0);
      expect(w.confidence).toBeLessThanOrEqual(1);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(j.words[i - 1].start);
    }
    for (let i = 1; i < j.segments.length; i++) expect(j.segments[i].start).toBeGreaterThanOrEqual(j.segments[i - 1].end);
    // the pause splits the file and the second segment starts after it, in file time
    expect(j.segments.length).toBeGreaterThanOrEqual(2);
    expect(j.segments[j.segments.length - 1].start).toBeGreaterThan(18);
    // a file within one segment's length is recognised whole
    const short = JSON.parse(asr(['transcribe', wavB, '--model', model, '--format', 'json']).stdout) as JsonOut;
    expect(short.segments.length).toBeLessThanOrEqual(1);
  });

  it('txt, srt, vtt and tsv agree with json and follow their syntax', () => {
    const j = JSON.parse(asr(['transcribe', wavA, '--model', model, '--format', 'json']).stdout) as JsonOut;
    const txt = asr(['transcribe', wavA, '--model', model, '--format', 'txt']);
    expect(txt.code).toBe(0);
    expect(txt.stdout).toBe(j.segments.map((s) => s.text).join('\n') + '\n');

    const srt = asr(['transcribe', wavA, '--model', model, '--format', 'srt']).stdout;
    const srtCues = srt.trim().split(/\n\n/);
    const ts = (h: string, m: string, s: string, ms: string): number => Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;
    let last = -1;
    srtCues.forEach((cue, i) => {
      const lines = cue.split('\n');
      expect(lines[0]).toBe(String(i + 1));
      const m = /^(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})$/.exec(lines[1]);
      expect(m, lines[1]).not.toBeNull();
      const a = ts(m![1], m![2], m![3], m![4]);
      const b = ts(m![5], m![6], m![7], m![8]);
      expect(b).toBeGreaterThanOrEqual(a);
      expect(a).toBeGreaterThanOrEqual(last);
      last = b;
      expect(lines[2].length).toBeGreaterThan(0);
    });
    expect(srtCues.map((c) => c.split('\n')[2]).join(' ')).toBe(j.text);

    const vtt = asr(['transcribe', wavA, '--model', model, '--format', 'vtt']).stdout;
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    const vttCues = vtt.slice(8).trim().split(/\n\n/);
    expect(vttCues.length).toBe(srtCues.length);
    for (const cue of vttCues) expect(cue.split('\n')[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}$/);

    const tsv = asr(['transcribe', wavA, '--model', model, '--format', 'tsv']).stdout.trimEnd().split('\n');
    expect(tsv[0]).toBe('start\tend\tconfidence\tword');
    expect(tsv.length - 1).toBe(j.words.length);
    tsv.slice(1).forEach((line, i) => {
      const [s, e, c, w] = line.split('\t');
      expect(Number(s)).toBeCloseTo(j.words[i].start, 3);
      expect(Number(e)).toBeCloseTo(j.words[i].end, 3);
      expect(Number(c)).toBeCloseTo(j.words[i].confidence, 3);
      expect(w).toBe(j.words[i].word);
    });
  });

  it('a folder with --output-dir writes one file per input, mirroring subfolders', () => {
    const out = join(dir, 'out');
    const r = asr(['transcribe', join(dir, 'in'), '--model', model, '--format', 'vtt', '--output-dir', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(out, 'a.vtt'), 'utf8').startsWith('WEBVTT')).toBe(true);
    expect(readFileSync(join(out, 'sub', 'b.vtt'), 'utf8').startsWith('WEBVTT')).toBe(true);
    // no temporary files left behind
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a corrupt and a missing file in a batch are reported and skipped; the others finish; exit code 1', () => {
    const bad = join(dir, 'corrupt.wav');
    writeFileSync(bad, Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt garbage that is not a wave file'));
    const missing = join(dir, 'nope.wav');
    const r = asr(['transcribe', wavA, bad, missing, wavB, '--model', model, '--format', 'json']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonOut);
    expect(lines.map((l) => l.file)).toEqual([wavA, wavB]);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('asr: error: '));
    expect(errors.length).toBe(2);
    expect(errors[0]).toContain(bad);
    expect(errors[1]).toContain(missing);
    expect(r.stderr).toContain('2 of 4 files failed');
  });

  it('--cmvn speaker: a single short input is its own speaker; unreadable inputs are still reported; needs a per-utterance CMVN model', () => {
    const words = (args: string[]): string[] => {
      const r = asr(['transcribe', ...args, '--model', model, '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout.trim()) as JsonOut).words.map((w) => `${w.word}@${w.start.toFixed(2)}`);
    };
    const own = words([wavB]);
    expect(own.length).toBeGreaterThan(0);
    expect(words([wavB, '--cmvn', 'speaker'])).toEqual(own);

    const bad = join(dir, 'corrupt2.wav');
    writeFileSync(bad, Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt garbage'));
    let r = asr(['transcribe', bad, wavB, '--model', model, '--format', 'json', '--cmvn', 'speaker']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout.trim()) as JsonOut).words.map((w) => `${w.word}@${w.start.toFixed(2)}`)).toEqual(own);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('asr: error: '))).toHaveLength(1);

    const global = join(dir, 'model-global');
    cpSync(model, global, { recursive: true });
    writeFileSync(join(global, 'features.json'), JSON.stringify({ type: 'fbank', options: { numMelBins: 80 }, normalize: 'none' }));
    r = asr(['transcribe', wavB, '--model', global, '--cmvn', 'speaker']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/speaker CMVN needs a model trained with per-utterance CMVN/);
    r = asr(['transcribe', wavB, '--model', model, '--cmvn', 'channel']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--cmvn must be "utterance" or "speaker", got "channel"/);
  });

  it('--adapt-bn: re-estimates BatchNorm statistics on 10 s or more of input, keeps them below that, needs BatchNorm', async () => {
    const json = (args: string[]): { code: number; stderr: string; words: string[] } => {
      const r = asr(['transcribe', ...args, '--model', model, '--format', 'json']);
      const last = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonOut).find((j) => j.file === wavB);
      return { code: r.code, stderr: r.stderr, words: (last?.words ?? []).map((w) => `${w.word}@${w.start.toFixed(2)}:${w.confidence.toFixed(4)}`) };
    };
    const plain = json([wavB]);
    const short = json([wavB, '--adapt-bn']);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stderr).toMatch(/^asr transcribe: --adapt-bn: \d+\.\d s of audio is under 10 s, so the model's BatchNorm statistics are kept\n$/);
    expect(short.words).toEqual(plain.words);
    // wavA is over 20 s: with it the statistics are the inputs' own, and what is recognised in wavB changes
    const both = json([wavA, wavB]);
    const adapted = json([wavA, wavB, '--adapt-bn']);
    expect(adapted.code, adapted.stderr).toBe(0);
    expect(adapted.stderr).not.toMatch(/under 10 s/);
    expect(adapted.words).not.toEqual(both.words);

    // --speakers folder: each folder is a speaker; wavA's folder has over 10 s and adapts on wavA alone, wavB's
    // folder (in/sub) has under 10 s and keeps the model's statistics
    const wordsOf = (args: string[], file: string): { code: number; stderr: string; words: string[] } => {
      const r = asr(['transcribe', ...args, '--model', model, '--format', 'json']);
      const j = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonOut).find((x) => x.file === file);
      return { code: r.code, stderr: r.stderr, words: (j?.words ?? []).map((w) => `${w.word}@${w.start.toFixed(2)}:${w.confidence.toFixed(4)}`) };
    };
    const byFolder = json([wavA, wavB, '--adapt-bn', '--speakers', 'folder']);
    expect(byFolder.code, byFolder.stderr).toBe(0);
    expect(byFolder.words).toEqual(plain.words);
    expect(byFolder.stderr).toContain(`--adapt-bn: ${dirname(wavB)}: `);
    expect(wordsOf([wavA, wavB, '--adapt-bn', '--speakers', 'folder'], wavA).words).toEqual(wordsOf([wavA, '--adapt-bn'], wavA).words);
    const bad = asr(['transcribe', wavB, '--model', model, '--speakers', 'file']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--speakers must be "one" or "folder", got "file"/);

    const { createModel, modelConfig, saveModel, disposeModel } = await import('../src/model/index.js');
    const { TINY_TOKENS } = await import('./helpers/transcribe-fixtures.js');
    const ln = createModel(modelConfig({ inputDim: 80, subsampling: { type: 'conv2d', factor: 4, channels: 8 }, dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32, convKernel: 7, vocabSize: TINY_TOKENS.length, convNorm: 'layernorm' }), 2);
    const lnDir = join(dir, 'model-ln');
    await saveModel(lnDir, ln, TINY_TOKENS);
    disposeModel(ln);
    const r = asr(['transcribe', wavB, '--model', lnDir, '--adapt-bn']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--adapt-bn needs a model with BatchNorm layers/);
  });

  it('--adapt-entropy: adapts the normalisation layers on 10 s or more of input, keeps the model below that', () => {
    const words = (args: string[]): { code: number; stderr: string; words: string[] } => {
      const r = asr(['transcribe', ...args, '--model', model, '--format', 'json']);
      const j = r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonOut).find((x) => x.file === wavB);
      return { code: r.code, stderr: r.stderr, words: (j?.words ?? []).map((w) => `${w.word}@${w.start.toFixed(2)}:${w.confidence.toFixed(4)}`) };
    };
    const plain = words([wavB]);
    const short = words([wavB, '--adapt-entropy', '5']);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stderr).toBe('asr transcribe: --adapt-entropy: under 10 s of audio, so the model is not adapted\n');
    expect(short.words).toEqual(plain.words);
    const both = words([wavA, wavB]);
    const adapted = words([wavA, wavB, '--adapt-entropy', '5', '--adapt-lr', '0.01']);
    expect(adapted.code, adapted.stderr).toBe(0);
    expect(adapted.stderr).not.toMatch(/under 10 s|error/);
    expect(adapted.words).not.toEqual(both.words);
    for (const [flag, value, msg] of [['--adapt-entropy', '0', /--adapt-entropy: expected a whole number of at least 1, got '0'/], ['--adapt-lr', '-1', /--adapt-lr: expected a number above 0, got '-1'/]] as const) {
      const r = asr(['transcribe', wavB, '--model', model, '--adapt-entropy', '5', flag, value]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('a model directory with a missing or mismatched file fails with one clear line', () => {
    const broken = join(dir, 'broken');
    cpSync(model, broken, { recursive: true });
    rmSync(join(broken, 'tokens.txt'));
    let r = asr(['transcribe', wavB, '--model', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/missing tokens\.txt/);

    writeFileSync(join(broken, 'tokens.txt'), 'a\nb\nc\n');
    r = asr(['transcribe', wavB, '--model', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tokens\.txt: 3 tokens, the model has vocabSize 29/);

    cpSync(join(model, 'tokens.txt'), join(broken, 'tokens.txt'));
    writeFileSync(join(broken, 'features.json'), JSON.stringify({ type: 'fbank', options: { numMelBins: 40 }, normalize: 'utterance' }));
    r = asr(['transcribe', wavB, '--model', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/features\.json: features have dimension 40, config\.json says inputDim 80/);

    r = asr(['transcribe', wavB, '--model', join(dir, 'no-such-model')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no-such-model: model directory not found/);
  });

  it('loads lm.arpa from the model directory by default; --lm replaces it, --greedy needs none', () => {
    const withLm = join(dir, 'model-copy');
    // a broken LM in the model directory shows whether it is read
    writeFileSync(join(withLm, 'lm.arpa'), 'this is not an ARPA file\n');
    const a = asr(['transcribe', wavB, '--model', withLm]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(join(withLm, 'lm.arpa'));
    const good = join(dir, 'good.arpa');
    writeFileSync(good, '\\data\\\nngram 1=4\n\n\\1-grams:\n-0.3\t</s>\n-99\t<s>\t0\n-0.3\tseven\t0\n-1\t<unk>\n\n\\end\\\n');
    const b = asr(['transcribe', wavB, '--model', withLm, '--lm', good, '--format', 'json']);
    expect(b.code, b.stderr).toBe(0);
    expect(asr(['transcribe', wavB, '--model', withLm, '--greedy']).code).toBe(0);
    const c = asr(['transcribe', wavB, '--model', withLm, '--lm', join(dir, 'missing.arpa')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('missing.arpa');
  });

  it.skipIf(existsSync(join(ROOT, 'models', 'english', 'config.json')))('without --model and no English model, falls back to the shipped digits model and says so', () => {
    const r = asr(['transcribe', wavB]);
    if (existsSync(join(ROOT, 'models', 'digits', 'config.json'))) {
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/models\/english is not installed: using models\/digits/);
    } else {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no shipped model in .*models/);
    }
  });
});
