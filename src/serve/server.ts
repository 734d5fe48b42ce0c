import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { decodeAudio } from '../audio/decode.js';
import { monoOf } from '../audio/mix.js';
import type { RecognitionEvent, StreamingRecognizer } from '../stream/recognizer.js';
import { AsrError, errorMessage } from '../util/errors.js';
import { multipartBoundary, parseMultipart } from './multipart.js';

/**
 * The recognition server behind `asr serve`:
 *
 * - WebSocket `/v1/stream[?sample_rate=16000&encoding=s16le|f32le]`: binary messages are mono PCM; the server sends
 *   JSON text messages {"type":"partial"|"final","text","start","end"} (finals also "words") as audio arrives. A
 *   text message {"type":"end"} (or "EOF") ends the input: the last final follows, then {"type":"end"} and the
 *   server closes. Closing the socket early just drops the stream.
 * - HTTP `POST /v1/audio/transcriptions`: multipart/form-data with `file` (any format src/audio reads) and optional
 *   `response_format` json (default, {"text"}), text, or verbose_json (duration, segments with words, words), the
 *   shape of OpenAI's endpoint. Other form fields (model, language, ...) are accepted and ignored.
 * - `GET /health`: {"status":"ok","streams":n}.
 *
 * Limits: uploads over `maxUploadBytes` get 413; WebSocket connections beyond `maxStreams` get 503 at the upgrade.
 */
export interface AsrServerOptions {
  /** Makes a recognizer (one per stream or upload; the model is shared). */
  createRecognizer: () => StreamingRecognizer;
  maxUploadBytes: number;
  maxStreams: number;
  /** Largest WebSocket message, bytes (default 4 MiB). */
  maxMessageBytes?: number;
  log?: (line: string) => void;
}

export interface AsrServer {
  server: Server;
  /** Open WebSocket streams. */
  readonly activeStreams: number;
  close(): Promise<void>;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function eventMessage(e: RecognitionEvent): string {
  const o: Record<string, unknown> = { type: e.type, text: e.text, start: round3(e.start), end: round3(e.end) };
  if (e.words) o.words = e.words.map((w) => ({ word: w.word, start: round3(w.start), end: round3(w.end), confidence: round3(w.confidence) }));
  return JSON.stringify(o);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error' } });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request body, refusing (413) more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `upload of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    const parts: Buffer[] = [];
    let n = 0;
    let failed = false;
    req.on('data', (b: Buffer) => {
      n += b.length;
      // discarding an oversized upload has its own bound: past it the connection is dropped
      if (failed && n > 2 * limit + (1 << 20)) req.destroy();
      if (failed) return;
      if (n > limit) {
        failed = true;
        reject(new HttpError(413, `upload exceeds the limit of ${limit} bytes`));
        return;
      }
      parts.push(b);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(parts));
    });
    req.on('error', (e) => reject(e));
  });
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Recognises a whole signal, a second at a time with event-loop turns between, so live streams keep flowing. */
async function recognizeAll(rec: StreamingRecognizer, samples: Float32Array | Float64Array, rate: number): Promise<RecognitionEvent[]> {
  const finals: RecognitionEvent[] = [];
  rec.on('final', (e) => finals.push(e));
  for (let i = 0; i < samples.length; i += rate) {
    rec.accept(samples.subarray(i, i + rate), rate);
    await yieldToLoop();
  }
  rec.finish();
  return finals;
}

export function createAsrServer(opts: AsrServerOptions): AsrServer {
  const log = opts.log ?? (() => undefined);
  let active = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? 4 << 20 });

  const transcribe = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const boundary = multipartBoundary(req.headers['content-type']);
    if (boundary === null) throw new HttpError(400, 'expected a multipart/form-data body with a `file` field');
    const body = await readBody(req, opts.maxUploadBytes);
    let parts;
    try {
      parts = parseMultipart(body, boundary);
    } catch (e) {
      throw new HttpError(400, errorMessage(e));
    }
    const file = parts.find((p) => p.name === 'file');
    if (!file) throw new HttpError(400, 'missing form field `file`');
    const format = parts.find((p) => p.name === 'response_format')?.data.toString('utf8').trim() || 'json';
    if (!['json', 'text', 'verbose_json'].includes(format)) throw new HttpError(400, `response_format must be json, text or verbose_json, got '${format}'`);
    const name = file.filename || 'file';
    let audio;
    try {
      audio = await decodeAudio(new Uint8Array(file.data.buffer, file.data.byteOffset, file.data.byteLength), name);
    } catch (e) {
      throw new HttpError(400, errorMessage(e).split('\n')[0]);
    }
    const samples = monoOf(audio.channels, undefined, name);
    const rec = opts.createRecognizer();
    let finals: RecognitionEvent[];
    try {
      finals = await recognizeAll(rec, samples, audio.sampleRate);
    } finally {
      rec.dispose();
    }
    const text = finals.map((f) => f.text).join(' ');
    log(`POST /v1/audio/transcriptions ${name}: ${(samples.length / audio.sampleRate).toFixed(2)} s, ${finals.length} segments`);
    if (format === 'text') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${text}\n`);
      return;
    }
    if (format === 'json') {
      sendJson(res, 200, { text });
      return;
    }
    const words = finals.flatMap((f) => (f.words ?? []).map((w) => ({ word: w.word, start: round3(w.start), end: round3(w.end), confidence: round3(w.confidence) })));
    sendJson(res, 200, {
      task: 'transcribe',
      duration: round3(samples.length / audio.sampleRate),
      text,
      segments: finals.map((f, id) => ({
        id,
        start: round3(f.start),
        end: round3(f.end),
        text: f.text,
        words: (f.words ?? []).map((w) => ({ word: w.word, start: round3(w.start), end: round3(w.end), confidence: round3(w.confidence) })),
      })),
      words,
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = async (): Promise<void> => {
      if (url.pathname === '/health') {
        if (req.method !== 'GET') throw new HttpError(405, 'use GET');
        sendJson(res, 200, { status: 'ok', streams: active });
        return;
      }
      if (url.pathname === '/v1/audio/transcriptions') {
        if (req.method !== 'POST') throw new HttpError(405, 'use POST with multipart/form-data');
        await transcribe(req, res);
        return;
      }
      throw new HttpError(404, `no route ${req.method} ${url.pathname} (POST /v1/audio/transcriptions, WebSocket /v1/stream, GET /health)`);
    };
    route().catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : e instanceof AsrError ? 400 : 500;
      if (status === 500) log(`error: ${errorMessage(e)}`);
      // an oversized upload is read and discarded, so the client sees the 413 rather than a reset connection
      if (status === 413) req.resume();
      if (!res.headersSent) sendError(res, status, errorMessage(e).split('\n')[0]);
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} ${why}\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(why)}\r\n\r\n${why}`);
    };
    if (url.pathname !== '/v1/stream') return refuse(404, 'Not Found');
    if (active >= opts.maxStreams) return refuse(503, 'Service Unavailable');
    const rate = Number(url.searchParams.get('sample_rate') ?? '16000');
    const encoding = url.searchParams.get('encoding') ?? 's16le';
    if (!(rate >= 1000 && rate <= 384000) || !['s16le', 'f32le'].includes(encoding)) return refuse(400, 'Bad Request');
    active++;
    wss.handleUpgrade(req, socket, head, (ws) => handleStream(ws, rate, encoding as 's16le' | 'f32le'));
  });

  const handleStream = (ws: WebSocket, rate: number, encoding: 's16le' | 'f32le'): void => {
    let rec: StreamingRecognizer | null = null;
    let done = false;
    const bytesPer = encoding === 's16le' ? 2 : 4;
    let carry = Buffer.alloc(0);
    const send = (m: string): void => {
      if (ws.readyState === ws.OPEN) ws.send(m);
    };
    const fail = (message: string): void => {
      send(JSON.stringify({ type: 'error', message }));
      ws.close(1011, 'error');
    };
    try {
      rec = opts.createRecognizer();
    } catch (e) {
      fail(errorMessage(e).split('\n')[0]);
    }
    const release = (): void => {
      if (done) return;
      done = true;
      active--;
      rec?.dispose();
      rec = null;
    };
    if (rec !== null) {
      rec.on('partial', (e) => send(eventMessage(e)));
      rec.on('final', (e) => send(eventMessage(e)));
    }
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (rec === null || done) return;
      try {
        if (!isBinary) {
          const t = data.toString().trim();
          if (t === 'EOF' || (t.startsWith('{') && (JSON.parse(t) as { type?: unknown }).type === 'end')) {
            rec.finish();
            send(JSON.stringify({ type: 'end' }));
            release();
            ws.close(1000, 'done');
          } else fail(`unknown control message ${JSON.stringify(t.slice(0, 80))} (send {"type":"end"} to finish)`);
          return;
        }
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        const all = carry.length > 0 ? Buffer.concat([carry, buf]) : buf;
        const n = Math.floor(all.length / bytesPer);
        // a sample split across messages waits for its other bytes
        carry = Buffer.from(all.subarray(n * bytesPer));
        const samples = new Float32Array(n);
        for (let i = 0; i < n; i++) samples[i] = encoding === 's16le' ? all.readInt16LE(i * 2) / 32768 : all.readFloatLE(i * 4);
        rec.accept(samples, rate);
      } catch (e) {
        fail(errorMessage(e).split('\n')[0]);
        release();
      }
    });
    ws.on('close', release);
    ws.on('error', release);
  };

  return {
    server,
    get activeStreams() {
      return active;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
