#!/usr/bin/env node
// N-gram LM speed and memory: build time and peak memory of a 3-gram modified Kneser-Ney model from a generated
// text of 10 million words; ARPA load time and peak memory for a model of about 4 million n-grams; binary load
// time of the same model. Each measurement runs in a fresh process (peak RSS is that process's).
// Usage: npm run bench -- lm [--words 10000000] [--order 3]
// Goals (issue 5): ARPA load under 10 s and 600 MB RSS, binary load under 1 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};

/** Child modes: one measured job per process. Prints one JSON line. */
async function child(mode, a, b, c) {
  const lm = await import(join(dist, 'lm', 'index.js'));
  const t0 = performance.now();
  const out = { mode };
  if (mode === 'build') {
    const corpus = lm.corpusFromFile(a);
    out.readSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const { lm: model } = lm.buildKneserNey(corpus, { order: Number(c), discountFallback: [] });
    out.estimateSeconds = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    lm.writeArpaFile(model, b);
    out.writeSeconds = (performance.now() - t2) / 1000;
    out.ngrams = model.counts;
    out.words = corpus.words;
  } else if (mode === 'load-arpa') {
    const model = lm.readArpaFile(a);
    out.ngrams = model.counts;
  } else if (mode === 'binarize') {
    lm.writeBinaryLm(lm.readArpaFile(a), b);
  } else if (mode === 'load-bin') {
    const model = lm.readBinaryLm(a);
    // Touch the model: one query, so nothing is lazily deferred.
    const s = lm.beginState(model);
    out.check = lm.scoreWord(model, s, 3, lm.nullState(model));
    out.ngrams = model.counts;
  }
  out.seconds = (performance.now() - t0) / 1000;
  out.maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(out));
}

function run(mode, ...args) {
  const oneCore = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const cmd = oneCore ? 'taskset' : process.execPath;
  const argv = [...(oneCore ? ['-c', '0', process.execPath] : []), '--max-old-space-size=8192', fileURLToPath(import.meta.url), '--child', mode, ...args.map(String)];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * A text with a Zipf vocabulary and some word-to-word structure (so it has the long tail of n-grams real text
 * has), deterministic from a seed.
 */
function generateText(path, words, vocabSize, seed) {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const cdf = new Float64Array(vocabSize);
  let sum = 0;
  for (let i = 0; i < vocabSize; i++) cdf[i] = sum += 1 / (i + 1.5);
  for (let i = 0; i < vocabSize; i++) cdf[i] /= sum;
  const zipf = () => {
    const u = rnd();
    let lo = 0;
    let hi = vocabSize - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cdf[m] < u) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'si', 'de', 'po', 'an', 'el', 'or', 'um', 'is', 'at'];
  const name = (i) => {
    let w = '';
    let x = i + 1;
    while (x > 0) {
      w += syll[x % 16];
      x = Math.floor(x / 16);
    }
    return w;
  };
  const names = Array.from({ length: vocabSize }, (_, i) => name(i));
  const fd = openSync(path, 'w');
  let buf = '';
  let prev = 0;
  for (let n = 0; n < words; ) {
    const len = 4 + Math.floor(rnd() * 22);
    const line = [];
    for (let j = 0; j < len && n < words; j++, n++) {
      // Words follow their predecessor often, as in real text.
      const w = rnd() < 0.35 ? (prev * 31 + 7 + Math.floor(rnd() * 3)) % vocabSize : zipf();
      line.push(names[w]);
      prev = w;
    }
    buf += line.join(' ') + '\n';
    if (buf.length > 1 << 22) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

async function main() {
  const words = Number(arg('--words', '10000000'));
  const order = Number(arg('--order', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'asr-bench-lm-'));
  try {
    const text = join(dir, 'text.txt');
    generateText(text, words, 200000, 1);
    console.log(`text: ${(words / 1e6).toFixed(1)}M generated words, ${(statSync(text).size / 1e6).toFixed(0)} MB`);
    const arpa = join(dir, 'big.arpa');
    const b = run('build', text, arpa, order);
    const total = b.ngrams.reduce((x, y) => x + y, 0);
    console.log(
      `lm build (order ${order}): ${b.seconds.toFixed(1)} s (read ${b.readSeconds.toFixed(1)} s, estimate ${b.estimateSeconds.toFixed(1)} s, write ARPA ${b.writeSeconds.toFixed(1)} s), ` +
        `peak RSS ${b.maxRssMB.toFixed(0)} MB, ${(total / 1e6).toFixed(2)}M n-grams [${b.ngrams.join(', ')}], ARPA ${(statSync(arpa).size / 1e6).toFixed(0)} MB`,
    );
    // A model of about 4 million n-grams: a 3-gram model of a shorter text of the same kind.
    const text4 = join(dir, 'text4.txt');
    generateText(text4, Number(arg('--words-4m', '2600000')), 200000, 2);
    const arpa4 = join(dir, 'four.arpa');
    const b4 = run('build', text4, arpa4, 3);
    const total4 = b4.ngrams.reduce((x, y) => x + y, 0);
    const l = run('load-arpa', arpa4);
    console.log(`ARPA load: ${(total4 / 1e6).toFixed(2)}M n-grams (${(statSync(arpa4).size / 1e6).toFixed(0)} MB): ${l.seconds.toFixed(2)} s, peak RSS ${l.maxRssMB.toFixed(0)} MB (goal: < 10 s, < 600 MB)`);
    const bin = join(dir, 'four.bin');
    run('binarize', arpa4, bin);
    const lb = run('load-bin', bin);
    console.log(`binary load: ${(statSync(bin).size / 1e6).toFixed(0)} MB file: ${lb.seconds.toFixed(3)} s, peak RSS ${lb.maxRssMB.toFixed(0)} MB (goal: < 1 s)`);
    console.log(
      JSON.stringify({
        build_words: words,
        build_seconds: +b.seconds.toFixed(2),
        build_peak_rss_mb: Math.round(b.maxRssMB),
        build_ngrams: total,
        arpa_load_ngrams: total4,
        arpa_load_seconds: +l.seconds.toFixed(2),
        arpa_load_peak_rss_mb: Math.round(l.maxRssMB),
        binary_load_seconds: +lb.seconds.toFixed(3),
        binary_load_peak_rss_mb: Math.round(lb.maxRssMB),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5], process.argv[6]);
  else await main();
}

export { generateText };
