import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileError } from '../../util/errors.js';
import { audioDuration, type ManifestRecord } from '../manifest-write.js';

/** Every `*.trans.txt` under `dir`, sorted so the output order does not depend on the file system. */
async function transcriptFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.trans.txt')) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Reads a LibriSpeech-layout folder (any level: the corpus root, a split such as `test-clean/`, or one chapter):
 * `SPEAKER/CHAPTER/SPEAKER-CHAPTER.trans.txt` lines `SPEAKER-CHAPTER-UTT TRANSCRIPT`, audio beside them as
 * `SPEAKER-CHAPTER-UTT.flac` (or `.wav`). Transcripts are lowercased (LibriSpeech's are upper case); speaker and
 * chapter come from the id. Durations are read from the FLAC headers.
 */
export async function prepareLibriSpeech(dir: string): Promise<ManifestRecord[]> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw fileError(dir, 'not a folder');
  const files = await transcriptFiles(dir);
  if (files.length === 0) throw fileError(dir, 'no LibriSpeech transcripts (*.trans.txt) under this folder');
  const records: ManifestRecord[] = [];
  for (const file of files) {
    const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      const m = /^(\d+)-(\d+)-(\d+)\s+(.*)$/.exec(line);
      if (!m) throw fileError(file, `line ${i + 1}: expected 'SPEAKER-CHAPTER-UTTERANCE TRANSCRIPT'`);
      const id = `${m[1]}-${m[2]}-${m[3]}`;
      const audio = ['.flac', '.wav'].map((ext) => join(dirname(file), `${id}${ext}`)).find((p) => existsSync(p));
      if (!audio) throw fileError(file, `line ${i + 1}: no audio for ${id} (looked for ${id}.flac and ${id}.wav beside it)`);
      records.push({
        audioPath: audio,
        duration: await audioDuration(audio),
        text: m[4].trim().toLowerCase(),
        extra: { speaker: m[1], chapter: m[2], id },
      });
    }
  }
  return records;
}
