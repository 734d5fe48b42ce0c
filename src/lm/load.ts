import { closeSync, openSync, readSync } from 'node:fs';
import { fileError } from '../util/errors.js';
import { readArpaFile, type ArpaReadOptions } from './arpa-read.js';
import { isBinaryLm, readBinaryLm } from './binary.js';
import type { NgramLm } from './model.js';

/** Loads a language model file, binary (from `asr lm binarize`) or ARPA, told apart by the first bytes. */
export function loadLm(path: string, opts: ArpaReadOptions = {}): NgramLm {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fileError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const head = Buffer.alloc(8);
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  return isBinaryLm(head) ? readBinaryLm(path) : readArpaFile(path, opts);
}
