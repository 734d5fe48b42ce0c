import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fileError } from './errors.js';

/**
 * Reads a UTF-8 text file in chunks and calls `onLine(text, start, end)` for each line (`text.slice(start, end)`,
 * without the newline), so a large file is never one string and a parser can read in place without slicing.
 * A last line without a newline is passed on when it is not empty. `onProgress` hears bytes read of the total.
 */
export function forEachLineSync(
  path: string,
  onLine: (text: string, start: number, end: number) => void,
  onProgress?: (done: number, total: number) => void,
  chunkBytes = 1 << 23,
): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fileError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(chunkBytes);
    const decoder = new TextDecoder('utf-8');
    let rest = '';
    let done = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const text = rest + (n > 0 ? decoder.decode(buf.subarray(0, n), { stream: true }) : decoder.decode());
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) break;
        onLine(text, start, end);
        start = end + 1;
      }
      rest = text.slice(start);
      if (n <= 0) {
        if (rest.length > 0) onLine(rest, 0, rest.length);
        return;
      }
      done += n;
      onProgress?.(done, size);
    }
  } finally {
    closeSync(fd);
  }
}
