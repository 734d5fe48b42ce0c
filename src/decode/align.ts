import type { TokenSet } from './tokens.js';

/** Where one output label sits in the frames: first and last frame it is emitted on, and its best log-prob. */
export interface TokenSpan {
  first: number;
  last: number;
  /** Highest log-posterior of the label over its frames. */
  peak: number;
}

/** A recognised word with its time span (seconds) and a confidence in [0, 1]. */
export interface DecodedWord {
  word: string;
  start: number;
  end: number;
  /** First frame and one past the last frame of the word. */
  startFrame: number;
  endFrame: number;
  /** Geometric mean over the word's tokens of their peak posterior on the alignment. */
  confidence: number;
}

/** Largest alignment lattice (frames x label states) aligned exactly; longer inputs use the search's frames. */
const MAX_LATTICE = 2e8;

/**
 * CTC Viterbi forced alignment of `labels` to `logProbs` `[frames, vocab]`: the single most probable path that
 * spells the labels. With a `delimiter` (char vocabularies), the path may also repeat a delimiter across blanks
 * and start or end with one, as the beam search merges those into one prefix. Null when the labels need more
 * frames than there are, or the lattice would be too large.
 */
export function ctcAlign(logProbs: Float32Array, frames: number, vocab: number, labels: number[], blank: number, delimiter = -1): TokenSpan[] | null {
  if (labels.length === 0 && delimiter < 0) return [];
  // Optional delimiters around the labels: the path may start at state 0..3 and end at S-4..S-1.
  const optional = delimiter >= 0;
  const ext = optional ? [delimiter, ...labels, delimiter] : labels;
  const L = ext.length;
  const S = 2 * L + 1;
  if (frames * S > MAX_LATTICE) return null;
  const label = (s: number): number => (s & 1 ? ext[(s - 1) >> 1] : blank);
  const slack = optional ? 3 : 0;
  let prev = new Float64Array(S).fill(-Infinity);
  let cur = new Float64Array(S);
  const from = new Uint8Array(frames * S);
  for (let s = 0; s <= Math.min(S - 1, 1 + slack); s++) prev[s] = logProbs[label(s)];
  for (let t = 1; t < frames; t++) {
    const row = t * vocab;
    // States that can still reach an end state, and that can have been reached by now.
    const lo = Math.max(0, S - 1 - slack - 2 * (frames - t));
    const hi = Math.min(S - 1, 2 * t + 1 + slack);
    cur.fill(-Infinity);
    for (let s = lo; s <= hi; s++) {
      let best = prev[s];
      let arg = 0;
      if (s > 0 && prev[s - 1] > best) {
        best = prev[s - 1];
        arg = 1;
      }
      if (s > 1 && s & 1 && ext[(s - 1) >> 1] !== ext[(s - 3) >> 1] && prev[s - 2] > best) {
        best = prev[s - 2];
        arg = 2;
      }
      // A delimiter again after a blank: "| _ |" spells one word boundary.
      if (optional && s & 1 && ext[(s - 1) >> 1] === delimiter && s + 1 < S && prev[s + 1] > best) {
        best = prev[s + 1];
        arg = 3;
      }
      cur[s] = best + logProbs[row + label(s)];
      from[t * S + s] = arg;
    }
    const tmp = prev;
    prev = cur;
    cur = tmp;
  }
  let s = S - 1;
  for (let e = S - 2; e >= Math.max(0, S - 1 - slack); e--) if (prev[e] > prev[s]) s = e;
  if (prev[s] === -Infinity) return null;
  const spans: TokenSpan[] = ext.map(() => ({ first: -1, last: -1, peak: -Infinity }));
  for (let t = frames - 1; t >= 0; t--) {
    if (s & 1) {
      const j = (s - 1) >> 1;
      const sp = spans[j];
      sp.first = t;
      if (sp.last < 0) sp.last = t;
      const v = logProbs[t * vocab + ext[j]];
      if (v > sp.peak) sp.peak = v;
    }
    if (t > 0) {
      const a = from[t * S + s];
      s = a === 3 ? s + 1 : s - a;
    }
  }
  return optional ? spans.slice(1, -1) : spans;
}

/**
 * Groups output labels into words (char mode: the delimiter ends a word; subword mode: a `▁` piece starts one)
 * with times from the label spans. `frameDuration` is seconds per frame.
 */
export function wordsFromLabels(ts: TokenSet, labels: number[], spans: TokenSpan[], frameDuration: number): DecodedWord[] {
  const words: DecodedWord[] = [];
  let text = '';
  let members: number[] = [];
  const close = (): void => {
    if (text.length > 0 && members.length > 0) {
      const first = spans[members[0]];
      const last = spans[members[members.length - 1]];
      let sum = 0;
      for (const m of members) sum += Number.isFinite(spans[m].peak) ? spans[m].peak : -50;
      const startFrame = first.first;
      const endFrame = last.last + 1;
      words.push({
        word: text,
        start: startFrame * frameDuration,
        end: endFrame * frameDuration,
        startFrame,
        endFrame,
        confidence: Math.exp(sum / members.length),
      });
    }
    text = '';
    members = [];
  };
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (ts.boundary[c]) close();
    if (ts.text[c].length > 0) {
      text += ts.text[c];
      members.push(i);
    }
  }
  close();
  return words;
}

/** Greedy (best path) labels and their spans: argmax per frame, repeats merged, blanks dropped. */
export function bestPath(logProbs: Float32Array, frames: number, vocab: number, blank: number): { labels: number[]; spans: TokenSpan[]; score: number } {
  const labels: number[] = [];
  const spans: TokenSpan[] = [];
  let prev = -1;
  let score = 0;
  for (let t = 0; t < frames; t++) {
    const row = t * vocab;
    let arg = 0;
    let best = logProbs[row];
    for (let v = 1; v < vocab; v++) {
      if (logProbs[row + v] > best) {
        best = logProbs[row + v];
        arg = v;
      }
    }
    score += best;
    if (arg !== blank) {
      if (arg !== prev) {
        labels.push(arg);
        spans.push({ first: t, last: t, peak: best });
      } else {
        const sp = spans[spans.length - 1];
        sp.last = t;
        if (best > sp.peak) sp.peak = best;
      }
    }
    prev = arg;
  }
  return { labels, spans, score };
}
