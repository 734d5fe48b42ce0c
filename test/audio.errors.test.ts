import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAudio, audioChunks, openWavStream, loadAudio, decodeAudio, encodeWav } from '../src/audio/index.js';
import { AsrError } from '../src/util/errors.js';
import { DATA_DIR, hasShared } from './helpers/reference.js';
import { buildWav, floatBytes, intBytes, tempDir } from './audio.fixtures.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** The error every reader gives for `path`: one line, an AsrError, naming the file, matching `problem`. */
async function expectOneLineError(path: string, problem: RegExp): Promise<void> {
  const attempts: [string, () => Promise<unknown>][] = [
    ['readAudio', () => readAudio(path)],
    ['loadAudio', () => loadAudio(path)],
    ['audioChunks', async () => {
      for await (const c of audioChunks(path)) void c;
    }],
  ];
  for (const [what, f] of attempts) {
    let err: unknown;
    try {
      await f();
    } catch (e) {
      err = e;
    }
    expect(err, `${what} should fail`).toBeInstanceOf(AsrError);
    const msg = (err as Error).message;
    expect(msg.split('\n'), `${what}: one line`).toHaveLength(1);
    expect(msg.startsWith(`${path}: `), `${what}: names the file: ${msg}`).toBe(true);
    expect(msg, what).toMatch(problem);
  }
}

const pcm16 = (n: number): Uint8Array => intBytes(Array.from({ length: n }, (_, i) => (i * 997) % 20000 - 10000), 2);

describe('bad input: one clear error line naming the file', () => {
  it('missing file', async () => {
    await expectOneLineError(join(dir, 'nope.wav'), /no such file/);
    await expect(openWavStream(join(dir, 'nope.wav'))).rejects.toThrow(/nope\.wav: no such file/);
  });

  it('a directory', async () => {
    const d = join(dir, 'a-folder.wav');
    mkdirSync(d);
    await expectOneLineError(d, /is a directory/);
  });

  it('empty file', async () => {
    await expectOneLineError(file('empty.wav', new Uint8Array(0)), /empty file/);
  });

  it('a text file passed as audio', async () => {
    await expectOneLineError(file('notes.wav', 'this is not audio\nsecond line\n'), /not an audio file \(unrecognised header\)/);
    await expectOneLineError(file('x.wav', 'RIFF'), /not an audio file/);
  });

  it('a recognised but unsupported container is named', async () => {
    const aiff = new Uint8Array(64);
    aiff.set([...'FORM'].map((c) => c.charCodeAt(0)));
    aiff.set([...'AIFF'].map((c) => c.charCodeAt(0)), 8);
    await expectOneLineError(file('a.aiff', aiff), /unsupported audio format: AIFF/);
  });

  it('unknown codec in a WAV (MP3 in RIFF, MS ADPCM, an odd extensible GUID)', async () => {
    await expectOneLineError(
      file('mp3.wav', buildWav({ formatTag: 0x55, channels: 1, sampleRate: 16000, bitsPerSample: 0, blockAlign: 1, data: new Uint8Array(100) })),
      /unsupported WAV codec: MPEG Layer 3 \(MP3\) \(format tag 0x0055\)/,
    );
    await expectOneLineError(
      file('adpcm.wav', buildWav({ formatTag: 0x02, channels: 1, sampleRate: 8000, bitsPerSample: 4, blockAlign: 256, data: new Uint8Array(512) })),
      /unsupported WAV codec: Microsoft ADPCM \(format tag 0x0002\)/,
    );
    const ext = buildWav({ formatTag: 1, extensibleSubformat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, data: pcm16(10) });
    ext[12 + 8 + 30] = 0x42; // break the GUID's fixed tail
    await expectOneLineError(file('guid.wav', ext), /non-standard sub-format GUID/);
    await expectOneLineError(
      file('int12.wav', buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 40, data: new Uint8Array(50) })),
      /unsupported WAV sample format: 40-bit integer PCM/,
    );
  });

  it('lying headers: bad fmt size, zero channels, zero sample rate, block align, no fmt, no data', async () => {
    const ok = { formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, data: pcm16(100) };
    await expectOneLineError(file('fmt12.wav', buildWav({ ...ok, fmtSize: 12 })), /bad WAV header: fmt chunk size 12/);
    await expectOneLineError(file('fmthuge.wav', buildWav({ ...ok, fmtSize: 0x7fffffff })), /bad WAV header: fmt chunk size 2147483647/);
    await expectOneLineError(file('ch0.wav', buildWav({ ...ok, channels: 0, blockAlign: 2 })), /bad WAV header: 0 channels/);
    await expectOneLineError(file('sr0.wav', buildWav({ ...ok, sampleRate: 0 })), /bad WAV header: sample rate 0/);
    await expectOneLineError(file('align.wav', buildWav({ ...ok, blockAlign: 3 })), /block align 3 does not fit 1 channel\(s\) of 16-bit samples/);
    await expectOneLineError(file('bits0.wav', buildWav({ ...ok, bitsPerSample: 0, blockAlign: 2 })), /0 bits per sample/);
    // Only a RIFF/WAVE header and a LIST chunk: no fmt.
    const noFmt = buildWav(ok).slice(0, 12);
    await expectOneLineError(file('nofmt.wav', new Uint8Array([...noFmt, ...[0x4c, 0x49, 0x53, 0x54, 2, 0, 0, 0, 0, 0]])), /no fmt chunk/);
    // fmt but the file ends before any data chunk.
    await expectOneLineError(file('nodata.wav', buildWav(ok).slice(0, 12 + 8 + 16)), /no data chunk/);
    // A chunk that claims to run past the end of the file before data.
    const runaway = buildWav({ ...ok, extraChunks: [['LIST', new Uint8Array(4)]] });
    new DataView(runaway.buffer).setUint32(12 + 8 + 16 + 4, 1e6, true);
    await expectOneLineError(file('runaway.wav', runaway), /no data chunk \(it ends inside a 'LIST' chunk\)/);
  });

  it('zero-length audio', async () => {
    await expectOneLineError(file('zero.wav', encodeWav(new Float32Array(0), 16000)), /no audio samples/);
    await expectOneLineError(file('zero-float.wav', encodeWav(new Float32Array(0), 16000, { encoding: 'float32' })), /no audio samples/);
    await expect(decodeAudio(new Uint8Array(0), 'empty.raw', { raw: { encoding: 's16le', sampleRate: 16000, channels: 1 } })).rejects.toThrow(/empty\.raw: no audio samples/);
  });

  it('NaN / Inf samples in float WAVs name the file, frame and channel', async () => {
    const values = [0.1, 0.2, 0.3, 0.4, 0.5, NaN, 0.7, 0.8];
    await expectOneLineError(
      file('nan.wav', buildWav({ formatTag: 3, channels: 2, sampleRate: 16000, bitsPerSample: 32, data: floatBytes(values, 4) })),
      /non-finite sample \(NaN\) at frame 2, channel 1/,
    );
    const inf = new Array(5000).fill(0.25);
    inf[4321] = -Infinity;
    const path = file('inf.wav', buildWav({ formatTag: 3, channels: 1, sampleRate: 16000, bitsPerSample: 64, data: floatBytes(inf, 8) }));
    await expectOneLineError(path, /non-finite sample \(-Infinity\) at frame 4321$/);
    // Streamed in small reads, the index is still counted from the file start.
    const s = await openWavStream(path, { readBytes: 800 });
    await expect((async () => {
      for await (const c of s.chunks()) void c;
    })()).rejects.toThrow(/at frame 4321$/);
  });

  it('a channel the file does not have', async () => {
    const path = file('mono.wav', encodeWav(new Float32Array(100), 16000));
    await expect(loadAudio(path, { channel: 1 })).rejects.toThrow(/mono\.wav: channel 1 requested, but the audio has 1 channel/);
    await expect((async () => {
      for await (const c of audioChunks(path, { channel: 2 })) void c;
    })()).rejects.toThrow(/mono\.wav: channel 2 requested/);
  });
});

describe('truncated data: warn once naming the file, read what is there (as sox and Kaldi do)', () => {
  it('a data chunk claiming more bytes than the file holds', async () => {
    const data = pcm16(500);
    const path = file('trunc.wav', buildWav({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, data, dataSize: 4000 }));
    for (const read of [
      async (onWarning: (m: string) => void) => (await readAudio(path, { onWarning })).channels[0].length,
      async (onWarning: (m: string) => void) => {
        let n = 0;
        for await (const c of audioChunks(path, { targetRate: null, onWarning })) n += c.length;
        return n;
      },
    ]) {
      const warnings: string[] = [];
      expect(await read((m) => warnings.push(m))).toBe(500);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/trunc\.wav: truncated WAV data chunk: header says 4000 bytes, the file holds 1000; reading what is there/);
    }
  });

  it('a file cut inside a frame also says a partial frame was dropped', async () => {
    const data = intBytes([1, 2, 3, 4, 5, 6], 2);
    const bytes = buildWav({ formatTag: 1, channels: 2, sampleRate: 8000, bitsPerSample: 16, data }).slice(0, 44 + 10);
    const warnings: string[] = [];
    const a = await decodeAudio(bytes, 'cut.wav', { onWarning: (m) => warnings.push(m) });
    expect(a.channels[0]).toHaveLength(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/cut\.wav: audio data ends with a partial frame \(2 byte\(s\) ignored\)/);
  });

  it.skipIf(!hasShared)('a truncated FLAC warns with the STREAMINFO count; a FLAC cut before its first frame is an error', async () => {
    const flac = new Uint8Array(readFileSync(join(DATA_DIR, 'librispeech_test_clean_1089', 'test-clean', '1089', '134686', '1089-134686-0001.flac')));
    const warnings: string[] = [];
    const a = await decodeAudio(flac.subarray(0, 30000), 'cut.flac', { onWarning: (m) => warnings.push(m) });
    expect(a.channels[0].length).toBeGreaterThan(0);
    expect(a.channels[0].length).toBeLessThan(52400);
    expect(warnings.some((w) => /^cut\.flac: decoded \d+ of the 52400 samples STREAMINFO announces/.test(w))).toBe(true);
    await expect(decodeAudio(flac.subarray(0, 3000), 'tiny.flac')).rejects.toThrow(/^tiny\.flac: no audio samples \(STREAMINFO says 52400: truncated or corrupt FLAC\)$/);
  });
});
