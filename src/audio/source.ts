import { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileError } from '../util/errors.js';

/**
 * Sequential bytes from a file, a Node Readable (stdin) or a buffer, read forward only, so one WAV parser serves
 * all three and never needs the whole input in memory.
 */
export interface ByteSource {
  /** Up to n bytes; fewer only at the end of the input (an empty array there). */
  read(n: number): Promise<Uint8Array>;
  /**
   * At least one and at most n bytes as soon as any are available (empty only at the end): a live stream
   * (stdin) is not held back until n bytes arrive. Files and buffers give n bytes as `read` does.
   */
  readSome(n: number): Promise<Uint8Array>;
  /** Skips up to n bytes; returns how many were skipped (fewer only at the end). */
  skip(n: number): Promise<number>;
  /** Bytes left, when knowable (files and buffers); undefined for streams. */
  remaining(): number | undefined;
  close(): Promise<void>;
}

/** Turns a file-system error into one line naming the file. */
export function ioError(name: string, e: unknown): Error {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return fileError(name, 'no such file', e);
  if (code === 'EISDIR') return fileError(name, 'is a directory, not an audio file', e);
  if (code === 'EACCES' || code === 'EPERM') return fileError(name, 'permission denied', e);
  return fileError(name, `cannot read: ${(e as Error).message ?? String(e)}`, e);
}

/**
 * A file read with positioned fs reads of at most the requested size (memory stays bounded by the caller).
 * A pipe or device path (/dev/stdin, a FIFO) has no size or positions, so it is read as a stream.
 */
export async function fileSource(path: string): Promise<ByteSource> {
  let fh: fsp.FileHandle;
  let size: number;
  try {
    fh = await fsp.open(path, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    }
    if (!st.isFile()) return readableSource(fh.createReadStream(), path);
    size = st.size;
  } catch (e) {
    throw ioError(path, e);
  }
  let pos = 0;
  let closed = false;
  const read = async (n: number): Promise<Uint8Array> => {
    const want = Math.max(0, Math.min(n, size - pos));
    const out = new Uint8Array(want);
    let got = 0;
    try {
      while (got < want) {
        const { bytesRead } = await fh.read(out, got, want - got, pos + got);
        if (bytesRead === 0) break; // the file shrank under us
        got += bytesRead;
      }
    } catch (e) {
      throw ioError(path, e);
    }
    pos += got;
    return got === want ? out : out.subarray(0, got);
  };
  return {
    read,
    readSome: read,
    async skip(n) {
      const k = Math.max(0, Math.min(n, size - pos));
      pos += k;
      return k;
    },
    remaining: () => size - pos,
    async close() {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    },
  };
}

/** An in-memory buffer. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  let pos = 0;
  const read = async (n: number): Promise<Uint8Array> => {
    const end = Math.min(bytes.length, pos + Math.max(0, n));
    const out = bytes.subarray(pos, end);
    pos = end;
    return out;
  };
  return {
    read,
    readSome: read,
    async skip(n) {
      const k = Math.max(0, Math.min(n, bytes.length - pos));
      pos += k;
      return k;
    },
    remaining: () => bytes.length - pos,
    async close() {},
  };
}

/** A Node Readable (e.g. process.stdin); holds at most one pending piece beyond what was asked for. */
export function readableSource(stream: Readable, name: string): ByteSource {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let pending: Uint8Array = new Uint8Array(0);
  let ended = false;

  const fill = async (): Promise<boolean> => {
    if (ended) return false;
    let r: IteratorResult<Buffer | string>;
    try {
      r = await it.next();
    } catch (e) {
      throw fileError(name, `cannot read: ${(e as Error).message ?? String(e)}`, e);
    }
    if (r.done) {
      ended = true;
      return false;
    }
    const piece = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
    if (pending.length === 0) pending = new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
    else {
      const joined = new Uint8Array(pending.length + piece.length);
      joined.set(pending);
      joined.set(piece, pending.length);
      pending = joined;
    }
    return true;
  };

  return {
    async read(n) {
      while (pending.length < n && (await fill()));
      const k = Math.min(n, pending.length);
      const out = pending.slice(0, k);
      pending = pending.subarray(k);
      return out;
    },
    async readSome(n) {
      if (pending.length === 0) await fill();
      const k = Math.min(n, pending.length);
      const out = pending.slice(0, k);
      pending = pending.subarray(k);
      return out;
    },
    async skip(n) {
      let skipped = 0;
      while (skipped < n) {
        if (pending.length === 0 && !(await fill())) break;
        const k = Math.min(n - skipped, pending.length);
        pending = pending.subarray(k);
        skipped += k;
      }
      return skipped;
    },
    remaining: () => undefined,
    async close() {
      if (!ended) {
        ended = true;
        await it.return?.();
      }
    },
  };
}

/** Everything left in a source, as one buffer (for formats decoded whole). */
export async function readRest(src: ByteSource, prefix?: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = prefix && prefix.length ? [prefix] : [];
  let total = prefix?.length ?? 0;
  for (;;) {
    const piece = await src.read(1 << 20);
    if (piece.length === 0) break;
    parts.push(piece);
    total += piece.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `head` (bytes already taken from `src`, e.g. to sniff the format) followed by the rest of `src`. */
export function prependSource(head: Uint8Array, src: ByteSource): ByteSource {
  let pre = head;
  const take = (n: number): Uint8Array => {
    const out = pre.subarray(0, n);
    pre = pre.subarray(out.length);
    return out;
  };
  return {
    async read(n) {
      if (pre.length === 0) return src.read(n);
      const a = take(n);
      if (a.length === n) return a;
      const b = await src.read(n - a.length);
      if (b.length === 0) return a;
      const out = new Uint8Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    },
    async readSome(n) {
      return pre.length > 0 ? take(n) : src.readSome(n);
    },
    async skip(n) {
      const a = take(n).length;
      return a + (a < n ? await src.skip(n - a) : 0);
    },
    remaining() {
      const r = src.remaining();
      return r === undefined ? undefined : r + pre.length;
    },
    close: () => src.close(),
  };
}
