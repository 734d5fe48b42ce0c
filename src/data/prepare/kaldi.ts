import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { decodeAudio, loadAudio, monoOf, writeWav } from '../../audio/index.js';
import { AsrError, errorMessage, fileError } from '../../util/errors.js';
import { audioDuration, type ManifestRecord } from '../manifest-write.js';

/** One `key value` line of a Kaldi table file, with its line number for messages. */
interface TableEntry {
  value: string;
  line: number;
}

/** Reads a Kaldi text table (`key rest-of-line`); a missing optional file gives null. */
async function readTable(path: string, required: boolean): Promise<Map<string, TableEntry> | null> {
  if (!existsSync(path)) {
    if (required) throw fileError(path, 'missing (a Kaldi data folder needs wav.scp and text)');
    return null;
  }
  const table = new Map<string, TableEntry>();
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) throw fileError(path, `line ${i + 1}: expected '<key> <value>', got '${line.slice(0, 60)}'`);
    if (table.has(m[1])) throw fileError(path, `line ${i + 1}: '${m[1]}' already given on line ${(table.get(m[1]) as TableEntry).line}`);
    table.set(m[1], { value: m[2].trim(), line: i + 1 });
  }
  return table;
}

/** Runs a wav.scp pipe (`cmd args |`) with sh and returns what it wrote to stdout. */
function runPipe(cmd: string, cwd: string, where: string): Promise<Uint8Array> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', cmd], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', (e) => reject(new AsrError(`${where}: cannot run the command: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) reject(new AsrError(`${where}: the command failed (exit code ${code})${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}`));
      else resolvePromise(new Uint8Array(Buffer.concat(out)));
    });
  });
}

export interface KaldiPrepareOptions {
  /** Where audio cut by `segments` or produced by wav.scp pipes is written (required when there is any). */
  wavDir?: string;
  /** Folder that relative paths and pipe commands in wav.scp are relative to (Kaldi: the recipe root; default: cwd). */
  root?: string;
}

interface Recording {
  id: string;
  /** A file on disk, or a shell command whose stdout is audio. */
  kind: 'file' | 'pipe';
  target: string;
  line: number;
}

/**
 * Reads a Kaldi data folder: `wav.scp` (plain paths and `command |` pipes), `text`, and optionally `segments` and
 * `utt2spk`. Plain files without segments are referenced where they are; pipe output and segments are written as
 * WAV files (the recording's own rate, mono) to `wavDir`. Errors name the file and line (a recording whose file does
 * not exist, a failing pipe, a segment outside its recording, an utterance without a transcript).
 */
export async function prepareKaldi(dataDir: string, opts: KaldiPrepareOptions = {}): Promise<ManifestRecord[]> {
  if (!existsSync(dataDir)) throw fileError(dataDir, 'no such folder');
  const wavScp = join(dataDir, 'wav.scp');
  const textPath = join(dataDir, 'text');
  const segmentsPath = join(dataDir, 'segments');
  const wav = (await readTable(wavScp, true)) as Map<string, TableEntry>;
  const text = (await readTable(textPath, true)) as Map<string, TableEntry>;
  const segments = await readTable(segmentsPath, false);
  const utt2spk = await readTable(join(dataDir, 'utt2spk'), false);
  const root = resolve(opts.root ?? process.cwd());

  const recordings = new Map<string, Recording>();
  for (const [id, e] of wav) {
    if (e.value.endsWith('|')) {
      recordings.set(id, { id, kind: 'pipe', target: e.value.slice(0, -1).trim(), line: e.line });
      continue;
    }
    if (/:\d+$/.test(e.value) && !existsSync(e.value)) throw fileError(wavScp, `line ${e.line}: archive offsets (ark:...) are not supported`);
    const path = isAbsolute(e.value) ? e.value : resolve(root, e.value);
    if (!existsSync(path)) throw fileError(wavScp, `line ${e.line}: recording '${id}': audio file not found: ${e.value}`);
    recordings.set(id, { id, kind: 'file', target: path, line: e.line });
  }

  // utterance -> (recording, span); without segments each recording is one utterance
  const utts: { id: string; rec: Recording; start: number; end: number; line: number; where: string }[] = [];
  if (segments) {
    for (const [id, e] of segments) {
      const f = e.value.split(/\s+/);
      const rec = recordings.get(f[0]);
      const start = Number(f[1]);
      const end = Number(f[2]);
      if (f.length !== 3 || !Number.isFinite(start) || !Number.isFinite(end)) {
        throw fileError(segmentsPath, `line ${e.line}: expected '<utterance> <recording> <start> <end>'`);
      }
      if (!rec) throw fileError(segmentsPath, `line ${e.line}: recording '${f[0]}' is not in wav.scp`);
      if (start < 0 || (end >= 0 && end <= start)) throw fileError(segmentsPath, `line ${e.line}: bad span ${start}..${end} s`);
      utts.push({ id, rec, start, end, line: e.line, where: `${segmentsPath}: line ${e.line}` });
    }
  } else {
    for (const rec of recordings.values()) utts.push({ id: rec.id, rec, start: 0, end: -1, line: rec.line, where: `${wavScp}: line ${rec.line}` });
  }
  for (const u of utts) if (!text.has(u.id)) throw new AsrError(`${u.where}: utterance '${u.id}' has no transcript in ${textPath}`);
  const uttIds = new Set(utts.map((u) => u.id));
  for (const [id, e] of text) {
    if (!uttIds.has(id)) throw fileError(textPath, `line ${e.line}: utterance '${id}' is not in ${segments ? 'segments' : 'wav.scp'}`);
  }

  const needsWrite = segments !== null || [...recordings.values()].some((r) => r.kind === 'pipe');
  if (needsWrite && !opts.wavDir) {
    throw new AsrError(`${dataDir}: ${segments ? 'has segments' : 'wav.scp has pipe commands'}, whose audio must be written out: give a folder for it (--wav-dir)`);
  }
  if (opts.wavDir) await mkdir(opts.wavDir, { recursive: true });

  const records: ManifestRecord[] = [];
  const byRec = new Map<Recording, typeof utts>();
  for (const u of utts) byRec.set(u.rec, [...(byRec.get(u.rec) ?? []), u]);
  for (const [rec, list] of byRec) {
    if (!needsWrite) {
      const u = list[0];
      records.push({ audioPath: rec.target, duration: await audioDuration(rec.target), text: (text.get(u.id) as TableEntry).value, extra: { speaker: utt2spk?.get(u.id)?.value ?? u.id, id: u.id } });
      continue;
    }
    let samples: Float32Array | Float64Array;
    let rate: number;
    const where = `${wavScp}: line ${rec.line}`;
    try {
      if (rec.kind === 'pipe') {
        const audio = await decodeAudio(await runPipe(rec.target, root, where), where);
        samples = monoOf(audio.channels, undefined, where);
        rate = audio.sampleRate;
      } else {
        const a = await loadAudio(rec.target, { targetRate: null });
        samples = a.samples;
        rate = a.sampleRate;
      }
    } catch (e) {
      if (e instanceof AsrError && e.message.startsWith(where)) throw e;
      throw new AsrError(`${where}: recording '${rec.id}': ${errorMessage(e)}`, { cause: e });
    }
    const length = samples.length / rate;
    for (const u of list) {
      const end = u.end < 0 ? length : u.end;
      // Kaldi's extract-segments tolerates an end a little past the recording; so do we, by 0.1 s
      if (end > length + 0.1 || u.start >= length) {
        throw new AsrError(`${u.where}: segment ${u.start}..${end} s is outside recording '${rec.id}' (${length.toFixed(3)} s)`);
      }
      const a = Math.round(u.start * rate);
      const b = Math.min(samples.length, Math.round(end * rate));
      const out = join(opts.wavDir as string, `${u.id}.wav`);
      await writeWav(out, Float32Array.from(samples.subarray(a, b)), rate);
      records.push({ audioPath: out, duration: Number(((b - a) / rate).toFixed(6)), text: (text.get(u.id) as TableEntry).value, extra: { speaker: utt2spk?.get(u.id)?.value ?? u.id, id: u.id } });
    }
  }
  records.sort((x, y) => ((x.extra?.id as string) < (y.extra?.id as string) ? -1 : 1));
  return records;
}
