/** Test fixtures for the audio tests, generated at test time (no binary fixtures are committed). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder and its cleanup. */
export function tempDir(prefix = 'asr-audio-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether a command-line tool is on PATH (for optional cross-checks with sox, lame, opusenc, oggenc). */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface WavSpec {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Default channels * ceil(bits / 8). */
  blockAlign?: number;
  /** WAVE_FORMAT_EXTENSIBLE with this sub-format tag (formatTag is then written as 0xFFFE). */
  extensibleSubformat?: number;
  /** Override the fmt chunk's size field (the body written is still the normal one, padded/cut to it). */
  fmtSize?: number;
  /** Override the data chunk's size field. */
  dataSize?: number;
  /** Chunks to put between fmt and data, e.g. [['LIST', bytes]]. */
  extraChunks?: [string, Uint8Array][];
  data: Uint8Array;
}

/** Builds a WAV file byte by byte, for layouts and broken headers that no writer produces on purpose. */
export function buildWav(spec: WavSpec): Uint8Array {
  const ext = spec.extensibleSubformat !== undefined;
  const blockAlign = spec.blockAlign ?? spec.channels * Math.ceil(spec.bitsPerSample / 8);
  const fmt = new Uint8Array(ext ? 40 : 16);
  const f = new DataView(fmt.buffer);
  f.setUint16(0, ext ? 0xfffe : spec.formatTag, true);
  f.setUint16(2, spec.channels, true);
  f.setUint32(4, spec.sampleRate, true);
  f.setUint32(8, spec.sampleRate * blockAlign, true);
  f.setUint16(12, blockAlign, true);
  f.setUint16(14, spec.bitsPerSample, true);
  if (ext) {
    f.setUint16(16, 22, true);
    f.setUint16(18, spec.bitsPerSample, true);
    f.setUint32(20, 0, true);
    f.setUint16(24, spec.extensibleSubformat ?? 1, true);
    fmt.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }
  const fmtBody = spec.fmtSize === undefined ? fmt : fmt.slice(0, Math.min(fmt.length, spec.fmtSize));
  const chunks: [string, Uint8Array, number][] = [['fmt ', fmtBody, spec.fmtSize ?? fmt.length]];
  for (const [id, body] of spec.extraChunks ?? []) chunks.push([id, body, body.length]);
  chunks.push(['data', spec.data, spec.dataSize ?? spec.data.length]);
  let total = 12;
  for (const [, body] of chunks) total += 8 + body.length + (body.length & 1);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const tag = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  tag(0, 'RIFF');
  v.setUint32(4, total - 8, true);
  tag(8, 'WAVE');
  let p = 12;
  for (const [id, body, size] of chunks) {
    tag(p, id);
    v.setUint32(p + 4, size, true);
    out.set(body, p + 8);
    p += 8 + body.length + (body.length & 1);
  }
  return out;
}

/** Little-endian bytes of integers of `bytes` width (two's complement), interleaved as given. */
export function intBytes(values: number[], bytes: number): Uint8Array {
  const out = new Uint8Array(values.length * bytes);
  values.forEach((x, i) => {
    let u = x < 0 ? x + 2 ** (8 * bytes) : x;
    for (let b = 0; b < bytes; b++) {
      out[i * bytes + b] = u % 256;
      u = Math.floor(u / 256);
    }
  });
  return out;
}

/** Little-endian float32 or float64 bytes. */
export function floatBytes(values: number[], bytes: 4 | 8): Uint8Array {
  const out = new Uint8Array(values.length * bytes);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => (bytes === 4 ? v.setFloat32(i * bytes, x, true) : v.setFloat64(i * bytes, x, true)));
  return out;
}

/** Deterministic pseudo-random integers in [lo, hi]. */
export function randomInts(n: number, lo: number, hi: number, seed = 1): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + Math.floor((s / 2 ** 32) * (hi - lo + 1)));
  }
  return out;
}

/** Concatenates per-channel chunks. @returns [numChannels][total] */
export function concatChunks(chunks: Float32Array[][], numChannels: number): Float32Array[] {
  return Array.from({ length: numChannels }, (_, c) => {
    const n = chunks.reduce((a, ch) => a + ch[c].length, 0);
    const out = new Float32Array(n);
    let o = 0;
    for (const ch of chunks) {
      out.set(ch[c], o);
      o += ch[c].length;
    }
    return out;
  });
}

/** Concatenates sample arrays (float64 holds either kind exactly). */
export function concatFloat(parts: (Float32Array | Float64Array)[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
