import { describe, expect, it } from 'vitest';
import {
  buildKneserNey, corpusFromText, findNgram, forEachNgram, nullState, beginState, scoreWord, wordId, type NgramLm,
} from '../src/lm/index.js';
import { createRng } from '../src/util/random.js';

const log10 = Math.log10;

/** log10 probability and back-off weight of an n-gram given as text, read from the model's arrays. */
function entry(lm: NgramLm, ngram: string): { p: number; bo: number } {
  const ids = ngram.split(' ').map((w) => wordId(lm, w));
  const k = ids.length;
  const i = findNgram(lm, ids);
  if (i < 0) throw new Error(`${ngram} not in the model`);
  return { p: lm.probs[k - 1][i], bo: k < lm.order ? lm.backoffs[k - 1][i] : NaN };
}

describe('Kneser-Ney estimation, values derived by hand', () => {
  it('bigram model of "c / a c / a c c" with closed-form discounts (and lmplz end-of-pass count quirk)', () => {
    const { lm, stats } = buildKneserNey(corpusFromText('c\na c\na c c\n'), { order: 2 });
    // Bigrams with <s> padding: <s> c 1, c </s> 3, <s> a 2, a c 2, c c 1 (raw counts at the highest order).
    // Bigram counts of counts n1=2 (<s> c, c c), n2=2 (<s> a, a c), n3=1 (c </s>), n4=0:
    //   Y = 2/(2+2*2) = 1/3; D1 = 1 - 2Y(n2/n1) = 1/3; D2 = 2 - 3Y(n3/n2) = 3/2; D3+ = 3 - 4Y(n4/n3) = 3.
    expect(stats.discounts[1][0]).toBeCloseTo(1 / 3, 6);
    expect(stats.discounts[1][1]).toBeCloseTo(3 / 2, 6);
    expect(stats.discounts[1][2]).toBeCloseTo(3, 6);
    // Unigram adjusted counts = distinct left neighbours: c {<s>,a,c} = 3, </s> {c} = 1, a {<s>} = 1.
    // lmplz's single pass ends on the N-gram last in suffix order, "<s> a" (a has the highest id); the suffixes
    // still pending then enter the counts of counts with their raw count: a counts 2 there instead of 1. So
    // n1=1 (</s>), n2=1 (a), n3=1 (c): Y = 1/3, D1 = 1 - 2Y = 1/3, D2 = 2 - 3Y = 1, D3+ = 3 - 4Y*0 = 3.
    // (Without the quirk n2 = 0 and lmplz would stop with a discount error.)
    expect(stats.discounts[0][0]).toBeCloseTo(1 / 3, 6);
    expect(stats.discounts[0][1]).toBeCloseTo(1, 6);
    expect(stats.discounts[0][2]).toBeCloseTo(3, 6);
    // Unigrams: denominator 0+0+1+3+1 = 5; gamma = (D1*2 + D3*1)/5 = 11/15; uniform over 4 words (no <s>).
    //   p(</s>) = p(a) = (1 - 1/3)/5 + (11/15)/4 = 19/60; p(c) = (3 - 3)/5 + 11/60 = 11/60; p(<unk>) = 11/60.
    const uni = { '</s>': 19 / 60, a: 19 / 60, c: 11 / 60, '<unk>': 11 / 60 };
    for (const [w, p] of Object.entries(uni)) expect(entry(lm, w).p).toBeCloseTo(log10(p), 6);
    expect(entry(lm, '<s>').p).toBe(-99);
    // Context <s>: <s> c 1, <s> a 2; gamma = (D1 + D2)/3 = 11/18.
    //   p(c|<s>) = (1 - 1/3)/3 + (11/18)(11/60) = 361/1080; p(a|<s>) = (2 - 3/2)/3 + (11/18)(19/60) = 389/1080.
    expect(entry(lm, '<s> c').p).toBeCloseTo(log10(361 / 1080), 6);
    expect(entry(lm, '<s> a').p).toBeCloseTo(log10(389 / 1080), 6);
    expect(entry(lm, '<s>').bo).toBeCloseTo(log10(11 / 18), 6);
    // Context c: c </s> 3, c c 1; gamma = (D1 + D3)/4 = 5/6. p(</s>|c) = 0 + (5/6)(19/60) = 19/72;
    //   p(c|c) = (2/3)/4 + (5/6)(11/60) = 23/72.
    expect(entry(lm, 'c </s>').p).toBeCloseTo(log10(19 / 72), 6);
    expect(entry(lm, 'c c').p).toBeCloseTo(log10(23 / 72), 6);
    expect(entry(lm, 'c').bo).toBeCloseTo(log10(5 / 6), 6);
    // Context a: a c 2; gamma = D2/2 = 3/4; p(c|a) = (1/2)/2 + (3/4)(11/60) = 31/80.
    expect(entry(lm, 'a c').p).toBeCloseTo(log10(31 / 80), 6);
    expect(entry(lm, 'a').bo).toBeCloseTo(log10(3 / 4), 6);
    // No back-off after </s> or <unk>.
    expect(entry(lm, '</s>').bo).toBe(0);
    expect(entry(lm, '<unk>').bo).toBe(0);
    expect(lm.counts).toEqual([5, 5]);
    // A query that backs off: p(a | c) = gamma(c) p(a) = (5/6)(19/60).
    const s = nullState(lm);
    scoreWord(lm, nullState(lm), wordId(lm, 'c'), s);
    expect(scoreWord(lm, s, wordId(lm, 'a'), nullState(lm))).toBeCloseTo(log10((5 / 6) * (19 / 60)), 6);
  });

  it('trigram model of "a b / b a b": <s> <s> padding, raw counts after <s>, fallback discounts', () => {
    const { lm, stats } = buildKneserNey(corpusFromText('a b\nb a b'), { order: 3, discountFallback: [0.5, 1, 1.5] });
    // Trigrams: <s> <s> a, <s> a b, a b </s> (x2), <s> <s> b, <s> b a, b a b. Those starting <s> <s> only feed
    // the lower orders. Bigrams (adjusted): <s> a 1 and <s> b 1 (raw: nothing extends <s> to the left),
    // a b 2 (left: <s>, b), b </s> 1, b a 1. Unigrams: a 2 (<s> a, b a), b 2 (a b, <s> b), </s> 1 (b </s>).
    // The last trigram in suffix order is "b a b": b enters the unigram counts of counts with its raw count
    // 3, so n1=1 (</s>), n2=1 (a), n3=1 (b): D = 1/3, 1, 3. Bigram n3 = 0 and trigram n3 = 0: fallback.
    expect(stats.discounts[0].map((d) => +d.toFixed(6))).toEqual([0.333333, 1, 3]);
    expect(stats.discounts[1]).toEqual([0.5, 1, 1.5]);
    expect(stats.discounts[2]).toEqual([0.5, 1, 1.5]);
    expect(stats.warnings).toHaveLength(2);
    // Unigrams: denominator 5, gamma = (D1*1 + D2*2)/5 = 7/15; uniform 1/4.
    //   p(</s>) = (2/3)/5 + 7/60 = 1/4; p(a) = p(b) = 1/5 + 7/60 = 19/60; p(<unk>) = 7/60.
    expect(entry(lm, '</s>').p).toBeCloseTo(log10(1 / 4), 6);
    expect(entry(lm, 'a').p).toBeCloseTo(log10(19 / 60), 6);
    expect(entry(lm, 'b').p).toBeCloseTo(log10(19 / 60), 6);
    expect(entry(lm, '<unk>').p).toBeCloseTo(log10(7 / 60), 6);
    // Bigrams: every context has gamma 1/2 (<s>: 2 singletons / 2; a: D2/2; b: 2 singletons / 2).
    //   p(a|<s>) = (1/2)/2 + (1/2)(19/60) = 49/120; p(b|a) = 1/2 + (1/2)(19/60) = 79/120;
    //   p(</s>|b) = 1/4 + (1/2)(1/4) = 3/8; p(a|b) = 49/120.
    expect(entry(lm, '<s> a').p).toBeCloseTo(log10(49 / 120), 6);
    expect(entry(lm, '<s> b').p).toBeCloseTo(log10(49 / 120), 6);
    expect(entry(lm, 'a b').p).toBeCloseTo(log10(79 / 120), 6);
    expect(entry(lm, 'b </s>').p).toBeCloseTo(log10(3 / 8), 6);
    expect(entry(lm, 'b a').p).toBeCloseTo(log10(49 / 120), 6);
    for (const w of ['<s>', 'a', 'b']) expect(entry(lm, w).bo).toBeCloseTo(log10(1 / 2), 6);
    // Trigrams (raw counts): p(b|<s> a) = (1/2)/1 + (1/2)(79/120) = 199/240; p(</s>|a b) = 1/2 + (1/2)(3/8)
    //   = 11/16; p(a|<s> b) = 1/2 + (1/2)(49/120) = 169/240; p(b|b a) = 199/240.
    expect(entry(lm, '<s> a b').p).toBeCloseTo(log10(199 / 240), 6);
    expect(entry(lm, 'a b </s>').p).toBeCloseTo(log10(11 / 16), 6);
    expect(entry(lm, '<s> b a').p).toBeCloseTo(log10(169 / 240), 6);
    expect(entry(lm, 'b a b').p).toBeCloseTo(log10(199 / 240), 6);
    for (const bg of ['<s> a', 'a b', '<s> b', 'b a']) expect(entry(lm, bg).bo).toBeCloseTo(log10(1 / 2), 6);
    expect(entry(lm, 'b </s>').bo).toBe(0);
    expect(lm.counts).toEqual([5, 5, 4]);
    expect(findNgram(lm, ['<s>', '<s>', 'a'].map((w) => wordId(lm, w)))).toBe(-1);
  });
});

// ---------------------------------------------------------------------------------------------------------
// An independent, deliberately plain implementation of the same conventions (string-keyed maps, doubles),
// to check the typed-array builder on random texts.
// ---------------------------------------------------------------------------------------------------------
interface NaiveOptions {
  prune?: number[];
  limit?: Set<string>;
  fallback?: number[];
}

function naiveKneserNey(text: string, N: number, opt: NaiveOptions = {}): Map<string, { p: number; bo: number }> {
  const vocab = ['<unk>', '<s>', '</s>'];
  const id = new Map(vocab.map((w, i) => [w, i]));
  const fullCount = new Map<string, number>();
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  for (const line of lines) {
    const ws = line.split(/[ \t\r]+/).filter((w) => w);
    const ids = ws.map((w) => {
      if (!id.has(w)) {
        id.set(w, vocab.length);
        vocab.push(w);
      }
      return id.get(w) as number;
    });
    ids.push(2);
    const padded = [...new Array<number>(N - 1).fill(1), ...ids];
    for (let i = N - 1; i < padded.length; i++) {
      const key = padded.slice(i - N + 1, i + 1).join(',');
      fullCount.set(key, (fullCount.get(key) ?? 0) + 1);
    }
  }
  const fulls = [...fullCount.keys()].map((k) => k.split(',').map(Number));
  const key = (a: number[]): string => a.join(',');
  const valid = (s: number[]): boolean => s.length < 2 || s[1] !== 1;
  // Raw counts and adjusted counts of every order.
  const raw: Map<string, number>[] = [];
  const adj: Map<string, number>[] = [];
  for (let k = 1; k <= N; k++) {
    raw.push(new Map());
    adj.push(new Map());
  }
  for (const f of fulls) {
    const c = fullCount.get(key(f)) as number;
    for (let k = 1; k <= N; k++) {
      const s = f.slice(N - k);
      if (!valid(s)) continue;
      raw[k - 1].set(key(s), (raw[k - 1].get(key(s)) ?? 0) + c);
    }
  }
  for (let k = 1; k < N; k++) {
    for (const s of raw[k - 1].keys()) {
      const sa = s.split(',').map(Number);
      if (sa[0] === 1) {
        adj[k - 1].set(s, raw[k - 1].get(s) as number);
        continue;
      }
      const left = new Set<string>();
      for (const f of fulls) if (key(f.slice(N - k)) === s) left.add(key(f.slice(N - k - 1)));
      adj[k - 1].set(s, left.size);
    }
  }
  for (const [s, c] of raw[N - 1]) adj[N - 1].set(s, c);
  if (N === 1) for (const [s, c] of raw[0]) adj[0].set(s, c);
  adj[0].set('0', 0);
  adj[0].set('1', 0);
  raw[0].set('0', 0);
  raw[0].set('1', 0);
  // The last N-gram in suffix order: its valid lower-order suffixes enter the counts of counts raw.
  const suffixLess = (a: number[], b: number[]): boolean => {
    for (let i = N - 1; i >= 0; i--) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  };
  let last = fulls[0];
  for (const f of fulls) if (suffixLess(last, f)) last = f;
  const discounts: number[][] = [];
  for (let k = 1; k <= N; k++) {
    const n = [0, 0, 0, 0, 0];
    for (const [s, a] of adj[k - 1]) {
      const quirk = N > 1 && k < N && valid(last.slice(N - k)) && s === key(last.slice(N - k));
      const c = quirk ? (raw[k - 1].get(s) as number) : a;
      if (c < 5) n[c]++;
    }
    const y = n[1] / (n[1] + 2 * n[2]);
    const d = [1, 2, 3].map((j) => j - ((j + 1) * y * n[j + 1]) / n[j]);
    const bad = n[1] === 0 || n[2] === 0 || n[3] === 0 || d.some((x, j) => !(x >= 0 && x <= j + 1));
    if (bad && !opt.fallback) throw new Error('discounts');
    discounts.push(bad ? (opt.fallback as number[]) : d);
  }
  const thresholds = opt.prune ?? new Array<number>(N).fill(0);
  const prunedWord = (w: number): boolean => w > 2 && opt.limit !== undefined && !opt.limit.has(vocab[w]);
  const pruned = (k: number, s: string): boolean => {
    const sa = s.split(',').map(Number);
    if (sa.some(prunedWord)) return true;
    return k > 1 && thresholds[k - 1] > 0 && (raw[k - 1].get(s) as number) <= thresholds[k - 1];
  };
  const D = (k: number, a: number): number => (a === 0 ? 0 : discounts[k - 1][Math.min(a, 3) - 1]);
  // gamma per context (key '' for unigrams), denominators.
  const gamma = new Map<string, number>();
  const denomOf = new Map<string, number>();
  for (let k = 1; k <= N; k++) {
    const groups = new Map<string, string[]>();
    for (const s of adj[k - 1].keys()) {
      const ctx = s.split(',').slice(0, k - 1).join(',');
      const g = groups.get(ctx) ?? [];
      g.push(s);
      groups.set(ctx, g);
    }
    for (const [ctx, members] of groups) {
      let denom = 0;
      let num = 0;
      for (const s of members) {
        const a = adj[k - 1].get(s) as number;
        denom += a;
        if (pruned(k, s)) num += a;
        else if (a > 0) num += D(k, a);
      }
      gamma.set(`${k}|${ctx}`, num / denom);
      denomOf.set(`${k}|${ctx}`, denom);
    }
  }
  const keptUnigrams = [...adj[0].keys()].filter((s) => !pruned(1, s)).length;
  const prob = (s: number[]): number => {
    const k = s.length;
    const ctx = s.slice(0, k - 1).join(',');
    const a = adj[k - 1].get(key(s)) ?? 0;
    const u = k === 1 && s[0] === 0 ? 0 : (a - D(k, a)) / (denomOf.get(`${k}|${ctx}`) as number);
    const lower = k === 1 ? 1 / (keptUnigrams - 1) : prob(s.slice(1));
    return u + (gamma.get(`${k}|${ctx}`) as number) * lower;
  };
  const out = new Map<string, { p: number; bo: number }>();
  for (let k = 1; k <= N; k++) {
    for (const s of adj[k - 1].keys()) {
      if (pruned(k, s)) continue;
      const sa = s.split(',').map(Number);
      const words = sa.map((w) => vocab[w]).join(' ');
      const last = sa[k - 1];
      const g = gamma.get(`${k + 1}|${s}`);
      const bo = k === N || last === 0 || last === 2 || g === undefined ? 0 : log10(g);
      out.set(words, { p: sa.length === 1 && sa[0] === 1 ? -99 : Math.min(0, log10(prob(sa))), bo });
    }
  }
  return out;
}

function randomText(seed: number, sentences: number, words: string[], maxLen: number): string {
  const rng = createRng(seed);
  const lines: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const len = rng.int(0, maxLen);
    const l: string[] = [];
    // Skewed word choice, so counts 1, 2, 3+ all occur.
    for (let i = 0; i < len; i++) l.push(words[Math.floor(words.length * rng.uniform() ** 2)]);
    lines.push(l.join(rng.uniform() < 0.2 ? '  ' : ' '));
  }
  return lines.join('\n') + '\n';
}

function compareToNaive(lm: NgramLm, naive: Map<string, { p: number; bo: number }>): void {
  let n = 0;
  for (let k = 1; k <= lm.order; k++) {
    forEachNgram(lm, k, (ids, index) => {
      const words = Array.from(ids, (w) => lm.vocab[w]).join(' ');
      const want = naive.get(words);
      expect(want, words).toBeDefined();
      expect(Math.abs(lm.probs[k - 1][index] - (want as { p: number }).p), words).toBeLessThan(2e-6);
      if (k < lm.order) expect(Math.abs(lm.backoffs[k - 1][index] - (want as { bo: number }).bo), words).toBeLessThan(2e-6);
      n++;
    });
  }
  expect(n).toBe(naive.size);
}

describe('Kneser-Ney estimation against a plain reference implementation', () => {
  const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
  for (const order of [1, 2, 3, 4, 5]) {
    it(`order ${order}, random texts`, () => {
      for (let seed = 1; seed <= 3; seed++) {
        const text = randomText(seed * 31 + order, 120, words, 12);
        const { lm } = buildKneserNey(corpusFromText(text), { order, discountFallback: [0.5, 1, 1.5] });
        compareToNaive(lm, naiveKneserNey(text, order, { fallback: [0.5, 1, 1.5] }));
      }
    });
  }

  it('count pruning and --limit-vocab match the reference and lmplz rules', () => {
    const text = randomText(99, 300, words, 10);
    const limit = new Set(words.slice(0, 25));
    const { lm, stats } = buildKneserNey(corpusFromText(text), { order: 3, prune: [0, 1, 1], limitVocab: limit, discountFallback: [] });
    compareToNaive(lm, naiveKneserNey(text, 3, { prune: [0, 1, 1], limit, fallback: [0.5, 1, 1.5] }));
    expect(stats.countsPruned[1]).toBeLessThan(stats.counts[1]);
    expect(lm.vocab.every((w) => limit.has(w) || ['<s>', '</s>', '<unk>'].includes(w))).toBe(true);
    // Pruning changes the model, and it still sums to one.
    const unpruned = buildKneserNey(corpusFromText(text), { order: 3, discountFallback: [] }).lm;
    expect(lm.counts[2]).toBeLessThan(unpruned.counts[2]);
    checkSumsToOne(lm, 7);
  });

  it('rejects bad pruning thresholds', () => {
    const c = corpusFromText(randomText(5, 50, words, 8));
    expect(() => buildKneserNey(c, { order: 3, prune: [1, 1, 1], discountFallback: [] })).toThrow(/first threshold must be 0/);
    expect(() => buildKneserNey(c, { order: 3, prune: [0, 2, 1], discountFallback: [] })).toThrow(/must not decrease/);
  });
});

/** For random contexts (seen and unseen), sum over the vocabulary (without <s>) of p(w | context). */
function checkSumsToOne(lm: NgramLm, seed: number): void {
  const rng = createRng(seed);
  const candidates = lm.vocab.map((_, i) => i).filter((i) => i !== lm.bos);
  let checked = 0;
  for (let trial = 0; trial < 40; trial++) {
    let state = trial % 2 === 0 ? beginState(lm) : nullState(lm);
    const len = rng.int(0, lm.order);
    for (let i = 0; i < len; i++) {
      const next = nullState(lm);
      scoreWord(lm, state, candidates[rng.int(0, candidates.length - 1)], next);
      state = next;
    }
    let sum = 0;
    const scratch = nullState(lm);
    for (const w of candidates) sum += 10 ** scoreWord(lm, state, w, scratch);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-4);
    checked++;
  }
  expect(checked).toBe(40);
}

describe('conditional probabilities sum to one', () => {
  const words = Array.from({ length: 60 }, (_, i) => `v${i}`);
  for (const order of [2, 3, 4, 6]) {
    it(`order ${order}`, () => {
      const text = randomText(1000 + order, 400, words, 15);
      const { lm } = buildKneserNey(corpusFromText(text), { order, discountFallback: [] });
      checkSumsToOne(lm, order);
    });
  }
});

describe('texts that cannot make a model', () => {
  it('empty text', () => {
    expect(() => buildKneserNey(corpusFromText('', {}, 'empty.txt'))).toThrow(/^empty.txt: the text is empty$/);
  });
  it('blank lines only', () => {
    expect(() => buildKneserNey(corpusFromText('\n\n', {}, 'blank.txt'))).toThrow(/blank.txt: the text has no words/);
  });
  it('a vocabulary of one word', () => {
    expect(() => buildKneserNey(corpusFromText('hello\nhello hello\n', {}, 'one.txt'))).toThrow(/one.txt: the text has only one distinct word \('hello'\)/);
  });
  it('too little text for the closed-form discounts says so in one line', () => {
    let msg = '';
    try {
      buildKneserNey(corpusFromText('a b\nb a\n', {}, 'tiny.txt'), { order: 3 });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^tiny.txt: no \d-grams have adjusted count \d.*--discount-fallback/);
    expect(msg).not.toContain('\n');
  });
  it('special words in the text fail unless skipped', () => {
    expect(() => corpusFromText('a <s> b\n', {}, 'x.txt')).toThrow(/x.txt: line 1: <s> may not appear/);
    const c = corpusFromText('a <s> b\n', { skipSymbols: true });
    expect(c.words).toBe(2);
  });
  it('orders outside 1..6', () => {
    const c = corpusFromText('a b\n');
    expect(() => buildKneserNey(c, { order: 7 })).toThrow(/--order/);
    expect(() => buildKneserNey(c, { order: 0 })).toThrow(/--order/);
  });
});
