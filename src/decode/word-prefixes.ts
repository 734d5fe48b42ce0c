/**
 * The LM's words, sorted, so the words starting with a partial word form one range `[lo, hi)` that narrows by a
 * binary search per character: "can this spelling still become a known word?" costs O(log V) per character and
 * no per-prefix storage.
 */
export interface WordPrefixes {
  readonly words: string[];
}

export function createWordPrefixes(words: Iterable<string>): WordPrefixes {
  const sorted = [...new Set(words)].sort();
  return { words: sorted };
}

/**
 * Narrows `[lo, hi)`, the words that start with a prefix of length `len`, to those that continue with `add`:
 * writes the new range to `out[0..1]`, or returns false when no word continues that way.
 */
export function narrowPrefix(p: WordPrefixes, lo: number, hi: number, len: number, add: string, out: Int32Array): boolean {
  const w = p.words;
  for (let j = 0; j < add.length; j++) {
    const pos = len + j;
    const code = add.charCodeAt(j);
    // First word in range whose code at pos is >= code (words that end before pos sort first: code -1).
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      const c = pos < w[m].length ? w[m].charCodeAt(pos) : -1;
      if (c < code) a = m + 1;
      else b = m;
    }
    const start = a;
    b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      const c = pos < w[m].length ? w[m].charCodeAt(pos) : -1;
      if (c <= code) a = m + 1;
      else b = m;
    }
    lo = start;
    hi = a;
    if (lo >= hi) return false;
  }
  out[0] = lo;
  out[1] = hi;
  return true;
}
