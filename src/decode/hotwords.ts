/**
 * Hotword boosting: phrases with weights, held in a character trie, so a beam's match state advances in O(1) per
 * character however many phrases there are. A hypothesis earns a phrase's weight spread over its characters as
 * it spells a prefix of the phrase from the start of a word; the bonus is taken back if the spelling leaves the
 * phrase or stops before its end, and kept when the phrase is complete at a word boundary. So a hotword changes
 * only the hypotheses that contain it (the context-biasing scheme of NeMo's and pyctcdecode's CTC hotwords, and
 * of icefall's ContextGraph).
 */
import { readFileSync } from 'node:fs';
import { AsrError, fileError } from '../util/errors.js';
import { toTokenCase, type TokenSet } from './tokens.js';

export interface Hotword {
  phrase: string;
  /** Bonus (natural-log units) for a hypothesis containing the whole phrase. */
  weight: number;
  /** Where it came from, for messages. */
  line?: number;
}

export interface HotwordTrie {
  /** `node * 65536 + UTF-16 code unit` -> child node; node 0 is the root. */
  readonly children: Map<number, number>;
  /** Bonus accumulated on reaching each node, `[nodes]`. */
  readonly score: Float64Array;
  /** Weight of the phrase ending at each node, NaN where none ends. */
  readonly terminal: Float64Array;
  readonly phrases: number;
}

/** Code unit for the word boundary inside a phrase. */
export const SPACE = 32;

export function hotwordChild(trie: HotwordTrie, node: number, code: number): number {
  return trie.children.get(node * 65536 + code) ?? -1;
}

/**
 * Builds the trie. Phrases are mapped to the tokens' letter case when the tokens use one case; a phrase with a
 * character no token can produce fails with a clear message.
 */
export function buildHotwordTrie(hotwords: Hotword[], ts: TokenSet, name = 'hotwords'): HotwordTrie {
  const children = new Map<number, number>();
  const score: number[] = [0];
  const terminal: number[] = [NaN];
  let phrases = 0;
  for (const h of hotwords) {
    const where = h.line !== undefined ? `line ${h.line}: ` : '';
    const phrase = toTokenCase(ts, h.phrase.trim().replace(/\s+/g, ' '));
    if (phrase.length === 0) continue;
    if (!(Number.isFinite(h.weight) && h.weight > 0)) throw fileError(name, `${where}the weight of '${h.phrase}' must be a positive number, got ${h.weight}`);
    const outside = [...new Set([...phrase].filter((ch) => ch !== ' ' && !ts.chars.has(ch)))];
    if (outside.length) throw fileError(name, `${where}'${h.phrase}' has characters outside the token set: ${outside.map((c) => `'${c}'`).join(' ')}`);
    let node = 0;
    for (let i = 0; i < phrase.length; i++) {
      const key = node * 65536 + phrase.charCodeAt(i);
      let next = children.get(key);
      if (next === undefined) {
        next = score.length;
        children.set(key, next);
        score.push(0);
        terminal.push(NaN);
      }
      node = next;
      score[node] = Math.max(score[node], (h.weight * (i + 1)) / phrase.length);
    }
    terminal[node] = Number.isNaN(terminal[node]) ? h.weight : Math.max(terminal[node], h.weight);
    phrases++;
  }
  return { children, score: Float64Array.from(score), terminal: Float64Array.from(terminal), phrases };
}

/**
 * Parses a hotwords file: one phrase per line, optionally followed by a tab and a weight, or by ` :WEIGHT`
 * (sherpa-onnx style). Blank lines and lines starting with `#` are skipped.
 */
export function parseHotwords(text: string, defaultWeight: number, name = 'hotwords.txt'): Hotword[] {
  const out: Hotword[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/\r$/, '');
    if (line.trim().length === 0 || line.trimStart().startsWith('#')) continue;
    let weight = defaultWeight;
    const m = /^(.*?)(?:\t+|\s+:)\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*$/.exec(line);
    if (m) {
      line = m[1];
      weight = Number(m[2]);
    } else if (line.includes('\t')) throw fileError(name, `line ${i + 1}: expected PHRASE<TAB>WEIGHT, found '${line}'`);
    if (line.trim().length === 0) throw fileError(name, `line ${i + 1}: a weight without a phrase`);
    out.push({ phrase: line, weight, line: i + 1 });
  }
  return out;
}

export function readHotwordsFile(path: string, defaultWeight: number): Hotword[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw fileError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const hw = parseHotwords(text, defaultWeight, path);
  if (hw.length === 0) throw new AsrError(`${path}: no hotwords`);
  return hw;
}
