#!/usr/bin/env node
// How intelligible each TTS voice is to a recognizer trained on real speech: every voice reads the same sentences
// (clean, as the voice comes: no pseudo-speaker, no augmentation), and Debian's PocketSphinx (en-us acoustic model,
// its general English LM) transcribes them; WER by `asr wer`. A peer's view of how far a voice is from speech.
// Usage: npm run bench -- intelligibility --voices festival:ked_diphone,phone-mapped,espeak:en-us [--sentences 20]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineFor, resolveVoices } from '../dist/data/index.js';
import { encodeWav } from '../dist/audio/write.js';
import { PS_HMM, PS_LM, pocketsphinxBatch, requireFiles, runner } from './lib/pocketsphinx.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const voices = resolveVoices(arg('voices', 'festival:ked_diphone,phone-mapped'));
const n = Number(arg('sentences', '20'));
requireFiles('bench-intelligibility', [['pocketsphinx_batch', '/usr/bin/pocketsphinx_batch'], ['sox', '/usr/bin/sox'], ['the en-us model', PS_HMM], ['its LM', PS_LM]]);
const run = runner('bench-intelligibility');
// a spread of the shipped corpus: every 997th sentence
const corpus = readFileSync(join(root, 'recipes', 'common', 'text', 'wordnet-examples.txt'), 'utf8').trim().split('\n');
const sentences = Array.from({ length: n }, (_, i) => corpus[(i * 997 + 500) % corpus.length]);
const tmp = mkdtempSync(join(tmpdir(), 'bench-intel-'));
try {
  const ids = sentences.map((_, i) => `s${String(i).padStart(3, '0')}`);
  writeFileSync(join(tmp, 'ref.txt'), sentences.map((s, i) => `${ids[i]} ${s}`).join('\n') + '\n');
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
    const hyp = pocketsphinxBatch(run, tmp, ids, ['-lm', PS_LM]);
    writeFileSync(join(tmp, 'hyp.txt'), ids.map((id) => `${id} ${hyp.get(id) ?? ''}`).join('\n') + '\n');
    const r = JSON.parse(run(process.execPath, [join(root, 'bin', 'asr.js'), 'wer', join(tmp, 'ref.txt'), join(tmp, 'hyp.txt'), '--json']).stdout);
    console.log(`| ${v.id} | ${r.wer.toFixed(2)} | ${r.errors} (${r.sub}/${r.del}/${r.ins}) | ${seconds.toFixed(1)} |`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
