import { existsSync } from 'node:fs';
import { fileError } from '../../util/errors.js';
import { readManifest } from '../manifest.js';
import { audioDuration, type ManifestRecord } from '../manifest-write.js';

/**
 * Reads a NeMo manifest for re-writing elsewhere: every line must parse and name an existing audio file (errors name
 * the manifest line); a missing duration is read from the audio. Other fields are kept.
 */
export async function prepareNemo(manifest: string): Promise<ManifestRecord[]> {
  const records: ManifestRecord[] = [];
  for await (const e of readManifest(manifest)) {
    if (!existsSync(e.audioFilepath)) throw fileError(manifest, `line ${e.line}: audio file not found: ${e.audioFilepathRaw}`);
    const duration = Number.isFinite(e.duration) ? e.duration : await audioDuration(e.audioFilepath);
    records.push({ audioPath: e.audioFilepath, duration, text: e.text, extra: e.extra, where: `${manifest}: line ${e.line}` });
  }
  if (records.length === 0) throw fileError(manifest, 'no entries');
  return records;
}
