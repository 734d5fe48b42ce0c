import { promises as fsp } from 'node:fs';
import { basename, extname } from 'node:path';
import { fileError } from '../util/errors.js';

/**
 * Transcript files for scoring, in three formats:
 * - 'kaldi': `utt-id word word ...`, one utterance a line; an id alone is an empty transcript.
 * - 'jsonl': one JSON object a line with a string `text`; the id is `id` or `utt_id` (string or number), else the
 *   basename of `audio_filepath` without its extension, else the line number.
 * - 'trn': sclite's `word word ... (utt-id)`.
 * Blank lines are skipped everywhere.
 */
export type TranscriptFormat = 'kaldi' | 'jsonl' | 'trn';

export interface Transcript {
  id: string;
  text: string;
  /** 1-based line number, for messages. */
  line: number;
}

export interface TranscriptFile {
  format: TranscriptFormat;
  entries: Transcript[];
}

const TRN_LINE = /^(.*?)\s*\(([^()]*)\)\s*$/su;

/**
 * Guesses the format from the content: JSONL when the first non-blank line starts with `{`, trn when every
 * non-blank line ends in `(id)`, Kaldi otherwise.
 */
export function detectTranscriptFormat(lines: readonly string[]): TranscriptFormat {
  const body = lines.map((l) => l.trim()).filter((l) => l !== '');
  if (body.length === 0) return 'kaldi';
  if (body[0].startsWith('{')) return 'jsonl';
  return body.every((l) => TRN_LINE.test(l)) ? 'trn' : 'kaldi';
}

function jsonlEntry(line: string, file: string, lineNo: number): { id: string | null; text: string } {
  let j: unknown;
  try {
    j = JSON.parse(line);
  } catch {
    throw fileError(file, `line ${lineNo}: not valid JSON`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw fileError(file, `line ${lineNo}: expected a JSON object`);
  const o = j as Record<string, unknown>;
  if (!('text' in o)) throw fileError(file, `line ${lineNo}: missing "text"`);
  if (typeof o.text !== 'string') throw fileError(file, `line ${lineNo}: "text" must be a string`);
  for (const key of ['id', 'utt_id']) {
    const v = o[key];
    if (v === undefined) continue;
    if ((typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v))) return { id: String(v), text: o.text };
    throw fileError(file, `line ${lineNo}: "${key}" must be a non-empty string or a number`);
  }
  const path = o.audio_filepath;
  if (typeof path === 'string' && path !== '') {
    const base = basename(path.replace(/\\/g, '/'));
    return { id: base.slice(0, base.length - extname(base).length) || base, text: o.text };
  }
  return { id: null, text: o.text };
}

/**
 * Parses transcript text. `file` names it in errors; `format` 'auto' detects it. A malformed line or a duplicate
 * id throws `fileError(file, "line N: ...")`.
 */
export function parseTranscripts(content: string, file: string, format: TranscriptFormat | 'auto' = 'auto'): TranscriptFile {
  const lines = content.replace(/^\ufeff/u, '').split(/\r?\n/u);
  const fmt = format === 'auto' ? detectTranscriptFormat(lines) : format;
  const entries: Transcript[] = [];
  const seen = new Map<string, number>();
  for (let k = 0; k < lines.length; k++) {
    const lineNo = k + 1;
    const line = lines[k].trim();
    if (line === '') continue;
    let id: string;
    let text: string;
    if (fmt === 'jsonl') {
      const e = jsonlEntry(line, file, lineNo);
      id = e.id ?? String(lineNo);
      text = e.text;
    } else if (fmt === 'trn') {
      const m = TRN_LINE.exec(line);
      if (!m) throw fileError(file, `line ${lineNo}: expected '<words> (<utterance-id>)'`);
      id = m[2].trim();
      if (id === '') throw fileError(file, `line ${lineNo}: empty utterance id '()'`);
      text = m[1];
    } else {
      const m = /^(\S+)(?:\s+(.*))?$/su.exec(line);
      // a trimmed non-empty line always matches; the guard keeps the types honest
      if (!m) throw fileError(file, `line ${lineNo}: expected '<utterance-id> <words>'`);
      id = m[1];
      text = m[2] ?? '';
    }
    const first = seen.get(id);
    if (first !== undefined) throw fileError(file, `line ${lineNo}: duplicate utterance id '${id}' (first on line ${first})`);
    seen.set(id, lineNo);
    entries.push({ id, text, line: lineNo });
  }
  return { format: fmt, entries };
}

/** Reads and parses a transcript file (see {@link parseTranscripts}). */
export async function readTranscripts(file: string, format: TranscriptFormat | 'auto' = 'auto'): Promise<TranscriptFile> {
  let content: string;
  try {
    content = await fsp.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fileError(file, 'file not found', e);
    if (code === 'EISDIR') throw fileError(file, 'is a directory, expected a transcript file', e);
    throw fileError(file, `cannot read (${code ?? String(e)})`, e);
  }
  return parseTranscripts(content, file, format);
}

export interface PairedTranscripts {
  /** In reference order; a reference missing from the hypotheses is paired with an empty hypothesis. */
  pairs: { id: string; ref: string; hyp: string }[];
  /** Reference ids that had no hypothesis. */
  missingInHyp: string[];
}

/**
 * Pairs reference and hypothesis utterances by id. A hypothesis id absent from the reference is an error naming
 * the first such id (and its line in `hypFile`).
 */
export function pairTranscripts(ref: readonly Transcript[], hyp: readonly Transcript[], refFile: string, hypFile: string): PairedTranscripts {
  const hypById = new Map<string, Transcript>();
  for (const h of hyp) hypById.set(h.id, h);
  const refIds = new Set(ref.map((r) => r.id));
  const extra = hyp.filter((h) => !refIds.has(h.id));
  if (extra.length > 0) {
    const more = extra.length > 1 ? ` (and ${extra.length - 1} more)` : '';
    throw fileError(hypFile, `line ${extra[0].line}: utterance '${extra[0].id}' is not in the reference ${refFile}${more}`);
  }
  const pairs: PairedTranscripts['pairs'] = [];
  const missingInHyp: string[] = [];
  for (const r of ref) {
    const h = hypById.get(r.id);
    if (h === undefined) missingInHyp.push(r.id);
    pairs.push({ id: r.id, ref: r.text, hyp: h?.text ?? '' });
  }
  return { pairs, missingInHyp };
}
