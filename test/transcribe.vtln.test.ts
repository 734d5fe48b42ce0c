import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/backend/index.js';
import { loadAudio, resample, writeWav } from '../src/audio/index.js';
import { vtlnFrom } from '../src/cli/adapt.js';
import { checkWarps, DEFAULT_WARPS, disposeRecognizer, loadRecognizer, selectVtlnWarp, spikeLogPosteriors, spreadOrder, transcribeFile } from '../src/transcribe/index.js';
import { buildOnce } from './helpers/build.js';

const ROOT = join(import.meta.dirname, '..');
const DIGITS = join(ROOT, 'models', 'digits');
const SAMPLE = join(ROOT, 'audio', 'digits-one-to-five.wav');

describe('--vtln parsing', () => {
  it('takes auto or a list of warps, and refuses anything else in one line', () => {
    expect(vtlnFrom(undefined)).toBeUndefined();
    expect(vtlnFrom('auto')).toEqual({});
    expect(vtlnFrom('0.9, 1,1.1')).toEqual({ warps: [0.9, 1, 1.1] });
    expect(() => vtlnFrom('0.9,x')).toThrow('--vtln: expected auto or comma-separated warp factors, got "0.9,x"');
    expect(() => vtlnFrom('')).toThrow('--vtln: expected auto');
    expect(() => checkWarps([0.9, 2])).toThrow('VTLN: warp factor 2 is outside 0.5-1.5');
    expect(() => checkWarps([])).toThrow('VTLN: no warp factors to try');
    expect(DEFAULT_WARPS).toContain(1);
    expect(vtlnFrom('auto', 'words')).toEqual({ criterion: 'words' });
    expect(vtlnFrom('0.9,1.1', 'frames')).toEqual({ warps: [0.9, 1.1], criterion: 'frames' });
    expect(vtlnFrom(undefined, 'frames')).toBeUndefined();
    expect(() => vtlnFrom('auto', 'likelihood')).toThrow('--vtln-criterion: expected frames or words, got "likelihood"');
  });
});

describe('spikeLogPosteriors', () => {
  it('averages only the frames whose best token is not blank, by that token', () => {
    const ln = Math.log;
    // 4 frames x 3 tokens (blank 0): blank, token 1 at 0.7, blank, token 2 at 0.5
    const data = Float32Array.from([0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.8, 0.1, 0.1, 0.3, 0.2, 0.5].map(ln));
    const s = spikeLogPosteriors({ data, frames: 4, vocab: 3 }, 0);
    expect(s.count).toBe(2);
    expect(s.sum).toBeCloseTo(ln(0.7) + ln(0.5), 5);
    // with token 2 as the blank, frames 0, 1 and 2 are the spikes
    const t = spikeLogPosteriors({ data, frames: 4, vocab: 3 }, 2);
    expect(t.count).toBe(3);
    expect(t.sum).toBeCloseTo(ln(0.9) + ln(0.7) + ln(0.8), 5);
    expect(spikeLogPosteriors({ data, frames: 0, vocab: 3 }, 0)).toEqual({ sum: 0, count: 0 });
  });
});

// The shipped digits model on a held-out sample played faster (formants raised, as a shorter vocal tract) and
// slower (lowered): the chosen warp moves the opposite way, as VTLN must to undo it.
describe.skipIf(!existsSync(join(DIGITS, 'config.json')))('selectVtlnWarp with models/digits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asr-vtln-'));
  const fast = join(dir, 'fast.wav');
  const slow = join(dir, 'slow.wav');

  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    const { samples } = await loadAudio(SAMPLE, { targetRate: 16000 });
    // played at 1.15x / 0.87x speed: the samples read as if recorded at a higher / lower rate
    await writeWav(fast, resample(samples, 18400, 16000), 16000);
    await writeWav(slow, resample(samples, 13920, 16000), 16000);
  }, 60_000);

  it.each(['frames', 'words'] as const)('picks a lower warp for raised formants than for lowered ones, and the view uses it (%s)', async (criterion) => {
    const r = loadRecognizer(DIGITS);
    try {
      const a = await selectVtlnWarp(r, [fast], { criterion });
      const b = await selectVtlnWarp(r, [slow], { criterion });
      expect(a.criterion).toBe(criterion);
      expect(a.scores.map((s) => s.warp)).toEqual(DEFAULT_WARPS);
      for (const s of [...a.scores, ...b.scores]) expect(s.score).toBeLessThanOrEqual(0);
      // the order is what VTLN must get right; where the pair falls depends on the model (the eighth digits pass took
      // 0.85-0.9 and 1.05-1.1, the ninth, with shrunk CMVN statistics, 0.85 and 0.9, the tenth 0.9 and 0.95, the twelfth
      // with the frame criterion 1 for the lowered file, which then keeps the model's own view)
      expect(a.warp).toBeLessThan(b.warp);
      expect(a.warp).toBeLessThan(1);
      expect(a.recognizer.features.options.vtlnWarp).toBe(a.warp);
      if (b.warp === 1) expect(b.recognizer).toBe(r);
      else expect(b.recognizer.features.options.vtlnWarp).toBe(b.warp);
      // the chosen warp is the best-scoring one
      expect(Math.max(...b.scores.map((s) => s.score))).toBe(b.scores.find((s) => s.warp === b.warp)?.score);
      const t = await transcribeFile(b.recognizer, slow);
      expect(t.text).toBe('one two three four five');
      // a file that cannot be read leaves the model as it is
      const none = await selectVtlnWarp(r, [join(dir, 'missing.wav')]);
      expect(none.warp).toBe(1);
      expect(none.recognizer).toBe(r);
    } finally {
      disposeRecognizer(r);
    }
  }, 120_000);

  it('asr transcribe --vtln names the warp it chose and transcribes with it', () => {
    buildOnce();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'asr.js'), 'transcribe', slow, '--model', DIGITS, '--vtln', '0.9,1.1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/asr transcribe: --vtln: warp (0\.9|1\.1) \(/);
    expect(r.stdout.trim()).toBe('one two three four five');
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'asr.js'), 'transcribe', slow, '--model', DIGITS, '--vtln', '3'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim()).toBe('asr: error: VTLN: warp factor 3 is outside 0.5-1.5');
  }, 120_000);
});

describe('spreadOrder', () => {
  it('visits every item once, and any prefix spreads over the whole list', () => {
    expect(spreadOrder([0, 1, 2, 3, 4, 5, 6, 7])).toEqual([0, 4, 2, 6, 1, 5, 3, 7]);
    const xs = Array.from({ length: 500 }, (_, i) => i);
    const o = spreadOrder(xs);
    expect([...o].sort((a, b) => a - b)).toEqual(xs);
    // the first 50 reach every tenth of the list
    const tenths = new Set(o.slice(0, 50).map((x) => Math.floor(x / 50)));
    expect(tenths.size).toBe(10);
    expect(spreadOrder([])).toEqual([]);
    expect(spreadOrder(['a'])).toEqual(['a']);
  });
});
