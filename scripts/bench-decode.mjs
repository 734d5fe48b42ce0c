#!/usr/bin/env node
// CTC decoding speed: real-time factor of the prefix beam search at beam 16 with a 3-gram LM, on 100 s of
// synthetic 40 ms posteriors over 30 tokens (blank, |, a-z, ', <unk>), one core. Also greedy, beam 16 without
// the LM and beam 64 with it, and the word error rate of each against the sentence the posteriors were made
// from (so the speed is measured on a search that does its job).
// Usage: npm run bench -- decode [--seconds 100] [--runs 5]
// Goal (issue 5): 100 s of audio decoded in under 0.5 s on one core at beam 16 with a 3-gram LM.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateText } from './bench-lm.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Posteriors `[frames, 30]` spelling `words` at about 40 ms per frame: one or two frames per letter, blanks
 * between some, `|` between words; the right token gets 0.55-0.97, a wrong letter part of the rest, and one
 * frame in ten is truly ambiguous (the wrong letter slightly ahead).
 */
function makePosteriors(tokens, words, frames, seed) {
  const r = rng(seed);
  const V = tokens.length;
  const id = new Map(tokens.map((t, i) => [t, i]));
  const path = [0];
  for (const w of words) {
    for (const ch of w) {
      path.push(id.get(ch));
      if (r() < 0.3) path.push(id.get(ch));
      if (r() < 0.5) path.push(0);
    }
    path.push(id.get('|'));
    if (r() < 0.3) path.push(0);
  }
  const T = Math.min(frames, path.length);
  const lp = new Float32Array(T * V);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let t = 0; t < T; t++) {
    const target = path[t];
    const wrong = target >= 2 ? id.get(letters[Math.floor(r() * 26)]) : id.get(letters[Math.floor(r() * 26)]);
    let pTarget = 0.55 + 0.42 * r();
    let pWrong = (1 - pTarget) * 0.6;
    if (target >= 2 && r() < 0.1) {
      pTarget = 0.4;
      pWrong = 0.45;
    }
    const rest = 1 - pTarget - pWrong;
    const noise = Array.from({ length: V }, () => r() + 0.05);
    noise[target] = 0;
    noise[wrong] = 0;
    const ns = noise.reduce((a, b) => a + b, 0);
    for (let v = 0; v < V; v++) {
      const p = v === target ? pTarget : v === wrong && wrong !== target ? pWrong : (rest * noise[v]) / ns;
      lp[t * V + v] = Math.log(Math.max(p, 1e-12));
    }
  }
  return { lp, frames: T };
}

function wer(ref, hyp) {
  const a = ref.split(' ');
  const b = hyp.split(' ').filter((x) => x);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length] / a.length;
}

async function child() {
  const lmLib = await import(join(dist, 'lm', 'index.js'));
  const dec = await import(join(dist, 'decode', 'index.js'));
  const seconds = Number(arg('--seconds', '100'));
  const runs = Number(arg('--runs', '5'));
  const dir = mkdtempSync(join(tmpdir(), 'asr-bench-decode-'));
  try {
    // A 3-gram LM of text like the utterance (words spelled with letters), not timed.
    const textPath = join(dir, 'lm.txt');
    generateText(textPath, 1_000_000, 20_000, 7);
    const t0 = performance.now();
    const { lm } = lmLib.buildKneserNey(lmLib.corpusFromFile(textPath), { order: 3, discountFallback: [] });
    const lmSeconds = (performance.now() - t0) / 1000;
    const utterance = join(dir, 'utt.txt');
    generateText(utterance, 4000, 20_000, 7);
    const { readFileSync } = await import('node:fs');
    const refWords = readFileSync(utterance, 'utf8').split(/\s+/).filter((w) => w);
    const tokens = ['<blank>', '|', ...'abcdefghijklmnopqrstuvwxyz', "'", '<unk>'];
    const frames = Math.round(seconds / 0.04);
    const { lp, frames: T } = makePosteriors(tokens, refWords, frames, 11);
    // The reference is what the frames spell (the last word may be cut).
    const spelled = dec.greedyDecode(lp, T, dec.createTokenSet(tokens)).hypotheses[0];
    const nWords = spelled.words.length;
    const reference = refWords.slice(0, nWords).join(' ');
    const audioSeconds = T * 0.04;
    console.log(`posteriors: ${audioSeconds.toFixed(1)} s of audio, ${T} frames of 40 ms, ${tokens.length} tokens, ${nWords} words; LM: 3-gram, ${lm.counts.join('/')} n-grams (built in ${lmSeconds.toFixed(1)} s, not timed)`);
    const configs = [
      ['greedy', { mode: 'greedy' }],
      ['beam 16, no LM', { beamWidth: 16 }],
      ['beam 16 + 3-gram LM', { beamWidth: 16, lm, lmWeight: 0.5, wordBonus: 1 }],
      ['beam 64 + 3-gram LM', { beamWidth: 64, lm, lmWeight: 0.5, wordBonus: 1 }],
    ];
    const out = {};
    for (const [name, opts] of configs) {
      const decoder = dec.createCtcDecoder(tokens, opts);
      decoder.decode(lp, T); // warm-up
      const times = [];
      let text = '';
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        text = decoder.decode(lp, T).hypotheses[0].text;
        times.push((performance.now() - t) / 1000);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      const w = wer(reference, text);
      console.log(`${name}: ${median.toFixed(3)} s for ${audioSeconds.toFixed(0)} s (RTF ${(median / audioSeconds).toFixed(4)}, ${(audioSeconds / median).toFixed(0)}x real time), WER ${(100 * w).toFixed(1)}%`);
      out[name] = { seconds: +median.toFixed(4), rtf: +(median / audioSeconds).toFixed(5), wer: +w.toFixed(4) };
    }
    console.log(JSON.stringify({ audio_seconds: audioSeconds, ...out }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child();
else {
  // One core, like the goal says.
  const oneCore = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const self = fileURLToPath(import.meta.url);
  const args = [self, '--child', ...process.argv.slice(2)];
  const r = oneCore ? spawnSync('taskset', ['-c', '0', process.execPath, ...args], { stdio: 'inherit' }) : spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (!oneCore) console.log('(taskset not available: not pinned to one core)');
  process.exit(r.status ?? 1);
}
