import { createReadStream, promises as fsp } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileError } from '../util/errors.js';

/**
 * One line of a NeMo-style JSONL manifest. `audioFilepath` is resolved against the manifest's folder; other fields
 * (speaker, augmentation, ...) are kept in `extra`.
 */
export interface ManifestEntry {
  /** 1-based line number in the manifest, for error messages. */
  line: number;
  audioFilepath: string;
  /** The path as written in the manifest. */
  audioFilepathRaw: string;
  duration: number;
  text: string;
  extra: Record<string, unknown>;
}

/** Parses one manifest line; `file` and `lineNo` name it in errors. */
export function parseManifestLine(text: string, file: string, lineNo: number): ManifestEntry {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw fileError(file, `line ${lineNo}: not valid JSON`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw fileError(file, `line ${lineNo}: expected a JSON object`);
  const o = j as Record<string, unknown>;
  const { audio_filepath: path, duration, text: transcript, ...extra } = o;
  if (typeof path !== 'string' || path === '') throw fileError(file, `line ${lineNo}: missing "audio_filepath"`);
  if (duration !== undefined && (typeof duration !== 'number' || !(duration >= 0))) {
    throw fileError(file, `line ${lineNo}: "duration" must be a non-negative number`);
  }
  if (transcript !== undefined && typeof transcript !== 'string') throw fileError(file, `line ${lineNo}: "text" must be a string`);
  return {
    line: lineNo,
    audioFilepath: isAbsolute(path) ? path : resolve(dirname(file), path),
    audioFilepathRaw: path,
    duration: typeof duration === 'number' ? duration : Number.NaN,
    text: typeof transcript === 'string' ? transcript : '',
    extra,
  };
}

/** Streams a manifest's entries (blank lines skipped), so huge manifests need no more memory than one line. */
export async function* readManifest(file: string): AsyncGenerator<ManifestEntry> {
  await fsp.access(file).catch(() => {
    throw fileError(file, 'manifest not found');
  });
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of rl) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    yield parseManifestLine(line, file, lineNo);
  }
}

/** All entries of a manifest. */
export async function loadManifest(file: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for await (const e of readManifest(file)) out.push(e);
  return out;
}
