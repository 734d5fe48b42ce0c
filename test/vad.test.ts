import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, loadAudio } from '../src/audio/index.js';
import { createVad, parseVadKind, VadTrack, VAD_KINDS, type Vad, type VadKind } from '../src/stream/vad.js';
import { createSegmenter } from '../src/transcribe/segmenter.js';
import { DEFAULT_VAD_TRAILING_SILENCE } from '../src/stream/endpoint.js';
import { DATA_DIR } from './helpers/reference.js';

const RATE = 16000;
const ROOT = join(import.meta.dirname, '..');
const DIGITS = join(ROOT, 'models', 'digits');
const FSDD = join(DATA_DIR, 'fsdd', 'wav');

/** Low white noise, deterministic, at about `db` dBFS. */
function quietNoise(n: number, db: number, seed = 7): Float32Array {
  const a = Math.sqrt(12) * 10 ** (db / 20);
  let s = seed;
  return new Float32Array(n).map(() => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * a;
  });
}

/** WebRTC's noise model starts from nothing: it calls the first 3 frames (90 ms) of a noisy stream speech. */
const warmup = (kind: VadKind): number => (kind === 'webrtc' ? 0.1 * RATE : 0);

/** Runs a detector over `x` in 100 ms blocks; the decision per frame. */
async function decisions(vad: Vad, x: Float32Array): Promise<Uint8Array> {
  vad.reset();
  const out: number[] = [];
  for (let i = 0; i < x.length; i += 1600) out.push(...(await vad.accept(x.subarray(i, i + 1600))).speech);
  out.push(...(await vad.flush()).speech);
  return Uint8Array.from(out);
}

/** Fraction of speech decisions among the frames wholly inside samples [a, b). */
function speechShare(d: Uint8Array, frame: number, a: number, b: number): number {
  let n = 0;
  let s = 0;
  for (let f = Math.ceil(a / frame); (f + 1) * frame <= b; f++, n++) s += d[f];
  return s / n;
}

describe('voice activity detectors', () => {
  const vads = new Map<VadKind, Vad>();
  beforeAll(async () => {
    for (const kind of VAD_KINDS) vads.set(kind, await createVad({ kind }));
  }, 60_000);
  afterAll(() => {
    for (const v of vads.values()) v.dispose();
  });

  it('a bad kind is one clear error', async () => {
    expect(() => parseVadKind('rnnoise')).toThrow("--vad: unknown voice activity detector 'rnnoise' (expected silero, webrtc, energy)");
    await expect(createVad({ kind: 'bogus' as VadKind })).rejects.toThrow(/unknown voice activity detector 'bogus'/);
    await expect(createVad({ kind: 'silero', threshold: 2 })).rejects.toThrow(/threshold/);
    await expect(createVad({ kind: 'webrtc', mode: 7 as 0 })).rejects.toThrow(/mode must be 0-3/);
  });

  it('digital silence and low noise (-60 dBFS) are not speech', async () => {
    for (const [kind, vad] of vads) {
      for (const x of [new Float32Array(3 * RATE), quietNoise(3 * RATE, -60)]) {
        const d = await decisions(vad, x);
        expect(d.length, kind).toBe(Math.ceil(x.length / vad.frameSamples));
        expect(speechShare(d, vad.frameSamples, warmup(kind), x.length), kind).toBe(0);
      }
    }
  });

  it.skipIf(!existsSync(FSDD))('a real spoken digit (FSDD, 8 kHz resampled) in low noise is speech, the noise around it is not', async () => {
    for (const file of ['3_jackson_0.wav', '7_theo_12.wav', '0_nicolas_5.wav']) {
      const clip = Float32Array.from((await loadAudio(join(FSDD, file))).samples);
      const x = quietNoise(RATE + clip.length + RATE, -60, file.length);
      for (let i = 0; i < clip.length; i++) x[RATE + i] += clip[i];
      for (const [kind, vad] of vads) {
        const d = await decisions(vad, x);
        const at = `${kind} on ${file}`;
        // FSDD clips are trimmed to the word: most of the clip is speech (the energy rule misses the quiet half of
        // theo's -40 dBFS word: the benchmark's weakest detector)
        expect(speechShare(d, vad.frameSamples, RATE, RATE + clip.length), at).toBeGreaterThan(kind === 'energy' ? 0.35 : 0.6);
        // before the clip, and from 0.3 s after it (a detector's hangover), nothing
        expect(speechShare(d, vad.frameSamples, warmup(kind), RATE - 0.05 * RATE), at).toBe(0);
        expect(speechShare(d, vad.frameSamples, RATE + clip.length + 0.3 * RATE, x.length), at).toBe(0);
      }
    }
  });

  it('decisions do not depend on how the samples arrive; only silero is asynchronous', async () => {
    const x = quietNoise(RATE, -20);
    for (const [kind, vad] of vads) {
      vad.reset();
      const whole = await vad.accept(x);
      vad.reset();
      const probs: number[] = [];
      for (let i = 0, k = 0; i < x.length; k++) {
        const n = [1, 333, 4999, 17][k % 4];
        probs.push(...(await vad.accept(x.subarray(i, i + n))).probs);
        i += n;
      }
      expect(probs, kind).toEqual(Array.from(whole.probs));
      expect(vad.synchronous, kind).toBe(kind !== 'silero');
      if (kind === 'silero') expect(() => vad.acceptSync(x)).toThrow(/asynchronously/);
      else expect(Array.from((vad.reset(), vad.acceptSync(x)).probs)).toEqual(Array.from(whole.probs));
    }
  });

  it('the segmenter cuts where speechAt says, not where the energy is', () => {
    // loud noise throughout: the energy rule alone sees one long stretch of speech
    const x = quietNoise(8 * RATE, -20);
    const speechIn = (s: number): boolean => (s >= 1 * RATE && s < 2 * RATE) || (s >= 5 * RATE && s < 6 * RATE);
    const seg = createSegmenter({ speechAt: speechIn, minSegment: 0.5, padding: 0.1 });
    const out = [...seg.push(x.subarray(0, 12345)), ...seg.push(x.subarray(12345)), ...seg.flush()];
    expect(out.map((s) => [s.start / RATE, (s.start + s.samples.length) / RATE])).toEqual([
      [0.9, 2.1],
      [4.9, 6.1],
    ]);
  });

  it('VadTrack: last speech end and decisions by sample', () => {
    const t = new VadTrack(512);
    t.push({ probs: new Float32Array(4), speech: Uint8Array.from([0, 1, 1, 0]) });
    expect(t.covered).toBe(2048);
    expect(t.lastSpeechEnd).toBe(1536);
    expect([0, 600, 1535, 1536, 9999].map((s) => t.speechAt(s))).toEqual([false, true, true, false, false]);
  });
});

describe.skipIf(!existsSync(join(DIGITS, 'config.json')))('streaming recognizer with a VAD (shipped models/digits)', () => {
  it('ends the utterance after the VAD silence (rule 2, sooner than CTC blanks), sync and async detectors', async () => {
    const { initBackend } = await import('../src/backend/index.js');
    const { createStreamingRecognizer, loadStreamingAssets } = await import('../src/stream/index.js');
    const { disposeModel } = await import('../src/model/index.js');
    await initBackend({ backend: 'wasm', threads: 1 });
    const clip = Float32Array.from((await loadAudio(join(ROOT, 'audio', 'digits-one-to-five.wav'))).samples);
    const x = new Float32Array(clip.length + 3 * RATE);
    x.set(clip);
    x.set(quietNoise(3 * RATE, -65), clip.length);
    const assets = loadStreamingAssets(DIGITS);
    /** Seconds of audio accepted when the first final came, its rule, and the texts. */
    const run = async (kind: VadKind | null): Promise<{ at: number; rule: number; texts: string[] }> => {
      const vad = kind === null ? undefined : await createVad({ kind });
      const rec = createStreamingRecognizer({ ...assets, chunkMs: 320, decode: { beamWidth: 8 }, vad });
      let at = -1;
      let rule = -1;
      const texts: string[] = [];
      rec.on('final', (e) => {
        if (at < 0) [at, rule] = [rec.audioSeconds, e.rule ?? -1];
        texts.push(e.text);
      });
      for (let i = 0; i < x.length; i += 1600) await rec.acceptAsync(x.subarray(i, i + 1600), RATE);
      if (kind === 'silero') expect(() => rec.accept(x.subarray(0, 160))).toThrow(/acceptAsync/);
      rec.finish();
      rec.dispose();
      vad?.dispose();
      return { at, rule, texts };
    };
    const end = clip.length / RATE;
    const blanks = await run(null);
    expect(blanks.rule).toBe(2);
    for (const kind of ['silero', 'webrtc'] as const) {
      const r = await run(kind);
      // one utterance, ended by rule 2 before the input ended, with words in it
      expect(r.rule, kind).toBe(2);
      expect(r.texts.length, kind).toBe(1);
      expect(r.texts[0].split(' ').length, kind).toBeGreaterThanOrEqual(4);
      // the VAD's silence (silero 0.5 s, webrtc 0.8 s), checked after each 320 ms chunk: sooner than 1.2 s of CTC blanks
      expect(r.at, kind).toBeGreaterThan(end + DEFAULT_VAD_TRAILING_SILENCE[kind]);
      expect(r.at, kind).toBeLessThan(blanks.at);
      if (kind === 'silero') expect(r.at).toBeLessThan(end + 1.2);
    }
    disposeModel(assets.model);
  }, 60_000);
});

describe.skipIf(!existsSync(join(DIGITS, 'config.json')))('transcribeFile with a VAD (shipped models/digits)', () => {
  it('cuts a long input at the pauses the VAD finds: each digit string whole in its own segment', async () => {
    const { initBackend } = await import('../src/backend/index.js');
    const { disposeRecognizer, loadRecognizer, transcribeFile } = await import('../src/transcribe/index.js');
    await initBackend({ backend: 'wasm', threads: 1 });
    const clip = Float32Array.from((await loadAudio(join(ROOT, 'audio', 'digits-one-to-five.wav'))).samples);
    const gap = Math.round(1.3 * RATE);
    const x = quietNoise(gap + 3 * (clip.length + gap), -45);
    const starts = [0, 1, 2].map((k) => gap + k * (clip.length + gap));
    for (const a of starts) for (let i = 0; i < clip.length; i++) x[a + i] += clip[i];
    const dir = mkdtempSync(join(tmpdir(), 'asr-vad-'));
    const wav = join(dir, 'three.wav');
    writeFileSync(wav, encodeWav(x, RATE));
    const r = loadRecognizer(DIGITS);
    const vad = await createVad({ kind: 'silero' });
    try {
      // maxSegment 2 s: the 8 s input is segmented; 0.7 s chunks end inside VAD frames
      const t = await transcribeFile(r, wav, { segmenter: { maxSegment: 2 }, chunkSeconds: 0.7, vad });
      // the detector saw the whole input (its last partial frame padded)
      expect(vad.frames).toBe(Math.ceil(x.length / vad.frameSamples));
      expect(t.segments.length).toBe(3);
      t.segments.forEach((s, k) => {
        expect(s.start).toBeLessThanOrEqual(starts[k] / RATE);
        expect(s.end).toBeGreaterThanOrEqual((starts[k] + clip.length) / RATE - 0.05);
        expect(s.words.length).toBeGreaterThanOrEqual(4);
      });
    } finally {
      vad.dispose();
      disposeRecognizer(r);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
