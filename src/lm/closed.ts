import type { Corpus } from './corpus.js';
import { EOS_ID } from './corpus.js';
import { forEachNgram, type NgramLm } from './model.js';

/** log10 weight of everything a closed model does not allow (ARPA's conventional -99). */
export const CLOSED_LOG10 = -99;

/**
 * Turns a model estimated on `corpus` (any smoothing: its n-grams are the text's) into a grammar of the word
 * sequences the text contains: every n-gram gets its maximum-likelihood probability c(h w) / c(h *) and every
 * back-off weight becomes -99, so a sequence with an n-gram the text lacks costs 1e-99 per such word. It is what a
 * JSGF grammar is to PocketSphinx, as an ARPA file: built from single digits, it allows exactly one digit.
 */
export function closeLm(lm: NgramLm, corpus: Corpus): NgramLm {
  const N = lm.order;
  // counts of every k-gram (k <= N) of the text with <s> before each sentence, keyed by its words
  const counts = new Map<string, number>();
  const ctx = new Map<string, number>();
  const bos = lm.bos >= 0 ? lm.vocab[lm.bos] : '<s>';
  let unigrams = 0;
  let sentence: string[] = [bos];
  for (let i = 0; i < corpus.tokens.length; i++) {
    const id = corpus.tokens[i];
    sentence.push(corpus.vocab[id]);
    unigrams++;
    const end = sentence.length;
    for (let k = 1; k <= N && end - k >= 0; k++) {
      const gram = sentence.slice(end - k).join(' ');
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
      if (k > 1) {
        const h = sentence.slice(end - k, end - 1).join(' ');
        ctx.set(h, (ctx.get(h) ?? 0) + 1);
      }
    }
    if (id === EOS_ID) sentence = [bos];
  }
  const probs = lm.probs.map((p) => new Float32Array(p.length).fill(CLOSED_LOG10));
  const backoffs = lm.backoffs.map((b) => new Float32Array(b.length).fill(CLOSED_LOG10));
  for (let k = 1; k <= N; k++) {
    forEachNgram(lm, k, (ids, index) => {
      const words = Array.from(ids, (w) => lm.vocab[w]);
      const c = counts.get(words.join(' ')) ?? 0;
      const denom = k === 1 ? unigrams : (ctx.get(words.slice(0, -1).join(' ')) ?? 0);
      if (c > 0 && denom > 0) probs[k - 1][index] = Math.log10(c / denom);
    });
  }
  return { ...lm, probs, backoffs };
}
