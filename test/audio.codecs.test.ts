import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAudio, openAudioStream, writeWav, decodeAudio, resample, parseFlacStreamInfo, type AudioData } from '../src/audio/index.js';
import { DATA_DIR, hasShared } from './helpers/reference.js';
import { concatChunks, hasTool, tempDir } from './audio.fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

const LIBRI = join(DATA_DIR, 'librispeech_test_clean_1089');
interface ManifestLine {
  audio_filepath: string;
  duration: number;
}
const manifest = (name: string): ManifestLine[] =>
  readFileSync(join(LIBRI, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ManifestLine);

/** Counts samples that differ (exact comparison). */
function mismatches(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let bad = 0;
  a.forEach((ch, c) => {
    expect(ch.length).toBe(b[c].length);
    for (let i = 0; i < ch.length; i++) if (ch[i] !== b[c][i]) bad++;
  });
  return bad;
}

/** sox's own decode of a file to interleaved int16 (or int32 for 24-bit sources), as floats by our convention. */
function soxDecode(path: string, channels: number, bits: 16 | 24): Float32Array[] {
  const out = execFileSync('sox', ['-D', path, '-t', bits === 16 ? 's16' : 's32', '-'], { maxBuffer: 1 << 28 });
  const ints = bits === 16 ? new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2) : new Int32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  const scale = bits === 16 ? 32768 : 2 ** 31;
  const frames = ints.length / channels;
  return Array.from({ length: channels }, (_, c) => Float32Array.from({ length: frames }, (_, i) => ints[i * channels + c] / scale));
}

describe.skipIf(!hasShared)('FLAC (real LibriSpeech files in ../shared/data)', () => {
  const flacs = hasShared ? manifest('manifest.jsonl') : [];
  const wavs = hasShared ? manifest('manifest_wav.jsonl') : [];

  it('the manifest lists 4 utterances, FLAC and their WAV copies', () => {
    expect(flacs).toHaveLength(4);
    expect(wavs).toHaveLength(4);
  });

  flacs.forEach((entry, k) => {
    it(`${entry.audio_filepath}: 16 kHz mono, duration as the manifest, bit-exact with the sox-made WAV copy`, async () => {
      const a = await readAudio(join(LIBRI, entry.audio_filepath));
      expect(a.sampleRate).toBe(16000);
      expect(a.channels).toHaveLength(1);
      expect(Math.abs(a.channels[0].length / 16000 - entry.duration)).toBeLessThanOrEqual(0.0005);
      const copy = await readAudio(join(LIBRI, wavs[k].audio_filepath));
      expect(mismatches(a.channels, copy.channels)).toBe(0);
      // int16 / 32768 exactly, not the decoder's int16 / 32767.
      expect(a.channels[0].every((v) => Number.isInteger(v * 32768))).toBe(true);
      expect(a.channels[0].some((v) => v !== 0)).toBe(true);
    });
  });

  it.skipIf(!hasTool('sox'))('bit-exact with sox decoding the FLAC itself (needs sox; skipped without it)', async () => {
    for (const e of flacs) {
      const path = join(LIBRI, e.audio_filepath);
      expect(mismatches((await readAudio(path)).channels, soxDecode(path, 1, 16))).toBe(0);
    }
  });

  it('streamed FLAC (small reads through the decoder) == whole decode; STREAMINFO gives the frame count', async () => {
    const path = join(LIBRI, flacs[0].audio_filepath);
    const whole = await readAudio(path);
    const s = await openAudioStream(path, { readBytes: 8192 });
    expect(s.sampleRate).toBe(16000);
    expect(s.frames).toBe(whole.channels[0].length);
    const chunks: Float32Array[][] = [];
    for await (const c of s.chunks()) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(5);
    expect(mismatches(concatChunks(chunks, 1), whole.channels)).toBe(0);
  });

  it('the format comes from the bytes: a FLAC named .wav still decodes as FLAC', async () => {
    const path = join(dir, 'really-flac.wav');
    copyFileSync(join(LIBRI, flacs[1].audio_filepath), path);
    const a = await readAudio(path);
    const b = await readAudio(join(LIBRI, flacs[1].audio_filepath));
    expect(mismatches(a.channels, b.channels)).toBe(0);
  });
});

describe('FLAC STREAMINFO', () => {
  it('reads rate, channels, bits and a 36-bit total sample count', () => {
    const head = new Uint8Array(42);
    head.set([0x66, 0x4c, 0x61, 0x43, 0x80, 0, 0, 34]); // 'fLaC', last-block flag + type 0, length 34
    const total = 5n * 2n ** 32n + 0x89abcdefn;
    const packed = (44100n << 44n) | (1n << 41n) | (23n << 36n) | total;
    new DataView(head.buffer).setBigUint64(8 + 10, packed, false);
    expect(parseFlacStreamInfo(head, 'x.flac')).toEqual({ sampleRate: 44100, numChannels: 2, bitsPerSample: 24, totalFrames: Number(total) });
    head[4] = 0x04; // first block not STREAMINFO
    expect(() => parseFlacStreamInfo(head, 'x.flac')).toThrow(/x\.flac: bad FLAC file: no STREAMINFO block/);
  });
});

/** A 1 s test signal: a 440 Hz tone on the left, 1 kHz at 0.3 on the right. */
function testSignal(rate: number, channels: number): Float32Array[] {
  return Array.from({ length: channels }, (_, c) =>
    Float32Array.from({ length: rate }, (_, i) => (c === 0 ? 0.5 : 0.3) * Math.sin((2 * Math.PI * (c === 0 ? 440 : 1000) * i) / rate)),
  );
}

/** Best normalised correlation of y against x over lags in [-maxLag, maxLag] (lossy codecs add small delays). */
function bestCorrelation(x: Float32Array, y: Float32Array | Float64Array, maxLag: number): number {
  let best = -1;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = maxLag; i < x.length - maxLag; i++) {
      const j = i + lag;
      if (j < 0 || j >= y.length) continue;
      xy += x[i] * y[j];
      xx += x[i] * x[i];
      yy += y[j] * y[j];
    }
    best = Math.max(best, xy / Math.sqrt(xx * yy || 1));
  }
  return best;
}

describe('FLAC layouts made by sox (24-bit and 8-bit, stereo)', () => {
  it.skipIf(!hasTool('sox'))('decode bit-exact with sox (int / 2^(bits-1)) (needs sox to make the files; skipped without it)', async () => {
    for (const bits of [24, 8] as const) {
      const wav = join(dir, `src${bits}.wav`);
      const flac = join(dir, `s${bits}.flac`);
      execFileSync('sox', ['-R', '-D', '-n', '-r', '22050', '-c', '2', '-b', String(bits), wav, 'synth', '0.5', 'sine', '300', 'sine', '2000', 'gain', '-1']);
      execFileSync('sox', ['-D', wav, flac]);
      const a = await readAudio(flac);
      expect(a.sampleRate).toBe(22050);
      expect(mismatches(a.channels, soxDecode(flac, 2, bits === 8 ? 16 : 24))).toBe(0);
      // The source WAV by our reader (8-bit WAV is unsigned, FLAC signed: both give v / 128).
      expect(mismatches(a.channels, (await readAudio(wav)).channels)).toBe(0);
    }
  });
});

describe('lossy codecs (files made at test time with lame / opusenc / oggenc when installed)', () => {
  const cases: [string, string, (wav: string, out: string) => string[], number][] = [
    ['MP3', 'lame', (wav, out) => ['--quiet', '-b', '128', wav, out], 16000],
    ['Ogg Opus', 'opusenc', (wav, out) => ['--quiet', '--bitrate', '96', wav, out], 48000],
    ['Ogg Vorbis', 'oggenc', (wav, out) => ['-Q', '-q', '6', wav, '-o', out], 16000],
  ];
  for (const [codec, tool, args, rate] of cases) {
    const missing = !hasTool(tool);
    it.skipIf(missing)(`${codec}: mono and stereo decode at ${rate} Hz with the right channels, length and content${missing ? ` (skipped: ${tool} not installed)` : ''}`, async () => {
      for (const channels of [1, 2]) {
        const src = testSignal(16000, channels);
        const wav = join(dir, `${tool}-${channels}.wav`);
        const out = join(dir, `${tool}-${channels}.bin`); // no telling extension: detection is by magic bytes
        await writeWav(wav, src, 16000);
        execFileSync(tool, args(wav, out), { stdio: 'ignore' });
        const a: AudioData = await readAudio(out);
        expect(a.sampleRate).toBe(rate);
        expect(a.channels).toHaveLength(channels);
        // Gapless decoders give back the input length; allow one MP3 frame of slack.
        expect(Math.abs(a.channels[0].length - rate)).toBeLessThanOrEqual(1152);
        for (let c = 0; c < channels; c++) {
          const y = rate === 16000 ? a.channels[c] : resample(a.channels[c], rate, 16000);
          expect(bestCorrelation(src[c], y, 50)).toBeGreaterThan(0.99);
        }
        if (channels === 2) expect(bestCorrelation(src[0], a.channels[1].subarray(0, 16000), 50)).toBeLessThan(0.5);
        // The stream API hands out the same samples.
        const s = await openAudioStream(out);
        const chunks: Float32Array[][] = [];
        for await (const ch of s.chunks()) chunks.push(ch);
        expect(mismatches(concatChunks(chunks, channels), a.channels)).toBe(0);
      }
    });
  }

  it.skipIf(!hasTool('lame'))('an ID3-tagged MP3 is detected behind its tag', async () => {
    const wav = join(dir, 'id3.wav');
    await writeWav(wav, testSignal(16000, 1), 16000);
    const out = join(dir, 'id3.mp3');
    execFileSync('lame', ['--quiet', '-b', '128', '--tt', 'A title', '--id3v2-only', wav, out], { stdio: 'ignore' });
    const bytes = new Uint8Array(readFileSync(out));
    expect(String.fromCharCode(...bytes.subarray(0, 3))).toBe('ID3');
    const a = await decodeAudio(bytes, out);
    expect(a.channels).toHaveLength(1);
    expect(bestCorrelation(testSignal(16000, 1)[0], a.channels[0], 50)).toBeGreaterThan(0.99);
  });
});
