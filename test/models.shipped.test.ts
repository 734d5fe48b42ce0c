import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildOnce } from './helpers/build.js';
import { scorePairs } from '../src/eval/index.js';

const ROOT = join(import.meta.dirname, '..');
const DIGITS = join(ROOT, 'models', 'digits');

// The shipped digits model as a user gets it: its files, its size, and transcription of the held-out samples in
// audio/ (spoken by a voice reserved from training) through the CLI with the model's own features.json and LM.
describe.skipIf(!existsSync(join(DIGITS, 'config.json')))('shipped models/digits', () => {
  it('has the model-directory files and stays under 20 MB', () => {
    const files = readdirSync(DIGITS);
    for (const f of ['config.json', 'model.safetensors', 'tokens.txt', 'features.json']) expect(files).toContain(f);
    const bytes = files.reduce((a, f) => a + statSync(join(DIGITS, f)).size, 0);
    expect(bytes).toBeLessThan(20e6);
  });

  it('transcribes the digit samples in audio/ with WER under 40%', () => {
    buildOnce();
    const wavs = readdirSync(join(ROOT, 'audio')).filter((f) => f.startsWith('digits-') && f.endsWith('.wav'));
    expect(wavs.length).toBeGreaterThan(0);
    const pairs = wavs.map((w) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'asr.js'), 'transcribe', join(ROOT, 'audio', w), '--model', DIGITS], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      return { id: w, ref: readFileSync(join(ROOT, 'audio', w.replace(/\.wav$/, '.txt')), 'utf8').trim(), hyp: r.stdout.trim() };
    });
    const { totals } = scorePairs(pairs);
    expect(totals.refWords).toBeGreaterThan(5);
    expect(totals.wer).not.toBeNull();
    expect(totals.wer as number).toBeLessThan(0.4);
  });
});
