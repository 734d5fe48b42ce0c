/**
 * A back-off n-gram language model held as a trie of sorted typed arrays (the layout of KenLM's `trie`):
 *
 * - order 1 is indexed by word id: entry `i` of order 1 is word `i` of the vocabulary;
 * - the entries of order k+1 that extend entry `i` of order k are `childStart[k-1][i] .. childStart[k-1][i+1]`,
 *   sorted by word id, so a lookup is one binary search per order;
 * - entries of every order are therefore in lexicographic order of their word ids.
 *
 * Probabilities and back-off weights are log10, as in ARPA files.
 */
export interface NgramLm {
  /** Highest order N. */
  readonly order: number;
  /** Word id -> word. */
  readonly vocab: string[];
  /** Word -> word id. */
  readonly wordIds: Map<string, number>;
  /** Ids of `<s>`, `</s>` and `<unk>`; -1 where the model lacks the word. */
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  /** Number of n-grams of each order, `[order]`. */
  readonly counts: number[];
  /** Per order k (index k-1): last word id of each entry, `[counts[k-1]]`. */
  readonly words: Int32Array[];
  /** Per order: log10 probability of each entry. */
  readonly probs: Float32Array[];
  /** Per order below N: log10 back-off weight of each entry (0 where the ARPA gave none). */
  readonly backoffs: Float32Array[];
  /** Per order below N: `[counts[k-1] + 1]` start of each entry's children in order k+1. */
  readonly childStart: Uint32Array[];
}

/** log10 probability KenLM assigns to an unknown word when the model has no `<unk>`. */
export const MISSING_UNK_LOG10 = -100;

/**
 * The context of the next word: `nodes[j]` is the index in order j+1 of the last j+1 words, or -1 where that
 * n-gram is not in the model. Length N-1 (empty for a unigram model).
 */
export interface LmState {
  readonly nodes: Int32Array;
}

/** The state of an empty context (no `<s>`). */
export function nullState(lm: NgramLm): LmState {
  return { nodes: new Int32Array(Math.max(0, lm.order - 1)).fill(-1) };
}

/** The state after `<s>`: where sentences start. */
export function beginState(lm: NgramLm): LmState {
  const s = nullState(lm);
  if (s.nodes.length > 0 && lm.bos >= 0) s.nodes[0] = lm.bos;
  return s;
}

/** Index in order `parentOrder + 1` of the child `word` of entry `parent` of order `parentOrder`, or -1. */
export function findChild(lm: NgramLm, parentOrder: number, parent: number, word: number): number {
  const starts = lm.childStart[parentOrder - 1];
  let lo = starts[parent];
  let hi = starts[parent + 1];
  const words = lm.words[parentOrder];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const w = words[mid];
    if (w < word) lo = mid + 1;
    else if (w > word) hi = mid;
    else return mid;
  }
  return -1;
}

/** Index of an n-gram (word ids, oldest first) in order `ids.length`, or -1. */
export function findNgram(lm: NgramLm, ids: ArrayLike<number>): number {
  if (ids.length === 0 || ids.length > lm.order) return -1;
  let node = ids[0];
  if (node < 0 || node >= lm.counts[0]) return -1;
  for (let k = 1; k < ids.length && node >= 0; k++) node = findChild(lm, k, node, ids[k]);
  return node;
}

/**
 * log10 p(word | state) with back-off, and the state after the word written to `out` (which may be `state`
 * itself only if the caller no longer needs the old one). `word` -1 (or the `<unk>` id) is an unknown word.
 * Looks at every context length, so models whose lower-order suffixes are missing still score right.
 */
export function scoreWord(lm: NgramLm, state: LmState, word: number, out: LmState): number {
  const n = state.nodes.length;
  const w = word >= 0 ? word : lm.unk;
  if (w < 0 || w >= lm.counts[0]) {
    out.nodes.fill(-1);
    return MISSING_UNK_LOG10;
  }
  let prob = lm.probs[0][w];
  // Sum of the back-off weights of the contexts longer than the longest match.
  let backoff = 0;
  // The new state's nodes[j] is the (j+1)-gram ending in w, found while looking at context j. It is written
  // one step late, after state.nodes[j] has been read, so that `out` may alias `state`.
  let pending = w;
  for (let j = 1; j <= n; j++) {
    const ctx = state.nodes[j - 1];
    let found = -1;
    if (ctx >= 0) {
      found = findChild(lm, j, ctx, w);
      if (found >= 0) {
        prob = lm.probs[j][found];
        backoff = 0;
      } else {
        backoff += lm.backoffs[j - 1][ctx];
      }
    }
    out.nodes[j - 1] = pending;
    pending = found;
  }
  return prob + backoff;
}

/** Word id of a word, or -1 when out of vocabulary. */
export function wordId(lm: NgramLm, word: string): number {
  const id = lm.wordIds.get(word);
  return id === undefined ? -1 : id;
}

/** Total number of n-grams of all orders. */
export function totalNgrams(lm: NgramLm): number {
  return lm.counts.reduce((a, b) => a + b, 0);
}

/**
 * Calls `visit` for every n-gram of order `k` in trie order with its word ids (oldest first; the array is
 * reused between calls) and its index in that order.
 */
export function forEachNgram(lm: NgramLm, k: number, visit: (ids: Int32Array, index: number) => void): void {
  const ids = new Int32Array(k);
  const walk = (depth: number, index: number): void => {
    ids[depth - 1] = lm.words[depth - 1][index];
    if (depth === k) {
      visit(ids, index);
      return;
    }
    const starts = lm.childStart[depth - 1];
    for (let c = starts[index], e = starts[index + 1]; c < e; c++) walk(depth + 1, c);
  };
  for (let i = 0; i < lm.counts[0]; i++) walk(1, i);
}

/** Builds the word -> id map of a vocabulary. */
export function vocabMap(vocab: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < vocab.length; i++) m.set(vocab[i], i);
  return m;
}
