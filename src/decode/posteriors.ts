import { readFileSync } from 'node:fs';
import { fileError } from '../util/errors.js';

/** Frame log-posteriors of one utterance: `data` is `[frames, vocab]`, row-major. */
export interface Posteriors {
  data: Float32Array;
  frames: number;
  vocab: number;
}

/**
 * Parses a NumPy `.npy` holding a 2-D float32 (or float64, converted) little-endian C-order array
 * `[frames, vocab]`.
 */
export function parseNpy(bytes: Uint8Array, name = 'posteriors.npy'): Posteriors {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw fileError(name, 'not a NumPy .npy file');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw fileError(name, 'truncated .npy header');
    hlen = dv.getUint32(8, true);
    start = 12;
  } else throw fileError(name, `unsupported .npy format version ${major}`);
  if (start + hlen > bytes.length) throw fileError(name, 'truncated .npy header');
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw fileError(name, 'malformed .npy header');
  if (fortran === 'True') throw fileError(name, 'Fortran-order .npy arrays are not supported; save with C order');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.length !== 2) throw fileError(name, `expected a 2-D array [frames, vocab], got shape (${shape.join(', ')})`);
  const [frames, vocab] = shape;
  let width: number;
  if (descr === '<f4' || descr === '=f4' || (descr === '|f4')) width = 4;
  else if (descr === '<f8' || descr === '=f8') width = 8;
  else throw fileError(name, `expected little-endian float32 data ('<f4'), got '${descr}'`);
  const body = start + hlen;
  const need = frames * vocab * width;
  if (bytes.length - body < need) throw fileError(name, `truncated .npy data: ${bytes.length - body} bytes for shape (${frames}, ${vocab}), need ${need}`);
  const data = new Float32Array(frames * vocab);
  const raw = new DataView(bytes.buffer, bytes.byteOffset + body, need);
  if (width === 4) for (let i = 0; i < data.length; i++) data[i] = raw.getFloat32(i * 4, true);
  else for (let i = 0; i < data.length; i++) data[i] = raw.getFloat64(i * 8, true);
  return { data, frames, vocab };
}

/** Parses `{"log_probs": [[...], ...]}`. */
export function parsePosteriorsJson(text: string, name = 'posteriors.json'): Posteriors {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw fileError(name, `not valid JSON (${(e as Error).message})`);
  }
  const rows = (j as { log_probs?: unknown })?.log_probs;
  if (!Array.isArray(rows)) throw fileError(name, 'expected {"log_probs": [[...], ...]}');
  const frames = rows.length;
  const vocab = frames > 0 && Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : 0;
  const data = new Float32Array(frames * vocab);
  for (let t = 0; t < frames; t++) {
    const r = rows[t] as unknown;
    if (!Array.isArray(r) || r.length !== vocab) throw fileError(name, `log_probs row ${t} has ${Array.isArray(r) ? r.length : 'no'} values, row 0 has ${vocab}`);
    for (let v = 0; v < vocab; v++) {
      const x = r[v] as unknown;
      // JSON has no NaN; null is how many writers spell it.
      data[t * vocab + v] = typeof x === 'number' ? x : x === null ? NaN : Number.NaN;
    }
  }
  return { data, frames, vocab };
}

/**
 * Checks posteriors against a vocabulary size and brings them to log-probabilities: rows are renormalized with
 * a log-softmax (a no-op on log-probabilities, and right for logits). Fails on NaN, the wrong width, no frames,
 * and on what look like plain probabilities.
 */
export function checkPosteriors(p: Posteriors, vocab: number, name: string): Posteriors {
  if (p.vocab !== vocab) throw fileError(name, `posteriors have ${p.vocab} columns but there are ${vocab} tokens`);
  if (p.frames === 0) throw fileError(name, 'no frames');
  const { data, frames } = p;
  let allProbLike = true;
  for (let t = 0; t < frames; t++) {
    let max = -Infinity;
    let sum = 0;
    for (let v = 0; v < vocab; v++) {
      const x = data[t * vocab + v];
      if (Number.isNaN(x) || x === Infinity) throw fileError(name, `${Number.isNaN(x) ? 'NaN' : 'Infinity'} at frame ${t}, token ${v}`);
      if (x > max) max = x;
      if (x < 0 || x > 1) allProbLike = false;
      sum += x;
    }
    if (Math.abs(sum - 1) > 1e-3) allProbLike = false;
    if (max === -Infinity) throw fileError(name, `frame ${t} has no finite value`);
  }
  if (allProbLike && vocab > 1) throw fileError(name, 'values look like probabilities (rows sum to 1); the decoder wants log-probabilities (log_softmax output)');
  const out = new Float32Array(data.length);
  for (let t = 0; t < frames; t++) {
    const o = t * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) if (data[o + v] > max) max = data[o + v];
    let s = 0;
    for (let v = 0; v < vocab; v++) s += Math.exp(data[o + v] - max);
    const lse = max + Math.log(s);
    for (let v = 0; v < vocab; v++) out[o + v] = data[o + v] - lse;
  }
  return { data: out, frames, vocab };
}

/** Reads a posteriors file: `.npy`, or JSON (anything else). */
export function readPosteriorsFile(path: string): Posteriors {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fileError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (bytes.length >= 6 && bytes[0] === 0x93 && bytes.subarray(1, 6).toString('latin1') === 'NUMPY') return parseNpy(bytes, path);
  return parsePosteriorsJson(bytes.toString('utf8'), path);
}
