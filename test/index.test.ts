import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildOnce } from './helpers/build.js';
import { DATA_DIR, hasShared } from './helpers/reference.js';

// The package entry (what `import ... from 'asr-ts'` loads) exposes the typed functions the CLI is built on.
describe('package main entry', () => {
  it('exports read audio, resample, fbank, mfcc, cmvn and wer as working functions', async () => {
    buildOnce();
    const asr = await import('../dist/index.js');
    const sine = new Float64Array(8000).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    const up = asr.resample(sine, 8000, 16000);
    expect(up.length).toBe(16000);
    const fb = asr.fbank(up, { numMelBins: 40 });
    expect([fb.numFrames, fb.dim]).toEqual([98, 40]);
    const mf = asr.mfcc(up);
    expect(mf.dim).toBe(13);
    const normed = asr.applyUtteranceCmvn(fb, true);
    let mean = 0;
    for (let f = 0; f < normed.numFrames; f++) mean += normed.data[f * normed.dim + 3];
    expect(Math.abs(mean / normed.numFrames)).toBeLessThan(1e-4);
    expect(asr.wer('the cat sat', 'the cat sat down')).toBeCloseTo(1 / 3, 10);
    expect(typeof asr.features.fbank).toBe('function');
    expect(typeof asr.model.createModel).toBe('function');
  });

  it('transcribes a file with the shipped digits model through the library (what asr transcribe does)', async () => {
    buildOnce();
    const asr = await import('../dist/index.js');
    await asr.initBackend({ backend: 'cpu' });
    const root = join(__dirname, '..');
    const r = asr.loadRecognizer(join(root, 'models', 'digits'));
    try {
      const t = await asr.transcribeFile(r, join(root, 'audio', 'digits-one-to-five.wav'));
      expect(t.text).toBe('one two three four five');
      expect(t.words.map((w) => w.word)).toEqual(['one', 'two', 'three', 'four', 'five']);
      expect(asr.formatTranscript(t, 'txt')).toBe('one two three four five\n');
      expect(typeof asr.evaluateManifest).toBe('function');
      expect(typeof asr.transcribe.batchNormView).toBe('function');
    } finally {
      asr.disposeRecognizer(r);
    }
  }, 60_000);

  it.skipIf(!hasShared)('reads real FLAC through loadAudio at 16 kHz', async () => {
    buildOnce();
    const asr = await import('../dist/index.js');
    const { readdirSync } = await import('node:fs');
    const dir = join(DATA_DIR, 'librispeech_test_clean_1089');
    const flac = readdirSync(dir, { recursive: true }).map(String).find((f) => f.endsWith('.flac'));
    expect(flac).toBeDefined();
    const audio = await asr.loadAudio(join(dir, flac as string));
    expect(audio.sampleRate).toBe(16000);
    expect(audio.samples.length).toBeGreaterThan(16000);
  });
});
