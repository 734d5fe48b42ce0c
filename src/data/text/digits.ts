import { createRng } from '../../util/random.js';
import { DIGIT_WORDS } from './numbers.js';

export interface DigitStringOptions {
  count: number;
  /** Shortest and longest string, in digits (default 1 and 7, as in TIDIGITS). */
  minLength?: number;
  maxLength?: number;
  /** Chance that a 0 is said "oh" rather than "zero" (default 0.5: people say both). */
  ohProbability?: number;
  seed?: number;
}

/**
 * Random digit strings in words, one per line ("four oh seven one"), for the digits task. Seeded: the same options
 * give the same lines. Every digit is equally likely and lengths are uniform in [minLength, maxLength].
 */
export function digitStrings(opts: DigitStringOptions): string[] {
  const minLength = opts.minLength ?? 1;
  const maxLength = opts.maxLength ?? 7;
  const oh = opts.ohProbability ?? 0.5;
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new RangeError(`digit strings: count must be a non-negative integer, got ${opts.count}`);
  if (!Number.isInteger(minLength) || !Number.isInteger(maxLength) || minLength < 1 || maxLength < minLength) {
    throw new RangeError(`digit strings: lengths must satisfy 1 <= min <= max, got ${minLength}..${maxLength}`);
  }
  if (!(oh >= 0 && oh <= 1)) throw new RangeError(`digit strings: oh probability must be in [0, 1], got ${oh}`);
  const rng = createRng(opts.seed ?? 0);
  const lines: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const n = rng.int(minLength, maxLength);
    const words: string[] = [];
    for (let k = 0; k < n; k++) {
      const d = rng.int(0, 9);
      // draw the oh/zero coin for every digit so the stream of draws does not depend on which digits came up
      const sayOh = rng.uniform() < oh;
      words.push(d === 0 && sayOh ? 'oh' : DIGIT_WORDS[d]);
    }
    lines.push(words.join(' '));
  }
  return lines;
}
