#!/usr/bin/env node
// Voice activity detection benchmark: accuracy on real speech in noise, end-of-speech delay, and cost, for the
// detectors of src/stream/vad.ts (Silero through onnxruntime-web, WebRTC's libfvad in wasm, the energy rule).
//
// Test stream: real recordings from ../shared/data, FSDD single digits (8 kHz, resampled to 16 kHz with the
// toolkit's resampler) and LJ Speech sentences (22.05 kHz -> 16 kHz), shuffled with a fixed seed and joined by gaps
// of 0.3-2 s, then white or brown (integrated white: low-frequency) noise added at an SNR measured over the speech
// samples (clean = no noise at all, digital silence in the gaps). Label: speech inside a clip. FSDD clips are trimmed
// tight already; the edges of the LJ clips (0.1-0.3 s of room tone) are trimmed by an energy rule on the clean clip
// (first to last 10 ms frame within 40 dB of the clip's loudest one). Pauses inside an LJ sentence stay labelled
// speech, so a detector that finds them is scored down a little: see "cuts" below.
//
// Per detector and condition, on 10 ms frames (a detector's decision for a frame is that of its own frame holding
// the 10 ms frame's centre): accuracy, precision, recall, F1 of "speech";
//   eos: end-of-speech delay, from a clip's end to the moment the detector has seen --hangover s of non-speech in a
//        row (the wait an endpoint rule adds), median and p90 over the clips where that happened before the next
//        clip began (miss% = where it did not);
//   cuts: runs of at least --hangover s of non-speech inside a clip between two of its speech decisions (an
//        endpoint inside an utterance), per minute of speech;
// and cost: CPU seconds (user + system, this process) per second of audio fed in 100 ms blocks, model load time
// in a fresh process, size on disk of the packages it needs, licenses.
// A second table sweeps the trailing silence (hangover) for each detector over all the conditions together: how
// often an utterance would be cut against how long the end takes to detect; it chose the streaming recognizer's
// rule-2 defaults with a VAD (DEFAULT_VAD_TRAILING_SILENCE in src/stream/endpoint.ts).
//
// Usage: npm run bench -- vad [--fsdd 40] [--lj 12] [--seed 1] [--hangover 0.3] [--snr 20,10,5]
//        [--vads energy,webrtc:0,webrtc:1,webrtc:2,webrtc:3,silero:v5,silero:v6] [--json]
// (webrtc:N is aggressiveness mode N; silero:vN the model file; a suffix @T sets the probability threshold.)
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const flag = (name) => process.argv.includes(name);

const { loadAudio } = await import(join(dist, 'audio', 'index.js'));
const { createVad } = await import(join(dist, 'stream', 'vad.js'));

const RATE = 16000;
const F10 = 160; // samples per 10 ms label frame
const nFsdd = Number(arg('--fsdd', '40'));
const nLj = Number(arg('--lj', '12'));
const seed = Number(arg('--seed', '1'));
const hangover = Number(arg('--hangover', '0.3'));
const snrs = arg('--snr', '20,10,5').split(',').map(Number);
const vadSpecs = arg('--vads', 'energy,webrtc:0,webrtc:1,webrtc:2,webrtc:3,silero:v5,silero:v6').split(',');
const dataDir = join(root, '..', 'shared', 'data');
if (!existsSync(join(dataDir, 'fsdd', 'manifest.jsonl'))) {
  console.error(`bench vad: ${dataDir}/fsdd not found: the benchmark needs ../shared/data beside the project`);
  process.exit(1);
}

// ---- deterministic randomness ----------------------------------------------------------------------------------
function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(seed);
const gauss = () => {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
};
const shuffle = (a) => {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};

// ---- the clips -------------------------------------------------------------------------------------------------
const manifest = (dir) =>
  readFileSync(join(dataDir, dir, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
    .map((e) => ({ ...e, path: join(dataDir, dir, e.audio_filepath) }));
const fsddAll = manifest('fsdd');
const ljAll = manifest('ljspeech_sample');
const fsdd = shuffle([...fsddAll]).slice(0, nFsdd);
const lj = shuffle([...ljAll]).slice(0, nLj);

const dbOf = (x, a, b) => {
  let e = 0;
  for (let i = a; i < b; i++) e += x[i] * x[i];
  return 10 * Math.log10(e / Math.max(1, b - a) + 1e-12);
};
/** [first, last) samples of the speech in an LJ clip: 10 ms frames within 40 dB of the loudest. */
function trimEdges(x) {
  const n = Math.floor(x.length / F10);
  const db = Array.from({ length: n }, (_, f) => dbOf(x, f * F10, (f + 1) * F10));
  const peak = Math.max(...db);
  let a = 0;
  while (a < n - 1 && db[a] < peak - 40) a++;
  let b = n - 1;
  while (b > a && db[b] < peak - 40) b--;
  return [a * F10, Math.min(x.length, (b + 1) * F10)];
}

const clips = [];
let trimmedSeconds = 0;
for (const e of fsdd) {
  const x = (await loadAudio(e.path)).samples;
  clips.push({ source: 'fsdd', x, a: 0, b: x.length });
}
for (const e of lj) {
  const x = (await loadAudio(e.path)).samples;
  const [a, b] = trimEdges(x);
  trimmedSeconds += (a + x.length - b) / RATE;
  clips.push({ source: 'lj', x, a, b });
}
shuffle(clips);

// ---- the stream: 1 s lead-in, clips joined by 0.3-2 s gaps, 1 s tail --------------------------------------------
const layout = [];
let pos = RATE;
for (const c of clips) {
  layout.push({ ...c, start: pos });
  pos += c.x.length + Math.round((0.3 + 1.7 * rand()) * RATE);
}
const total = pos + RATE;
const cleanStream = new Float64Array(total);
const label = new Uint8Array(Math.ceil(total / F10));
/** Speech regions [s, e) in samples, one per clip. */
const regions = [];
for (const c of layout) {
  cleanStream.set(c.x, c.start);
  const s = c.start + c.a;
  const e = c.start + c.b;
  regions.push({ s, e, source: c.source });
  for (let f = 0; f < label.length; f++) {
    const centre = f * F10 + F10 / 2;
    if (centre >= s && centre < e) label[f] = 1;
  }
}
let speechPower = 0;
let speechSamples = 0;
for (const r of regions) {
  for (let i = r.s; i < r.e; i++) speechPower += cleanStream[i] ** 2;
  speechSamples += r.e - r.s;
}
speechPower /= speechSamples;

function noiseOf(kind) {
  const n = new Float64Array(total);
  if (kind === 'white') for (let i = 0; i < total; i++) n[i] = gauss();
  else {
    // brown: leaky integration of white noise (-6 dB/octave above ~5 Hz), mean removed
    let y = 0;
    for (let i = 0; i < total; i++) n[i] = y = 0.998 * y + gauss();
    let m = 0;
    for (let i = 0; i < total; i++) m += n[i];
    m /= total;
    for (let i = 0; i < total; i++) n[i] -= m;
  }
  let p = 0;
  for (let i = 0; i < total; i++) p += n[i] * n[i];
  p /= total;
  return { n, p };
}
const noises = { white: noiseOf('white'), brown: noiseOf('brown') };
function streamAt(noise, snr) {
  if (noise === 'clean') return Float32Array.from(cleanStream);
  const { n, p } = noises[noise];
  const g = Math.sqrt(speechPower / 10 ** (snr / 10) / p);
  const out = new Float32Array(total);
  for (let i = 0; i < total; i++) out[i] = cleanStream[i] + g * n[i];
  return out;
}
const conditions = [{ noise: 'clean', snr: Infinity }];
for (const noise of ['white', 'brown']) for (const snr of snrs) conditions.push({ noise, snr });

// ---- running a detector ----------------------------------------------------------------------------------------
function parseSpec(spec) {
  const [name, t] = spec.split('@');
  const [kind, v] = name.split(':');
  const o = t === undefined ? {} : { threshold: Number(t) };
  if (kind === 'webrtc') return { kind, mode: Number(v ?? 2), ...o };
  if (kind === 'silero') return { kind, model: v ?? 'v6', ...o };
  return { kind, ...o };
}

/** Feeds the stream in 100 ms blocks; returns the detector's per-frame decisions and the CPU time it took. */
async function runVad(vad, x) {
  vad.reset();
  const speech = new Uint8Array(Math.ceil(x.length / vad.frameSamples) + 1);
  let k = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const take = (r) => {
    speech.set(r.speech, k);
    k += r.speech.length;
  };
  for (let i = 0; i < x.length; i += RATE / 10) take(await vad.accept(x.subarray(i, Math.min(x.length, i + RATE / 10))));
  take(await vad.flush());
  const c = process.cpuUsage(c0);
  return { speech: speech.subarray(0, k), cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
}

/** Frame-level scores, end-of-speech delays and cuts for a detector's decisions `d` (frames of `fs` samples). */
function score(d, fs, hang) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let f = 0; f < label.length; f++) {
    const j = Math.min(d.length - 1, Math.floor((f * F10 + F10 / 2) / fs));
    const y = d[j];
    if (label[f]) y ? tp++ : fn++;
    else y ? fp++ : tn++;
  }
  const need = Math.max(1, Math.round((hang * RATE) / fs));
  const delays = [];
  let missed = 0;
  let cuts = 0;
  for (let r = 0; r < regions.length; r++) {
    const { s, e } = regions[r];
    const next = r + 1 < regions.length ? regions[r + 1].s : total;
    // end of speech: first frame end after e where `need` non-speech frames in a row are complete
    let run = 0;
    let found = -1;
    for (let j = Math.floor(e / fs); j < d.length && j * fs < next; j++) {
      run = d[j] ? 0 : run + 1;
      if (run >= need) {
        found = (j + 1) * fs;
        break;
      }
    }
    if (found >= 0 && found <= next) delays.push((found - e) / RATE);
    else missed++;
    // cuts: non-speech runs of >= need frames wholly inside [s, e), with speech inside the clip on both sides
    const j0 = Math.ceil(s / fs);
    const j1 = Math.floor(e / fs);
    let seenSpeech = false;
    run = 0;
    let pending = false;
    for (let j = j0; j < j1; j++) {
      if (d[j]) {
        if (pending) cuts++;
        pending = false;
        seenSpeech = true;
        run = 0;
      } else if (seenSpeech && ++run >= need) pending = true;
    }
  }
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  return {
    accuracy: (tp + tn) / (tp + tn + fp + fn),
    precision,
    recall,
    f1: (2 * precision * recall) / Math.max(1e-12, precision + recall),
    delays,
    missed: missed / regions.length,
    cuts,
  };
}

const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

// ---- cost facts ------------------------------------------------------------------------------------------------
function duBytes(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(p)) n += duBytes(join(p, e));
  return n;
}
const PACKAGES = {
  energy: { packages: [], license: 'Apache-2.0 (this project)' },
  webrtc: { packages: ['@echogarden/fvad-wasm'], license: 'BSD-3-Clause (libfvad / WebRTC)' },
  silero: {
    packages: ['onnxruntime-web', 'onnxruntime-common', '@ricky0123/vad-web', 'protobufjs', '@protobufjs', 'flatbuffers', 'long', 'guid-typescript', 'platform'],
    license: 'MIT model (Silero) + MIT runtime (onnxruntime-web) + ISC (vad-web, ships the .onnx)',
  },
};
const sizeMb = (kind) => PACKAGES[kind].packages.reduce((s, p) => s + duBytes(join(root, 'node_modules', p)), 0) / 2 ** 20;
/** Cold load in a fresh process: import of our module, the package and the model, to the first decision. */
function coldLoadMs(spec) {
  const code = `const t0=performance.now();const {createVad}=await import(${JSON.stringify(pathToFileURL(join(dist, 'stream', 'vad.js')).href)});` +
    `const v=await createVad(${JSON.stringify(parseSpec(spec))});await v.accept(new Float32Array(1600));await v.flush();` +
    `console.log(performance.now()-t0);v.dispose();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : NaN;
}

// ---- run -------------------------------------------------------------------------------------------------------
const speechSeconds = speechSamples / RATE;
const lines = [];
const say = (s) => {
  lines.push(s);
  console.log(s);
};
say(
  `stream: ${(total / RATE).toFixed(1)} s, ${fsdd.length} FSDD + ${lj.length} LJ clips (${speechSeconds.toFixed(1)} s speech, ` +
    `${(100 * speechSeconds / (total / RATE)).toFixed(0)}%), gaps 0.3-2 s, seed ${seed}; LJ edges trimmed ${trimmedSeconds.toFixed(2)} s in all`,
);
say(`frames 10 ms; eos = end-of-speech delay with ${hangover} s of non-speech; cuts = such silences inside a clip, per minute of speech`);
const results = [];
const sweep = [0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2];
const sweepRows = [];
const header = `${'detector'.padEnd(14)} ${'noise'.padEnd(6)} ${'SNR'.padStart(4)} ${'acc'.padStart(6)} ${'prec'.padStart(6)} ${'recall'.padStart(6)} ${'F1'.padStart(6)} ${'eos med'.padStart(8)} ${'eos p90'.padStart(8)} ${'miss%'.padStart(6)} ${'cuts/min'.padStart(8)}`;
say('');
say(header);
const cost = [];
for (const spec of vadSpecs) {
  const opts = parseSpec(spec);
  const vad = await createVad(opts);
  let cpu = 0;
  let wall = 0;
  let audio = 0;
  const f1s = [];
  const sweepAcc = sweep.map(() => ({ delays: [], missed: 0, cuts: 0, n: 0 }));
  for (const c of conditions) {
    const x = streamAt(c.noise, c.snr);
    const r = await runVad(vad, x);
    cpu += r.cpu;
    wall += r.wall;
    audio += x.length / RATE;
    const s = score(r.speech, vad.frameSamples, hangover);
    if (c.noise !== 'clean') f1s.push(s.f1);
    results.push({ vad: spec, noise: c.noise, snr: c.snr, accuracy: s.accuracy, precision: s.precision, recall: s.recall, f1: s.f1, eos_median: pct(s.delays, 0.5), eos_p90: pct(s.delays, 0.9), missed: s.missed, cuts_per_min: s.cuts / (speechSeconds / 60) });
    say(
      `${spec.padEnd(14)} ${c.noise.padEnd(6)} ${(Number.isFinite(c.snr) ? String(c.snr) : '-').padStart(4)} ${(100 * s.accuracy).toFixed(1).padStart(6)} ${(100 * s.precision).toFixed(1).padStart(6)} ` +
        `${(100 * s.recall).toFixed(1).padStart(6)} ${(100 * s.f1).toFixed(1).padStart(6)} ${(1000 * pct(s.delays, 0.5)).toFixed(0).padStart(5)} ms ${(1000 * pct(s.delays, 0.9)).toFixed(0).padStart(5)} ms ` +
        `${(100 * s.missed).toFixed(0).padStart(6)} ${(s.cuts / (speechSeconds / 60)).toFixed(2).padStart(8)}`,
    );
    {
      sweep.forEach((h, i) => {
        const t = score(r.speech, vad.frameSamples, h);
        sweepAcc[i].delays.push(...t.delays);
        sweepAcc[i].missed += t.missed;
        sweepAcc[i].cuts += t.cuts;
        sweepAcc[i].n++;
      });
    }
  }
  vad.dispose();
  sweepRows.push({ spec, acc: sweepAcc });
  cost.push({ spec, kind: opts.kind, cpuRt: cpu / audio, wallRt: wall / audio, meanF1: f1s.reduce((a, b) => a + b, 0) / f1s.length, minF1: Math.min(...f1s), load: coldLoadMs(spec) });
}

say('');
say(`trailing silence sweep over all ${conditions.length} conditions: eos median (ms) / cuts per minute of speech, per hangover`);
say(`${'detector'.padEnd(14)} ${sweep.map((h) => `${h.toFixed(1)} s`.padStart(14)).join(' ')}`);
for (const { spec, acc } of sweepRows) {
  say(`${spec.padEnd(14)} ${acc.map((a) => `${(1000 * pct(a.delays, 0.5)).toFixed(0)}/${(a.cuts / a.n / (speechSeconds / 60)).toFixed(2)}`.padStart(14)).join(' ')}`);
}

say('');
say(`${'detector'.padEnd(14)} ${'mean F1'.padStart(8)} ${'min F1'.padStart(7)} ${'CPU xRT'.padStart(8)} ${'load ms'.padStart(8)} ${'disk MB'.padStart(8)}  license`);
for (const c of cost) {
  say(
    `${c.spec.padEnd(14)} ${(100 * c.meanF1).toFixed(1).padStart(8)} ${(100 * c.minF1).toFixed(1).padStart(7)} ${c.cpuRt.toFixed(4).padStart(8)} ${c.load.toFixed(0).padStart(8)} ${sizeMb(c.kind).toFixed(2).padStart(8)}  ${PACKAGES[c.kind].license}`,
  );
}
say('(mean/min F1 over the noisy conditions; CPU xRT = CPU seconds per audio second, 100 ms blocks; load = cold, in a fresh process, to the first decision)');
if (flag('--json')) console.log(JSON.stringify({ results, cost }));
