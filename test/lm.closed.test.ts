import { describe, expect, it } from 'vitest';
import { bestNextLog10, buildKneserNey, closeLm, corpusFromText, parseArpa, arpaToString, scoreSentence, type NgramLm } from '../src/lm/index.js';
import { beginState, nullState, scoreWord, type LmState } from '../src/lm/model.js';
import { createTokenSet, decodeCtc } from '../src/decode/index.js';
import { createRng } from '../src/util/random.js';

const DIGITS = 'one two three four five'.split(' ');

function closed(text: string, order: number): NgramLm {
  const corpus = corpusFromText(text);
  return closeLm(buildKneserNey(corpus, { order, discountFallback: [] }).lm, corpus);
}

describe('closed n-gram models (grammars as ARPA)', () => {
  it('gives maximum-likelihood probabilities to what the text has and 1e-99 per word to anything else', () => {
    const m = closed('one\ntwo\none\nthree\none\n', 2);
    expect(scoreSentence(m, ['one']).logprob).toBeCloseTo(Math.log10(3 / 5), 5);
    expect(scoreSentence(m, ['three']).logprob).toBeCloseTo(Math.log10(1 / 5), 5);
    expect(scoreSentence(m, ['one', 'two']).logprob).toBeLessThan(-99);
    expect(scoreSentence(m, []).logprob).toBeLessThan(-99);
    // survives the ARPA round trip
    const back = parseArpa(arpaToString(m));
    expect(scoreSentence(back, ['one']).logprob).toBeCloseTo(Math.log10(3 / 5), 5);
    expect(scoreSentence(back, ['one', 'one']).logprob).toBeLessThan(-99);
  });

  it('a closed trigram allows exactly the strings whose trigrams the text has', () => {
    const m = closed('one two three\none two four\n', 3);
    expect(scoreSentence(m, ['one', 'two', 'three']).logprob).toBeCloseTo(Math.log10(0.5), 5);
    expect(scoreSentence(m, ['one', 'two', 'four']).logprob).toBeCloseTo(Math.log10(0.5), 5);
    expect(scoreSentence(m, ['two', 'three']).logprob).toBeLessThan(-99);
    expect(scoreSentence(m, ['one', 'two', 'three', 'four']).logprob).toBeLessThan(-99);
  });
});

describe('LM look-ahead bound', () => {
  it('is never below any word\'s probability and reaches the best one (smoothed and closed models)', () => {
    const rng = createRng(3);
    const lines = Array.from({ length: 200 }, () => Array.from({ length: 1 + rng.int(0, 4) }, () => DIGITS[rng.int(0, 4)]).join(' ')).join('\n');
    for (const m of [buildKneserNey(corpusFromText(lines), { order: 3, discountFallback: [] }).lm, closed(lines, 3), closed('one\ntwo\n', 2)]) {
      const words = DIGITS.filter((w) => m.wordIds.has(w)).map((w) => m.wordIds.get(w) as number);
      let state: LmState = beginState(m);
      for (let step = 0; step < 12; step++) {
        const bound = bestNextLog10(m, state);
        const scores = words.map((w) => scoreWord(m, state, w, nullState(m)));
        expect(bound).toBeGreaterThanOrEqual(Math.max(...scores) - 1e-6);
        // exact here: the best word's own n-gram is what the bound's maximum came from
        expect(bound).toBeCloseTo(Math.max(...scores), 4);
        const next = nullState(m);
        scoreWord(m, state, words[rng.int(0, words.length - 1)], next);
        state = next;
      }
    }
  });

  it('lets a one-word grammar keep one word where the acoustics add a second, without changing totals', () => {
    const chars = ['<blank>', '|', ...'abcdefghijklmnopqrstuvwxyz', "'"];
    const ts = createTokenSet(chars);
    // "five" clearly, then a weaker "eight" after a pause: frames [T, V]
    const spelled = ['<blank>', 'f', 'i', 'v', 'e', '<blank>', '|', 'e', 'i', 'g', 'h', 't', '<blank>'];
    const V = chars.length;
    const lp = new Float32Array(spelled.length * V);
    spelled.forEach((c, t) => {
      const p = t >= 7 ? 0.7 : 0.96;
      for (let v = 0; v < V; v++) lp[t * V + v] = Math.log(chars[v] === c ? p : (1 - p) / (V - 1));
    });
    const grammar = closed('five\neight\none\n', 2);
    const opts = { lm: grammar, lmWeight: 0.5, wordBonus: 1, beamWidth: 2 };
    const without = decodeCtc(lp, spelled.length, V, chars, { ...opts, lmLookahead: false }).hypotheses[0];
    const withLa = decodeCtc(lp, spelled.length, V, chars, opts).hypotheses[0];
    expect(without.text).toBe('five eight');
    expect(withLa.text).toBe('five');
    expect(withLa.total).toBeCloseTo(withLa.amScore + 0.5 * withLa.lmScore + 1, 6);
    expect(ts.tokens.length).toBe(V);
  });
});
