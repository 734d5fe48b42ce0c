import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileError } from '../../util/errors.js';
import { normalizeForSpeech } from './normalize.js';

/** Debian's `wordnet-base` package puts the WordNet 3.0 database here. */
export const WORDNET_DIR = '/usr/share/wordnet';
const DATA_FILES = ['data.noun', 'data.verb', 'data.adj', 'data.adv'];

export interface SentenceFilter {
  /** Fewest and most words a sentence may have (default 4 and 24). */
  minWords?: number;
  maxWords?: number;
}

/**
 * The example sentences of WordNet 3.0 (the quoted usage examples in its glosses, e.g. "they tried to boost
 * sales"), normalized for speech, deduplicated, in database order. WordNet is under the WordNet 3.0 license
 * (permissive: use, copy, modify and distribute for any purpose, keeping Princeton's notice), which is how this
 * becomes the toolkit's English sentence corpus without any download. Sentences with characters that cannot be
 * spoken, or outside the word limits, are left out.
 */
export async function wordnetSentences(dir: string = WORDNET_DIR, filter: SentenceFilter = {}): Promise<string[]> {
  const minWords = filter.minWords ?? 4;
  const maxWords = filter.maxWords ?? 24;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of DATA_FILES) {
    const path = join(dir, name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw fileError(path, 'cannot read the WordNet database (Debian: apt-get install wordnet-base)');
    }
    for (const line of text.split('\n')) {
      // lines starting with spaces are the license header; the gloss follows " | "
      if (line.startsWith(' ') || !line.includes(' | ')) continue;
      const gloss = line.slice(line.indexOf(' | ') + 3);
      for (const m of gloss.matchAll(/"([^"]+)"/g)) {
        const raw = m[1].trim();
        // examples with brackets or ellipses are fragments or carry editorial notes
        if (/[()[\]]|\.\.\./.test(raw)) continue;
        const t = normalizeForSpeech(raw);
        if (t.unspeakable.length > 0) continue;
        const n = t.transcript.split(' ').length;
        if (n < minWords || n > maxWords || seen.has(t.transcript)) continue;
        seen.add(t.transcript);
        out.push(t.spoken);
      }
    }
  }
  return out;
}
