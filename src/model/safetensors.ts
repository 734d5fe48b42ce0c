import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileError } from '../util/errors.js';

/**
 * The safetensors format (Hugging Face), float32 only:
 *   u64 little-endian N | N bytes of UTF-8 JSON header, space-padded to a multiple of 8 | raw tensor bytes.
 * The header maps each tensor name to {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (byte
 * offsets relative to the first data byte) and may hold "__metadata__": {string: string}.
 */

export interface TensorEntry {
  shape: number[];
  /** Byte offsets [begin, end) into the data section. */
  offsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  /** In file order (ascending offsets). */
  tensors: Map<string, TensorEntry>;
  /** Absolute file offset of the data section. */
  dataStart: number;
  fileSize: number;
}

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

const MAX_HEADER = 100 * 1024 * 1024;

function littleEndian(): boolean {
  return new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
}

/** Bytes of a safetensors file holding `tensors` (in map order) and optional string metadata. */
export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  if (!littleEndian()) throw new Error('big-endian hosts are not supported');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${name}: shape [${t.shape.join(', ')}] holds ${n} values, got ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

function readExactly(fd: number, length: number, position: number): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  if (got !== length) throw new Error(`short read: ${got} of ${length} bytes`);
  return buf;
}

/** Parses and checks a header: F32 only, shapes match byte ranges, ranges in bounds and not overlapping. */
function parseHeader(file: string, json: string, dataStart: number, fileSize: number): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw fileError(file, 'safetensors header is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fileError(file, 'safetensors header is not a JSON object');
  const metadata: Record<string, string> = {};
  const entries: [string, TensorEntry][] = [];
  const dataSize = fileSize - dataStart;
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null) throw fileError(file, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) metadata[k] = String(v);
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw fileError(file, `tensor ${name}: entry is not an object`);
    if (e.dtype !== 'F32') throw fileError(file, `tensor ${name}: dtype ${JSON.stringify(e.dtype)} is not supported (only F32)`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw fileError(file, `tensor ${name}: bad shape ${JSON.stringify(shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0)) {
      throw fileError(file, `tensor ${name}: bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * n) throw fileError(file, `tensor ${name}: ${end - begin} bytes for shape [${shape.join(', ')}] (needs ${4 * n})`);
    if (end > dataSize) throw fileError(file, `tensor ${name}: data ends at byte ${end}, past the end of the file (${dataSize} data bytes; truncated?)`);
    if (begin % 4 !== 0) throw fileError(file, `tensor ${name}: data offset ${begin} is not 4-byte aligned`);
    entries.push([name, { shape: shape as number[], offsets: [begin, end] }]);
  }
  entries.sort((a, b) => a[1].offsets[0] - b[1].offsets[0]);
  let covered = 0;
  for (const [name, e] of entries) {
    if (e.offsets[0] < covered) throw fileError(file, `tensor ${name}: data overlaps the previous tensor`);
    covered = e.offsets[1];
  }
  if (covered !== dataSize) throw fileError(file, `data section has ${dataSize} bytes but the tensors cover ${covered}`);
  return { metadata, tensors: new Map(entries), dataStart, fileSize };
}

/** Reads only the header of a safetensors file (nothing is allocated for the tensors). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot open', e);
  }
  try {
    const fileSize = fstatSync(fd).size;
    if (fileSize < 8) throw fileError(file, `not a safetensors file (${fileSize} bytes)`);
    const n = Number(new DataView(readExactly(fd, 8, 0).buffer).getBigUint64(0, true));
    if (n < 2 || n > MAX_HEADER || 8 + n > fileSize) throw fileError(file, `not a safetensors file (header length ${n}, file ${fileSize} bytes)`);
    const json = new TextDecoder('utf-8').decode(readExactly(fd, n, 8));
    return parseHeader(file, json, 8 + n, fileSize);
  } finally {
    closeSync(fd);
  }
}

/** Reads the named tensors (all when `names` is omitted) of a file whose header was read and checked. */
export function readSafetensorsData(file: string, header: SafetensorsHeader, names?: string[]): Map<string, NamedArray> {
  if (!littleEndian()) throw new Error('big-endian hosts are not supported');
  const out = new Map<string, NamedArray>();
  const fd = openSync(file, 'r');
  try {
    for (const name of names ?? [...header.tensors.keys()]) {
      const e = header.tensors.get(name);
      if (e === undefined) throw fileError(file, `no tensor named ${name}`);
      const bytes = readExactly(fd, e.offsets[1] - e.offsets[0], header.dataStart + e.offsets[0]);
      out.set(name, { shape: e.shape, data: new Float32Array(bytes.buffer, 0, bytes.length / 4) });
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Header and all tensors of a safetensors file. */
export function readSafetensors(file: string): { metadata: Record<string, string>; tensors: Map<string, NamedArray> } {
  const header = readSafetensorsHeader(file);
  return { metadata: header.metadata, tensors: readSafetensorsData(file, header) };
}
