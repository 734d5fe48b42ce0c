import { forEachLineSync } from '../util/lines.js';
import { fileError } from '../util/errors.js';
import { beginState, nullState, scoreWord, wordId, type LmState, type NgramLm } from './model.js';

/**
 * Perplexity of a text as SRILM's `ngram -ppl` and KenLM's `query` report it. Out-of-vocabulary words are
 * excluded from SRILM's logprob and counts; KenLM scores them as `<unk>` in its total.
 */
export interface PerplexityReport {
  sentences: number;
  /** Words, `</s>` not counted. */
  words: number;
  oovs: number;
  /** SRILM `logprob`: log10 probability of the in-vocabulary words and every `</s>`. */
  logprob: number;
  /** SRILM `ppl`: 10^(-logprob / (words - oovs + sentences)), with `</s>`. */
  ppl: number;
  /** SRILM `ppl1`: 10^(-logprob / (words - oovs)), without `</s>`. */
  ppl1: number;
  /** KenLM `Total`: log10 probability including the OOVs scored as `<unk>`. */
  total: number;
  /** KenLM `Perplexity including OOVs`: 10^(-total / (words + sentences)). */
  pplIncludingOovs: number;
  /** KenLM `Perplexity excluding OOVs` (equals SRILM's ppl). */
  pplExcludingOovs: number;
}

/** log10 probability of one sentence (words after `<s>`, then `</s>`), and its OOV count and OOV mass. */
export function scoreSentence(lm: NgramLm, words: string[], scratch?: { a: LmState; b: LmState }): { logprob: number; oovs: number; oovLogprob: number } {
  let state = scratch?.a ?? beginState(lm);
  let next = scratch?.b ?? nullState(lm);
  if (scratch) {
    state.nodes.fill(-1);
    if (state.nodes.length > 0 && lm.bos >= 0) state.nodes[0] = lm.bos;
  }
  let logprob = 0;
  let oovs = 0;
  let oovLogprob = 0;
  for (const w of words) {
    const id = wordId(lm, w);
    const p = scoreWord(lm, state, id, next);
    if (id < 0 || id === lm.unk) {
      oovs++;
      oovLogprob += p;
    }
    logprob += p;
    const t = state;
    state = next;
    next = t;
  }
  logprob += scoreWord(lm, state, lm.eos, next);
  return { logprob, oovs, oovLogprob };
}

/** Accumulates sentences into a PerplexityReport. Blank lines are skipped. */
export function perplexityAccumulator(lm: NgramLm) {
  const scratch = { a: nullState(lm), b: nullState(lm) };
  let sentences = 0;
  let words = 0;
  let oovs = 0;
  let total = 0;
  let oovMass = 0;
  return {
    line(text: string): void {
      const ws = text.split(/[ \t\r\0]+/).filter((w) => w.length > 0);
      if (ws.length === 0) return;
      const s = scoreSentence(lm, ws, scratch);
      sentences++;
      words += ws.length;
      oovs += s.oovs;
      total += s.logprob;
      oovMass += s.oovLogprob;
    },
    report(): PerplexityReport {
      const logprob = total - oovMass;
      const inVocab = words - oovs;
      return {
        sentences,
        words,
        oovs,
        logprob,
        ppl: 10 ** (-logprob / (inVocab + sentences)),
        ppl1: 10 ** (-logprob / inVocab),
        total,
        pplIncludingOovs: 10 ** (-total / (words + sentences)),
        pplExcludingOovs: 10 ** (-logprob / (inVocab + sentences)),
      };
    },
  };
}

/** Perplexity of a text held in memory (one sentence per line). */
export function perplexityOfText(lm: NgramLm, text: string): PerplexityReport {
  const acc = perplexityAccumulator(lm);
  for (const line of text.split('\n')) acc.line(line);
  return acc.report();
}

/** Perplexity of a text file, read in chunks. */
export function perplexityOfFile(lm: NgramLm, path: string, onProgress?: (done: number, total: number) => void): PerplexityReport {
  const acc = perplexityAccumulator(lm);
  forEachLineSync(path, (text, start, end) => acc.line(text.slice(start, end)), onProgress);
  const r = acc.report();
  if (r.sentences === 0) throw fileError(path, 'the text is empty');
  return r;
}
