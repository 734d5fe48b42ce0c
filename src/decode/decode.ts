import { AsrError } from '../util/errors.js';
import { bestPath, wordsFromLabels } from './align.js';
import { penalizeBlank } from './blank-penalty.js';
import { createBeamSearch, type BeamSearchOptions, type DecodeResult } from './beam-search.js';
import { buildHotwordTrie, type Hotword, type HotwordTrie } from './hotwords.js';
import { createTokenSet, type TokenSet, type TokenSetOptions } from './tokens.js';

export interface DecodeOptions extends Omit<BeamSearchOptions, 'hotwordTrie'>, TokenSetOptions {
  /** 'beam' (default) or 'greedy' (best path: argmax per frame; ignores the LM and hotwords). */
  mode?: 'beam' | 'greedy';
  /** Hypotheses to return (default 1). */
  nbest?: number;
  /** Phrases to boost, or a trie built once with buildHotwordTrie. */
  hotwords?: Hotword[] | HotwordTrie;
  /** Subtracted from the blank's log-posterior in every frame before decoding (penalizeBlank; default 0). */
  blankPenalty?: number;
}

/** Greedy (best path) decoding with word times and confidences. amScore is the best path's log-probability. */
export function greedyDecode(logProbs: Float32Array, frames: number, ts: TokenSet, frameDuration = 0.04): DecodeResult {
  const V = ts.tokens.length;
  const { labels, spans, score } = bestPath(logProbs, frames, V, ts.blank);
  const words = wordsFromLabels(ts, labels, spans, frameDuration);
  return {
    hypotheses: [{ text: words.map((w) => w.word).join(' '), tokens: labels, words, amScore: score, lmScore: 0, hotwordScore: 0, total: score }],
    frames,
  };
}

export interface CtcDecoder {
  readonly tokenSet: TokenSet;
  /** Decodes one utterance, `logProbs` `[frames, vocab]` natural-log posteriors. */
  decode(logProbs: Float32Array, frames: number): DecodeResult;
}

/**
 * A decoder for one vocabulary and set of options; the LM vocabulary index and hotword trie are built once and
 * reused for every utterance.
 */
export function createCtcDecoder(tokens: string[] | TokenSet, opts: DecodeOptions = {}): CtcDecoder {
  const ts = Array.isArray(tokens) ? createTokenSet(tokens, opts) : tokens;
  const hotwordTrie = opts.hotwords === undefined ? undefined : Array.isArray(opts.hotwords) ? buildHotwordTrie(opts.hotwords, ts) : opts.hotwords;
  const V = ts.tokens.length;
  const nbest = Math.max(1, Math.floor(opts.nbest ?? 1));
  return {
    tokenSet: ts,
    decode(logProbs: Float32Array, frames: number): DecodeResult {
      if (logProbs.length !== frames * V) throw new AsrError(`decode: ${logProbs.length} values are not ${frames} frames of ${V} tokens`);
      const lp = penalizeBlank(logProbs, frames, V, ts.blank, opts.blankPenalty ?? 0);
      if (opts.mode === 'greedy') return greedyDecode(lp, frames, ts, opts.frameDuration);
      const search = createBeamSearch(ts, { ...opts, hotwordTrie });
      search.advance(lp, frames);
      return search.finish(nbest);
    },
  };
}

/**
 * Decodes CTC log-posteriors `logProbs` `[frames, vocab]` (natural log, blank = `opts.blank` ?? 0) into an n-best
 * list with acoustic, LM and total scores, word times and confidences. For many utterances with the same
 * options, createCtcDecoder builds the LM and hotword indexes once.
 */
export function decodeCtc(logProbs: Float32Array, frames: number, vocab: number, tokens: string[] | TokenSet, opts: DecodeOptions = {}): DecodeResult {
  const n = Array.isArray(tokens) ? tokens.length : tokens.tokens.length;
  if (vocab !== n) throw new AsrError(`decode: posteriors have ${vocab} columns but there are ${n} tokens`);
  return createCtcDecoder(tokens, opts).decode(logProbs, frames);
}
