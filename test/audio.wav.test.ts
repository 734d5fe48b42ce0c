import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { decodeAudio, readAudio, openWavStream, writeWav, encodeWav, type AudioData } from '../src/audio/index.js';
import { REFERENCE_DIR, hasShared, readJson } from './helpers/reference.js';
import { buildWav, concatChunks, floatBytes, hasTool, intBytes, randomInts, tempDir } from './audio.fixtures.js';

const quiet = { onWarning: (): void => {} };
const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Largest |a - b| over all channels, requiring equal shapes. */
function maxDiff(a: Float32Array[], b: ArrayLike<number>[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((ch, c) => {
    expect(ch.length).toBe(b[c].length);
    for (let i = 0; i < ch.length; i++) {
      const d = Math.abs(ch[i] - b[c][i]);
      m = Number.isNaN(d) ? Infinity : Math.max(m, d);
    }
  });
  return m;
}

/** Splits interleaved values into channels. */
function deinterleave(values: number[], k: number): number[][] {
  return Array.from({ length: k }, (_, c) => values.filter((_, i) => i % k === c));
}

/** wavefile's reading of the same bytes, as raw per-channel values (an independent decoder). */
function wavefileSamples(bytes: Uint8Array): number[][] {
  const w = new wavefile.WaveFile(bytes);
  const s = w.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  return (s instanceof Float64Array ? [s] : s).map((c) => Array.from(c));
}

describe('WAV layouts', () => {
  interface Case {
    name: string;
    code: string; // wavefile bit depth code
    channels: number;
    rate: number;
    values: number[]; // interleaved raw values as stored
    toFloat: (v: number) => number; // the torchaudio.load convention
  }
  const n = 3 * 50;
  const cases: Case[] = [
    { name: '8-bit unsigned mono', code: '8', channels: 1, rate: 8000, values: [0, 1, 127, 128, 129, 255, ...randomInts(n, 0, 255)], toFloat: (v) => (v - 128) / 128 },
    { name: '16-bit stereo', code: '16', channels: 2, rate: 16000, values: [-32768, 32767, -1, 1, 0, 0, ...randomInts(n, -32768, 32767)], toFloat: (v) => v / 32768 },
    { name: '24-bit mono', code: '24', channels: 1, rate: 48000, values: [-8388608, 8388607, -1, 1, 0, ...randomInts(n, -8388608, 8388607)], toFloat: (v) => v / 2 ** 23 },
    { name: '32-bit int stereo', code: '32', channels: 2, rate: 44100, values: [-(2 ** 31), 2 ** 31 - 1, -1, 1, ...randomInts(n, -(2 ** 31), 2 ** 31 - 1)], toFloat: (v) => Math.fround(v / 2 ** 31) },
    { name: '32-bit float mono', code: '32f', channels: 1, rate: 22050, values: [-1, 0.5, 1.5, -2.25, 1e-30, ...randomInts(n, -1000, 1000).map((v) => v / 999)].map(Math.fround), toFloat: (v) => v },
    { name: '64-bit float stereo', code: '64', channels: 2, rate: 12345, values: [-1, 0.1, 1 / 3, 2, ...randomInts(n, -1000, 1000).map((v) => v / 997)], toFloat: (v) => Math.fround(v) },
    { name: '16-bit, 3 channels', code: '16', channels: 3, rate: 16000, values: randomInts(n, -32768, 32767), toFloat: (v) => v / 32768 },
  ];

  for (const c of cases) {
    it(`${c.name}: exact torchaudio.load floats, same raw values as wavefile reads`, async () => {
      const w = new wavefile.WaveFile();
      w.fromScratch(c.channels, c.rate, c.code, deinterleave(c.values, c.channels).length === 1 ? c.values : deinterleave(c.values, c.channels));
      const bytes = w.toBuffer();
      const raw = deinterleave(c.values, c.channels);
      expect(maxDiff(wavefileSamples(bytes).map((ch) => Float32Array.from(ch)), raw.map((ch) => Float32Array.from(ch)))).toBe(0);
      const a = await decodeAudio(bytes, c.name);
      expect(a.sampleRate).toBe(c.rate);
      expect(maxDiff(a.channels, raw.map((ch) => ch.map(c.toFloat)))).toBe(0);
      // The same through a file on disk.
      const path = join(dir, `layout-${c.code}-${c.channels}.wav`);
      writeFileSync(path, bytes);
      expect(maxDiff((await readAudio(path)).channels, a.channels)).toBe(0);
    });
  }

  it('WAVE_FORMAT_EXTENSIBLE float32 (wavefile misreads it as int32; we do not)', async () => {
    const values = [0.25, -0.5, 0.75, -1, 0.125, 0.0625];
    const bytes = buildWav({ formatTag: 3, extensibleSubformat: 3, channels: 2, sampleRate: 16000, bitsPerSample: 32, data: floatBytes(values, 4) });
    const a = await decodeAudio(bytes, 'ext-float.wav');
    expect(maxDiff(a.channels, deinterleave(values, 2))).toBe(0);
    expect(new wavefile.WaveFile(bytes).bitDepth).toBe('32'); // wavefile takes the sub-format as integer PCM
  });

  it('WAVE_FORMAT_EXTENSIBLE 24-bit, 6 channels, and extensible 64-bit float', async () => {
    const ints = randomInts(6 * 40, -8388608, 8388607, 7);
    const a = await decodeAudio(buildWav({ formatTag: 1, extensibleSubformat: 1, channels: 6, sampleRate: 96000, bitsPerSample: 24, data: intBytes(ints, 3) }), 'x.wav');
    expect(a.channels).toHaveLength(6);
    expect(a.sampleRate).toBe(96000);
    expect(maxDiff(a.channels, deinterleave(ints, 6).map((ch) => ch.map((v) => v / 2 ** 23)))).toBe(0);
    const f = [0.1, -0.2, 0.3];
    const b = await decodeAudio(buildWav({ formatTag: 3, extensibleSubformat: 3, channels: 1, sampleRate: 8000, bitsPerSample: 64, data: floatBytes(f, 8) }), 'y.wav');
    expect(maxDiff(b.channels, [f.map(Math.fround)])).toBe(0);
  });

  it('G.711 a-law and mu-law: all 256 codes decode as wavefile and sox expand them (int16 / 32768)', async () => {
    const codes = Array.from({ length: 256 }, (_, i) => i);
    for (const [tag, code, from] of [[6, '8a', 'fromALaw'], [7, '8m', 'fromMuLaw']] as const) {
      const bytes = buildWav({ formatTag: tag, channels: 1, sampleRate: 8000, bitsPerSample: 8, data: Uint8Array.from(codes) });
      const a = await decodeAudio(bytes, `g711-${code}.wav`);
      const w = new wavefile.WaveFile(bytes);
      w[from]('16');
      const expected = Array.from(w.getSamples(false, Float64Array) as unknown as Float64Array, (v) => v / 32768);
      expect(maxDiff(a.channels, [expected])).toBe(0);
      expect(Math.max(...a.channels[0].map(Math.abs))).toBeGreaterThan(0.9); // the full range, not a scale slip
      if (hasTool('sox')) {
        const path = join(dir, `g711-${code}.wav`);
        writeFileSync(path, bytes);
        const pcm = execFileSync('sox', ['-D', path, '-t', 's16', '-']);
        const ints = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
        expect(maxDiff(a.channels, [Array.from(ints, (v) => v / 32768)])).toBe(0);
      }
    }
  });

  it('skips unknown chunks (odd sizes padded), reads fmt with a cbSize extension and RF64', async () => {
    const ints = randomInts(31, -32768, 32767, 3);
    const base = buildWav({
      formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, data: intBytes(ints, 2),
      extraChunks: [['LIST', new Uint8Array(7).fill(65)], ['junk', new Uint8Array(4)]],
    });
    const a = await decodeAudio(base, 'chunks.wav');
    expect(maxDiff(a.channels, [ints.map((v) => v / 32768)])).toBe(0);

    // RF64: sizes in a ds64 chunk, 0xFFFFFFFF in the RIFF and data size fields.
    const data = intBytes(ints, 2);
    const fmt = buildWav({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, data: new Uint8Array(0) }).subarray(12, 12 + 24);
    const ds64 = new Uint8Array(8 + 28);
    const dv = new DataView(ds64.buffer);
    ds64.set([0x64, 0x73, 0x36, 0x34]); // 'ds64'
    dv.setUint32(4, 28, true);
    dv.setUint32(8 + 8, data.length, true); // data size, low 32 bits
    const head = new Uint8Array(12);
    head.set([0x52, 0x46, 0x36, 0x34, 0xff, 0xff, 0xff, 0xff, 0x57, 0x41, 0x56, 0x45]); // 'RF64' .... 'WAVE'
    const dataHead = new Uint8Array([0x64, 0x61, 0x74, 0x61, 0xff, 0xff, 0xff, 0xff]);
    const rf64 = new Uint8Array([...head, ...ds64, ...fmt, ...dataHead, ...data, 1, 2, 3, 4]); // trailing bytes past the data
    const b = await decodeAudio(rf64, 'x.rf64');
    expect(maxDiff(b.channels, [ints.map((v) => v / 32768)])).toBe(0);
  });
});

describe.skipIf(!hasShared)('reference WAVs (../shared/reference/audio)', () => {
  const manifest = hasShared
    ? readJson<{ files: Record<string, { sample_rate: number; channels: number; num_frames: number }> }>(join(REFERENCE_DIR, 'audio', 'manifest.json'))
    : { files: {} };
  const names = hasShared ? readdirSync(join(REFERENCE_DIR, 'audio')).filter((f) => f.endsWith('.wav')) : [];

  it('every file is in the manifest', () => {
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const f of names) expect(manifest.files[f]).toBeDefined();
  });

  for (const f of names) {
    it(`${f}: rate, channels, frames as the manifest; float = int16 / 32768 exactly`, async () => {
      const path = join(REFERENCE_DIR, 'audio', f);
      const a = await readAudio(path);
      const m = manifest.files[f];
      expect(a.sampleRate).toBe(m.sample_rate);
      expect(a.channels).toHaveLength(m.channels);
      expect(a.channels[0]).toHaveLength(m.num_frames);
      // Independent int16 read: the 44-byte canonical header, then little-endian int16.
      const buf = readFileSync(path);
      const ints = new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + buf.byteLength));
      const k = m.channels;
      let bad = 0;
      for (let i = 0; i < ints.length; i++) if (a.channels[i % k][Math.floor(i / k)] !== ints[i] / 32768) bad++;
      expect(bad).toBe(0);
      expect(ints.length).toBe(k * m.num_frames);
    });
  }

  it('stream reader: chunks concatenated == whole read, with bounded reads', async () => {
    for (const f of ['stereo_44k1.wav', 'espeak_en_us_8k.wav']) {
      const path = join(REFERENCE_DIR, 'audio', f);
      const whole = await readAudio(path);
      const s = await openWavStream(path, { readBytes: 4097 });
      const chunks: Float32Array[][] = [];
      for await (const c of s.chunks()) {
        expect(c[0].length).toBeLessThanOrEqual(Math.floor(4097 / s.header.blockAlign));
        chunks.push(c);
      }
      expect(chunks.length).toBeGreaterThan(10);
      expect(s.frames).toBe(whole.channels[0].length);
      expect(maxDiff(concatChunks(chunks, s.numChannels), whole.channels)).toBe(0);
    }
  });

  it('writeWav 16-bit reproduces a canonical reference file byte for byte', async () => {
    const path = join(REFERENCE_DIR, 'audio', 'espeak_en_us_16k.wav');
    const a = await readAudio(path);
    const out = join(dir, 'rewritten.wav');
    await writeWav(out, a.channels[0], a.sampleRate);
    expect(Buffer.compare(readFileSync(out), readFileSync(path))).toBe(0);
  });
});

describe('stream reader on generated layouts', () => {
  it('24-bit, 3 channels, odd read size: chunks == whole, trailing chunk after data ignored', async () => {
    const ints = randomInts(3 * 1001, -8388608, 8388607, 11);
    const bytes = buildWav({ formatTag: 1, extensibleSubformat: 1, channels: 3, sampleRate: 44100, bitsPerSample: 24, data: intBytes(ints, 3) });
    const withTail = new Uint8Array([...bytes, ...[0x4c, 0x49, 0x53, 0x54, 4, 0, 0, 0, 1, 2, 3, 4]]);
    const path = join(dir, 'stream24.wav');
    writeFileSync(path, withTail);
    const s = await openWavStream(path, { readBytes: 1000 });
    expect(s.header.extensible).toBe(true);
    expect(s.header.encoding).toBe('s24le');
    const chunks: Float32Array[][] = [];
    for await (const c of s.chunks()) chunks.push(c);
    expect(chunks.every((c) => c[0].length <= 111)).toBe(true);
    const whole = await readAudio(path);
    expect(whole.channels[0]).toHaveLength(1001);
    expect(maxDiff(concatChunks(chunks, 3), whole.channels)).toBe(0);
    expect(maxDiff(whole.channels, deinterleave(ints, 3).map((ch) => ch.map((v) => v / 2 ** 23)))).toBe(0);
  });

  it('leaving the loop early closes the file (no leak, no error)', async () => {
    const path = join(dir, 'early.wav');
    writeFileSync(path, encodeWav(new Float32Array(50000).fill(0.25), 16000));
    const s = await openWavStream(path, { readBytes: 1024 });
    let seen = 0;
    for await (const c of s.chunks()) {
      seen += c[0].length;
      break;
    }
    expect(seen).toBe(512);
    await s.close(); // idempotent
  });
});

describe('writeWav', () => {
  const sine = (n: number, f: number, amp: number): Float32Array => Float32Array.from({ length: n }, (_, i) => amp * Math.sin(2 * Math.PI * f * i / 16000));

  it('16-bit: round(x * 32768) clipped, read back exactly; no temporary file left', async () => {
    const x = Float32Array.from([0, 0.5, -0.5, 1, -1, 1.5, -1.5, 1 / 32768, 0.3]);
    const path = join(dir, 'w16.wav');
    await writeWav(path, x, 16000);
    const a: AudioData = await readAudio(path);
    const expected = Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768);
    expect(maxDiff(a.channels, [expected])).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('float32 and multi-channel (extensible) files read back exactly, by us and by sox', async () => {
    const chans = [sine(1000, 440, 0.9), sine(1000, 1000, 0.1), sine(1000, 3000, 0.95)];
    for (const [k, enc] of [[1, 'float32'], [2, 'float32'], [3, 'float32'], [3, 'pcm16']] as const) {
      const path = join(dir, `w-${k}-${enc}.wav`);
      await writeWav(path, chans.slice(0, k), 16000, { encoding: enc });
      const a = await readAudio(path);
      const expected = chans.slice(0, k).map((ch) => Array.from(ch, (v) => (enc === 'float32' ? v : Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768)));
      expect(maxDiff(a.channels, expected)).toBe(0);
      if (hasTool('sox')) {
        const info = execFileSync('sox', ['--i', path]).toString();
        expect(info).toMatch(new RegExp(`Channels\\s*:\\s*${k}`));
        expect(info).toMatch(enc === 'float32' ? /32-bit Floating Point/ : /16-bit Signed Integer/);
        const back = execFileSync('sox', ['-D', path, '-t', 'f32', '-']);
        const f = new Float32Array(back.buffer.slice(back.byteOffset, back.byteOffset + back.byteLength));
        expect(f.length).toBe(k * 1000);
        let m = 0;
        for (let i = 0; i < f.length; i++) m = Math.max(m, Math.abs(f[i] - a.channels[i % k][Math.floor(i / k)]));
        expect(m).toBeLessThan(1e-6); // sox reads floats through 32-bit integers
      }
    }
  });

  it('rejects NaN samples and names an unwritable path', async () => {
    await expect(writeWav(join(dir, 'nan.wav'), Float32Array.from([0, NaN]), 16000)).rejects.toThrow(/sample 1 .*not finite/);
    await expect(writeWav(join(dir, 'no', 'such', 'dir.wav'), new Float32Array(4), 16000)).rejects.toThrow(/dir\.wav: cannot write/);
  });
});
