import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { loadAudio, writeWav } from '../../audio/index.js';
import { AsrError, errorMessage } from '../../util/errors.js';
import { speedPerturb } from '../augment/speed.js';
import type { ManifestRecord } from '../manifest-write.js';

/** Kaldi's prefix for a speed-perturbed speaker or utterance: `sp0.9-1089`. */
export function speedPrefix(factor: number): string {
  return `sp${factor}-`;
}

/** Parses `0.9,1.1` into factors, refusing nonsense. */
export function parseSpeedFactors(spec: string): number[] {
  const out = spec.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (out.length === 0 || out.some((f) => !(f > 0.25 && f < 4))) throw new AsrError(`--factors: expected speeds like 0.9,1.1 (each in (0.25, 4)), got '${spec}'`);
  return out;
}

/**
 * Speed-perturbed copies (Kaldi's perturb_data_dir_speed: resampling, so tempo and pitch move together) of every
 * record, written to `wavDir/sp<factor>/` as WAV at the file's own rate. Each copy's speaker (and id) gets the
 * `sp<factor>-` prefix, so a speaker-disjoint split keeps copies with their source speaker, and `perturb.speed`
 * records the factor. Returns the originals (unless `keepOriginal` is false) followed by the copies.
 */
export async function speedPerturbRecords(
  records: ManifestRecord[],
  factors: number[],
  wavDir: string,
  opts: { keepOriginal?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<ManifestRecord[]> {
  const copies: ManifestRecord[] = [];
  const used = new Set<string>();
  let done = 0;
  const total = records.length * factors.length;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    let audio: { samples: Float32Array | Float64Array; sampleRate: number };
    try {
      audio = await loadAudio(r.audioPath, { targetRate: null });
    } catch (e) {
      throw r.where ? new AsrError(`${r.where}: ${errorMessage(e)}`, { cause: e }) : e;
    }
    const stem = basename(r.audioPath, extname(r.audioPath));
    for (const f of factors) {
      const dir = join(wavDir, `sp${f}`);
      await mkdir(dir, { recursive: true });
      // two inputs with one file name (different folders) get the entry number to keep them apart
      let name = `${stem}.wav`;
      if (used.has(join(dir, name))) name = `${stem}-${i + 1}.wav`;
      const path = join(dir, name);
      used.add(path);
      const y = speedPerturb(Float32Array.from(audio.samples), audio.sampleRate, f);
      await writeWav(path, y, audio.sampleRate);
      const extra: Record<string, unknown> = { ...(r.extra ?? {}) };
      const prefix = speedPrefix(f);
      extra.speaker = `${prefix}${String(extra.speaker ?? stem)}`;
      if (typeof extra.id === 'string') extra.id = `${prefix}${extra.id}`;
      extra.perturb = { speed: f };
      copies.push({ audioPath: path, duration: Number((y.length / audio.sampleRate).toFixed(6)), text: r.text, extra });
      opts.onProgress?.(++done, total);
    }
  }
  return opts.keepOriginal === false ? copies : [...records, ...copies];
}
