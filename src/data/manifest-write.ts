import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { openAudioStream } from '../audio/index.js';

/** One utterance to be written to a manifest: the audio's path on disk (absolute or relative to the cwd). */
export interface ManifestRecord {
  audioPath: string;
  /** Seconds; NaN or undefined leaves the field out. */
  duration?: number;
  text: string;
  /** speaker and anything else, written after the NeMo fields. */
  extra?: Record<string, unknown>;
  /** Where the record came from (`file: line N`), for messages; not written. */
  where?: string;
}

/** `audioPath` as a manifest at `manifestPath` writes it: relative to the manifest's folder, with forward slashes. */
export function manifestAudioPath(audioPath: string, manifestPath: string): string {
  const rel = relative(dirname(resolve(manifestPath)), resolve(audioPath));
  return isAbsolute(rel) ? rel : rel.split(sep).join('/');
}

/** The JSON line of a record (NeMo field order: audio_filepath, duration, text, then the rest). */
export function manifestLine(r: ManifestRecord, manifestPath: string): string {
  const o: Record<string, unknown> = { audio_filepath: manifestAudioPath(r.audioPath, manifestPath) };
  if (r.duration !== undefined && Number.isFinite(r.duration)) o.duration = r.duration;
  o.text = r.text;
  for (const [k, v] of Object.entries(r.extra ?? {})) if (!(k in o)) o[k] = v;
  return JSON.stringify(o);
}

/** Writes a whole manifest atomically (its folder is created): readers see the old file or the new one, never half. */
export async function writeManifest(path: string, records: ManifestRecord[]): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFileAtomic(path, records.map((r) => `${manifestLine(r, path)}\n`).join(''));
}

/**
 * Duration of an audio file in seconds from its header when it states the length (WAV, FLAC), else by decoding it.
 * Rounded to the microsecond so manifests read cleanly.
 */
export async function audioDuration(path: string): Promise<number> {
  const stream = await openAudioStream(path);
  try {
    let frames = stream.frames;
    if (frames === undefined) {
      frames = 0;
      for await (const chunk of stream.chunks()) frames += chunk[0].length;
    }
    return Number((frames / stream.sampleRate).toFixed(6));
  } finally {
    await stream.close();
  }
}
