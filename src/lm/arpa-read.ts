/**
 * ARPA reader for files from KenLM, SRILM, the CMU toolkits and the like: text before `\data\`, blank lines
 * anywhere, CRLF line ends, tabs or spaces between fields, back-off weights present or absent, `<unk>` present
 * or absent, `-inf` probabilities. N-grams whose prefix is missing (as pruning in some tools leaves them) get a
 * blank prefix entry, as KenLM does: the probability it would have by backing off, and no back-off weight.
 * A malformed or truncated file fails with its line number.
 */
import { forEachLineSync } from '../util/lines.js';
import { fileError } from '../util/errors.js';
import { MAX_ORDER } from './kneser-ney.js';
import { findNgram, vocabMap, type NgramLm } from './model.js';
import { radixSortRows } from './radix.js';
import { createWordTable } from './word-table.js';

export interface ArpaReadOptions {
  /** Called now and then with bytes read so far and the file size. */
  onProgress?: (done: number, total: number) => void;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const pow10 = (k: number): number => (k < 23 ? POW10[k] : 10 ** k);

/** Parses a decimal like -1.2345e-05 from `s[start, end)`; NaN when it is not one of those. */
function parseNumber(s: string, start: number, end: number): number {
  let i = start;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = s.charCodeAt(++i);
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  while (i < end && c >= 48 && c <= 57) {
    if (digits < 17) mant = mant * 10 + (c - 48);
    else scale++;
    digits++;
    c = s.charCodeAt(++i);
  }
  if (c === 46 && i < end) {
    c = s.charCodeAt(++i);
    while (i < end && c >= 48 && c <= 57) {
      if (digits < 17) {
        mant = mant * 10 + (c - 48);
        scale--;
      }
      digits++;
      c = s.charCodeAt(++i);
    }
  }
  if (digits === 0) return slowNumber(s, start, end);
  if (i < end && (c === 101 || c === 69)) {
    c = s.charCodeAt(++i);
    let eneg = false;
    if (c === 45 || c === 43) {
      eneg = c === 45;
      c = s.charCodeAt(++i);
    }
    let e = 0;
    let edigits = 0;
    while (i < end && c >= 48 && c <= 57) {
      e = e * 10 + (c - 48);
      edigits++;
      c = s.charCodeAt(++i);
    }
    if (edigits === 0) return NaN;
    scale += eneg ? -e : e;
  }
  if (i !== end) return NaN;
  // Exact for the short decimals ARPA files hold; the float32 rounding after this hides any last-bit error.
  const v = scale >= 0 ? mant * pow10(scale) : mant / pow10(-scale);
  return neg ? -v : v;
}

function slowNumber(s: string, start: number, end: number): number {
  const t = s.slice(start, end).toLowerCase();
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return NaN;
}

interface OrderRows {
  declared: number;
  rows: number;
  ids: Int32Array;
  probs: Float32Array;
  backoffs: Float32Array;
  lines: Int32Array;
}

/** The line-by-line ARPA state machine shared by the file and string readers. Lines are ranges of a chunk. */
function arpaParser(name: string) {
  const declared: number[] = [];
  let state: 'preamble' | 'data' | 'section' | 'end' = 'preamble';
  let current = 0; // order of the section being read
  let orders: OrderRows[] = [];
  const words = createWordTable();
  const vocab = words.vocab;
  const unigramLine: number[] = [];
  const fields = new Int32Array(2 * (MAX_ORDER + 3));
  // The previous line's word in each column: sorted files repeat them line after line.
  const lastId = new Int32Array(MAX_ORDER).fill(-1);
  const err = (line: number, problem: string): Error => fileError(name, `line ${line}: ${problem}`);

  const closeSection = (line: number): void => {
    if (current === 0) return;
    const o = orders[current - 1];
    if (o.rows !== o.declared) throw err(line, `the \\${current}-grams: section has ${o.rows} entries but \\data\\ says ngram ${current}=${o.declared}`);
  };

  const entry = (s: string, from: number, to: number, line: number): void => {
    // Split into fields on spaces and tabs.
    let nf = 0;
    let i = from;
    const shown = (): string => s.slice(from, to).trim();
    while (i < to) {
      let c = s.charCodeAt(i);
      while (i < to && (c === 32 || c === 9)) c = s.charCodeAt(++i);
      if (i >= to) break;
      const start = i;
      while (i < to && c !== 32 && c !== 9) c = s.charCodeAt(++i);
      if (nf * 2 + 1 >= fields.length) throw err(line, `too many fields for a ${current}-gram entry: '${shown()}'`);
      fields[nf * 2] = start;
      fields[nf * 2 + 1] = i;
      nf++;
    }
    const k = current;
    if (nf !== k + 1 && nf !== k + 2) {
      throw err(line, `a ${k}-gram entry needs a log10 probability, ${k} word${k > 1 ? 's' : ''} and an optional back-off weight: '${shown()}'`);
    }
    let prob = parseNumber(s, fields[0], fields[1]);
    if (Number.isNaN(prob)) throw err(line, `bad log10 probability '${s.slice(fields[0], fields[1])}'`);
    if (prob > 1e-4) throw err(line, `log10 probability ${s.slice(fields[0], fields[1])} is positive`);
    if (prob > 0) prob = 0;
    if (prob === -Infinity) prob = -99;
    let bo = 0;
    if (nf === k + 2) {
      bo = parseNumber(s, fields[2 * (k + 1)], fields[2 * (k + 1) + 1]);
      if (Number.isNaN(bo)) throw err(line, `bad log10 back-off weight '${s.slice(fields[2 * (k + 1)], fields[2 * (k + 1) + 1])}'`);
      if (bo === -Infinity) bo = -99;
    }
    const o = orders[k - 1];
    if (o.rows >= o.declared) throw err(line, `more ${k}-grams than \\data\\ says (ngram ${k}=${o.declared})`);
    const r = o.rows++;
    o.probs[r] = prob;
    if (k < declared.length) o.backoffs[r] = bo;
    o.lines[r] = line;
    if (k === 1) {
      const id = words.add(s, fields[2], fields[3]);
      if (id < 0) throw err(line, `duplicate 1-gram '${s.slice(fields[2], fields[3])}' (also on line ${unigramLine[-id - 1]})`);
      o.ids[r] = id;
      unigramLine.push(line);
      return;
    }
    for (let c = 0; c < k; c++) {
      const a = fields[2 * (c + 1)];
      const b = fields[2 * (c + 1) + 1];
      let id = lastId[c];
      if (id < 0 || vocab[id].length !== b - a || !s.startsWith(vocab[id], a)) {
        id = words.get(s, a, b);
        if (id < 0) throw err(line, `'${s.slice(a, b)}' in this ${k}-gram is not among the 1-grams`);
        lastId[c] = id;
      }
      o.ids[r * k + c] = id;
    }
  };

  return {
    /** The line `text[from, to)` (without its newline), number `line`. */
    line(text: string, from: number, to: number, line: number): void {
      if (to > from && text.charCodeAt(to - 1) === 13) to--;
      if (state === 'section') {
        // Entries start with a number; section headers and \end\ with a backslash.
        const c0 = text.charCodeAt(from);
        if (c0 !== 92) {
          if (to === from) return;
          if (c0 !== 32 && c0 !== 9) {
            entry(text, from, to, line);
            return;
          }
          const t = text.slice(from, to).trim();
          if (t.length === 0) return;
          if (t.charCodeAt(0) !== 92) {
            entry(text, from, to, line);
            return;
          }
        }
      }
      const t = text.slice(from, to).trim();
      if (t.length === 0 || state === 'end') return;
      if (state === 'preamble') {
        if (t === '\\data\\') state = 'data';
        return;
      }
      if (state === 'data' && !t.startsWith('\\')) {
        const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(t);
        if (!m) throw err(line, `expected 'ngram N=COUNT' in the \\data\\ header, found '${t}'`);
        const k = Number(m[1]);
        if (k !== declared.length + 1) throw err(line, `'${t}': expected the count of ${declared.length + 1}-grams next`);
        if (k > MAX_ORDER) throw err(line, `order ${k} is above the highest supported order ${MAX_ORDER}`);
        const count = Number(m[2]);
        if (count * k > 2 ** 31 - 1) throw err(line, `'${t}': too many n-grams for this reader`);
        declared.push(count);
        return;
      }
      // A section header or \end\ (state is data or section here).
      if (t === '\\end\\') {
        closeSection(line);
        if (declared.length === 0) throw err(line, '\\end\\ before any n-gram counts');
        if (current < declared.length) throw err(line, `\\end\\ before the \\${current + 1}-grams: section`);
        state = 'end';
        return;
      }
      const h = /^\\(\d+)-grams:$/.exec(t);
      if (!h) throw err(line, state === 'data' ? `expected 'ngram N=COUNT' or a section header, found '${t}'` : `unexpected line '${t}'`);
      const k = Number(h[1]);
      if (state === 'data') {
        if (declared.length === 0) throw err(line, `\\${k}-grams: before any 'ngram N=COUNT' line`);
        orders = declared.map((c, i) => ({
          declared: c,
          rows: 0,
          ids: new Int32Array(c * (i + 1)),
          probs: new Float32Array(c),
          backoffs: new Float32Array(i + 1 < declared.length ? c : 0),
          lines: new Int32Array(c),
        }));
      }
      if (k !== current + 1) throw err(line, `found \\${k}-grams: where the \\${current + 1}-grams: section was expected`);
      if (k > declared.length) throw err(line, `\\${k}-grams: but \\data\\ declares only ${declared.length} orders`);
      closeSection(line);
      current = k;
      state = 'section';
    },
    finish(lastLine: number): NgramLm {
      if (state === 'preamble') throw fileError(name, 'no \\data\\ header: not an ARPA language model');
      if (state !== 'end') {
        const where = state === 'data' ? 'in the \\data\\ header' : `inside the \\${current}-grams: section`;
        throw err(lastLine, `the file ends ${where} without \\end\\ (truncated?)`);
      }
      return buildTrie(name, declared.length, vocab, vocabMap(vocab), orders);
    },
  };
}

/** Parses ARPA text held in memory. */
export function parseArpa(text: string, name = 'ARPA'): NgramLm {
  const p = arpaParser(name);
  let line = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    p.line(text, start, end, ++line);
    start = end + 1;
  }
  return p.finish(line);
}

/** Reads an ARPA file in chunks (a large model is never one string). */
export function readArpaFile(path: string, opts: ArpaReadOptions = {}): NgramLm {
  const p = arpaParser(path);
  let line = 0;
  forEachLineSync(path, (text, start, end) => p.line(text, start, end, ++line), opts.onProgress);
  return p.finish(line);
}

function compareRows(a: Int32Array, i: number, b: Int32Array, j: number, len: number, strideA: number, strideB: number): number {
  for (let c = 0; c < len; c++) {
    const d = a[i * strideA + c] - b[j * strideB + c];
    if (d !== 0) return d;
  }
  return 0;
}

/** Sorts an order's rows lexicographically by word ids (in place, through a permutation). */
function sortOrder(o: OrderRows, k: number, V: number): void {
  const perm = radixSortRows(o.rows, Array.from({ length: k }, (_, c) => c), V - 1, (col, keys) => {
    for (let r = 0; r < o.rows; r++) keys[r] = o.ids[r * k + col];
  });
  const ids = new Int32Array(o.rows * k);
  const probs = new Float32Array(o.rows);
  const backoffs = new Float32Array(o.backoffs.length ? o.rows : 0);
  const lines = new Int32Array(o.rows);
  for (let i = 0; i < o.rows; i++) {
    const r = perm[i];
    ids.set(o.ids.subarray(r * k, r * k + k), i * k);
    probs[i] = o.probs[r];
    if (backoffs.length) backoffs[i] = o.backoffs[r];
    lines[i] = o.lines[r];
  }
  o.ids = ids;
  o.probs = probs;
  o.backoffs = backoffs;
  o.lines = lines;
}

/** Adds blank entries (line -1, probability NaN until computed) to an order; keeps it sorted. */
function addBlanks(o: OrderRows, k: number, blanks: number[], V: number): void {
  const add = blanks.length / k;
  const ids = new Int32Array((o.rows + add) * k);
  ids.set(o.ids.subarray(0, o.rows * k));
  ids.set(blanks, o.rows * k);
  const grow = (a: Float32Array): Float32Array => {
    const b = new Float32Array(o.rows + add);
    b.set(a.subarray(0, o.rows));
    return b;
  };
  const probs = grow(o.probs);
  probs.fill(NaN, o.rows);
  const backoffs = o.backoffs.length ? grow(o.backoffs) : o.backoffs;
  const lines = new Int32Array(o.rows + add);
  lines.set(o.lines.subarray(0, o.rows));
  lines.fill(-1, o.rows);
  o.ids = ids;
  o.probs = probs;
  o.backoffs = backoffs;
  o.lines = lines;
  o.rows += add;
  sortOrder(o, k, V);
}

function buildTrie(name: string, N: number, vocab: string[], wordIds: Map<string, number>, orders: OrderRows[]): NgramLm {
  const V = vocab.length;
  if (V === 0) throw fileError(name, 'the model has no 1-grams');
  for (let k = 2; k <= N; k++) {
    const o = orders[k - 1];
    sortOrder(o, k, V);
    for (let i = 1; i < o.rows; i++) {
      if (compareRows(o.ids, i - 1, o.ids, i, k, k, k) === 0) {
        const words = Array.from(o.ids.subarray(i * k, i * k + k), (w) => vocab[w]).join(' ');
        const [a, b] = [o.lines[i - 1], o.lines[i]].sort((x, y) => x - y);
        throw fileError(name, `line ${b}: duplicate ${k}-gram '${words}' (also on line ${a})`);
      }
    }
  }
  // Missing prefixes, from the top down, so blanks added to order k-1 are themselves checked against k-2.
  for (let k = N; k >= 3; k--) {
    const o = orders[k - 1];
    const lower = orders[k - 2];
    const blanks: number[] = [];
    let walk = 0;
    for (let i = 0; i < o.rows; i++) {
      if (i > 0 && compareRows(o.ids, i - 1, o.ids, i, k - 1, k, k) === 0) continue;
      while (walk < lower.rows && compareRows(lower.ids, walk, o.ids, i, k - 1, k - 1, k) < 0) walk++;
      if (walk < lower.rows && compareRows(lower.ids, walk, o.ids, i, k - 1, k - 1, k) === 0) continue;
      for (let c = 0; c < k - 1; c++) blanks.push(o.ids[i * k + c]);
    }
    if (blanks.length) addBlanks(lower, k - 1, blanks, V);
  }
  const words: Int32Array[] = [Int32Array.from({ length: V }, (_, i) => i)];
  const probs: Float32Array[] = [orders[0].probs];
  const backoffs: Float32Array[] = [];
  const childStart: Uint32Array[] = [];
  if (N > 1) backoffs.push(orders[0].backoffs);
  for (let k = 2; k <= N; k++) {
    const o = orders[k - 1];
    const lower = orders[k - 2];
    const starts = new Uint32Array(lower.rows + 1);
    const w = new Int32Array(o.rows);
    let walk = 0;
    for (let i = 0; i < o.rows; i++) {
      let parent: number;
      if (k === 2) parent = o.ids[i * 2];
      else {
        while (compareRows(lower.ids, walk, o.ids, i, k - 1, k - 1, k) < 0) walk++;
        parent = walk;
      }
      starts[parent + 1]++;
      w[i] = o.ids[i * k + k - 1];
    }
    for (let i = 0; i < lower.rows; i++) starts[i + 1] += starts[i];
    childStart.push(starts);
    words.push(w);
    probs.push(o.probs);
    if (k < N) backoffs.push(o.backoffs);
  }
  const lm: NgramLm = {
    order: N,
    vocab,
    wordIds: wordIds.size === V ? wordIds : vocabMap(vocab),
    bos: wordIds.get('<s>') ?? -1,
    eos: wordIds.get('</s>') ?? -1,
    unk: wordIds.get('<unk>') ?? -1,
    counts: orders.map((o) => o.rows),
    words,
    probs,
    backoffs,
    childStart,
  };
  // Probabilities of blank prefixes: what backing off gives without them (lower orders first).
  for (let k = 2; k < N; k++) {
    const o = orders[k - 1];
    for (let i = 0; i < o.rows; i++) {
      if (o.lines[i] !== -1) continue;
      o.probs[i] = Math.fround(backedOff(lm, o.ids.subarray(i * k, i * k + k)));
    }
  }
  return lm;
}

/** log10 p(ids[last] | ids[0..last-1]) from n-grams shorter than `ids` (the full n-gram is ignored). */
function backedOff(lm: NgramLm, ids: Int32Array): number {
  const k = ids.length;
  let bo = 0;
  for (let s = 0; s < k - 1; s++) {
    // Back off from context ids[s..k-2] to ids[s+1..k-2].
    const ctx = findNgram(lm, ids.subarray(s, k - 1));
    if (ctx >= 0 && k - 1 - s < lm.order) bo += lm.backoffs[k - 2 - s][ctx];
    const shorter = findNgram(lm, ids.subarray(s + 1, k));
    if (shorter >= 0) return bo + lm.probs[k - s - 2][shorter];
  }
  return bo + lm.probs[0][ids[k - 1]];
}
