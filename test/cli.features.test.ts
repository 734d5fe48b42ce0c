import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_DIR, hasShared, SHARED_MISSING, readJson, readBin, maxAbsDiff, type BinDescriptor } from './helpers/reference.js';
import { buildOnce } from './helpers/build.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');

function asr(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => buildOnce(), 120_000);

describe.skipIf(!hasShared)(`asr features ${hasShared ? '' : SHARED_MISSING}`, () => {
  const wav = join(REFERENCE_DIR, 'audio', 'espeak_en_us_16k.wav');

  it('prints JSON {shape, data} equal to torchaudio fbank with Kaldi option syntax', () => {
    const r = asr(['features', wav, '--num-mel-bins=80', '--snip-edges=false', '--window-type=hamming', '--use-energy=false']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { shape: [number, number]; data: number[][] };
    const jsonPath = join(REFERENCE_DIR, 'features', 'espeak_en_us_16k.fbank80_hamming_nosnip.json');
    const ref = readBin(jsonPath, readJson<{ output: BinDescriptor }>(jsonPath).output);
    expect(out.shape).toEqual(ref.shape);
    expect(maxAbsDiff(out.data.flat(), ref.data)).toBeLessThan(1e-3);
  });

  it('MFCC with Kaldi defaults (use-energy true) to .npy matches the compute-mfcc-feats reference', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-feat-'));
    const out = join(dir, 'f.npy');
    const r = asr(['features', wav, '--type', 'mfcc', '--output', out]);
    expect(r.code).toBe(0);
    const bytes = readFileSync(out);
    const hlen = bytes.readUInt16LE(8);
    expect(bytes.subarray(10, 10 + hlen).toString('latin1')).toContain("'shape': (289, 13)");
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + hlen, bytes.byteOffset + bytes.length));
    const jsonPath = join(REFERENCE_DIR, 'features', 'espeak_en_us_16k.mfcc13_kaldi_energy.json');
    const ref = readBin(jsonPath, readJson<{ output: BinDescriptor }>(jsonPath).output);
    expect(maxAbsDiff(data, ref.data)).toBeLessThan(2e-3);
    expect(readdirSync(dir)).toEqual(['f.npy']);
  });

  it('resamples 8 kHz input to 16 kHz and matches the end-to-end reference', () => {
    const r = asr(['features', join(REFERENCE_DIR, 'audio', 'espeak_en_us_8k.wav'), '--num-mel-bins', '80']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { shape: [number, number]; data: number[][] };
    const jsonPath = join(REFERENCE_DIR, 'resample', 'espeak_8k_to_16k.json');
    const j = readJson<Record<string, unknown>>(jsonPath);
    const desc = Object.values(j).find((v): v is BinDescriptor => typeof v === 'object' && v !== null && (v as BinDescriptor).file?.endsWith('.fbank80.bin'));
    expect(desc).toBeDefined();
    const ref = readBin(jsonPath, desc as BinDescriptor);
    expect(out.shape).toEqual(ref.shape);
    expect(maxAbsDiff(out.data.flat(), ref.data)).toBeLessThan(1e-3);
  });

  it('per-utterance CMVN and deltas change the output shape and statistics as expected', () => {
    const r = asr(['features', wav, '--num-mel-bins', '40', '--cmvn', 'utt', '--deltas']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { shape: [number, number]; data: number[][] };
    expect(out.shape).toEqual([289, 120]);
    const mean0 = out.data.reduce((s, row) => s + row[0], 0) / out.data.length;
    expect(Math.abs(mean0)).toBeLessThan(1e-3);
  });
});

describe('asr features: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asr-feat-bad-'));

  it('a missing file: one error line naming it, exit 1', () => {
    const r = asr(['features', join(dir, 'nope.wav')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('nope.wav');
  });

  it('a text file passed as audio, with --output: error, and no output file left behind', () => {
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'this is not audio\n');
    const out = join(dir, 'out.json');
    const r = asr(['features', txt, '--output', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^asr: error: .*notes\.txt: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('out.json'))).toEqual([]);
  });

  it('bad option values are named', () => {
    const wavPath = join(dir, 'x.wav');
    writeFileSync(wavPath, Buffer.alloc(0));
    expect(asr(['features', wavPath, '--snip-edges=maybe']).stderr).toMatch(/--snip-edges: expected true or false/);
    expect(asr(['features', wavPath, '--window-type=triangle']).stderr).toMatch(/--window-type/);
    expect(asr(['features', wavPath, '--type', 'plp']).stderr).toMatch(/--type/);
  });

  it('--verbose adds a stack trace', () => {
    const r = asr(['--verbose', 'features', join(dir, 'nope.wav')]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').length).toBeGreaterThan(2);
  });
});
