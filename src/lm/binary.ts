/**
 * Binary form of a model: the typed arrays of NgramLm written as they are in memory, behind a small JSON header.
 * Loading maps the file's bytes to typed-array views; only the vocabulary is decoded.
 *
 * Layout (little-endian): 8-byte magic `ASRNGLM\0`, uint32 format version, uint32 header length H, H bytes of
 * JSON header, then sections each starting at a multiple of 8: the vocabulary (UTF-8 words joined by '\n'), and
 * per order k the word ids (k > 1), log10 probabilities, back-off weights (k < N) and child starts (k < N).
 */
import { readFileSync } from 'node:fs';
import { fileError } from '../util/errors.js';
import { writeFileAtomicSync } from '../util/fs.js';
import { vocabMap, type NgramLm } from './model.js';

const MAGIC = 'ASRNGLM\0';
const VERSION = 1;

type ArrayKind = 'i32' | 'f32' | 'u32';
interface SectionInfo {
  name: string;
  kind: ArrayKind | 'utf8';
  offset: number;
  /** Elements (bytes for utf8). */
  length: number;
}
interface Header {
  order: number;
  counts: number[];
  bos: number;
  eos: number;
  unk: number;
  sections: SectionInfo[];
}

function littleEndianHost(): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
}

/** True when the bytes start with the binary model's magic. */
export function isBinaryLm(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/** The binary form of a model. */
export function lmToBinary(lm: NgramLm): Uint8Array {
  littleEndianHost();
  const parts: { name: string; kind: SectionInfo['kind']; bytes: Uint8Array; length: number }[] = [];
  const vocabBytes = new TextEncoder().encode(lm.vocab.join('\n'));
  parts.push({ name: 'vocab', kind: 'utf8', bytes: vocabBytes, length: vocabBytes.length });
  const add = (name: string, kind: ArrayKind, a: Int32Array | Float32Array | Uint32Array): void => {
    parts.push({ name, kind, bytes: new Uint8Array(a.buffer, a.byteOffset, a.byteLength), length: a.length });
  };
  for (let k = 1; k <= lm.order; k++) {
    if (k > 1) add(`words${k}`, 'i32', lm.words[k - 1]);
    add(`probs${k}`, 'f32', lm.probs[k - 1]);
    if (k < lm.order) {
      add(`backoffs${k}`, 'f32', lm.backoffs[k - 1]);
      add(`childStart${k}`, 'u32', lm.childStart[k - 1]);
    }
  }
  const align = (n: number): number => (n + 7) & ~7;
  // The header holds the offsets, which depend on the header's length: lay out with a generous estimate.
  const sections: SectionInfo[] = parts.map((p) => ({ name: p.name, kind: p.kind, offset: 0, length: p.length }));
  const header: Header = { order: lm.order, counts: lm.counts, bos: lm.bos, eos: lm.eos, unk: lm.unk, sections };
  let headerBytes = new Uint8Array(0);
  for (let guess = 0; ; ) {
    let pos = align(16 + guess);
    for (let i = 0; i < parts.length; i++) {
      sections[i].offset = pos;
      pos = align(pos + parts[i].bytes.length);
    }
    const json = JSON.stringify(header);
    if (json.length <= guess) {
      // Trailing spaces are valid JSON; they keep the offsets computed for this length.
      headerBytes = new TextEncoder().encode(json.padEnd(guess, ' '));
      break;
    }
    guess = json.length;
  }
  const last = sections[sections.length - 1];
  const total = align(last.offset + parts[parts.length - 1].bytes.length);
  const out = new Uint8Array(total);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  for (let i = 0; i < parts.length; i++) out.set(parts[i].bytes, sections[i].offset);
  return out;
}

/** Writes the binary form atomically. */
export function writeBinaryLm(lm: NgramLm, path: string): void {
  writeFileAtomicSync(path, lmToBinary(lm));
}

/** A model from its binary form. The typed arrays are views of `bytes` (copied once if misaligned). */
export function lmFromBinary(input: Uint8Array, name = 'binary LM'): NgramLm {
  littleEndianHost();
  if (!isBinaryLm(input)) throw fileError(name, 'not a binary language model (bad magic)');
  if (input.length < 16) throw fileError(name, 'truncated binary language model');
  let bytes = input;
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(input);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) throw fileError(name, `binary language model format version ${version}; this build reads version ${VERSION}`);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > bytes.length) throw fileError(name, 'truncated binary language model (header)');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen))) as Header;
  } catch {
    throw fileError(name, 'corrupt binary language model header');
  }
  const byName = new Map(header.sections.map((s) => [s.name, s]));
  const view = (secName: string, kind: SectionInfo['kind']): Int32Array | Float32Array | Uint32Array | Uint8Array => {
    const s = byName.get(secName);
    if (!s || s.kind !== kind) throw fileError(name, `corrupt binary language model: no ${secName} section`);
    const width = kind === 'utf8' ? 1 : 4;
    if (s.offset % 8 !== 0 || s.offset + s.length * width > bytes.length) {
      throw fileError(name, `truncated binary language model (${secName} ends at byte ${s.offset + s.length * width}, file has ${bytes.length})`);
    }
    const at = bytes.byteOffset + s.offset;
    if (kind === 'i32') return new Int32Array(bytes.buffer, at, s.length);
    if (kind === 'f32') return new Float32Array(bytes.buffer, at, s.length);
    if (kind === 'u32') return new Uint32Array(bytes.buffer, at, s.length);
    return new Uint8Array(bytes.buffer, at, s.length);
  };
  const N = header.order;
  const vocab = new TextDecoder().decode(view('vocab', 'utf8')).split('\n');
  if (vocab.length !== header.counts[0]) throw fileError(name, 'corrupt binary language model: vocabulary size differs from the 1-gram count');
  const words: Int32Array[] = [Int32Array.from({ length: vocab.length }, (_, i) => i)];
  const probs: Float32Array[] = [];
  const backoffs: Float32Array[] = [];
  const childStart: Uint32Array[] = [];
  for (let k = 1; k <= N; k++) {
    if (k > 1) words.push(view(`words${k}`, 'i32') as Int32Array);
    probs.push(view(`probs${k}`, 'f32') as Float32Array);
    if (k < N) {
      backoffs.push(view(`backoffs${k}`, 'f32') as Float32Array);
      const cs = view(`childStart${k}`, 'u32') as Uint32Array;
      if (cs.length !== header.counts[k - 1] + 1 || cs[cs.length - 1] !== header.counts[k]) {
        throw fileError(name, `corrupt binary language model: child index of order ${k} does not match the ${k + 1}-gram count`);
      }
      childStart.push(cs);
    }
  }
  return { order: N, vocab, wordIds: vocabMap(vocab), bos: header.bos, eos: header.eos, unk: header.unk, counts: header.counts, words, probs, backoffs, childStart };
}

/** Reads a binary model file. */
export function readBinaryLm(path: string): NgramLm {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw fileError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return lmFromBinary(bytes, path);
}
