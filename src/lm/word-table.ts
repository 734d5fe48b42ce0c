/**
 * Word -> id, looked up by a range of a larger string without cutting it out: readers of large texts and ARPA
 * files meet millions of words, and most of the cost of a Map<string, number> would be making those substrings.
 * Open addressing over an Int32Array with FNV-1a hashes of the UTF-16 code units.
 */
export interface WordTable {
  readonly vocab: string[];
  /** Id of `s[a, b)`, or -1. */
  get(s: string, a: number, b: number): number;
  /** Adds `s[a, b)`; returns its id, or -(existing id) - 1 when it is already there. */
  add(s: string, a: number, b: number): number;
}

export function createWordTable(initial: string[] = []): WordTable {
  const vocab: string[] = [];
  let hashes = new Int32Array(1024);
  let table = new Int32Array(4096); // id + 1, or 0 for empty
  let mask = table.length - 1;
  const hashOf = (s: string, a: number, b: number): number => {
    let h = 0x811c9dc5 | 0;
    for (let i = a; i < b; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return h;
  };
  const find = (s: string, a: number, b: number, h: number): number => {
    const len = b - a;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = table[slot];
      if (e === 0) return -1;
      const w = vocab[e - 1];
      if (hashes[e - 1] === h && w.length === len && s.startsWith(w, a)) return e - 1;
    }
  };
  const insert = (id: number, h: number): void => {
    let slot = h & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = id + 1;
  };
  const words = {
    vocab,
    get(s: string, a: number, b: number): number {
      return find(s, a, b, hashOf(s, a, b));
    },
    add(s: string, a: number, b: number): number {
      const h = hashOf(s, a, b);
      const known = find(s, a, b, h);
      if (known >= 0) return -known - 1;
      const id = vocab.length;
      vocab.push(s.slice(a, b));
      if (id >= hashes.length) {
        const h2 = new Int32Array(hashes.length * 2);
        h2.set(hashes);
        hashes = h2;
      }
      hashes[id] = h;
      if (2 * (id + 1) > table.length) {
        table = new Int32Array(table.length * 2);
        mask = table.length - 1;
        for (let i = 0; i < id; i++) insert(i, hashes[i]);
      }
      insert(id, h);
      return id;
    },
  };
  for (const w of initial) words.add(w, 0, w.length);
  return words;
}
