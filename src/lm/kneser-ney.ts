/**
 * Interpolated modified Kneser-Ney estimation with the conventions of KenLM's `lmplz` (Heafield et al. 2013,
 * "Scalable Modified Kneser-Ney Language Model Estimation"; Chen and Goodman 1998), so the same text gives the
 * same ARPA numbers:
 *
 * - Each sentence is padded with N-1 `<s>` on the left and one `</s>` on the right; the highest order counts
 *   every N-gram, except those that begin `<s> <s>`, which only feed the lower orders.
 * - Lower orders use adjusted counts: the number of distinct words seen to the left of the n-gram (continuation
 *   counts), except n-grams beginning with `<s>`, which cannot be extended to the left and keep their raw count.
 * - Three discounts per order, D1, D2 and D3+, from the counts of counts of the adjusted counts:
 *   Y = n1 / (n1 + 2 n2), Dk = k - (k+1) Y n(k+1) / nk. lmplz has one quirk here that we copy: the n-grams
 *   still pending when its single pass over the suffix-sorted N-grams ends (the suffixes of the last N-gram in
 *   suffix order) enter the counts of counts with their raw count instead of the adjusted one.
 * - p(w | c) = (a(c w) - D(a)) / sum_x a(c x) + gamma(c) p(w | c'), gamma(c) = (D1 N1(c) + D2 N2(c) + D3 N3+(c))
 *   / sum_x a(c x), recursing down to unigrams, which are interpolated with the uniform distribution over the
 *   vocabulary: all words including `<unk>` and `</s>`, excluding `<s>`. `<unk>` has count 0, so its
 *   probability is gamma / |V|; `<s>` is never predicted (lmplz writes log10 p = 0 for it; we write -99, the
 *   ARPA convention SRILM and PocketSphinx use, which no query ever reads).
 * - The back-off weight of an n-gram is gamma with it as the context, written for every n-gram below the
 *   highest order; n-grams ending in `</s>` or `<unk>` get 0.
 * - Optional pruning (`--prune`) removes n-grams whose raw count is at or below a threshold per order and
 *   (`--limit-vocab`) n-grams with words outside a list; the pruned mass goes to gamma as lmplz does.
 *
 * lmplz computes in float32; so do we at the same steps (Math.fround), which keeps the results within float
 * rounding of its output.
 */
import { AsrError, fileError } from '../util/errors.js';
import { BOS_ID, EOS_ID, UNK_ID, checkCorpus, type Corpus } from './corpus.js';
import type { NgramLm } from './model.js';
import { findChild, vocabMap } from './model.js';
import { radixSortRows } from './radix.js';

export const MAX_ORDER = 6;

export interface KneserNeyOptions {
  /** Order N, 1 to 6 (default 3). */
  order?: number;
  /**
   * Pruning thresholds per order as lmplz's --prune: n-grams with a raw count at or below the threshold are
   * removed. Non-decreasing; the unigram value must be 0; the last value applies to the remaining orders.
   */
  prune?: number[];
  /** Only n-grams whose words are all in this list are kept (lmplz --limit_vocab_file). */
  limitVocab?: Iterable<string>;
  /** Discounts D1, D2, D3+ to use for an order whose closed-form discounts fail (lmplz --discount_fallback). */
  discountFallback?: number[];
  /** Called between the stages with a short note. */
  onStage?: (note: string) => void;
}

export interface KneserNeyStats {
  order: number;
  /** Words plus one `</s>` per sentence. */
  tokens: number;
  sentences: number;
  /** N-grams per order before pruning (unigrams include `<unk>` and `<s>`). */
  counts: number[];
  /** N-grams per order in the model. */
  countsPruned: number[];
  /** `[order][3]`: D1, D2, D3+. */
  discounts: number[][];
  /** Orders where the fallback discounts were used, with the reason. */
  warnings: string[];
}

const f = Math.fround;

/** One order's n-grams (valid ones only, in suffix order for the orders built from the N-grams). */
interface OrderCounts {
  rows: number;
  /** `[rows, k]` word ids. */
  ids: Int32Array;
  adjusted: Uint32Array;
  raw: Uint32Array;
}

function parsePruning(prune: number[] | undefined, order: number): number[] {
  if (!prune || prune.length === 0) return new Array<number>(order).fill(0);
  if (prune.length > order) throw new AsrError(`--prune: ${prune.length} thresholds given for an order-${order} model`);
  for (let i = 0; i < prune.length; i++) {
    if (!Number.isInteger(prune[i]) || prune[i] < 0) throw new AsrError(`--prune: thresholds must be non-negative integers, got ${prune[i]}`);
    if (i > 0 && prune[i] < prune[i - 1]) throw new AsrError('--prune: thresholds must not decrease with the order (lower orders would lose n-grams that higher ones need)');
  }
  if (prune[0] !== 0) throw new AsrError('--prune: unigrams cannot be pruned; the first threshold must be 0');
  const out = prune.slice();
  while (out.length < order) out.push(out[out.length - 1]);
  return out;
}

/** Closed-form modified Kneser-Ney discounts of one order from its counts of counts n[1..4]. */
function discountsFor(n: number[], orderK: number, fallback: number[] | undefined, name: string, warnings: string[]): number[] {
  let problem = '';
  for (let j = 1; j <= 3 && !problem; j++) {
    if (n[j] === 0) problem = `no ${orderK}-grams have adjusted count ${j}, so the discount for count ${j === 3 ? '3+' : j + 1} cannot be estimated`;
  }
  const d = [0, 0, 0];
  if (!problem) {
    const y = f(n[1] / (n[1] + 2 * n[2]));
    for (let j = 1; j <= 3; j++) {
      d[j - 1] = f(j - f(f(f((j + 1) * y) * n[j + 1]) / n[j]));
      if (d[j - 1] < 0 || d[j - 1] > j) {
        problem = `the ${orderK}-gram discount for count ${j === 3 ? '3+' : j} comes out as ${d[j - 1]}, outside [0, ${j}]`;
        break;
      }
    }
  }
  if (!problem) return d;
  if (!fallback) throw fileError(name, `${problem} (is the text small or artificial? --discount-fallback uses fixed discounts)`);
  warnings.push(`${problem}; using fallback discounts ${fallback.join(' ')}`);
  return [f(fallback[0]), f(fallback[1]), f(fallback[2])];
}

/** `a - D(a)` as lmplz's Discount::Apply computes it. */
function discounted(a: number, d: number[]): number {
  return a === 0 ? 0 : f(a - d[Math.min(a, 3) - 1]);
}

/**
 * Estimates an order-N interpolated modified Kneser-Ney model from a tokenized text. Throws AsrError for
 * texts that cannot make a model (empty, one word, discounts out of range without a fallback).
 */
export function buildKneserNey(corpus: Corpus, opts: KneserNeyOptions = {}): { lm: NgramLm; stats: KneserNeyStats } {
  const N = opts.order ?? 3;
  if (!Number.isInteger(N) || N < 1 || N > MAX_ORDER) throw new AsrError(`--order: expected an integer from 1 to ${MAX_ORDER}, got ${N}`);
  checkCorpus(corpus);
  const thresholds = parsePruning(opts.prune, N);
  let fallback: number[] | undefined;
  if (opts.discountFallback) {
    const fb = opts.discountFallback.length ? opts.discountFallback : [0.5, 1, 1.5];
    if (fb.length > 3) throw new AsrError('--discount-fallback: give at most three discounts (for counts 1, 2 and 3+)');
    fallback = [0, 1, 2].map((i) => fb[Math.min(i, fb.length - 1)]);
    fallback.forEach((d, i) => {
      if (!(d >= 0 && d <= i + 1)) throw new AsrError(`--discount-fallback: the discount for count ${i + 1} must lie in [0, ${i + 1}], got ${d}`);
    });
  }
  const V = corpus.vocab.length;
  const stage = opts.onStage ?? (() => {});

  // Words outside --limit-vocab (never the special words).
  const prunedWord = new Uint8Array(V);
  const limiting = opts.limitVocab !== undefined;
  if (opts.limitVocab) {
    const allowed = new Set(opts.limitVocab);
    for (let w = EOS_ID + 1; w < V; w++) if (!allowed.has(corpus.vocab[w])) prunedWord[w] = 1;
  }

  stage('counting n-grams');
  const full = countFullNgrams(corpus.tokens, N, V);
  const U = full.rows;
  const grams = full.ids;

  // same[u]: how many trailing words N-gram u shares with N-gram u-1 (suffix order puts shared suffixes together).
  const same = new Uint8Array(U);
  for (let u = 1; u < U; u++) {
    let s = 0;
    while (s < N && grams[u * N + N - 1 - s] === grams[(u - 1) * N + N - 1 - s]) s++;
    same[u] = s;
  }

  stage('adjusting counts');
  const warnings: string[] = [];
  const countsOfCounts: number[][] = [];
  const counts: number[] = [];
  const orders: OrderCounts[] = [];
  // Unigrams by word id.
  const uniAdjusted = new Uint32Array(V);
  const uniRaw = new Uint32Array(V);
  if (N === 1) {
    for (let u = 0; u < U; u++) {
      uniAdjusted[grams[u]] = full.counts[u];
      uniRaw[grams[u]] = full.counts[u];
    }
    const n = [0, 0, 0, 0, 0];
    for (let w = 0; w < V; w++) if (uniAdjusted[w] < 5) n[uniAdjusted[w]]++;
    countsOfCounts.push(n);
    counts.push(V);
  } else {
    for (let k = 1; k < N; k++) {
      const oc = lowerOrder(grams, full.counts, same, U, N, k);
      const n = [0, 0, 0, 0, 0];
      const add = (c: number): void => {
        if (c < 5) n[c]++;
      };
      if (k === 1) {
        for (let r = 0; r < oc.rows; r++) {
          uniAdjusted[oc.ids[r]] = oc.adjusted[r];
          uniRaw[oc.ids[r]] = oc.raw[r];
        }
        // <unk> and <s> have count 0 (they enter n[0], which no discount reads).
        for (let w = 0; w < V; w++) add(uniAdjusted[w]);
        counts.push(V);
      } else {
        for (let r = 0; r < oc.rows; r++) add(oc.adjusted[r]);
        counts.push(oc.rows);
        orders[k - 1] = oc;
      }
      // lmplz's end-of-pass quirk: the last n-gram of this order in suffix order, if it is one, counts raw.
      const lastValid = k === 1 || grams[(U - 1) * N + N - k + 1] !== BOS_ID;
      if (lastValid) {
        const r = oc.rows - 1;
        if (oc.adjusted[r] < 5) n[oc.adjusted[r]]--;
        add(oc.raw[r]);
      }
      countsOfCounts.push(n);
    }
    // The highest order: every N-gram that does not begin <s> <s>, with raw counts.
    let rows = 0;
    for (let u = 0; u < U; u++) if (grams[u * N + 1] !== BOS_ID) rows++;
    const ids = new Int32Array(rows * N);
    const raw = new Uint32Array(rows);
    const n = [0, 0, 0, 0, 0];
    for (let u = 0, r = 0; u < U; u++) {
      if (grams[u * N + 1] === BOS_ID) continue;
      ids.set(grams.subarray(u * N, u * N + N), r * N);
      raw[r] = full.counts[u];
      if (raw[r] < 5) n[raw[r]]++;
      r++;
    }
    orders[N - 1] = { rows, ids, adjusted: raw, raw };
    countsOfCounts.push(n);
    counts.push(rows);
  }

  const discounts = countsOfCounts.map((n, i) => discountsFor(n, i + 1, fallback, corpus.name, warnings));

  stage('computing probabilities');
  // ---- Unigrams ----
  const newId = new Int32Array(V).fill(-1);
  const vocab: string[] = [];
  for (let w = 0; w < V; w++) {
    if (prunedWord[w]) continue;
    newId[w] = vocab.length;
    vocab.push(corpus.vocab[w]);
  }
  const V1 = vocab.length;
  const probLin: Float32Array[] = [];
  const probs: Float32Array[] = [];
  const backoffs: Float32Array[] = [];
  const words: Int32Array[] = [];
  const childStart: Uint32Array[] = [];
  const countsPruned: number[] = [V1];
  {
    const d = discounts[0];
    let denom = 0;
    let pruned = 0;
    const nk = [0, 0, 0, 0];
    for (let w = 0; w < V; w++) {
      const a = uniAdjusted[w];
      denom += a;
      if (prunedWord[w]) pruned += a;
      else if (a > 0) nk[Math.min(a, 3)]++;
    }
    const gamma = gammaOf(d, nk, pruned, denom);
    const uniform = f(1 / f(V1 - 1));
    const lin = new Float32Array(V1);
    const lp = new Float32Array(V1);
    const wordsOut = new Int32Array(V1);
    for (let w = 0; w < V; w++) {
      const id = newId[w];
      if (id < 0) continue;
      wordsOut[id] = id;
      if (w === BOS_ID) {
        lin[id] = 1;
        lp[id] = -99;
        continue;
      }
      const u = w === UNK_ID ? 0 : f(discounted(uniAdjusted[w], d) / f(denom));
      lin[id] = f(u + f(gamma * uniform));
      lp[id] = f(Math.min(0, Math.log10(lin[id])));
    }
    probLin.push(lin);
    probs.push(lp);
    words.push(wordsOut);
  }

  // ---- Orders 2..N, in lexicographic (trie) order ----
  let prevIds: Int32Array = new Int32Array(0); // kept rows of the previous order (old ids), lexicographic
  let prevRows = V1;
  for (let k = 2; k <= N; k++) {
    const oc = orders[k - 1];
    const d = discounts[k - 1];
    const perm = radixSortRows(oc.rows, Array.from({ length: k }, (_, c) => c), V - 1, (col, keys) => {
      for (let r = 0; r < oc.rows; r++) keys[r] = oc.ids[r * k + col];
    });
    const isPruned = (r: number): boolean => {
      if (thresholds[k - 1] > 0 && oc.raw[r] <= thresholds[k - 1]) return true;
      if (limiting) for (let c = 0; c < k; c++) if (prunedWord[oc.ids[r * k + c]]) return true;
      return false;
    };
    let kept = 0;
    for (let r = 0; r < oc.rows; r++) if (!isPruned(r)) kept++;
    countsPruned.push(kept);
    const keptIds = new Int32Array(kept * k);
    const wordsOut = new Int32Array(kept);
    const parent = new Int32Array(kept);
    const uninterp = new Float32Array(kept);
    const gammaOfContext = new Float32Array(prevRows).fill(NaN);
    const gammaOfRow = new Float32Array(kept);
    let out = 0;
    let walk = 0; // merge-walk pointer into prevIds
    for (let g = 0; g < oc.rows; ) {
      // The group of rows sharing the context (first k-1 words).
      const first = perm[g];
      let end = g + 1;
      while (end < oc.rows && sameContext(oc.ids, first, perm[end], k)) end++;
      let denom = 0;
      let pruned = 0;
      const nk = [0, 0, 0, 0];
      for (let i = g; i < end; i++) {
        const r = perm[i];
        const a = oc.adjusted[r];
        denom += a;
        if (isPruned(r)) pruned += a;
        else nk[Math.min(a, 3)]++;
      }
      const gamma = gammaOf(d, nk, pruned, denom);
      // Find the context among the previous order's kept n-grams.
      let ctx = -1;
      if (k === 2) {
        ctx = newId[oc.ids[first * k]];
      } else {
        while (walk < prevRows && compareRow(prevIds, walk, oc.ids, first, k - 1) < 0) walk++;
        if (walk < prevRows && compareRow(prevIds, walk, oc.ids, first, k - 1) === 0) ctx = walk;
      }
      if (ctx >= 0) gammaOfContext[ctx] = gamma;
      for (let i = g; i < end; i++) {
        const r = perm[i];
        if (isPruned(r)) continue;
        if (ctx < 0) throw new Error(`internal: kept ${k}-gram without its context`);
        keptIds.set(oc.ids.subarray(r * k, r * k + k), out * k);
        wordsOut[out] = newId[oc.ids[r * k + k - 1]];
        parent[out] = ctx;
        uninterp[out] = f(discounted(oc.adjusted[r], d) / f(denom));
        gammaOfRow[out] = gamma;
        out++;
      }
      g = end;
    }
    // Children ranges of the previous order.
    const starts = new Uint32Array(prevRows + 1);
    for (let i = 0; i < kept; i++) starts[parent[i] + 1]++;
    for (let i = 0; i < prevRows; i++) starts[i + 1] += starts[i];
    childStart.push(starts);
    words.push(wordsOut);
    // Back-off weights of the previous order: gamma where it is a context, none after </s> or <unk>.
    const prevWords = words[k - 2];
    const bo = new Float32Array(prevRows);
    for (let i = 0; i < prevRows; i++) {
      const last = prevWords[i];
      const gm = gammaOfContext[i];
      bo[i] = Number.isNaN(gm) || last === newId[EOS_ID] || last === newId[UNK_ID] ? 0 : f(Math.log10(gm));
    }
    backoffs.push(bo);
    // Interpolate with the lower order: p(w | c) = u(w | c) + gamma(c) p(w | c minus its first word).
    const lowerLin = probLin[k - 2];
    const lin = new Float32Array(kept);
    const lp = new Float32Array(kept);
    const partial: NgramLm = { order: k, vocab, wordIds: new Map(), bos: -1, eos: -1, unk: -1, counts: [], words, probs, backoffs, childStart };
    let suffixCtx = -1;
    for (let i = 0; i < kept; i++) {
      // Node of words 1..k-2 (the suffix's context); shared by rows with the same context.
      if (i === 0 || parent[i] !== parent[i - 1]) {
        suffixCtx = newId[keptIds[i * k + 1]];
        for (let c = 2; c < k - 1 && suffixCtx >= 0; c++) suffixCtx = findChild(partial, c - 1, suffixCtx, newId[keptIds[i * k + c]]);
      }
      const suffix = k === 2 ? wordsOut[i] : suffixCtx < 0 ? -1 : findChild(partial, k - 2, suffixCtx, wordsOut[i]);
      if (suffix < 0) throw new Error(`internal: the suffix of a kept ${k}-gram is missing`);
      lin[i] = f(uninterp[i] + f(gammaOfRow[i] * lowerLin[suffix]));
      lp[i] = f(Math.min(0, Math.log10(lin[i])));
    }
    probLin.push(lin);
    probs.push(lp);
    prevIds = keptIds;
    prevRows = kept;
  }

  const lm: NgramLm = {
    order: N,
    vocab,
    wordIds: vocabMap(vocab),
    bos: newId[BOS_ID],
    eos: newId[EOS_ID],
    unk: newId[UNK_ID],
    counts: countsPruned.slice(),
    words,
    probs,
    backoffs,
    childStart,
  };
  return {
    lm,
    stats: {
      order: N,
      tokens: corpus.tokens.length,
      sentences: corpus.sentences,
      counts,
      countsPruned,
      discounts,
      warnings,
    },
  };
}

/** gamma = (D1 N1 + D2 N2 + D3 N3+ + pruned mass) / denominator, in lmplz's float32 steps. */
function gammaOf(d: number[], nk: number[], pruned: number, denom: number): number {
  let g = 0;
  for (let i = 1; i <= 3; i++) g = f(g + f(d[i - 1] * nk[i]));
  g = f(g + pruned);
  return f(g / f(denom));
}

function sameContext(ids: Int32Array, a: number, b: number, k: number): boolean {
  for (let c = 0; c < k - 1; c++) if (ids[a * k + c] !== ids[b * k + c]) return false;
  return true;
}

/** Compares row `a` of `[*, len]` array `x` with the first `len` words of row `b` of `[*, k]` array `y`. */
function compareRow(x: Int32Array, a: number, y: Int32Array, b: number, len: number): number {
  const k = len + 1;
  for (let c = 0; c < len; c++) {
    const d = x[a * len + c] - y[b * k + c];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The distinct N-grams of a tokenized text with their counts, in suffix order (last word most significant),
 * sentences padded with N-1 `<s>`.
 */
function countFullNgrams(tokens: Int32Array, N: number, V: number): { rows: number; ids: Int32Array; counts: Uint32Array } {
  const n = tokens.length;
  // back[i]: real words before position i in its sentence, capped at N-1.
  const back = new Uint8Array(n);
  for (let i = 0, pos = 0; i < n; i++) {
    back[i] = pos < N - 1 ? pos : N - 1;
    pos = tokens[i] === EOS_ID ? 0 : pos + 1;
  }
  const word = (i: number, col: number): number => {
    const d = N - 1 - col;
    return d <= back[i] ? tokens[i - d] : BOS_ID;
  };
  const columns = Array.from({ length: N }, (_, c) => N - 1 - c);
  const perm = radixSortRows(n, columns, V - 1, (col, keys) => {
    const d = N - 1 - col;
    for (let i = 0; i < n; i++) keys[i] = d <= back[i] ? tokens[i - d] : BOS_ID;
  });
  const differs = (a: number, b: number): boolean => {
    for (let c = N - 1; c >= 0; c--) if (word(a, c) !== word(b, c)) return true;
    return false;
  };
  let rows = 0;
  for (let j = 0; j < n; j++) if (j === 0 || differs(perm[j - 1], perm[j])) rows++;
  const ids = new Int32Array(rows * N);
  const counts = new Uint32Array(rows);
  let u = -1;
  for (let j = 0; j < n; j++) {
    const r = perm[j];
    if (j === 0 || differs(perm[j - 1], r)) {
      u++;
      for (let c = 0; c < N; c++) ids[u * N + c] = word(r, c);
    }
    counts[u]++;
  }
  return { rows, ids, counts };
}

/**
 * The valid k-grams (k < N) as suffixes of the suffix-sorted N-grams, with lmplz's adjusted counts: distinct
 * left extensions, or the raw count for n-grams that begin with `<s>`. Suffixes containing `<s> <s>` are not
 * n-grams. Rows come out in suffix order.
 */
function lowerOrder(grams: Int32Array, fullCounts: Uint32Array, same: Uint8Array, U: number, N: number, k: number): OrderCounts {
  const isStart = (u: number): boolean => u === 0 || same[u] < k;
  const valid = (u: number): boolean => k === 1 || grams[u * N + N - k + 1] !== BOS_ID;
  let rows = 0;
  for (let u = 0; u < U; u++) if (isStart(u) && valid(u)) rows++;
  const ids = new Int32Array(rows * k);
  const adjusted = new Uint32Array(rows);
  const raw = new Uint32Array(rows);
  let r = -1;
  let inValid = false;
  for (let u = 0; u < U; u++) {
    if (isStart(u)) {
      inValid = valid(u);
      if (!inValid) continue;
      r++;
      ids.set(grams.subarray(u * N + N - k, u * N + N), r * k);
      adjusted[r] = 1;
      raw[r] = fullCounts[u];
      continue;
    }
    if (!inValid) continue;
    raw[r] += fullCounts[u];
    // A new (k+1)-word suffix: one more distinct left extension.
    if (same[u] === k) adjusted[r]++;
  }
  // N-grams beginning with <s>: no left extension is possible, keep the raw count.
  for (let i = 0; i < rows; i++) if (ids[i * k] === BOS_ID) adjusted[i] = raw[i];
  return { rows, ids, adjusted, raw };
}
