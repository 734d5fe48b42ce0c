/**
 * CTC prefix beam search in log space (Hannun et al. 2014; the algorithm of pyctcdecode and torchaudio's CTC
 * decoder): every hypothesis is a label prefix carrying the log-probability of all paths that spell it and end
 * in blank (pb) or in its last label (pnb). Each frame extends the beams with the likely tokens, merges paths
 * that reach the same prefix, and keeps the best `beamWidth`.
 *
 * Text scores ride on the prefix, not on the paths: when a word completes (a delimiter, or a `▁` piece in
 * subword vocabularies) the LM adds `alpha * ln p(word | history) + beta`; words the LM cannot spell are
 * penalised as soon as the partial word leaves its vocabulary; hotword prefixes earn their bonus character by
 * character. The unfinished last word and `</s>` are scored at the end.
 *
 * The search is incremental (`advance` per chunk of frames, `finish` at the end) so streaming uses it as is.
 */
import { type LmState, type NgramLm, beginState, nullState, scoreWord } from '../lm/model.js';
import { bestNextLog10 } from '../lm/lookahead.js';
import { ctcAlign, wordsFromLabels, type DecodedWord, type TokenSpan } from './align.js';
import { SPACE, hotwordChild, type HotwordTrie } from './hotwords.js';
import type { TokenSet } from './tokens.js';
import { createWordPrefixes, narrowPrefix, type WordPrefixes } from './word-prefixes.js';

export interface BeamSearchOptions {
  /** Hypotheses kept per frame (default 16). */
  beamWidth?: number;
  /** At most this many tokens tried per frame, the likeliest (default 32). */
  tokenTopK?: number;
  /** Tokens below this log-probability are not tried, except the frame's best (default -10). */
  tokenMinLogProb?: number;
  /** Hypotheses scoring this far below the best are dropped (default -20; -Infinity keeps all). */
  beamPruneLogProb?: number;
  /** Word n-gram LM for shallow fusion. */
  lm?: NgramLm;
  /** LM weight alpha (default 0.5). */
  lmWeight?: number;
  /** Word insertion bonus beta per word, natural log (default 1.0; used with an LM). */
  wordBonus?: number;
  /** Added once for a word the LM cannot spell, natural log (default -10). */
  oovPenalty?: number;
  /** Penalise a partial word as soon as it stops being a prefix of an LM word (default true with an LM). */
  partialWordPruning?: boolean;
  /**
   * LM look-ahead (default true with an LM): a word that begins is charged the best LM score any word could get
   * there (src/lm/lookahead.ts), exchanged for its own score when it ends. Totals are unchanged; only what the
   * beam keeps on the way is.
   */
  lmLookahead?: boolean;
  /** Add the LM's `</s>` score at the end (default true). */
  scoreEndOfSentence?: boolean;
  /** Hotword trie (buildHotwordTrie). */
  hotwordTrie?: HotwordTrie;
  /** Seconds per frame, for word times (default 0.04: 10 ms features subsampled 4x). */
  frameDuration?: number;
}

/** One hypothesis of the n-best list. */
export interface Hypothesis {
  text: string;
  /** Output labels (token ids), repeats merged, blanks removed. */
  tokens: number[];
  words: DecodedWord[];
  /** Acoustic score: natural log of the summed probability of the paths spelling `tokens`. */
  amScore: number;
  /** LM log-probability of the words (and `</s>`), natural log, before the weight. */
  lmScore: number;
  /** Hotword bonus included in the total. */
  hotwordScore: number;
  /** amScore + alpha lmScore + beta words + OOV penalties + hotword bonus: what the search ranks by. */
  total: number;
}

export interface DecodeResult {
  hypotheses: Hypothesis[];
  frames: number;
}

export interface BeamSearch {
  /** Consumes `frames` rows of log-probabilities `[frames, vocab]`. */
  advance(logProbs: Float32Array, frames: number): void;
  /** The current best hypothesis, without end-of-utterance scoring or word alignment (for live display). */
  best(): { text: string; total: number };
  /** Ends the utterance: the n best hypotheses, fully scored, with word times. */
  finish(nbest?: number): DecodeResult;
}

const LN10 = Math.LN10;

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Growable per-node storage of the prefix tree. */
class PrefixTree {
  size = 0;
  parent = new Int32Array(1024);
  token = new Int32Array(1024);
  frame = new Int32Array(1024);
  /** Everything but the acoustic score: weighted LM, bonuses, penalties, hotword bonus. */
  text = new Float64Array(1024);
  lm = new Float64Array(1024);
  hot = new Float64Array(1024);
  /** Weighted LM look-ahead charged to the current partial word (0 between words). */
  look = new Float64Array(1024);
  prefLo = new Int32Array(1024);
  prefHi = new Int32Array(1024);
  hotNode = new Int32Array(1024);
  hotMatch = new Float64Array(1024);
  hotLocked = new Float64Array(1024);
  partial: string[] = [];
  lmState: (LmState | null)[] = [];
  /** Children of a node: `node * vocab + token` -> child (large vocabularies). */
  children = new Map<number, number>();
  /** Small vocabularies: per node with children, a dense `[vocab]` child table (-1 for none). */
  kids: (Int32Array | undefined)[] = [];

  add(): number {
    if (this.size === this.parent.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.parent = grow(this.parent);
      this.token = grow(this.token);
      this.frame = grow(this.frame);
      this.text = grow(this.text);
      this.lm = grow(this.lm);
      this.hot = grow(this.hot);
      this.look = grow(this.look);
      this.prefLo = grow(this.prefLo);
      this.prefHi = grow(this.prefHi);
      this.hotNode = grow(this.hotNode);
      this.hotMatch = grow(this.hotMatch);
      this.hotLocked = grow(this.hotLocked);
    }
    return this.size++;
  }
}

/** An LM's words spelled in a token set's letter case: word -> LM id, and the sorted spellings. */
interface LmIndex {
  ids: Map<string, number>;
  prefixes: WordPrefixes;
}

// Built once per LM and letter case, not per utterance: sorting a large vocabulary takes a while.
const lmIndexes = new WeakMap<NgramLm, Map<string, LmIndex>>();

function lmIndex(lm: NgramLm, letterCase: TokenSet['letterCase']): LmIndex {
  let byCase = lmIndexes.get(lm);
  if (!byCase) lmIndexes.set(lm, (byCase = new Map()));
  let index = byCase.get(letterCase);
  if (index) return index;
  const special = new Set([lm.bos, lm.eos, lm.unk]);
  const ids = new Map<string, number>();
  const spelled: string[] = [];
  for (let i = 0; i < lm.vocab.length; i++) {
    if (special.has(i)) continue;
    const orig = lm.vocab[i];
    const w = letterCase === 'upper' ? orig.toUpperCase() : letterCase === 'lower' ? orig.toLowerCase() : orig;
    spelled.push(w);
    // Where case folding merges words, the one already spelled that way wins.
    if (!ids.has(w) || orig === w) ids.set(w, i);
  }
  index = { ids, prefixes: createWordPrefixes(spelled) };
  byCase.set(letterCase, index);
  return index;
}

export function createBeamSearch(ts: TokenSet, opts: BeamSearchOptions = {}): BeamSearch {
  const V = ts.tokens.length;
  const blank = ts.blank;
  const beamWidth = Math.max(1, Math.floor(opts.beamWidth ?? 16));
  const topK = Math.max(1, Math.floor(opts.tokenTopK ?? 32));
  const minLogProb = opts.tokenMinLogProb ?? -10;
  const pruneLogProb = opts.beamPruneLogProb ?? -20;
  const lm = opts.lm;
  const alpha = lm ? opts.lmWeight ?? 0.5 : 0;
  const beta = lm ? opts.wordBonus ?? 1.0 : 0;
  const oovPenalty = opts.oovPenalty ?? -10;
  const pruning = lm !== undefined && (opts.partialWordPruning ?? true);
  const lookahead = lm !== undefined && (opts.lmLookahead ?? true);
  const scoreEos = opts.scoreEndOfSentence ?? true;
  const hot = opts.hotwordTrie && opts.hotwordTrie.phrases > 0 ? opts.hotwordTrie : undefined;
  const frameDuration = opts.frameDuration ?? 0.04;

  const index = lm ? lmIndex(lm, ts.letterCase) : null;
  const prefixes: WordPrefixes | null = index && pruning ? index.prefixes : null;
  const lmIds = index ? index.ids : new Map<string, number>();
  const allWords = prefixes ? prefixes.words.length : 0;
  const range = new Int32Array(2);
  const scratch: LmState | null = lm ? nullState(lm) : null;

  const tree = new PrefixTree();
  const dense = V <= 256;
  const root = tree.add();
  tree.parent[root] = -1;
  tree.token[root] = -1;
  tree.frame[root] = -1;
  tree.prefLo[root] = 0;
  tree.prefHi[root] = allWords;
  tree.partial.push('');
  tree.lmState.push(lm ? beginState(lm) : null);

  /** LM score of completing `word` after `state`: weighted text delta, raw ln-prob, state after. */
  const completeWord = (word: string, state: LmState, wasOov: boolean): { delta: number; lnp: number; next: LmState } => {
    const l = lm as NgramLm;
    const id = lmIds.get(word) ?? -1;
    const next = nullState(l);
    const lnp = scoreWord(l, state, id, next) * LN10;
    let delta = alpha * lnp + beta;
    if (id < 0 && !wasOov) delta += oovPenalty;
    return { delta, lnp, next };
  };

  /** Hotword state change for a word boundary; returns the bonus delta. Writes the new state to the node. */
  const hotBoundary = (n: number): number => {
    const h = hot as HotwordTrie;
    const node = tree.hotNode[n];
    if (node <= 0) {
      tree.hotNode[n] = 0;
      return 0;
    }
    let delta = 0;
    const done = h.terminal[node];
    if (!Number.isNaN(done)) {
      // A whole phrase: its weight is kept, whatever the partial bonuses added up to.
      delta += done - tree.hotMatch[n];
      tree.hotMatch[n] = done;
      tree.hotLocked[n] = done;
    }
    const cont = hotwordChild(h, node, SPACE);
    if (cont >= 0) {
      const d = h.score[cont] - h.score[node];
      tree.hotNode[n] = cont;
      tree.hotMatch[n] += d;
      return delta + d;
    }
    // The phrase cannot go on: keep what is locked, take back the rest.
    delta -= tree.hotMatch[n] - tree.hotLocked[n];
    tree.hotNode[n] = 0;
    tree.hotMatch[n] = 0;
    tree.hotLocked[n] = 0;
    return delta;
  };

  const hotChars = (n: number, s: string): number => {
    const h = hot as HotwordTrie;
    let delta = 0;
    for (let i = 0; i < s.length; i++) {
      const node = tree.hotNode[n];
      if (node < 0) break;
      const next = hotwordChild(h, node, s.charCodeAt(i));
      if (next >= 0) {
        const d = h.score[next] - h.score[node];
        delta += d;
        tree.hotMatch[n] += d;
        tree.hotNode[n] = next;
      } else {
        delta -= tree.hotMatch[n] - tree.hotLocked[n];
        tree.hotNode[n] = -1;
        tree.hotMatch[n] = 0;
        tree.hotLocked[n] = 0;
        break;
      }
    }
    return delta;
  };

  /**
   * The prefix `node + c` if it exists, -1 if not made yet. A delimiter that ends no word adds nothing: it gives
   * `node` itself, so "a||b" and "a|b" never compete.
   */
  const findChild = (node: number, c: number): number => {
    if (ts.boundary[c] === 1 && ts.text[c].length === 0 && tree.partial[node].length === 0) return node;
    if (dense) {
      const k = tree.kids[node];
      return k === undefined ? -1 : k[c];
    }
    return tree.children.get(node * V + c) ?? -1;
  };

  /** Makes the prefix `node + c` (which findChild did not find) and its text scores. */
  const createChild = (node: number, c: number, t: number): number => {
    const parentPartial = tree.partial[node];
    const text = ts.text[c];
    const isBoundary = ts.boundary[c] === 1;
    const n = tree.add();
    if (dense) {
      // Only beams get children: one table per node that has been a beam.
      let k = tree.kids[node];
      if (k === undefined) k = tree.kids[node] = new Int32Array(V).fill(-1);
      k[c] = n;
    } else tree.children.set(node * V + c, n);
    tree.parent[n] = node;
    tree.token[n] = c;
    tree.frame[n] = t;
    let score = tree.text[node];
    let lmLn = tree.lm[node];
    let hotSum = tree.hot[node];
    let look = tree.look[node];
    let partial = parentPartial;
    let lo = tree.prefLo[node];
    let hi = tree.prefHi[node];
    let state = tree.lmState[node];
    tree.hotNode[n] = tree.hotNode[node];
    tree.hotMatch[n] = tree.hotMatch[node];
    tree.hotLocked[n] = tree.hotLocked[node];
    if (isBoundary && partial.length > 0) {
      if (lm && state) {
        const r = completeWord(partial, state, pruning && lo < 0);
        score += r.delta - look;
        lmLn += r.lnp;
        state = r.next;
      }
      look = 0;
      if (hot) {
        const d = hotBoundary(n);
        score += d;
        hotSum += d;
      }
      partial = '';
      lo = 0;
      hi = allWords;
    }
    if (text.length > 0) {
      if (lookahead && partial.length === 0 && state) {
        look = alpha * bestNextLog10(lm as NgramLm, state) * LN10;
        score += look;
      }
      if (pruning && lo >= 0) {
        if (narrowPrefix(prefixes as WordPrefixes, lo, hi, partial.length, text, range)) {
          lo = range[0];
          hi = range[1];
        } else {
          lo = -1;
          hi = -1;
          score += oovPenalty;
        }
      }
      if (hot) {
        const d = hotChars(n, text);
        score += d;
        hotSum += d;
      }
      partial += text;
    }
    tree.text[n] = score;
    tree.lm[n] = lmLn;
    tree.hot[n] = hotSum;
    tree.look[n] = look;
    tree.prefLo[n] = lo;
    tree.prefHi[n] = hi;
    tree.partial.push(partial);
    tree.lmState.push(state);
    return n;
  };

  // The most a new prefix's text score can rise over its parent's: the word bonus when it completes a word
  // (the LM term is a log-probability, never positive) and what hotwords can add at a boundary and in characters.
  let hotGain = 0;
  if (hot) for (let i = 0; i < hot.score.length; i++) hotGain = Math.max(hotGain, hot.score[i]);
  const gainBoundary = Math.max(0, beta) + Math.max(0, oovPenalty) + 2 * hotGain;
  const gainChars = Math.max(0, oovPenalty) + hotGain;

  // Current beams.
  let beamNode = new Int32Array([root]);
  let beamPb = new Float64Array([0]);
  let beamPnb = new Float64Array([-Infinity]);
  // Per-node accumulators for the next frame, stamped with the frame that last touched them.
  let accPb = new Float64Array(1024);
  let accPnb = new Float64Array(1024);
  let stamp = new Int32Array(1024).fill(-1);
  const touched: number[] = [];
  let frameIndex = 0;
  const chunks: Float32Array[] = [];

  const touch = (n: number, t: number): void => {
    if (n >= stamp.length) {
      const len = Math.max(n + 1, stamp.length * 2);
      const s2 = new Int32Array(len).fill(-1);
      s2.set(stamp);
      stamp = s2;
      const a = new Float64Array(len);
      a.set(accPb);
      accPb = a;
      const b = new Float64Array(len);
      b.set(accPnb);
      accPnb = b;
    }
    if (stamp[n] !== t) {
      stamp[n] = t;
      accPb[n] = -Infinity;
      accPnb[n] = -Infinity;
      touched.push(n);
    }
  };

  const candTok = new Int32Array(V);
  const candLp = new Float64Array(V);
  // Extensions to prefixes not made yet: parent, token, acoustic score, upper bound of the total.
  let pendParent = new Int32Array(256);
  let pendTok = new Int32Array(256);
  let pendAm = new Float64Array(256);
  let pendEst = new Float64Array(256);
  const heap: number[] = [];
  let pendHeap = new Int32Array(256);

  const step = (row: Float32Array, off: number, t: number): void => {
    // Candidate tokens: above the threshold (and the best), at most topK of them.
    let best = -Infinity;
    let arg = 0;
    for (let v = 0; v < V; v++) {
      if (row[off + v] > best) {
        best = row[off + v];
        arg = v;
      }
    }
    let nc = 0;
    for (let v = 0; v < V; v++) {
      const lp = row[off + v];
      if (lp >= minLogProb || v === arg) {
        candTok[nc] = v;
        candLp[nc] = lp;
        nc++;
      }
    }
    if (nc > topK) {
      const order = Array.from({ length: nc }, (_, i) => i).sort((a, b) => candLp[b] - candLp[a]).slice(0, topK);
      const tk = order.map((i) => candTok[i]);
      const lpk = order.map((i) => candLp[i]);
      for (let i = 0; i < topK; i++) {
        candTok[i] = tk[i];
        candLp[i] = lpk[i];
      }
      nc = topK;
    }
    touched.length = 0;
    let np = 0;
    const pend = (parent: number, c: number, am: number): void => {
      if (np === pendParent.length) {
        pendParent = growInt(pendParent);
        pendTok = growInt(pendTok);
        pendAm = growFloat(pendAm);
        pendEst = growFloat(pendEst);
      }
      const completes = ts.boundary[c] === 1 && tree.partial[parent].length > 0;
      pendParent[np] = parent;
      pendTok[np] = c;
      pendAm[np] = am;
      pendEst[np] = am + tree.text[parent] + (completes ? gainBoundary : gainChars);
      np++;
    };
    for (let b = 0; b < beamNode.length; b++) {
      const node = beamNode[b];
      const pb = beamPb[b];
      const pnb = beamPnb[b];
      const ptot = logAdd(pb, pnb);
      const last = tree.token[node];
      for (let i = 0; i < nc; i++) {
        const c = candTok[i];
        const lp = candLp[i];
        if (c === blank) {
          touch(node, t);
          accPb[node] = logAdd(accPb[node], ptot + lp);
        } else if (c === last) {
          touch(node, t);
          accPnb[node] = logAdd(accPnb[node], pnb + lp);
          if (pb > -Infinity) {
            const n = findChild(node, c);
            if (n >= 0) {
              touch(n, t);
              accPnb[n] = logAdd(accPnb[n], pb + lp);
            } else pend(node, c, pb + lp);
          }
        } else {
          const n = findChild(node, c);
          if (n >= 0) {
            touch(n, t);
            accPnb[n] = logAdd(accPnb[n], ptot + lp);
          } else pend(node, c, ptot + lp);
        }
      }
    }
    // Exact scores of the prefixes that exist; a min-heap of the best beamWidth of them.
    heap.length = 0;
    let top = -Infinity;
    const offer = (score: number): void => {
      if (score > top) top = score;
      if (heap.length < beamWidth) heapPush(heap, score);
      else if (score > heap[0]) heapReplaceTop(heap, score);
    };
    for (let i = 0; i < touched.length; i++) {
      const n = touched[i];
      offer(logAdd(accPb[n], accPnb[n]) + tree.text[n]);
    }
    // New prefixes, best upper bound first; each is made only while its bound can still beat the beam. A new
    // prefix has a single parent, so its bound is exact but for the text gain, and the search stays exact.
    const bar = (): number => Math.max(heap.length < beamWidth ? -Infinity : heap[0], top + pruneLogProb);
    // A max-heap of the candidates above the bar: only as many are popped as are made.
    const first = bar();
    let nh = 0;
    if (pendHeap.length < np) pendHeap = new Int32Array(pendEst.length);
    for (let i = 0; i < np; i++) if (pendEst[i] >= first) pendHeap[nh++] = i;
    for (let i = (nh >> 1) - 1; i >= 0; i--) siftDown(pendHeap, nh, i, pendEst);
    while (nh > 0) {
      const i = pendHeap[0];
      if (pendEst[i] < bar()) break;
      pendHeap[0] = pendHeap[--nh];
      siftDown(pendHeap, nh, 0, pendEst);
      const n = createChild(pendParent[i], pendTok[i], t);
      touch(n, t);
      accPnb[n] = logAdd(accPnb[n], pendAm[i]);
      offer(accPnb[n] + tree.text[n]);
    }
    // Keep the best beamWidth, within pruneLogProb of the best.
    const m = touched.length;
    const scores = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const n = touched[i];
      scores[i] = logAdd(accPb[n], accPnb[n]) + tree.text[n];
    }
    let idx: number[] = [];
    for (let i = 0; i < m; i++) if (scores[i] >= top + pruneLogProb) idx.push(i);
    if (idx.length > beamWidth) idx = idx.sort((a, b) => scores[b] - scores[a]).slice(0, beamWidth);
    beamNode = new Int32Array(idx.length);
    beamPb = new Float64Array(idx.length);
    beamPnb = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) {
      const n = touched[idx[i]];
      beamNode[i] = n;
      beamPb[i] = accPb[n];
      beamPnb[i] = accPnb[n];
    }
  };

  /** End-of-utterance scores of a beam: the last word, `</s>`, an unfinished hotword. */
  const finalScores = (n: number): { text: number; lm: number; hot: number } => {
    let text = tree.text[n];
    let lmLn = tree.lm[n];
    let hotSum = tree.hot[n];
    let state = tree.lmState[n];
    const partial = tree.partial[n];
    if (lm && state) {
      if (partial.length > 0) {
        const r = completeWord(partial, state, pruning && tree.prefLo[n] < 0);
        text += r.delta - tree.look[n];
        lmLn += r.lnp;
        state = r.next;
      }
      if (scoreEos) {
        const lnp = scoreWord(lm, state, lm.eos, scratch as LmState) * LN10;
        text += alpha * lnp;
        lmLn += lnp;
      }
    }
    if (hot) {
      const node = tree.hotNode[n];
      if (node > 0) {
        const done = (hot as HotwordTrie).terminal[node];
        const d = Number.isNaN(done) ? -(tree.hotMatch[n] - tree.hotLocked[n]) : done - tree.hotMatch[n];
        text += d;
        hotSum += d;
      }
    }
    return { text, lm: lmLn, hot: hotSum };
  };

  const labelsOf = (n: number): number[] => {
    const out: number[] = [];
    for (let x = n; x > 0; x = tree.parent[x]) out.push(tree.token[x]);
    return out.reverse();
  };

  const nodesOf = (n: number): number[] => {
    const out: number[] = [];
    for (let x = n; x > 0; x = tree.parent[x]) out.push(x);
    return out.reverse();
  };

  const textOf = (labels: number[]): string => {
    const words: string[] = [];
    let cur = '';
    for (const c of labels) {
      if (ts.boundary[c] && cur) {
        words.push(cur);
        cur = '';
      }
      cur += ts.text[c];
    }
    if (cur) words.push(cur);
    return words.join(' ');
  };

  return {
    advance(logProbs: Float32Array, frames: number): void {
      if (logProbs.length < frames * V) throw new Error(`advance: ${logProbs.length} values for ${frames} frames of ${V} tokens`);
      chunks.push(logProbs.subarray(0, frames * V));
      for (let f = 0; f < frames; f++) step(logProbs, f * V, frameIndex++);
    },
    best() {
      let bi = 0;
      let bs = -Infinity;
      for (let i = 0; i < beamNode.length; i++) {
        const s = logAdd(beamPb[i], beamPnb[i]) + tree.text[beamNode[i]];
        if (s > bs) {
          bs = s;
          bi = i;
        }
      }
      return { text: textOf(labelsOf(beamNode[bi])), total: bs };
    },
    finish(nbest = 1): DecodeResult {
      const scored = Array.from(beamNode, (n, i) => {
        const f = finalScores(n);
        const am = logAdd(beamPb[i], beamPnb[i]);
        return { n, am, f, total: am + f.text };
      }).sort((a, b) => b.total - a.total);
      const all = chunks.length === 1 ? chunks[0] : concat(chunks);
      const out: Hypothesis[] = [];
      const seen = new Set<string>();
      for (const s of scored) {
        if (out.length >= nbest) break;
        const labels = labelsOf(s.n);
        const text = textOf(labels);
        if (seen.has(text)) continue;
        seen.add(text);
        let spans: TokenSpan[] | null = ctcAlign(all, frameIndex, V, labels, blank, ts.delimiter);
        if (!spans) {
          // Too long to align exactly: the frames where the search first made each prefix.
          spans = nodesOf(s.n).map((x) => ({ first: tree.frame[x], last: tree.frame[x], peak: all[tree.frame[x] * V + tree.token[x]] }));
        }
        out.push({
          text,
          tokens: labels,
          words: wordsFromLabels(ts, labels, spans, frameDuration),
          amScore: s.am,
          lmScore: s.f.lm,
          hotwordScore: s.f.hot,
          total: s.total,
        });
      }
      return { hypotheses: out, frames: frameIndex };
    },
  };
}

function concat(chunks: Float32Array[]): Float32Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Float32Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function growInt(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function growFloat(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Min-heap of numbers in an array. */
function heapPush(h: number[], v: number): void {
  let i = h.length;
  h.push(v);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p] <= v) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = v;
}

function heapReplaceTop(h: number[], v: number): void {
  const n = h.length;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && h[r] < h[l] ? r : l;
    if (h[c] >= v) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = v;
}

/** Max-heap of indices ordered by `key[index]`: moves entry `i` down into place. */
function siftDown(h: Int32Array, n: number, i: number, key: Float64Array): void {
  const x = h[i];
  const kx = key[x];
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && key[h[r]] > key[h[l]] ? r : l;
    if (key[h[c]] <= kx) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}
