import { describe, expect, it } from 'vitest';
import { buildKneserNey, corpusFromText, type NgramLm } from '../src/lm/index.js';
import {
  buildHotwordTrie, checkPosteriors, createBeamSearch, createCtcDecoder, createTokenSet, decodeCtc, greedyDecode, parseHotwords,
  parseNpy, parsePosteriorsJson, parseTokens, type DecodeOptions,
} from '../src/decode/index.js';
import { createRng } from '../src/util/random.js';

/** Log-softmax rows of random logits, `[frames, vocab]`. */
function randomLogProbs(seed: number, frames: number, vocab: number, scale: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(frames * vocab);
  for (let t = 0; t < frames; t++) {
    let max = -Infinity;
    const row = Array.from({ length: vocab }, () => rng.normal() * scale);
    for (const x of row) max = Math.max(max, x);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    row.forEach((x, v) => (out[t * vocab + v] = x - lse));
  }
  return out;
}

/** Every path of a tiny problem, collapsed CTC-style, with the summed probability of each label sequence. */
function bruteForce(lp: Float32Array, frames: number, vocab: number, blank: number): Map<string, number> {
  const out = new Map<string, number>();
  const path = new Array<number>(frames).fill(0);
  const total = vocab ** frames;
  for (let code = 0; code < total; code++) {
    let c = code;
    let logp = 0;
    for (let t = 0; t < frames; t++) {
      path[t] = c % vocab;
      c = Math.floor(c / vocab);
      logp += lp[t * vocab + path[t]];
    }
    const labels: number[] = [];
    for (let t = 0; t < frames; t++) if (path[t] !== blank && (t === 0 || path[t] !== path[t - 1])) labels.push(path[t]);
    const key = labels.join(',');
    out.set(key, (out.get(key) ?? 0) + Math.exp(logp));
  }
  return out;
}

const EXACT: DecodeOptions = { tokenMinLogProb: -Infinity, beamPruneLogProb: -Infinity, tokenTopK: 1000 };

describe('prefix beam search against brute-force enumeration', () => {
  for (const [frames, vocab, blank] of [
    [5, 3, 0],
    [6, 4, 0],
    [7, 3, 2],
    [4, 5, 1],
  ] as const) {
    it(`T=${frames}, vocab=${vocab}, blank=${blank}: most probable label sequence and its probability`, () => {
      const tokens = ['a', 'b', 'c', 'd', 'e'].slice(0, vocab);
      tokens[blank] = '<blank>';
      for (let seed = 1; seed <= 8; seed++) {
        const lp = randomLogProbs(seed * 100 + vocab, frames, vocab, 1.5);
        const truth = [...bruteForce(lp, frames, vocab, blank)].sort((a, b) => b[1] - a[1]);
        const r = decodeCtc(lp, frames, vocab, tokens, { ...EXACT, blank, beamWidth: 10_000, nbest: 5 });
        expect(r.hypotheses[0].tokens.join(',')).toBe(truth[0][0]);
        // The n-best list is the top of the exact distribution, with the exact probabilities.
        for (let i = 0; i < Math.min(5, truth.length); i++) {
          expect(r.hypotheses[i].tokens.join(',')).toBe(truth[i][0]);
          expect(r.hypotheses[i].amScore).toBeCloseTo(Math.log(truth[i][1]), 5);
          expect(r.hypotheses[i].total).toBe(r.hypotheses[i].amScore);
        }
      }
    });
  }

  it('a narrow beam can miss what brute force finds, so the comparison above is not vacuous', () => {
    let differs = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const lp = randomLogProbs(seed, 6, 4, 1.0);
      const truth = [...bruteForce(lp, 6, 4, 0)].sort((a, b) => b[1] - a[1])[0][0];
      const r = decodeCtc(lp, 6, 4, ['_', 'a', 'b', 'c'], { ...EXACT, beamWidth: 1 });
      if (r.hypotheses[0].tokens.join(',') !== truth) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });
});

/** Peaky random posteriors: each frame's best token has probability >= 0.8, as trained CTC models give. */
function peakyLogProbs(seed: number, frames: number, vocab: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(frames * vocab);
  for (let t = 0; t < frames; t++) {
    const top = rng.uniform() < 0.5 ? 0 : rng.int(1, vocab - 1);
    const pTop = 0.8 + 0.19 * rng.uniform();
    const rest = Array.from({ length: vocab }, () => rng.uniform() + 1e-3);
    rest[top] = 0;
    const s = rest.reduce((a, b) => a + b, 0);
    for (let v = 0; v < vocab; v++) out[t * vocab + v] = Math.log(v === top ? pTop : ((1 - pTop) * rest[v]) / s);
  }
  return out;
}

describe('beam width 1 equals greedy decoding', () => {
  it('char vocabulary with a word delimiter, peaky posteriors', () => {
    const tokens = ['<blank>', '|', 'a', 'b', 'c', 'd'];
    for (let seed = 1; seed <= 200; seed++) {
      const lp = peakyLogProbs(seed, 40, tokens.length);
      const g = greedyDecode(lp, 40, createTokenSet(tokens));
      const b = decodeCtc(lp, 40, tokens.length, tokens, { beamWidth: 1 });
      expect(b.hypotheses[0].text).toBe(g.hypotheses[0].text);
      expect(b.hypotheses[0].words.map((w) => [w.startFrame, w.endFrame])).toEqual(g.hypotheses[0].words.map((w) => [w.startFrame, w.endFrame]));
    }
  });
  it('no delimiter: identical label sequences', () => {
    const tokens = ['_', 'x', 'y', 'z'];
    for (let seed = 1; seed <= 200; seed++) {
      const lp = peakyLogProbs(seed + 1000, 30, tokens.length);
      const g = greedyDecode(lp, 30, createTokenSet(tokens));
      const b = decodeCtc(lp, 30, tokens.length, tokens, { beamWidth: 1 });
      expect(b.hypotheses[0].tokens).toEqual(g.hypotheses[0].tokens);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Scripted posteriors: each frame names its likely tokens; the remaining mass is spread over the others.
// ---------------------------------------------------------------------------------------------------------
const CHARS = ['<blank>', '|', ...'abcdefghijklmnopqrstuvwxyz', "'"];

function script(tokens: string[], frames: (string | Record<string, number>)[]): Float32Array {
  const V = tokens.length;
  const out = new Float32Array(frames.length * V);
  frames.forEach((f, t) => {
    const probs: Record<string, number> = typeof f === 'string' ? { [f]: 0.96 } : f;
    const used = Object.values(probs).reduce((a, b) => a + b, 0);
    const others = V - Object.keys(probs).length;
    for (let v = 0; v < V; v++) {
      const p = probs[tokens[v]] ?? (1 - used) / others;
      out[t * V + v] = Math.log(p);
    }
  });
  return out;
}

/** Frames that spell words: each character, then a blank; words separated by the delimiter. */
function spell(words: (string | Record<string, number>)[][]): (string | Record<string, number>)[] {
  const frames: (string | Record<string, number>)[] = ['<blank>'];
  words.forEach((w, i) => {
    if (i > 0) frames.push('|', '<blank>');
    for (const ch of w) frames.push(ch, '<blank>');
  });
  return frames;
}

const LM_TEXT = [
  'the cat sat on the mat',
  'a cat sat on a mat',
  'the cat sat',
  'my cat sat down',
  'he wore a hat',
  'the hat is red',
  'a red hat',
  'the dog sat on the mat',
  'the cat ate',
].join('\n');

let lmCache: NgramLm | undefined;
function lm(): NgramLm {
  lmCache ??= buildKneserNey(corpusFromText(LM_TEXT), { order: 3, discountFallback: [] }).lm;
  return lmCache;
}

describe('language model shallow fusion', () => {
  // "the ?at sat on the mat", the first letter of word 2 leaning to h (0.55) over c (0.40).
  const ambiguous = spell([[...'the'], [{ h: 0.55, c: 0.4 }, 'a', 't'], [...'sat'], [...'on'], [...'the'], [...'mat']]);
  const lp = script(CHARS, ambiguous);
  const T = ambiguous.length;

  it('without an LM the acoustics win; with the LM the sentence it knows wins', () => {
    expect(decodeCtc(lp, T, CHARS.length, CHARS).hypotheses[0].text).toBe('the hat sat on the mat');
    expect(greedyDecode(lp, T, createTokenSet(CHARS)).hypotheses[0].text).toBe('the hat sat on the mat');
    const r = decodeCtc(lp, T, CHARS.length, CHARS, { lm: lm(), lmWeight: 0.5, wordBonus: 1, nbest: 3 });
    expect(r.hypotheses[0].text).toBe('the cat sat on the mat');
    expect(r.hypotheses[1].text).toBe('the hat sat on the mat');
    // An LM weight of 0 gives the acoustic answer back.
    expect(decodeCtc(lp, T, CHARS.length, CHARS, { lm: lm(), lmWeight: 0, wordBonus: 0 }).hypotheses[0].text).toBe('the hat sat on the mat');
  });

  it('total = am + alpha * lm + beta * words, and the LM score is the sentence log-probability', () => {
    const alpha = 0.7;
    const beta = 0.3;
    const r = decodeCtc(lp, T, CHARS.length, CHARS, { lm: lm(), lmWeight: alpha, wordBonus: beta, nbest: 2 });
    for (const h of r.hypotheses) {
      const words = h.text.split(' ');
      expect(h.total).toBeCloseTo(h.amScore + alpha * h.lmScore + beta * words.length, 6);
    }
    // ln p(<s> the cat sat on the mat </s>) from the LM directly.
    const m = lm();
    let state = [m.bos];
    let want = 0;
    for (const w of [...r.hypotheses[0].text.split(' '), '</s>']) {
      want += Math.log(10) * scoreOf(m, state, w);
      state = [...state, m.wordIds.get(w) as number].slice(-2);
    }
    expect(r.hypotheses[0].lmScore).toBeCloseTo(want, 4);
  });

  it('a spelling the LM cannot make dies early: "kat" loses to "cat" though the acoustics prefer it', () => {
    const frames = spell([[...'the'], [{ k: 0.6, c: 0.35 }, 'a', 't'], [...'sat']]);
    const x = script(CHARS, frames);
    expect(decodeCtc(x, frames.length, CHARS.length, CHARS).hypotheses[0].text).toBe('the kat sat');
    const r = decodeCtc(x, frames.length, CHARS.length, CHARS, { lm: lm(), nbest: 2 });
    expect(r.hypotheses[0].text).toBe('the cat sat');
    // Without partial-word pruning the OOV penalty still applies, at the end of the word.
    expect(decodeCtc(x, frames.length, CHARS.length, CHARS, { lm: lm(), partialWordPruning: false }).hypotheses[0].text).toBe('the cat sat');
  });

  it('works with an upper-case vocabulary and a lower-case LM', () => {
    const upper = CHARS.map((c) => (c.length === 1 ? c.toUpperCase() : c));
    const frames = spell([[...'THE'], [{ H: 0.55, C: 0.4 }, 'A', 'T'], [...'SAT']]);
    const x = script(upper, frames);
    expect(decodeCtc(x, frames.length, upper.length, upper, { lm: lm() }).hypotheses[0].text).toBe('THE CAT SAT');
  });

  it('subword (SentencePiece ▁) vocabulary', () => {
    const pieces = ['<blk>', '\u2581the', '\u2581c', '\u2581h', 'at', '\u2581s', '\u2581on', '\u2581m', '<unk>'];
    const frames = ['<blk>', '\u2581the', '<blk>', { '\u2581h': 0.55, '\u2581c': 0.4 }, 'at', '<blk>', '\u2581s', 'at', '<blk>', '\u2581on', '<blk>', '\u2581the', '\u2581m', 'at', '<blk>'];
    const x = script(pieces, frames);
    const plain = decodeCtc(x, frames.length, pieces.length, pieces);
    expect(plain.hypotheses[0].text).toBe('the hat sat on the mat');
    expect(plain.hypotheses[0].words.map((w) => w.word)).toEqual(['the', 'hat', 'sat', 'on', 'the', 'mat']);
    expect(decodeCtc(x, frames.length, pieces.length, pieces, { lm: lm() }).hypotheses[0].text).toBe('the cat sat on the mat');
  });
});

function scoreOf(m: NgramLm, ctx: number[], w: string): number {
  // Plain back-off recursion over the model's arrays, independent of the decoder's state handling.
  const id = m.wordIds.get(w) ?? m.unk;
  const find = (ids: number[]): number => {
    let node = ids[0];
    for (let k = 1; k < ids.length && node >= 0; k++) {
      const s = m.childStart[k - 1];
      let found = -1;
      for (let c = s[node]; c < s[node + 1]; c++) if (m.words[k][c] === ids[k]) found = c;
      node = found;
    }
    return node;
  };
  for (let start = 0; start <= ctx.length; start++) {
    const ids = [...ctx.slice(start), id];
    const i = find(ids);
    if (i >= 0) {
      let bo = 0;
      for (let s2 = 0; s2 < start; s2++) {
        const c = find(ctx.slice(s2));
        if (c >= 0) bo += m.backoffs[ctx.length - s2 - 1][c];
      }
      return m.probs[ids.length - 1][i] + bo;
    }
  }
  throw new Error('unreachable');
}

describe('hotwords', () => {
  const frames = spell([[...'the'], [{ h: 0.55, c: 0.4 }, 'a', 't'], [...'sat']]);
  const lp = script(CHARS, frames);
  const T = frames.length;
  const run = (hotwords: string, opts: DecodeOptions = {}) =>
    decodeCtc(lp, T, CHARS.length, CHARS, { hotwords: parseHotwords(hotwords, 3), nbest: 1, ...opts }).hypotheses[0];
  const base = decodeCtc(lp, T, CHARS.length, CHARS).hypotheses[0];

  it('a boosted word flips the ambiguous word and nothing else', () => {
    expect(base.text).toBe('the hat sat');
    const h = run('cat');
    expect(h.text).toBe('the cat sat');
    expect(h.hotwordScore).toBeCloseTo(3, 9);
    expect(h.total).toBeCloseTo(h.amScore + 3, 9);
    // A weight too small to beat the acoustics leaves it alone.
    expect(run('cat\t0.05').text).toBe('the hat sat');
  });

  it('hotwords that are not in the utterance change neither text nor scores', () => {
    // Only the scripted tokens, and a beam wide enough for all their prefixes: boosted competitors cannot crowd
    // out paths that add to the winner's acoustic score.
    const wide = decodeCtc(lp, T, CHARS.length, CHARS, { beamWidth: 256, beamPruneLogProb: -Infinity, tokenMinLogProb: -5 }).hypotheses[0];
    for (const hw of ['dog', 'at', 'hatter', 'catalog\t20', 'sat on', 'mat\nrat\nbat']) {
      const h = run(hw, { beamWidth: 256, beamPruneLogProb: -Infinity, tokenMinLogProb: -5 });
      expect(h.text, hw).toBe(base.text);
      expect(h.total, hw).toBeCloseTo(wide.total, 6);
      expect(h.hotwordScore, hw).toBe(0);
    }
  });

  it('a phrase earns its weight only when complete; words matching inside other words earn nothing', () => {
    const phrase = run('cat sat\t4');
    expect(phrase.text).toBe('the cat sat');
    expect(phrase.hotwordScore).toBeCloseTo(4, 9);
    // "the" matches: the hypothesis keeps the text and earns exactly the weight.
    const the = run('the :2');
    expect(the.text).toBe('the hat sat');
    expect(the.hotwordScore).toBeCloseTo(2, 9);
  });

  it('thousands of phrases build fast and still only boost the one that matches', () => {
    const rng = createRng(5);
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(Array.from({ length: rng.int(3, 9) }, () => 'bdefgijklnopqruvwxyz'[rng.int(0, 19)]).join(''));
    lines.push('cat');
    const t0 = performance.now();
    const trie = buildHotwordTrie(parseHotwords(lines.join('\n'), 3), createTokenSet(CHARS));
    const h = decodeCtc(lp, T, CHARS.length, CHARS, { hotwords: trie }).hypotheses[0];
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(h.text).toBe('the cat sat');
  });

  it('upper-case tokens take lower-case hotwords; characters outside the token set fail clearly', () => {
    expect(() => buildHotwordTrie(parseHotwords('café\n', 2, 'hw.txt'), createTokenSet(CHARS), 'hw.txt')).toThrow(/^hw.txt: line 1: 'café' has characters outside the token set: 'é'$/);
    expect(() => buildHotwordTrie(parseHotwords('cat\t-1\n', 2, 'hw.txt'), createTokenSet(CHARS), 'hw.txt')).toThrow(/must be a positive number/);
    const upper = CHARS.map((c) => (c.length === 1 ? c.toUpperCase() : c));
    const x = script(upper, spell([[...'THE'], [{ H: 0.55, C: 0.4 }, 'A', 'T']]));
    expect(decodeCtc(x, x.length / upper.length, upper.length, upper, { hotwords: parseHotwords('cat', 3) }).hypotheses[0].text).toBe('THE CAT');
  });
});

describe('word times, confidences, n-best, streaming', () => {
  it('word start and end times come from the frame alignment', () => {
    // Frames: 0-1 blank, 2-3 'h', 4 blank, 5 'i', 6 blank, 7 '|', 8-9 blank, 10 'y', 11 'o', 12 blank, 13 'u', 14 blank.
    const frames = ['<blank>', '<blank>', 'h', 'h', '<blank>', 'i', '<blank>', '|', '<blank>', '<blank>', 'y', 'o', '<blank>', 'u', '<blank>'];
    const lp = script(CHARS, frames);
    for (const opts of [{}, { mode: 'greedy' as const }]) {
      const h = decodeCtc(lp, frames.length, CHARS.length, CHARS, { ...opts, frameDuration: 0.02 }).hypotheses[0];
      expect(h.text).toBe('hi you');
      expect(h.words.map((w) => [w.startFrame, w.endFrame])).toEqual([
        [2, 6],
        [10, 14],
      ]);
      expect(h.words[0].start).toBeCloseTo(0.04, 9);
      expect(h.words[1].end).toBeCloseTo(0.28, 9);
      for (const w of h.words) expect(w.confidence).toBeCloseTo(0.96, 6);
    }
  });

  it('an ambiguous word gets a lower confidence than a clear one', () => {
    const frames = spell([[...'the'], [{ h: 0.55, c: 0.4 }, 'a', 't']]);
    const h = decodeCtc(script(CHARS, frames), frames.length, CHARS.length, CHARS).hypotheses[0];
    expect(h.words[0].confidence).toBeGreaterThan(0.9);
    expect(h.words[1].confidence).toBeLessThan(h.words[0].confidence);
    expect(h.words[1].confidence).toBeCloseTo(Math.exp((Math.log(0.55) + 2 * Math.log(0.96)) / 3), 6);
  });

  it('n-best texts are distinct and ordered by total score', () => {
    const lp = randomLogProbs(42, 20, CHARS.length, 2);
    const r = decodeCtc(lp, 20, CHARS.length, CHARS, { beamWidth: 32, nbest: 8 });
    expect(r.hypotheses.length).toBe(8);
    expect(new Set(r.hypotheses.map((h) => h.text)).size).toBe(8);
    for (let i = 1; i < r.hypotheses.length; i++) expect(r.hypotheses[i].total).toBeLessThanOrEqual(r.hypotheses[i - 1].total);
  });

  it('decoding in chunks gives the same result as all at once', () => {
    const V = CHARS.length;
    const lp = randomLogProbs(9, 60, V, 3);
    const ts = createTokenSet(CHARS);
    const whole = createCtcDecoder(ts, { lm: lm(), nbest: 3 }).decode(lp, 60);
    const s = createBeamSearch(ts, { lm: lm() });
    for (let t = 0; t < 60; t += 7) {
      const n = Math.min(7, 60 - t);
      s.advance(lp.subarray(t * V, (t + n) * V), n);
      expect(typeof s.best().text).toBe('string');
    }
    const chunked = s.finish(3);
    expect(chunked.hypotheses.map((h) => [h.text, h.total])).toEqual(whole.hypotheses.map((h) => [h.text, h.total]));
  });
});

describe('inputs', () => {
  it('reads .npy float32 and float64, and JSON', () => {
    const data = [
      [-0.1, -2.5, -3],
      [-1, -0.7, -2],
    ];
    for (const [descr, width] of [
      ['<f4', 4],
      ['<f8', 8],
    ] as const) {
      let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 3), }`;
      header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
      const bytes = new Uint8Array(10 + header.length + 6 * width);
      bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const dv = new DataView(bytes.buffer);
      dv.setUint16(8, header.length, true);
      for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
      data.flat().forEach((x, i) => (width === 4 ? dv.setFloat32(10 + header.length + 4 * i, x, true) : dv.setFloat64(10 + header.length + 8 * i, x, true)));
      const p = parseNpy(bytes, 'x.npy');
      expect([p.frames, p.vocab]).toEqual([2, 3]);
      expect(Array.from(p.data)).toEqual(data.flat().map(Math.fround));
      expect(() => parseNpy(bytes.subarray(0, bytes.length - 3), 'x.npy')).toThrow(/^x.npy: truncated .npy data/);
    }
    const j = parsePosteriorsJson(JSON.stringify({ log_probs: data }), 'p.json');
    expect([j.frames, j.vocab]).toEqual([2, 3]);
    expect(() => parsePosteriorsJson('{"log_probs": [[0, 1], [2]]}', 'p.json')).toThrow(/^p.json: log_probs row 1 has 1 values, row 0 has 2$/);
  });

  it('rejects NaN, the wrong width and probabilities; renormalizes logits', () => {
    const p = { data: Float32Array.from([-0.1, NaN, -3, -1, -0.7, -2]), frames: 2, vocab: 3 };
    expect(() => checkPosteriors(p, 3, 'n.npy')).toThrow(/^n.npy: NaN at frame 0, token 1$/);
    const q = { data: Float32Array.from([-0.1, -1, -3, -1, -0.7, -2]), frames: 2, vocab: 3 };
    expect(() => checkPosteriors(q, 4, 'w.npy')).toThrow(/^w.npy: posteriors have 3 columns but there are 4 tokens$/);
    const probs = { data: Float32Array.from([0.2, 0.5, 0.3, 0.1, 0.1, 0.8]), frames: 2, vocab: 3 };
    expect(() => checkPosteriors(probs, 3, 'p.npy')).toThrow(/look like probabilities/);
    const logits = checkPosteriors({ data: Float32Array.from([2, 0, 1, 5, 5, 5]), frames: 2, vocab: 3 }, 3, 'l.npy');
    const row0 = Array.from(logits.data.subarray(0, 3), Math.exp);
    expect(row0.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(logits.data[3]).toBeCloseTo(Math.log(1 / 3), 6);
  });

  it('tokens files: one per line, or TOKEN ID lines; CRLF; a space token', () => {
    expect(parseTokens('<blank>\r\n|\r\na\r\n \r\n')).toEqual(['<blank>', '|', 'a', ' ']);
    expect(parseTokens('<blk> 0\n\u2581a 2\nb 1\n')).toEqual(['<blk>', 'b', '\u2581a']);
    expect(() => parseTokens('a\n\nb\n', 't.txt')).toThrow(/^t.txt: line 2: empty token$/);
    const ts = createTokenSet(['<blank>', ' ', 'a']);
    expect(ts.delimiter).toBe(1);
    expect(createTokenSet(['<blk>', '\u2581a', 'b']).mode).toBe('subword');
    expect(() => createTokenSet(['<blank>', 'a'], { blank: 5 })).toThrow(/--blank: 5 is not a token id/);
  });
});
