import { readdirSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileError } from '../util/errors.js';

/** File name endings taken from folders (a file named on the command line is tried whatever its name). */
export const AUDIO_EXTENSIONS = ['.wav', '.flac', '.mp3', '.ogg', '.oga', '.opus', '.wave'];

/** An input file, and its path relative to the folder it was found in (for output names). */
export interface InputFile {
  path: string;
  relative: string;
}

/** Expands files and folders (searched recursively for audio, sorted) into the list of files to transcribe. */
export function expandInputs(inputs: string[]): InputFile[] {
  const out: InputFile[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      // a missing file is reported with the batch's other failures, not here
      out.push({ path: input, relative: input.replace(/^(\.\.?\/)+/, '') });
      continue;
    }
    if (!st.isDirectory()) {
      out.push({ path: input, relative: input.replace(/^(\.\.?\/)+/, '').replace(/^\/+/, '') });
      continue;
    }
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        if (name.startsWith('.')) continue;
        const p = join(dir, name);
        const s = statSync(p);
        if (s.isDirectory()) walk(p);
        else if (AUDIO_EXTENSIONS.includes(extname(name).toLowerCase())) found.push(p);
      }
    };
    walk(input);
    if (found.length === 0) throw fileError(input, `no audio files (${AUDIO_EXTENSIONS.join(', ')}) in this folder`);
    for (const p of found) out.push({ path: p, relative: relative(input, p) });
  }
  return out;
}
