import { AsrError } from '../util/errors.js';
import { BLANK_TOKEN, createCharTokenizer, normalizeTranscript, type Tokenizer } from './tokenizer.js';

/**
 * Byte-pair-encoding tokenizer trained from text (SentencePiece-style pieces: `▁` marks a word start, so the
 * decoder in src/decode reads the tokens in subword mode). Fewer tokens per second of speech than characters,
 * which matters for CTC with 4x-8x subsampling of fast speech.
 *
 * tokens.txt alone defines it: id 0 `<blank>`, then the base symbols (`▁`, `'`, a-z), then the merged pieces in
 * the order they were learned. Encoding merges, within each word, the adjacent pair whose concatenation is the
 * earliest-learned piece, until no pair is a piece: the merge order of training.
 */
export const WORD_MARK = '\u2581';

function baseSymbols(): string[] {
  return [WORD_MARK, "'", ...Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i))];
}

/** Learns merges from transcripts until the vocabulary (blank included) has `vocabSize` tokens, or no pair repeats. */
export function trainBpe(texts: Iterable<string>, vocabSize: number): string[] {
  const tokens = [BLANK_TOKEN, ...baseSymbols()];
  if (vocabSize < tokens.length) throw new AsrError(`bpe: vocabSize ${vocabSize} is below the ${tokens.length} base tokens`);
  const allowed = new Set(baseSymbols());
  const counts = new Map<string, number>();
  for (const t of texts) {
    for (const w of normalizeTranscript(t).split(' ')) {
      if (w === '' || ![...w].every((c) => allowed.has(c))) continue;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  // each distinct word as its current symbol sequence, with its count
  const words = [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([w, n]) => ({ syms: [WORD_MARK, ...w], n }));
  const have = new Set(tokens);
  while (tokens.length < vocabSize) {
    const pairs = new Map<string, { a: string; b: string; n: number }>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = `${syms[i]}\u0000${syms[i + 1]}`;
        const e = pairs.get(key);
        if (e) e.n += n;
        else pairs.set(key, { a: syms[i], b: syms[i + 1], n });
      }
    }
    let best: { a: string; b: string; n: number } | null = null;
    for (const p of pairs.values()) {
      // ties broken by the merged string, so training is deterministic
      if (!have.has(p.a + p.b) && (best === null || p.n > best.n || (p.n === best.n && p.a + p.b < best.a + best.b))) best = p;
    }
    if (best === null || best.n < 2) break;
    const piece = best.a + best.b;
    tokens.push(piece);
    have.add(piece);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === best.a && w.syms[i + 1] === best.b) {
          out.push(piece);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  return tokens;
}

/** The tokenizer that tokens.txt of {@link trainBpe} describes. */
export function createBpeTokenizer(tokens: string[]): Tokenizer {
  if (tokens[0] !== BLANK_TOKEN) throw new AsrError(`bpe: token 0 must be ${BLANK_TOKEN}, got ${JSON.stringify(tokens[0])}`);
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => {
    if (i > 0) ids.set(t, i);
  });
  for (const s of baseSymbols()) if (!ids.has(s)) throw new AsrError(`bpe: base symbol ${JSON.stringify(s)} is not a token`);
  const problem = (text: string): string | null => {
    const norm = normalizeTranscript(text);
    if (norm === '') return 'empty transcript';
    for (const ch of norm) if (ch !== ' ' && !ids.has(ch)) return `character ${JSON.stringify(ch)} is not in the vocabulary`;
    return null;
  };
  const encodeWord = (w: string): number[] => {
    let syms = [WORD_MARK, ...w];
    for (;;) {
      let bestAt = -1;
      let bestId = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const id = ids.get(syms[i] + syms[i + 1]);
        if (id !== undefined && id < bestId) {
          bestId = id;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      syms = [...syms.slice(0, bestAt), syms[bestAt] + syms[bestAt + 1], ...syms.slice(bestAt + 2)];
    }
    return syms.map((s) => ids.get(s) as number);
  };
  return {
    tokens: [...tokens],
    blank: 0,
    problem,
    encode(text) {
      if (problem(text) !== null) return null;
      return Int32Array.from(normalizeTranscript(text).split(' ').flatMap(encodeWord));
    },
    decode(seq) {
      let s = '';
      for (let i = 0; i < seq.length; i++) if (seq[i] > 0 && seq[i] < tokens.length) s += tokens[seq[i]];
      return s.split(WORD_MARK).join(' ').replace(/ +/g, ' ').trim();
    },
  };
}

/** The tokenizer a tokens.txt describes: BPE when it holds the `▁` word mark, else characters. */
export function tokenizerFromTokens(tokens: string[]): Tokenizer {
  return tokens.includes(WORD_MARK) ? createBpeTokenizer(tokens) : createCharTokenizer(tokens);
}
