#!/usr/bin/env node
// Synthesis speed per engine: seconds of audio per CPU second, engine alone and with the whole pseudo-speaker and
// channel pipeline (resample to 16 kHz, speed, warp, room, noise, telephone), on sentences of the shipped corpus;
// then a whole `asr data synth` run on worker threads (audio seconds per wall second).
// Usage: npm run bench -- synth [--sentences 12] [--corpus-lines 40] [--jobs 2]
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  engineFor, findVoice, renderTask, pseudoSpeaker, drawAugmentation, AUGMENT_PROFILES, synthesizeCorpus, resolveVoices,
  augmentProfile, voiceUnavailable,
} from '../dist/data/index.js';
import { createRng } from '../dist/util/random.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const nSentences = arg('sentences', 12);
const corpusLines = arg('corpus-lines', 40);
const jobs = arg('jobs', 2);
const corpus = readFileSync(join(root, 'recipes', 'common', 'text', 'wordnet-examples.txt'), 'utf8').trim().split('\n');
// a spread of lengths: every 997th sentence
const sentences = Array.from({ length: nSentences }, (_, i) => corpus[(i * 997) % corpus.length]);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const engines = [
  ['espeak', ['espeak:en-us+m3', 'espeak:en-gb-scotland+f2', 'espeak:en-029+klatt']],
  ['flite', ['flite:awb', 'flite:rms']],
  ['gnuspeech', ['gnuspeech:male', 'gnuspeech:female']],
  ['festival', ['festival:ked_diphone']],
];

console.log(`synthesis speed, ${nSentences} corpus sentences per engine, one thread: seconds of audio per CPU second`);
console.log('(festival runs as a child process, which the CPU figure leaves out: its wall-clock figure is the one to read)');
console.log(`${'engine'.padEnd(10)} ${'audio s'.padStart(8)} ${'engine/CPU'.padStart(11)} ${'engine/wall'.padStart(12)} ${'+pipeline/CPU'.padStart(14)}`);
for (const [engine, voiceIds] of engines) {
  const voices = voiceIds.map(findVoice).filter((v) => v && !voiceUnavailable(v));
  if (voices.length === 0) {
    console.log(`${engine.padEnd(10)} (not installed here: ${findVoice(voiceIds[0])?.install ?? ''})`);
    continue;
  }
  // warm-up: module loading and JIT are a one-off cost per worker, not per utterance
  for (let i = 0; i < 3; i++) await engineFor(engine).synthesize(sentences[i], voices[i % voices.length].engineVoice, {}, 0);
  let audio = 0;
  const t0 = cpu();
  const w0 = performance.now();
  for (let i = 0; i < sentences.length; i++) {
    const v = voices[i % voices.length];
    const a = await engineFor(engine).synthesize(sentences[i], v.engineVoice, {}, i);
    audio += a.samples.length / a.sampleRate;
  }
  const engineCpu = cpu() - t0;
  const engineWall = (performance.now() - w0) / 1000;
  let audio16 = 0;
  const t1 = cpu();
  for (let i = 0; i < sentences.length; i++) {
    const v = voices[i % voices.length];
    const spk = pseudoSpeaker(v, 1 + (i % 7), 1);
    const task = {
      id: `b${i}`, line: i + 1, replica: 0, spoken: sentences[i], transcript: '', voiceId: v.id, speakerId: spk.id,
      params: spk.params, speed: spk.speed, warp: spk.warp, augmentation: drawAugmentation(AUGMENT_PROFILES.heavy, createRng(i)), seed: i, wav: '',
    };
    audio16 += (await renderTask(task)).length / 16000;
  }
  const fullCpu = cpu() - t1;
  console.log(`${engine.padEnd(10)} ${audio.toFixed(1).padStart(8)} ${(audio / engineCpu).toFixed(1).padStart(10)}x ${(audio / engineWall).toFixed(1).padStart(11)}x ${(audio16 / fullCpu).toFixed(1).padStart(13)}x`);
}

// a whole corpus run, as `asr data synth` does it
const dir = mkdtempSync(join(tmpdir(), 'asr-bench-synth-'));
try {
  const text = join(dir, 'lines.txt');
  writeFileSync(text, `${corpus.slice(0, corpusLines).join('\n')}\n`);
  const w0 = Date.now();
  const r = await synthesizeCorpus({
    textFile: text, outDir: join(dir, 'out'), voices: resolveVoices('default'), perLine: 2, seed: 1, speakersPerVoice: 8,
    augment: { name: 'default', profile: augmentProfile('default') }, jobs,
  });
  const wall = (Date.now() - w0) / 1000;
  console.log(
    `\nasr data synth (default voices, --per-line 2, --jobs ${jobs}): ${r.utterances} utterances, ${r.seconds.toFixed(0)} s of audio in ${wall.toFixed(1)} s wall = ${(r.seconds / wall).toFixed(1)}x real time`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
