#!/usr/bin/env node
// How intelligible each TTS voice is to a recognizer trained on real speech: every voice reads the same sentences
// (clean, as the voice comes: no pseudo-speaker, no augmentation), and Debian's PocketSphinx (en-us acoustic model,
// its general English LM) transcribes them; WER by `asr wer`. A peer's view of how far a voice is from speech.
// Usage: npm run bench -- intelligibility --voices festival:ked_diphone,phone-mapped,espeak:en-us [--sentences 20]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineFor, resolveVoices } from '../dist/data/index.js';
import { encodeWav } from '../dist/audio/write.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const voices = resolveVoices(arg('voices', 'festival:ked_diphone,phone-mapped'));
const n = Number(arg('sentences', '20'));
const M = '/usr/share/pocketsphinx/model/en-us';
for (const p of ['/usr/bin/pocketsphinx_batch', '/usr/bin/sox', `${M}/en-us.lm.bin`]) {
  if (!existsSync(p)) {
    console.error(`bench-intelligibility: ${p} is missing (apt-get install pocketsphinx pocketsphinx-en-us sox)`);
    process.exit(1);
  }
}
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    console.error(`bench-intelligibility: ${cmd} ${args.slice(0, 3).join(' ')} ...: exit ${r.status}\n${(r.stderr || '').split('\n').slice(-5).join('\n')}`);
    process.exit(1);
  }
  return r;
};
// a spread of the shipped corpus: every 997th sentence
const corpus = readFileSync(join(root, 'recipes', 'common', 'text', 'wordnet-examples.txt'), 'utf8').trim().split('\n');
const sentences = Array.from({ length: n }, (_, i) => corpus[(i * 997 + 500) % corpus.length]);
const tmp = mkdtempSync(join(tmpdir(), 'bench-intel-'));
try {
  const ids = sentences.map((_, i) => `s${String(i).padStart(3, '0')}`);
  writeFileSync(join(tmp, 'ref.txt'), sentences.map((s, i) => `${ids[i]} ${s}`).join('\n') + '\n');
  writeFileSync(join(tmp, 'ctl'), ids.join('\n') + '\n');
  console.log(`${n} WordNet sentences (every 997th of recipes/common/text/wordnet-examples.txt), clean renderings, PocketSphinx en-us + general LM`);
  console.log('| voice | %WER | errors (sub/del/ins) | audio s |');
  console.log('|---|---|---|---|');
  for (const v of voices) {
    const engine = engineFor(v.engine);
    let seconds = 0;
    for (let i = 0; i < n; i++) {
      const a = await engine.synthesize(sentences[i], v.engineVoice, {}, 0);
      seconds += a.samples.length / a.sampleRate;
      writeFileSync(join(tmp, 'raw.wav'), encodeWav(a.samples, a.sampleRate));
      run('sox', ['-D', '-G', join(tmp, 'raw.wav'), '-r', '16000', '-c', '1', '-b', '16', join(tmp, `${ids[i]}.wav`)]);
    }
    run('pocketsphinx_batch', ['-adcin', 'yes', '-cepdir', tmp, '-cepext', '.wav', '-ctl', join(tmp, 'ctl'), '-hmm', `${M}/en-us`,
      '-dict', `${M}/cmudict-en-us.dict`, '-lm', `${M}/en-us.lm.bin`, '-hyp', join(tmp, 'hyp'), '-logfn', join(tmp, 'log')]);
    const hyp = new Map(readFileSync(join(tmp, 'hyp'), 'utf8').split('\n').filter(Boolean).map((l) => {
      const m = /^(.*?)\s*\((\S+)\s+[-\d]+\)\s*$/.exec(l);
      return m ? [m[2], m[1].replace(/\(\d+\)/g, '').trim()] : ['', ''];
    }));
    writeFileSync(join(tmp, 'hyp.txt'), ids.map((id) => `${id} ${hyp.get(id) ?? ''}`).join('\n') + '\n');
    const r = JSON.parse(run(process.execPath, [join(root, 'bin', 'asr.js'), 'wer', join(tmp, 'ref.txt'), join(tmp, 'hyp.txt'), '--json']).stdout);
    console.log(`| ${v.id} | ${r.wer.toFixed(2)} | ${r.errors} (${r.sub}/${r.del}/${r.ins}) | ${seconds.toFixed(1)} |`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
