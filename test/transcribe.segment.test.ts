import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { createSegmenter, disposeRecognizer, loadRecognizer, transcribeFile, type AudioSegment } from '../src/transcribe/index.js';
import { noise, speech, speechWithPauses, writeTinyModel, writeWavFile } from './helpers/transcribe-fixtures.js';

const RATE = 16000;
let utterances: Float32Array[] = [];

/** First and last sample of an utterance louder than -40 dBFS: where the speech itself is. */
function active(u: Float32Array): [number, number] {
  let a = 0;
  let b = u.length - 1;
  while (a < u.length && Math.abs(u[a]) < 0.01) a++;
  while (b > a && Math.abs(u[b]) < 0.01) b--;
  return [a, b + 1];
}

function feed(samples: Float32Array, opts: Parameters<typeof createSegmenter>[0]): AudioSegment[] {
  const seg = createSegmenter(opts);
  const out: AudioSegment[] = [];
  // odd chunk sizes: segmentation must not depend on how the audio arrives
  for (let i = 0, k = 0; i < samples.length; k++) {
    const n = [4999, 16000, 333, 80000][k % 4];
    out.push(...seg.push(samples.subarray(i, Math.min(samples.length, i + n))));
    i += n;
  }
  out.push(...seg.flush());
  return out;
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  utterances = [await speech('four two seven'), await speech('nine oh one five'), await speech('three')];
}, 60_000);

describe('segmenter', () => {
  it('cuts 3 minutes of speech and pauses so every utterance lies whole inside one segment, in order, offsets kept', () => {
    const { samples, spans } = speechWithPauses(utterances, 180);
    expect(spans.length).toBeGreaterThan(25);
    const segs = feed(samples, { maxSegment: 20 });
    for (let i = 1; i < segs.length; i++) expect(segs[i].start).toBeGreaterThanOrEqual(segs[i - 1].start + segs[i - 1].samples.length);
    for (const s of segs) {
      expect(s.samples.length).toBeLessThanOrEqual(20 * RATE);
      // samples are the input's, at their offset
      const mid = s.start + (s.samples.length >> 1);
      expect(s.samples[s.samples.length >> 1]).toBe(samples[mid]);
    }
    spans.forEach(([start], k) => {
      const u = utterances[k % utterances.length];
      const [a, b] = active(u);
      const inside = segs.filter((s) => s.start <= start + a && s.start + s.samples.length >= start + b);
      expect(inside.length, `utterance ${k} at ${(start / RATE).toFixed(2)} s`).toBe(1);
    });
    // the long pauses are not recognised: far less audio is kept than read
    const kept = segs.reduce((n, s) => n + s.samples.length, 0);
    expect(kept).toBeLessThan(samples.length * 0.6);
  });

  it('cuts speech with no pause at maxSegment, covering it without gaps', () => {
    const parts: Float32Array[] = [];
    // 60 s of speech with only tiny gaps (trimmed utterances back to back)
    let n = 0;
    while (n < 60 * RATE) {
      const u = utterances[parts.length % 3];
      const [a, b] = active(u);
      parts.push(u.subarray(a, b));
      n += b - a;
    }
    const samples = new Float32Array(n);
    let o = 0;
    for (const p of parts) {
      samples.set(p, o);
      o += p.length;
    }
    const segs = feed(samples, { maxSegment: 8, minSilence: 5 });
    expect(segs.length).toBeGreaterThanOrEqual(Math.ceil(60 / 8));
    for (const s of segs) expect(s.samples.length).toBeLessThanOrEqual(8 * RATE);
    expect(segs[0].start).toBe(0);
    for (let i = 1; i < segs.length; i++) expect(segs[i].start).toBe(segs[i - 1].start + segs[i - 1].samples.length);
  });

  it('yields nothing for silence and noise alone', () => {
    expect(feed(new Float32Array(30 * RATE), {})).toEqual([]);
    expect(feed(noise(30 * RATE, 0.01), {})).toEqual([]);
  });
});

describe('transcribeFile on a long file', () => {
  it('keeps word times in file time, monotonic, inside their segments, with bounded memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-tr-seg-'));
    const { samples, spans } = speechWithPauses(utterances, 180);
    const wav = join(dir, 'long.wav');
    writeWavFile(wav, samples);
    await writeTinyModel(join(dir, 'model'));
    const r = loadRecognizer(join(dir, 'model'));
    // the WAV arrives as a stream; counting the bytes pulled shows how far reading runs ahead of recognition
    const bytes = readFileSync(wav);
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < bytes.length; i += 8192) {
          pulled = Math.min(bytes.length, i + 8192);
          yield bytes.subarray(i, i + 8192);
        }
      })(),
    );
    let maxAhead = 0;
    const t = await transcribeFile(r, source, {
      segmenter: { maxSegment: 20 },
      chunkSeconds: 2,
      onProgress: (seconds) => {
        maxAhead = Math.max(maxAhead, (pulled - 44) / 2 / RATE - seconds);
      },
    });
    disposeRecognizer(r);
    expect(t.duration).toBeCloseTo(samples.length / RATE, 3);
    expect(t.segments.length).toBeGreaterThan(10);
    expect(t.words.length).toBeGreaterThan(10);
    for (let i = 1; i < t.words.length; i++) expect(t.words[i].start).toBeGreaterThanOrEqual(t.words[i - 1].start);
    for (const s of t.segments) {
      expect(s.end - s.start).toBeLessThanOrEqual(20 + 1e-9);
      for (const w of s.words) {
        expect(w.start).toBeGreaterThanOrEqual(s.start - 1e-9);
        expect(w.end).toBeLessThanOrEqual(s.end + 1e-9);
        expect(w.end).toBeGreaterThanOrEqual(w.start);
        expect(w.confidence).toBeGreaterThanOrEqual(0);
        expect(w.confidence).toBeLessThanOrEqual(1);
      }
    }
    // words only where there is speech: every word overlaps some utterance's span (with the segment padding)
    for (const w of t.words) {
      const near = spans.some(([a, b]) => w.end >= a / RATE - 0.3 && w.start <= b / RATE + 0.3);
      expect(near, `word at ${w.start} s`).toBe(true);
    }
    // bounded memory: audio is read at most a segment (20 s), a chunk (2 s) and the stream's buffers ahead of the
    // recognised audio, not the whole 3 minutes
    expect(maxAhead).toBeLessThan(20 + 2 + 3);
    expect(maxAhead).toBeGreaterThan(0);
  }, 120_000);
});
