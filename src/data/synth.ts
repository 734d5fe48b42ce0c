import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AsrError, fileError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { planFingerprint, planSynthesis, selectLines, type SynthPlanOptions } from './synth-plan.js';
import { runSynthTasks } from './synth-pool.js';
import { manifestRecord, SYNTH_RATE, type SynthTask } from './synth-task.js';
import { readTextLines } from './text-lines.js';

/** Files of a synthesized corpus folder. */
export const SYNTH_FILES = { manifest: 'manifest.jsonl', config: 'synth.json', journal: '.synth-journal.jsonl' } as const;

export interface SynthRunOptions extends SynthPlanOptions {
  textFile: string;
  outDir: string;
  /** Worker threads (0: render in this thread). */
  jobs: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthResult {
  utterances: number;
  /** Rendered by this run (the rest were already there). */
  rendered: number;
  seconds: number;
  manifest: string;
}

/** Sample counts of utterances already rendered: from the journal of an interrupted run and a finished manifest. */
function finishedUtterances(outDir: string, tasks: SynthTask[]): Map<string, number> {
  const done = new Map<string, number>();
  const journal = join(outDir, SYNTH_FILES.journal);
  if (existsSync(journal)) {
    for (const line of readFileSync(journal, 'utf8').split('\n')) {
      // the last line may be cut short by a kill: skip what does not parse
      try {
        const j = JSON.parse(line) as { id?: unknown; samples?: unknown };
        if (typeof j.id === 'string' && typeof j.samples === 'number') done.set(j.id, j.samples);
      } catch {
        /* partial line */
      }
    }
  }
  const manifest = join(outDir, SYNTH_FILES.manifest);
  if (existsSync(manifest)) {
    const byWav = new Map(tasks.map((t) => [t.wav, t.id]));
    readFileSync(manifest, 'utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let j: { audio_filepath?: unknown; duration?: unknown };
      try {
        j = JSON.parse(line) as { audio_filepath?: unknown; duration?: unknown };
      } catch {
        throw fileError(manifest, `line ${i + 1}: not valid JSON; delete it and run again to rebuild it`);
      }
      const id = typeof j.audio_filepath === 'string' ? byWav.get(j.audio_filepath) : undefined;
      if (id && typeof j.duration === 'number') done.set(id, Math.round(j.duration * SYNTH_RATE));
    });
  }
  // a journal entry whose WAV is gone is redone
  for (const t of tasks) if (done.has(t.id) && !existsSync(join(outDir, t.wav))) done.delete(t.id);
  return done;
}

/** Removes temporary files a killed run left in the WAV folders (writes go through `.name.tmp-*` and a rename). */
function removeStaleTemps(outDir: string): void {
  const wavRoot = join(outDir, 'wav');
  if (!existsSync(wavRoot)) return;
  for (const shard of readdirSync(wavRoot)) {
    const dir = join(wavRoot, shard);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) if (f.startsWith('.') && f.includes('.tmp-')) rmSync(join(dir, f), { force: true });
  }
}

/**
 * `asr data synth`: renders every line of a text file with voices, pseudo-speakers and recording conditions drawn
 * from the seed, into `outDir/wav/**.wav` (16 kHz mono 16-bit) and `outDir/manifest.jsonl`.
 *
 * - Reproducible: every choice is a function of (seed, line, replica), so two runs give identical bytes.
 * - Resumable: finished utterances are journaled as they land; a rerun of the same command after a kill renders only
 *   the rest. A folder made with other options is refused, not mixed.
 * - No half-written corpus: the text and voices are checked before anything is written, each WAV is written through a
 *   rename, and the manifest appears (atomically) only once every utterance is there.
 */
export async function synthesizeCorpus(opts: SynthRunOptions): Promise<SynthResult> {
  const allLines = await readTextLines(opts.textFile);
  const textBytes = new Uint8Array(await readFile(opts.textFile));
  const lines = selectLines(allLines, opts);
  const tasks = planSynthesis(lines, opts);
  const fingerprint = planFingerprint(textBytes, lines, opts);
  const configPath = join(opts.outDir, SYNTH_FILES.config);
  if (existsSync(configPath)) {
    let old: { fingerprint?: unknown };
    try {
      old = JSON.parse(readFileSync(configPath, 'utf8')) as { fingerprint?: unknown };
    } catch {
      throw fileError(configPath, 'not valid JSON; remove the folder or choose another --out');
    }
    if (JSON.stringify(old.fingerprint) !== JSON.stringify(fingerprint)) {
      throw fileError(configPath, 'this folder holds a corpus made from other text or options; choose another --out (or delete it)');
    }
  } else if (existsSync(opts.outDir) && readdirSync(opts.outDir).length > 0) {
    throw new AsrError(`${opts.outDir}: not empty and not a corpus made by \`asr data synth\` (no ${SYNTH_FILES.config}); choose another --out`);
  }
  await mkdir(opts.outDir, { recursive: true });
  if (!existsSync(configPath)) await writeFileAtomic(configPath, `${JSON.stringify({ fingerprint }, null, 2)}\n`);
  removeStaleTemps(opts.outDir);

  const done = finishedUtterances(opts.outDir, tasks);
  const pending = tasks.filter((t) => !done.has(t.id));
  const journal = join(opts.outDir, SYNTH_FILES.journal);
  let count = tasks.length - pending.length;
  opts.onProgress?.(count, tasks.length);
  await runSynthTasks(pending, opts.outDir, opts.jobs, (task, samples) => {
    appendFileSync(journal, `${JSON.stringify({ id: task.id, samples })}\n`);
    done.set(task.id, samples);
    opts.onProgress?.(++count, tasks.length);
  });

  const records = tasks.map((t) => manifestRecord(t, done.get(t.id) as number));
  const manifest = join(opts.outDir, SYNTH_FILES.manifest);
  await writeFileAtomic(manifest, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const totalSamples = tasks.reduce((a, t) => a + (done.get(t.id) as number), 0);
  await writeFileAtomic(configPath, `${JSON.stringify({ fingerprint, summary: corpusSummary(tasks, opts, totalSamples) }, null, 2)}\n`);
  rmSync(journal, { force: true });
  return { utterances: tasks.length, rendered: pending.length, seconds: totalSamples / SYNTH_RATE, manifest };
}

/** What synth.json says about the corpus: size, and per voice used its count, source and license. */
function corpusSummary(tasks: SynthTask[], opts: SynthPlanOptions, totalSamples: number): Record<string, unknown> {
  const perVoice = new Map<string, number>();
  const speakers = new Set<string>();
  for (const t of tasks) {
    perVoice.set(t.voiceId, (perVoice.get(t.voiceId) ?? 0) + 1);
    speakers.add(t.speakerId);
  }
  return {
    utterances: tasks.length,
    hours: Number((totalSamples / SYNTH_RATE / 3600).toFixed(4)),
    pseudo_speakers: speakers.size,
    voices_used: opts.voices
      .filter((v) => perVoice.has(v.id))
      .map((v) => ({ id: v.id, utterances: perVoice.get(v.id), source: v.source, license: v.license.name, model_redistributable: v.license.modelRedistributable })),
  };
}
