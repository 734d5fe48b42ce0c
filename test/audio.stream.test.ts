import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  audioChunks, loadAudio, readAudio, decodeAudio, openAudioStream, resample, encodeWav,
  type RawEncoding, type RawPcmFormat,
} from '../src/audio/index.js';
import { REFERENCE_DIR, DATA_DIR, hasShared, maxAbsDiff } from './helpers/reference.js';
import { concatChunks, concatFloat, floatBytes, hasTool, intBytes, randomInts, tempDir } from './audio.fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const c of it) out.push(c);
  return out;
}

/** A Readable giving `bytes` in pieces of the given sizes (cycled), to split headers and frames anywhere. */
function piecewise(bytes: Uint8Array, sizes: number[]): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]);
    pieces.push(Buffer.from(bytes.subarray(i, i + n)));
    i += n;
  }
  return Readable.from(pieces);
}

describe.skipIf(!hasShared)('audioChunks (mono, 16 kHz, fixed-size chunks) on real files', () => {
  const stereo = join(REFERENCE_DIR, 'audio', 'stereo_44k1.wav');

  it('stereo 44.1 kHz WAV: chunks of exactly chunkSeconds, concatenated == loadAudio', async () => {
    const chunks = await collect(audioChunks(stereo, { chunkSeconds: 0.37, readBytes: 5000 }));
    const size = Math.round(0.37 * 16000);
    expect(chunks.slice(0, -1).every((c) => c.length === size)).toBe(true);
    expect(chunks[chunks.length - 1].length).toBeLessThanOrEqual(size);
    const whole = await loadAudio(stereo);
    expect(maxAbsDiff(concatFloat(chunks), whole.samples)).toBe(0);
  });

  it('one channel instead of the mean; targetRate null keeps the rate', async () => {
    const a = await readAudio(stereo);
    const right = concatFloat(await collect(audioChunks(stereo, { channel: 1, chunkSeconds: 1 })));
    expect(maxAbsDiff(right, resample(a.channels[1], 44100, 16000))).toBe(0);
    const native = concatFloat(await collect(audioChunks(stereo, { targetRate: null, channel: 0 })));
    expect(maxAbsDiff(native, a.channels[0])).toBe(0);
    const loaded = await loadAudio(stereo, { mono: false });
    expect(loaded.channels).toHaveLength(2);
    expect(maxAbsDiff(loaded.channels![1], right)).toBe(0);
  });

  it('streamed FLAC through audioChunks == loadAudio', async () => {
    const flac = join(DATA_DIR, 'librispeech_test_clean_1089', 'test-clean', '1089', '134686', '1089-134686-0001.flac');
    const chunks = await collect(audioChunks(flac, { chunkSeconds: 0.5, readBytes: 4096 }));
    expect(chunks.length).toBeGreaterThan(5);
    expect(maxAbsDiff(concatFloat(chunks), (await loadAudio(flac)).samples)).toBe(0);
  });

  it.skipIf(!hasTool('mkfifo'))('a named pipe (as /dev/stdin is) is read as a stream', async () => {
    const fifo = join(dir, 'pipe.wav');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat "${stereo}" > "${fifo}"`]);
    const closed = new Promise((resolve) => writer.on('close', resolve));
    const viaPipe = concatFloat(await collect(audioChunks(fifo, { chunkSeconds: 1 })));
    await closed;
    expect(maxAbsDiff(viaPipe, (await loadAudio(stereo)).samples)).toBe(0);
  });

  it('a WAV from a Readable split at odd places (inside the header, inside frames) == the file', async () => {
    const bytes = new Uint8Array(readFileSync(stereo));
    const viaStream = concatFloat(await collect(audioChunks(piecewise(bytes, [3, 1, 17, 1000, 4097, 2]), { chunkSeconds: 2 })));
    expect(maxAbsDiff(viaStream, (await loadAudio(stereo)).samples)).toBe(0);
  });
});

describe('headerless PCM', () => {
  const k = 2;
  const ints16 = randomInts(2 * 500, -32768, 32767, 5);
  const cases: [RawEncoding, Uint8Array, number[]][] = [
    ['s16le', intBytes(ints16, 2), ints16.map((v) => v / 32768)],
    ['s24le', intBytes(ints16.map((v) => v * 256 + 17), 3), ints16.map((v) => (v * 256 + 17) / 2 ** 23)],
    ['s32le', intBytes(ints16.map((v) => v * 65536 + 3), 4), ints16.map((v) => Math.fround((v * 65536 + 3) / 2 ** 31))],
    ['f32le', floatBytes(ints16.map((v) => v / 30000), 4), ints16.map((v) => Math.fround(v / 30000))],
    ['f64le', floatBytes(ints16.map((v) => v / 30000), 8), ints16.map((v) => Math.fround(v / 30000))],
    ['u8', Uint8Array.from(ints16, (v) => (v >> 8) + 128), ints16.map((v) => (v >> 8) / 128)],
  ];
  for (const [encoding, bytes, expected] of cases) {
    it(`${encoding}: decodes as the convention says, from memory, a file and a Readable`, async () => {
      const raw: RawPcmFormat = { encoding, sampleRate: 8000, channels: k };
      const left = expected.filter((_, i) => i % 2 === 0);
      const right = expected.filter((_, i) => i % 2 === 1);
      const a = await decodeAudio(bytes, 'x.raw', { raw });
      expect(a.sampleRate).toBe(8000);
      expect(maxAbsDiff(a.channels[0], left)).toBe(0);
      expect(maxAbsDiff(a.channels[1], right)).toBe(0);
      const path = join(dir, `x.${encoding}`);
      writeFileSync(path, bytes);
      expect(maxAbsDiff((await readAudio(path, { raw })).channels[1], right)).toBe(0);
      const s = await openAudioStream(piecewise(bytes, [5, 3, 100]), { raw });
      const chunks: Float32Array[][] = [];
      for await (const c of s.chunks()) chunks.push(c);
      expect(maxAbsDiff(concatChunks(chunks, k)[0], left)).toBe(0);
    });
  }

  it('a trailing partial frame is dropped with one warning naming the input', async () => {
    const warnings: string[] = [];
    const bytes = intBytes([1, 2, 3, 4, 5], 2); // 2 channels: 2 whole frames + 2 bytes
    const a = await decodeAudio(bytes, 'odd.raw', { raw: { encoding: 's16le', sampleRate: 16000, channels: 2 }, onWarning: (m) => warnings.push(m) });
    expect(a.channels[0]).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^odd\.raw: .*partial frame/);
  });

  it('bad raw layouts are named', async () => {
    const b = new Uint8Array(8);
    await expect(decodeAudio(b, 'x', { raw: { encoding: 's8' as RawEncoding, sampleRate: 16000, channels: 1 } })).rejects.toThrow(/encoding 's8'/);
    await expect(decodeAudio(b, 'x', { raw: { encoding: 's16le', sampleRate: 0, channels: 1 } })).rejects.toThrow(/sample rate/);
    await expect(decodeAudio(b, 'x', { raw: { encoding: 's16le', sampleRate: 16000, channels: 0 } })).rejects.toThrow(/channel count/);
  });
});

describe('live streams', () => {
  it('a WAV arriving over time yields audio before the writer has finished (no waiting for 1 MiB)', async () => {
    const x = Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i / 10) * 0.5);
    const wav = encodeWav(x, 16000);
    const pipe = new PassThrough();
    pipe.write(Buffer.from(wav.subarray(0, 44 + 3201))); // header and 1600.5 frames
    const s = await openAudioStream(pipe, { name: '<pipe>' });
    const it = s.chunks();
    const rest: Float32Array[][] = [];
    let got = 0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('stream held the audio back')), 3000);
    });
    try {
      while (got < 1600) {
        const r = await Promise.race([it.next(), timeout]);
        expect(r.done).toBe(false);
        rest.push(r.value as Float32Array[]);
        got += (r.value as Float32Array[])[0].length;
      }
    } finally {
      clearTimeout(timer);
    }
    expect(got).toBe(1600); // the half frame waits for its other byte
    pipe.end(Buffer.from(wav.subarray(44 + 3201)));
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    const all = concatChunks(rest, 1)[0];
    expect(all).toHaveLength(16000);
    expect(maxAbsDiff(all, (await decodeAudio(wav, 'x.wav')).channels[0])).toBe(0);
  });

  it('a WAV stream with the placeholder size 0xFFFFFFFF reads to the end without a warning', async () => {
    const wav = encodeWav(new Float32Array(1000).fill(0.25), 8000);
    new DataView(wav.buffer).setUint32(40, 0xffffffff, true);
    const warnings: string[] = [];
    const chunks = await collect(audioChunks(piecewise(wav, [700]), { targetRate: null, onWarning: (m) => warnings.push(m) }));
    expect(concatFloat(chunks)).toHaveLength(1000);
    expect(warnings).toEqual([]);
  });
});
