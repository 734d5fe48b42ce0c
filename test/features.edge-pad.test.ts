import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { padEdges } from '../src/features/edge-pad.js';
import { parseFeatureConfig } from '../src/features/config-file.js';
import { edgePadSeconds, segmentFeatures } from '../src/transcribe/acoustic.js';
import { featuresJson, rawFeatures } from '../src/train/frontend.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { initBackend } from '../src/backend/index.js';
import { loadAudio } from '../src/audio/index.js';
import { disposeRecognizer, loadRecognizer, recognizeSegment } from '../src/transcribe/index.js';

const ROOT = join(import.meta.dirname, '..');
const DIGITS = join(ROOT, 'models', 'digits');

/** A 0.5 s 440 Hz tone at 0.3 full scale: [8000]. */
const tone = Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000));

describe('edge padding (quiet noise around a segment before its features)', () => {
  it('adds seeded noise of the given level at both ends and keeps the samples in between', () => {
    const out = padEdges(tone, 16000, { seconds: 0.1, level: 3e-4 });
    expect(out.length).toBe(8000 + 2 * 1600);
    expect(Array.from(out.subarray(1600, 9600))).toEqual(Array.from(tone));
    for (const edge of [out.subarray(0, 1600), out.subarray(9600)]) {
      const rms = Math.sqrt(edge.reduce((a, v) => a + v * v, 0) / edge.length);
      expect(rms).toBeGreaterThan(2.5e-4);
      expect(rms).toBeLessThan(3.5e-4);
    }
    expect(Array.from(padEdges(tone, 16000, { seconds: 0.1, level: 3e-4 }))).toEqual(Array.from(out));
    expect(padEdges(tone, 16000, { seconds: 0, level: 3e-4 }).length).toBe(8000);
  });

  it('is read from features.json, validated, and adds its frames at inference', () => {
    const base = { type: 'fbank', options: { numMelBins: 40 }, normalize: 'utterance' };
    const c = parseFeatureConfig({ ...base, edgePad: { seconds: 0.2, level: 3e-4 } }, 'm/features.json');
    expect(c.edgePad).toEqual({ seconds: 0.2, level: 3e-4 });
    expect(edgePadSeconds(c)).toBeCloseTo(0.2, 6);
    expect(() => parseFeatureConfig({ ...base, edgePad: { seconds: -1, level: 0 } }, 'm/features.json')).toThrow(/m\/features.json.*edgePad/);
    expect(() => parseFeatureConfig({ ...base, edgePad: 0.2 }, 'm/features.json')).toThrow(/edgePad must be/);
    const plain = parseFeatureConfig(base, 'm/features.json');
    expect(edgePadSeconds(plain)).toBe(0);
    // 0.2 s at each end = 3,200 samples = 40 more 10 ms frames
    expect(segmentFeatures(tone, c).numFrames - segmentFeatures(tone, plain).numFrames).toBe(40);
  });

  it('is a training feature option that training applies and writes to features.json', () => {
    expect(resolveTrainConfig({ features: { edgePad: 0.1 } }).features.edgePad).toBe(0.1);
    expect(() => resolveTrainConfig({ features: { edgePad: -0.1 } })).toThrow(/edgePad must be seconds/);
    const band = { lowFreq: 20, highFreq: 3800, edgePad: 0.1 };
    expect(rawFeatures(tone, 40, band).numFrames - rawFeatures(tone, 40, { lowFreq: 20, highFreq: 3800 }).numFrames).toBe(20);
    const written = parseFeatureConfig(JSON.parse(featuresJson(40, band)), 'features.json');
    expect(written.edgePad?.seconds).toBe(0.1);
    expect(parseFeatureConfig(JSON.parse(featuresJson(40, { lowFreq: 20, highFreq: 3800 })), 'features.json').edgePad).toBeUndefined();
  });
});

describe.skipIf(!existsSync(join(DIGITS, 'config.json')))('edge padding and word times', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  }, 60_000);

  it('word times are measured from the segment\'s first sample, not from the padding', async () => {
    const r = loadRecognizer(DIGITS);
    try {
      const samples = (await loadAudio(join(ROOT, 'audio', 'digits-one-to-five.wav'), { targetRate: 16000 })).samples;
      const seconds = samples.length / 16000;
      const timesWith = (pad: number): { word: string; start: number; end: number }[] => {
        r.features = { ...r.features, edgePad: { seconds: pad, level: 3e-4 } };
        return recognizeSegment(r, samples, 0).words;
      };
      const a = timesWith(0);
      const b = timesWith(0.2);
      expect(b.map((w) => w.word)).toEqual(a.map((w) => w.word));
      expect(a.length).toBeGreaterThan(2);
      // without the correction every time would move by 0.2 s; frames are 40 ms, and the widened spans' bounds
      // (halfway between firings, src/transcribe/word-spans.ts) move with the firings
      a.forEach((w, i) => {
        expect(Math.abs(b[i].start - w.start)).toBeLessThanOrEqual(0.12);
        expect(b[i].end).toBeLessThanOrEqual(seconds);
      });
    } finally {
      disposeRecognizer(r);
    }
  });
});
