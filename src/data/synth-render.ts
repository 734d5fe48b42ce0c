import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeWav } from '../audio/index.js';
import { renderTask, SYNTH_RATE, type SynthTask } from './synth-task.js';

/** Main thread -> worker. */
export interface WorkerRequest {
  task: SynthTask;
  outDir: string;
}

/** Worker -> main thread: the task's sample count, or why it failed. */
export type WorkerReply = { type: 'done'; id: string; samples: number } | { type: 'error'; id: string; message: string };

/** Renders one task and writes its WAV (16-bit, atomically) under outDir. @returns the number of samples written */
export async function renderAndWrite(task: SynthTask, outDir: string): Promise<number> {
  const samples = await renderTask(task);
  const path = join(outDir, task.wav);
  await mkdir(dirname(path), { recursive: true });
  await writeWav(path, samples, SYNTH_RATE);
  return samples.length;
}
