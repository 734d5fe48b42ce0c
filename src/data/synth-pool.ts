import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AsrError } from '../util/errors.js';
import { renderAndWrite, type WorkerReply, type WorkerRequest } from './synth-render.js';
import type { SynthTask } from './synth-task.js';

/**
 * Renders `tasks` on `jobs` worker threads (0: in this thread, for tests and debugging), calling `onDone` in the
 * main thread as each WAV lands. Stops at the first failure and rejects with it (the finished WAVs stay, for a resume).
 */
export async function runSynthTasks(
  tasks: SynthTask[],
  outDir: string,
  jobs: number,
  onDone: (task: SynthTask, samples: number) => void,
): Promise<void> {
  if (tasks.length === 0) return;
  if (jobs === 0) {
    for (const t of tasks) {
      let samples: number;
      try {
        samples = await renderAndWrite(t, outDir);
      } catch (e) {
        throw failure(t, e);
      }
      onDone(t, samples);
    }
    return;
  }
  const url = new URL('./synth-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new AsrError(`synthesis workers need the built package (${fileURLToPath(url)} is missing: run \`npm run build\`), or use --jobs 0`);
  }
  const n = Math.min(jobs, tasks.length);
  const workers: Worker[] = [];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let finished = 0;
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(e);
    };
    const feed = (w: Worker): void => {
      if (failed || next >= tasks.length) return;
      const msg: WorkerRequest = { task: tasks[next++], outDir };
      w.postMessage(msg);
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(url);
      workers.push(w);
      w.on('message', (reply: WorkerReply) => {
        const task = byId.get(reply.id) as SynthTask;
        if (reply.type === 'error') {
          fail(failure(task, new Error(reply.message)));
          return;
        }
        try {
          onDone(task, reply.samples);
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        finished++;
        if (finished === tasks.length) {
          for (const x of workers) void x.terminate();
          resolve();
        } else feed(w);
      });
      w.on('error', (e) => fail(new AsrError(`synthesis worker crashed: ${e.message}`)));
      w.on('exit', (code) => {
        if (code !== 0 && finished < tasks.length) fail(new AsrError(`synthesis worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}

function failure(task: SynthTask, e: unknown): AsrError {
  const msg = e instanceof Error ? e.message : String(e);
  return new AsrError(`line ${task.line}: ${task.voiceId} could not render utterance ${task.id}: ${msg}`, { cause: e });
}
