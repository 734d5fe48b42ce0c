import type { LmState, NgramLm } from './model.js';

/**
 * The most likely next word's log10 probability after `state`, as an upper bound: for each context length, the
 * best explicit continuation plus the back-off weights of the longer contexts, and the best unigram plus all of
 * them. Every word's back-off probability is one of those terms, so no word scores higher. `<s>` and `</s>` are
 * left out: this prices a word that has only begun.
 *
 * Why: the beam search scores a word when it ends. Charging the best the LM could give when a word begins (LM
 * look-ahead) lets a grammar that allows no further word (a one-digit LM) prune a second word at its first
 * letter, instead of after the beam has filled with spellings of it.
 */
export function bestNextLog10(lm: NgramLm, state: LmState): number {
  const n = state.nodes.length;
  let best = -Infinity;
  let backoff = 0;
  for (let j = n; j >= 1; j--) {
    const ctx = state.nodes[j - 1];
    if (ctx < 0) continue;
    best = Math.max(best, bestChild(lm, j, ctx) + backoff);
    backoff += lm.backoffs[j - 1][ctx];
  }
  return Math.max(best, bestUnigram(lm) + backoff);
}

/** Per model: best continuation of each context, keyed `order * 2^32 + index` (order <= 6 keeps keys exact). */
const childCache = new WeakMap<NgramLm, Map<number, number>>();
const unigramCache = new WeakMap<NgramLm, number>();

function bestUnigram(lm: NgramLm): number {
  let best = unigramCache.get(lm);
  if (best !== undefined) return best;
  best = -Infinity;
  const p = lm.probs[0];
  for (let w = 0; w < p.length; w++) if (w !== lm.bos && w !== lm.eos && p[w] > best) best = p[w];
  unigramCache.set(lm, best);
  return best;
}

/** Best log10 probability among the children (order `order + 1`) of entry `ctx` of order `order`; -Infinity if none. */
function bestChild(lm: NgramLm, order: number, ctx: number): number {
  let cache = childCache.get(lm);
  // bounded: a long stream over a large LM visits many contexts, each recomputed cheaply when dropped
  if (!cache || cache.size > 1_000_000) childCache.set(lm, (cache = new Map()));
  const key = order * 4294967296 + ctx;
  let best = cache.get(key);
  if (best !== undefined) return best;
  best = -Infinity;
  const starts = lm.childStart[order - 1];
  const words = lm.words[order];
  const probs = lm.probs[order];
  for (let i = starts[ctx]; i < starts[ctx + 1]; i++) {
    const w = words[i];
    if (w !== lm.bos && w !== lm.eos && probs[i] > best) best = probs[i];
  }
  cache.set(key, best);
  return best;
}
