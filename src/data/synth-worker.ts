/**
 * Worker-thread entry of `asr data synth`: renders the tasks it is sent and writes each WAV atomically. The thread
 * does nothing else, which is what lets the engines pin Date.now and crypto while they run (tts/determinism.ts).
 */
import { parentPort } from 'node:worker_threads';
import { renderAndWrite, type WorkerReply, type WorkerRequest } from './synth-render.js';

if (!parentPort) throw new Error('synth-worker.js must run as a worker thread');
const port = parentPort;

port.on('message', (msg: WorkerRequest) => {
  void (async () => {
    let reply: WorkerReply;
    try {
      reply = { type: 'done', id: msg.task.id, samples: await renderAndWrite(msg.task, msg.outDir) };
    } catch (e) {
      reply = { type: 'error', id: msg.task.id, message: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  })();
});
