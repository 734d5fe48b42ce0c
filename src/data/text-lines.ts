import { readFile } from 'node:fs/promises';
import { fileError } from '../util/errors.js';
import { normalizeForSpeech } from './text/normalize.js';

/** One line of a text file, ready to be spoken. */
export interface TextLine {
  /** 1-based line number in the file. */
  line: number;
  spoken: string;
  transcript: string;
}

/**
 * Reads a text file of one sentence per line (blank lines skipped) and normalizes each for speech. A line that
 * cannot be spoken (nothing left after normalization, or characters no English voice can say) is an error naming
 * the file and line, raised before anything is synthesized.
 */
export async function readTextLines(path: string): Promise<TextLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw fileError(path, 'cannot read the text file');
  }
  const out: TextLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    const t = normalizeForSpeech(raw);
    if (t.unspeakable.length > 0) {
      throw fileError(path, `line ${i + 1}: no voice can speak ${t.unspeakable.map((c) => `'${c}'`).join(', ')} (${JSON.stringify(raw.slice(0, 60))})`);
    }
    if (t.transcript === '') throw fileError(path, `line ${i + 1}: nothing to speak after normalization (${JSON.stringify(raw.slice(0, 60))})`);
    out.push({ line: i + 1, spoken: t.spoken, transcript: t.transcript });
  }
  if (out.length === 0) throw fileError(path, 'no text lines');
  return out;
}
