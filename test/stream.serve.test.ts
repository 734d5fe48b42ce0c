import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { buildOnce } from './helpers/build.js';
import { initBackend } from '../src/backend/index.js';
import { parseMultipart, multipartBoundary } from '../src/serve/multipart.js';
import { toS16le, twoUtterances, wavBytes, writeDetectorModelDir } from './helpers/stream-model.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ASR = join(ROOT, 'bin', 'asr.js');
const tmp = mkdtempSync(join(tmpdir(), 'asr-serve-'));
const MODEL = join(tmp, 'model');

let server: ChildProcessWithoutNullStreams;
let base = '';
let stderr = '';

beforeAll(async () => {
  buildOnce();
  await initBackend({ backend: 'wasm', threads: 1 });
  await writeDetectorModelDir(MODEL);
  server = spawn(process.execPath, [ASR, 'serve', '--port', '0', '--model', MODEL, '--backend', 'wasm', '--chunk-ms', '160', '--max-streams', '1', '--max-upload-mb', '1']);
  server.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  base = await new Promise<string>((res, rej) => {
    let out = '';
    server.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) res(m[1]);
    });
    server.on('close', (code) => rej(new Error(`server exited with ${code}: ${stderr}`)));
  });
}, 180_000);

afterAll(() => {
  server?.kill('SIGTERM');
});

interface Msg {
  type: string;
  text?: string;
  start?: number;
  end?: number;
}

function streamOver(pcm: Buffer, piece = 3200): Promise<Msg[]> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/stream?sample_rate=16000`);
    const msgs: Msg[] = [];
    ws.on('open', () => {
      // odd-sized pieces: samples split across messages must be rejoined
      for (let i = 0; i < pcm.length; i += piece + 1) ws.send(pcm.subarray(i, i + piece + 1));
      ws.send(JSON.stringify({ type: 'end' }));
    });
    ws.on('message', (d) => msgs.push(JSON.parse(d.toString()) as Msg));
    ws.on('close', () => res(msgs));
    ws.on('error', rej);
  });
}

describe('asr serve (loopback)', () => {
  it('WebSocket: PCM in, partial and final JSON out, end message, close', async () => {
    const msgs = await streamOver(toS16le(twoUtterances()));
    const finals = msgs.filter((m) => m.type === 'final');
    expect(finals.map((f) => f.text)).toEqual(['a', 'a']);
    expect(finals[0].start).toBeCloseTo(0.3, 1);
    expect(msgs.some((m) => m.type === 'partial')).toBe(true);
    expect(msgs[msgs.length - 1].type).toBe('end');
  });

  it('refuses streams beyond --max-streams with 503', async () => {
    const url = `${base.replace('http', 'ws')}/v1/stream`;
    const first = new WebSocket(url);
    await new Promise((r) => first.on('open', r));
    const status = await new Promise<number>((res) => {
      const second = new WebSocket(url);
      second.on('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
      second.on('error', () => undefined);
    });
    expect(status).toBe(503);
    first.close();
    await new Promise((r) => first.on('close', r));
    // the slot is free again
    await new Promise((r) => setTimeout(r, 100));
    const health = (await (await fetch(`${base}/health`)).json()) as { streams: number };
    expect(health.streams).toBe(0);
  });

  it('POST /v1/audio/transcriptions: json, verbose_json with segments and words, text', async () => {
    const wav = wavBytes(twoUtterances(), 16000);
    const post = async (format?: string): Promise<Response> => {
      const form = new FormData();
      form.append('file', new Blob([wav], { type: 'audio/wav' }), 'two.wav');
      form.append('model', 'whatever');
      if (format) form.append('response_format', format);
      return fetch(`${base}/v1/audio/transcriptions`, { method: 'POST', body: form });
    };
    const j = await post();
    expect(j.status).toBe(200);
    expect(await j.json()).toEqual({ text: 'a a' });
    const v = (await (await post('verbose_json')).json()) as {
      text: string;
      duration: number;
      segments: { id: number; start: number; end: number; text: string; words: { word: string }[] }[];
      words: { word: string; start: number; end: number }[];
    };
    expect(v.text).toBe('a a');
    expect(v.duration).toBeCloseTo(3.3, 2);
    expect(v.segments.map((s) => s.text)).toEqual(['a', 'a']);
    expect(v.segments[1].start).toBeGreaterThan(v.segments[0].end);
    expect(v.words.map((w) => w.word)).toEqual(['a', 'a']);
    expect(await (await post('text')).text()).toBe('a a\n');
  });

  it('upload errors: too large (413), no file, not audio, wrong route: JSON errors', async () => {
    const big = new FormData();
    big.append('file', new Blob([Buffer.alloc(2 << 20)]), 'big.wav');
    const r413 = await fetch(`${base}/v1/audio/transcriptions`, { method: 'POST', body: big });
    expect(r413.status).toBe(413);
    const noFile = new FormData();
    noFile.append('model', 'x');
    const r400 = await fetch(`${base}/v1/audio/transcriptions`, { method: 'POST', body: noFile });
    expect(r400.status).toBe(400);
    expect(((await r400.json()) as { error: { message: string } }).error.message).toMatch(/file/);
    const junk = new FormData();
    junk.append('file', new Blob([Buffer.from('not audio at all, just text')]), 'junk.txt');
    const rj = await fetch(`${base}/v1/audio/transcriptions`, { method: 'POST', body: junk });
    expect(rj.status).toBe(400);
    expect(((await rj.json()) as { error: { message: string } }).error.message).toMatch(/junk\.txt/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    // the server is still up
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe('multipart parser', () => {
  it('parses fields and files, quoted names, binary data', () => {
    const b = 'XyZ';
    const data = Buffer.from([0, 13, 10, 45, 45, 255]);
    const body = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="response_format"\r\n\r\nverbose_json\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".wav"\r\nContent-Type: audio/wav\r\n\r\n`),
      data,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    expect(multipartBoundary(`multipart/form-data; boundary=${b}`)).toBe(b);
    const parts = parseMultipart(body, b);
    expect(parts.map((p) => p.name)).toEqual(['response_format', 'file']);
    expect(parts[0].data.toString()).toBe('verbose_json');
    expect(parts[1].filename).toBe('a "b".wav');
    expect([...parts[1].data]).toEqual([...data]);
    expect(() => parseMultipart(body.subarray(0, body.length - 12), b)).toThrow(/not terminated/);
  });
});
