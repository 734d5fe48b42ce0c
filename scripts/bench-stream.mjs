#!/usr/bin/env node
// Streaming recognition benchmark (issue 8). Replays digit audio at real-time pace through the streaming
// recognizer and prints:
//   - partial latency per word: wall time from the end of a word's audio (its end time in the utterance's final
//     result) to the first partial holding that word, median and p95;
//   - final latency: from the end of the last word to the final (endpoint rule 2 fires after --rule2 s of silence,
//     so this includes that wait), and to the final after the input ends (finish());
//   - compute per chunk: wall time of accept() calls that ran the encoder (median, p95);
//   - CPU time (user + system, this process) per second of audio;
//   - memory over --hours of looped audio fed as fast as possible: rss, heap, external, tensors every 10 min of
//     audio (must stay flat).
// Every 10 min of audio (or a sixth of --hours when shorter).
// Usage: npm run bench -- stream [--model DIR] [--chunk-ms 320] [--left-chunks 4] [--rule2 0.5] [--pre-roll-ms 100] [--no-gate] [--vad silero|webrtc|energy] [--hours 1] [--adapt-bn]
//        [--realtime-seconds 60] [--backend wasm] [--audio a.wav,b.wav] [--greedy] [--manifest test.jsonl [--limit N]]
// --adapt-bn: the recognizers re-estimate BatchNorm statistics online after 10 s of speech (only the continuous
// stream of --manifest is that long).
// --manifest: also the WER cost of streaming: each utterance recognised by the streaming recognizer (chunked
// attention, sliding-window CMVN) and by the full-context model (whole-utterance features and CMVN, no chunk
// mask), same decoder, scored against the manifest's text.
// Without --model (and without models/digits), a randomly initialised model of the digits recipe's size (6 x 128
// Conformer, causal convolution) is used: latency and cost are real, the words are not.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const flag = (name) => process.argv.includes(name);

const { initBackend } = await import(join(dist, 'backend', 'index.js'));
const { createModel, modelConfig, saveModel, disposeModel } = await import(join(dist, 'model', 'index.js'));
const { createStreamingRecognizer, loadStreamingAssets } = await import(join(dist, 'stream', 'index.js'));
const { loadAudio } = await import(join(dist, 'audio', 'index.js'));

const backend = await initBackend({ backend: arg('--backend', process.env.ASR_BACKEND ?? 'wasm'), threads: 1 });
const chunkMs = Number(arg('--chunk-ms', '320'));
const leftChunks = Number(arg('--left-chunks', '4'));
const rule2 = Number(arg('--rule2', '0.5'));
const preRollMs = Number(arg('--pre-roll-ms', '100'));
const utteranceGate = !flag('--no-gate');
const hours = Number(arg('--hours', '1'));
const realtimeSeconds = Number(arg('--realtime-seconds', '60'));
const RATE = 16000;

let modelDir = arg('--model', existsSync(join(root, 'models', 'digits', 'config.json')) ? join(root, 'models', 'digits') : undefined);
let random = false;
let tmp;
if (modelDir === undefined) {
  random = true;
  tmp = mkdtempSync(join(tmpdir(), 'bench-stream-'));
  modelDir = join(tmp, 'model');
  const tokens = ['<blank>', '|', ...'abcdefghijklmnopqrstuvwxyz', "'"];
  const config = modelConfig({
    inputDim: 80, subsampling: { type: 'conv2d', factor: 4, channels: 64 }, dModel: 128, numLayers: 6, numHeads: 4, ffnDim: 512,
    convKernel: 15, causalConv: true, vocabSize: tokens.length,
  });
  const m = createModel(config, 1);
  await saveModel(modelDir, m, tokens);
  disposeModel(m);
}
const assets = loadStreamingAssets(modelDir, flag('--greedy') ? null : undefined);
const decode = flag('--greedy') ? { mode: 'greedy' } : { beamWidth: 8 };
const vadKind = arg('--vad', '');
const { createVad } = await import(join(dist, 'stream', 'vad.js'));
// one detector per recognizer (the caller owns it); with a VAD, rule 2 measures its silence (--rule2 still sets it)
const make = async () =>
  createStreamingRecognizer({
    ...assets, chunkMs, leftChunks, decode, utteranceGate, preRollMs, endpoint: { rule2: { minTrailingSilence: rule2 } }, adaptBn: flag('--adapt-bn'),
    vad: vadKind ? await createVad({ kind: vadKind }) : undefined,
  });

console.log(`model: ${random ? 'RANDOM (untrained; digits-recipe size, causal conv)' : modelDir}; backend ${backend.name ?? JSON.stringify(backend)}`);
console.log(`chunk ${chunkMs} ms, left chunks ${leftChunks}, rule2 ${rule2} s${vadKind ? ` of ${vadKind} VAD silence` : ' of CTC blanks'}, ${utteranceGate ? `utterance gate (${vadKind || 'energy'} VAD, pre-roll ${preRollMs} ms)` : 'no utterance gate'}, ${decode.mode === 'greedy' ? 'greedy' : `beam ${decode.beamWidth}`}${assets.lm ? ' + LM' : ''}`);
if (random) console.log('(untrained model: its "words" are noise, so the per-word and final latencies below are not meaningful; compute and memory are)');
const files = (arg('--audio', '') || ['digits-one-to-five.wav', 'digits-seven-oh-nine.wav'].map((f) => join(root, 'audio', f)).join(',')).split(',');
const clips = [];
for (const f of files) clips.push((await loadAudio(f)).samples);
// One "session": each clip followed by 1.5 s of silence, looped to the wanted length.
const gap = new Float64Array(Math.round(1.5 * RATE));
const session = [];
let sessionLen = 0;
while (sessionLen < realtimeSeconds * RATE) {
  for (const c of clips) {
    session.push(c, gap);
    sessionLen += c.length + gap.length;
  }
}
const signal = new Float64Array(sessionLen);
{
  let o = 0;
  for (const s of session) {
    signal.set(s, o);
    o += s.length;
  }
}

const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
const sleep = (t) => new Promise((r) => setTimeout(r, t));

// ---- WER cost of streaming ------------------------------------------------------------------------------------
const manifestPath = arg('--manifest', undefined);
if (manifestPath) {
  const { loadManifest } = await import(join(dist, 'data', 'manifest.js'));
  const { wer } = await import(join(dist, 'eval', 'index.js'));
  const { segmentFeatures, posteriorsOf } = await import(join(dist, 'transcribe', 'index.js'));
  const { createCtcDecoder } = await import(join(dist, 'decode', 'index.js'));
  const { forward, logProbs, outputLength } = await import(join(dist, 'model', 'index.js'));
  const tf = await import(join(root, 'node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.node.js'));
  const limit = Number(arg('--limit', '0'));
  let entries = await loadManifest(manifestPath);
  if (limit > 0) entries = entries.slice(0, limit);
  const fc = assets.features;
  const factor = assets.model.config.subsampling.factor;
  const decoder = createCtcDecoder(assets.tokens, { ...decode, lm: assets.lm, blank: assets.model.config.blank, frameDuration: 0.01 * factor });
  const refs = [];
  const streamed = [];
  const full = [];
  // the model's own cost of streaming: whole-utterance features and CMVN, attention chunked as the streaming
  // encoder chunks it (equal outputs, test/stream.encoder.test.ts), so the front end's share is the rest
  const chunked = [];
  const chunkFrames = Math.round(chunkMs / (10 * factor));
  const t0 = performance.now();
  for (const e of entries) {
    const audio = (await loadAudio(e.audioFilepath)).samples;
    refs.push(e.text.toLowerCase());
    const rec = await make();
    const texts = [];
    rec.on('final', (f) => texts.push(f.text));
    for (let i = 0; i < audio.length; i += RATE / 10) await rec.acceptAsync(audio.subarray(i, i + RATE / 10), RATE);
    rec.finish();
    rec.dispose();
    streamed.push(texts.join(' ').toLowerCase());
    // whole-utterance recognition exactly as asr eval does it (the model's normalisation and edge padding)
    const feats = segmentFeatures(audio, fc);
    const [lp] = posteriorsOf(assets.model, [feats]);
    full.push(decoder.decode(lp.data, lp.frames).hypotheses[0]?.text.toLowerCase() ?? '');
    const T = feats.numFrames;
    const clp = tf.tidy(() => logProbs(forward(assets.model, tf.tensor3d(feats.data, [1, T, feats.dim]), [T], { chunks: { chunkSize: chunkFrames, leftChunks } }).logits));
    const cdata = clp.dataSync();
    clp.dispose();
    chunked.push(decoder.decode(cdata, outputLength(assets.model.config, T)).hypotheses[0]?.text.toLowerCase() ?? '');
  }
  const pc = (x) => (x === null ? 'n/a' : `${(100 * x).toFixed(2)}%`);
  console.log(`WER on ${entries.length} utterances of ${manifestPath}: full context ${pc(wer(refs, full))}, chunked attention alone ${pc(wer(refs, chunked))}, streaming (chunk ${chunkMs} ms, ${leftChunks} left) ${pc(wer(refs, streamed))} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  // One continuous stream, as from a microphone: the utterances in order, each followed by a pause of 0.8-2 s of
  // quiet noise (about -60 dBFS), cut by the endpoint rules; the finals joined against the texts joined.
  {
    let seed = 1;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const rec = await make();
    const texts = [];
    rec.on('final', (f) => texts.push(f.text));
    const feed = async (x) => {
      for (let i = 0; i < x.length; i += RATE / 10) await rec.acceptAsync(x.subarray(i, i + RATE / 10), RATE);
    };
    let seconds = 0;
    for (const e of entries) {
      const audio = (await loadAudio(e.audioFilepath)).samples;
      const pause = new Float32Array(Math.round((0.8 + 1.2 * rand()) * RATE)).map(() => (rand() - 0.5) * 0.003);
      await feed(audio);
      await feed(pause);
      seconds += (audio.length + pause.length) / RATE;
    }
    rec.finish();
    rec.dispose();
    const hyp = texts.join(' ').toLowerCase();
    console.log(`WER of one continuous ${seconds.toFixed(0)} s stream of the same utterances with 0.8-2 s quiet pauses (${texts.length} finals for ${entries.length} utterances): ${pc(wer([refs.join(' ')], [hyp]))}`);
  }
}

// ---- real-time replay -------------------------------------------------------------------------------------
console.log(`real-time replay of ${(signal.length / RATE).toFixed(1)} s (${files.length} clips + 1.5 s gaps, looped) in 20 ms blocks...`);
{
  const rec = await make();
  const block = RATE / 50;
  let t0 = 0;
  // wall clock (ms since t0) when each partial arrived, per utterance
  let partials = [];
  const wordLat = [];
  const finalLat = [];
  const chunkWall = [];
  rec.on('partial', (e) => partials.push({ at: performance.now() - t0, words: e.text ? e.text.split(' ') : [] }));
  rec.on('final', (e) => {
    const at = performance.now() - t0;
    const words = e.words ?? [];
    // a word "appears" in the first partial whose k-th word equals the final's k-th word
    words.forEach((w, k) => {
      const p = partials.find((x) => x.words[k] === w.word);
      if (p) wordLat.push(p.at - w.end * 1000);
    });
    if (words.length > 0) finalLat.push(at - words[words.length - 1].end * 1000);
    partials = [];
  });
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  for (let i = 0; i < signal.length; i += block) {
    const due = ((i + block) / RATE) * 1000;
    const wait = due - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
    const a = performance.now();
    const before = rec.audioSeconds;
    await rec.acceptAsync(signal.subarray(i, i + block), RATE);
    const d = performance.now() - a;
    if (d > 1 || before === 0) chunkWall.push(d);
  }
  const endAt = performance.now();
  rec.finish();
  const finishMs = performance.now() - endAt;
  const cpu = process.cpuUsage(cpu0);
  const audioS = signal.length / RATE;
  console.log(`partial latency per word (end of word audio -> first partial with it): median ${ms(pct(wordLat, 0.5))}, p95 ${ms(pct(wordLat, 0.95))} over ${wordLat.length} words`);
  console.log(`final latency (end of last word -> final, incl. ${rule2} s endpoint silence): median ${ms(pct(finalLat, 0.5))}, p95 ${ms(pct(finalLat, 0.95))} over ${finalLat.length} utterances`);
  console.log(`final after end of input (finish()): ${ms(finishMs)}`);
  console.log(`compute per encoder chunk (accept wall time): median ${ms(pct(chunkWall, 0.5))}, p95 ${ms(pct(chunkWall, 0.95))}`);
  console.log(`CPU time per audio second: ${((cpu.user + cpu.system) / 1e6 / audioS).toFixed(3)} s (of one core)`);
  rec.dispose();
}

// ---- memory over long looped audio ----------------------------------------------------------------------------
if (hours > 0) {
  const { memory } = await import('@tensorflow/tfjs');
  const rec = await make();
  let finals = 0;
  rec.on('final', () => finals++);
  const total = hours * 3600 * RATE;
  const block = RATE / 10;
  const every = Math.min(600, (hours * 3600) / 6) * RATE;
  const rows = [];
  const snap = (fed) => {
    const m = process.memoryUsage();
    rows.push({ audioMin: +(fed / RATE / 60).toFixed(1), rssMB: +(m.rss / 2 ** 20).toFixed(1), heapMB: +(m.heapUsed / 2 ** 20).toFixed(1), externalMB: +(m.external / 2 ** 20).toFixed(1), tensors: memory().numTensors });
  };
  console.log(`memory over ${hours} h of looped audio (as fast as possible)...`);
  const w0 = performance.now();
  let fed = 0;
  let pos = 0;
  snap(0);
  while (fed < total) {
    const n = Math.min(block, signal.length - pos);
    await rec.acceptAsync(signal.subarray(pos, pos + n), RATE);
    pos = (pos + n) % signal.length;
    fed += n;
    if (fed % every < block) {
      global.gc?.();
      snap(fed);
    }
  }
  rec.finish();
  console.table(rows);
  const first = rows[1] ?? rows[0];
  const last = rows[rows.length - 1];
  console.log(`${finals} finals; ${((performance.now() - w0) / 1000).toFixed(0)} s wall for ${hours} h (RTF ${((performance.now() - w0) / 1000 / (hours * 3600)).toFixed(3)}); rss change after the first interval: ${(last.rssMB - first.rssMB).toFixed(1)} MB, tensors ${first.tensors} -> ${last.tensors}`);
  rec.dispose();
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
