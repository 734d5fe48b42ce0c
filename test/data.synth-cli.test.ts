import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { synthesizeCorpus, type SynthRunOptions } from '../src/data/synth.js';
import { resolveVoices } from '../src/data/voices.js';
import { augmentProfile } from '../src/data/augment/chain.js';
import { buildOnce } from './helpers/build.js';

/** Every file under dir (relative path -> sha256), to compare corpora byte for byte. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function textFile(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'asr-synth-text-'));
  const f = join(dir, 'lines.txt');
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

const SMALL_VOICES = 'espeak:en-us+m3,espeak:en-gb-scotland+f2,flite:awb,flite:rms,gnuspeech:female';

function options(text: string, outDir: string, extra: Partial<SynthRunOptions> = {}): SynthRunOptions {
  return {
    textFile: text, outDir, voices: resolveVoices(SMALL_VOICES), perLine: 2, seed: 3, speakersPerVoice: 4,
    augment: { name: 'default', profile: augmentProfile('default') }, jobs: 0, ...extra,
  };
}


const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');

describe('asr data synth (CLI, worker threads)', () => {
  beforeAll(() => buildOnce(), 120_000);

  function asr(args: string[]): { code: number; stderr: string; stdout: string } {
    const r = spawnSync(process.execPath, [ASR, ...args], { encoding: 'utf8' });
    return { code: r.status ?? -1, stderr: r.stderr, stdout: r.stdout };
  }

  it('renders in parallel to the same bytes as the in-process run, and resumes after a kill', async () => {
    const base = mkdtempSync(join(tmpdir(), 'asr-synth-cli-'));
    const digits = join(base, 'digits.txt');
    expect(asr(['data', 'digits', '--count', '8', '--max-length', '3', '--seed', '2', '--out', digits]).code).toBe(0);
    const args = ['data', 'synth', '--text', digits, '--voices', SMALL_VOICES, '--per-line', '2', '--seed', '3', '--speakers-per-voice', '4'];
    const r = asr([...args, '--out', join(base, 'par'), '--jobs', '2']);
    expect(r.stderr).toMatch(/16 utterances \(16 rendered now\)/);
    expect(r.code).toBe(0);
    await synthesizeCorpus(options(digits, join(base, 'seq')));
    expect(tree(join(base, 'par'))).toEqual(tree(join(base, 'seq')));

    // kill the process once a few utterances are journaled, then run the same command again
    const out = join(base, 'killed');
    const child = spawn(process.execPath, [ASR, ...args, '--out', out, '--jobs', '2'], { stdio: 'ignore' });
    const journal = join(out, '.synth-journal.jsonl');
    const t0 = Date.now();
    while (Date.now() - t0 < 20000) {
      if (existsSync(journal) && statSync(journal).size > 0 && readFileSync(journal, 'utf8').split('\n').length > 4) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    child.kill('SIGKILL');
    await new Promise((res) => child.on('exit', res));
    const before = readFileSync(journal, 'utf8').trim().split('\n').length;
    expect(before).toBeGreaterThanOrEqual(4);
    expect(existsSync(join(out, 'manifest.jsonl'))).toBe(false);
    const again = asr([...args, '--out', out, '--jobs', '2']);
    expect(again.code).toBe(0);
    const rendered = Number(/\((\d+) rendered now\)/.exec(again.stderr)?.[1]);
    expect(rendered).toBeLessThan(16);
    expect(rendered).toBeGreaterThan(0);
    expect(tree(out)).toEqual(tree(join(base, 'seq')));
  });

  it('bad input: one clear line, exit 1, nothing written', () => {
    const base = mkdtempSync(join(tmpdir(), 'asr-synth-cli-'));
    const text = textFile(['hello there']);
    const out = join(base, 'out');
    const unknown = asr(['data', 'synth', '--text', text, '--out', out, '--voices', 'flite:nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("asr: error: --voices: unknown voice 'flite:nobody' (see `asr data voices`)\n");
    const reserved = asr(['data', 'synth', '--text', text, '--out', out, '--voices', 'flite:slt']);
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toMatch(/^asr: error: --voices: flite:slt is reserved for testing.*--allow-reserved/);
    const badText = textFile(['ok', '\u0627\u0644\u0633\u0644\u0627\u0645']);
    const bad = asr(['data', 'synth', '--text', badText, '--out', out, '--voices', 'flite:rms']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^asr: error: .*lines\.txt: line 2: no voice can speak/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('lists voices with their licenses and marks the reserved ones', () => {
    const r = asr(['data', 'voices']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/flite:slt .*RESERVED/);
    expect(r.stdout).toMatch(/flite:awb .*CMU ARCTIC.* ok/);
    expect(r.stdout).toMatch(/espeak-mbrola:mb-us1 .*NOT free/);
    const j = JSON.parse(asr(['data', 'voices', '--json', '--voices', 'default', '--license-free']).stdout) as { id: string; reserved: boolean }[];
    expect(j.length).toBeGreaterThan(500);
    expect(j.some((v) => v.reserved)).toBe(false);
  });
});
