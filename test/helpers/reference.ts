import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the project root, where the reference vectors and real speech live. */
export const SHARED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared');
export const REFERENCE_DIR = join(SHARED_DIR, 'reference');
export const DATA_DIR = join(SHARED_DIR, 'data');
/** Tests that need shared/ skip with this message when it is absent (never silently pass). */
export const hasShared = existsSync(REFERENCE_DIR);
export const SHARED_MISSING = `../shared/reference not found beside the project (looked in ${REFERENCE_DIR})`;

export interface BinDescriptor {
  file: string;
  dtype: string;
  shape: number[];
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Loads a little-endian float32 `.bin` named by a descriptor, relative to the JSON file's folder. */
export function readBin(jsonPath: string, desc: BinDescriptor): { shape: number[]; data: Float32Array } {
  const buf = readFileSync(join(dirname(jsonPath), desc.file));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const n = desc.shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`${desc.file}: ${data.length} floats, shape says ${n}`);
  return { shape: desc.shape, data };
}

/** Largest |a - b| over two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
